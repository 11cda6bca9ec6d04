// summary.md of the shipped stacks: one row per service, from what the program registered.
import { beforeAll, describe, expect, it } from "vitest";
import { shippedPlan } from "../test-support";
import type { ResourceEntry } from "./files";
import { planSummary } from "./summary";

const summaries: Record<string, string> = {};
beforeAll(async () => {
  for (const stack of ["dev", "prod"]) {
    const plan = await shippedPlan(stack);
    summaries[stack] = planSummary(plan.resources as unknown as ResourceEntry[], plan.outputs);
  }
});

/** The table row of `service`, as its cells. */
function row(stack: string, service: string): string[] {
  const line = summaries[stack]!.split("\n").find((l) => l.startsWith(`| ${service} |`));
  if (!line) throw new Error(`no row for ${service} in the ${stack} summary`);
  return line.split(" | ").map((c) => c.replace(/^\| | \|$/g, ""));
}

describe("the dev summary", () => {
  it("shows each container's image reference, the ports it listens on, which are published where, and volumes", () => {
    expect(summaries.dev).toMatch(/^# Plan of dev\n/);
    expect(row("dev", "interface")).toEqual([
      "interface",
      "container",
      "jarvis/interface:1.4.0",
      "1",
      "http 3000<br>websocket 8001",
      "127.0.0.1:3000 → http 3000<br>127.0.0.1:8001 → websocket 8001",
      "—",
    ]);
    // Ports nothing publishes are listed too, by name, in the service's order.
    expect(row("dev", "qdrant").slice(4, 6)).toEqual(["http 6333<br>grpc 6334", "—"]);
    expect(row("dev", "stt").slice(4, 6)).toEqual(["http 8003", "—"]);
    expect(row("dev", "ollama-pull")[4]).toBe("—");
    expect(row("dev", "postgres")[2]).toBe("pgvector/pgvector:0.8.0-pg15");
    expect(row("dev", "postgres")[6]).toContain("volume jarvis-postgres-data → /var/lib/postgresql/data");
    expect(row("dev", "ollama-pull")[1]).toBe("one-shot container");
    expect(summaries.dev).not.toContain("sha256:");
  });

  it("ends with the stack outputs", () => {
    expect(summaries.dev).toContain("## Outputs\n\n- `network.name`: jarvis-network\n");
    expect(summaries.dev).toContain("- `urls.interface`: http://localhost:3000\n");
  });
});

describe("the prod summary", () => {
  it("shows replicas or autoscaling bounds, container ports and public hosts", () => {
    expect(row("prod", "backend")).toEqual([
      "backend",
      "Deployment",
      "registry.example.com/jarvis/backend:1.4.0",
      "3–10 (autoscaled)",
      "http 8000",
      "https://api.jarvis.example.com/",
      "—",
    ]);
    expect(row("prod", "interface")[5]).toBe("https://jarvis.example.com/<br>https://jarvis.example.com/ws");
    expect(row("prod", "stt")[3]).toBe("2");
  });

  it("shows each StatefulSet's claims with the size its claim patch sets, and a job's claim", () => {
    // Its exporter runs beside it, in the same pod.
    expect(row("prod", "postgres").slice(1, 4)).toEqual([
      "StatefulSet",
      "pgvector/pgvector:0.8.0-pg15, prometheuscommunity/postgres-exporter:v0.17.1",
      "1",
    ]);
    expect(row("prod", "postgres")[6]).toBe("claim data 50Gi fast-ssd");
    // The backup's pg_dump step runs in an init container of the TimescaleDB image.
    expect(row("prod", "backup").slice(1, 3)).toEqual([
      "CronJob (0 3 * * *)",
      "timescale/timescaledb:2.21.3-pg15 (init), curlimages/curl:8.15.0",
    ]);
    expect(row("prod", "backup")[6]).toBe("claim jarvis-backups 100Gi fast-ssd");
    expect(summaries.prod).toContain("- `namespace`: jarvis\n");
  });
});

describe("a summary", () => {
  it("lists a published port no listened port names by its number", () => {
    const container = {
      urn: "urn:pulumi:qa::jarvis::docker:index/container:Container::web",
      type: "docker:index/container:Container",
      name: "web",
      custom: true,
      parent: null,
      imageReference: "nginx:1",
      inputs: { ports: [{ internal: 80, external: 8080, ip: "0.0.0.0", protocol: "tcp" }] },
    } as unknown as ResourceEntry;
    expect(planSummary([container], {})).toContain(
      "| web | container | nginx:1 | 1 | 80/tcp | 0.0.0.0:8080 → 80 | — |",
    );
  });

  it("lists an HTTPRoute's hosts as public for the Service it routes to", () => {
    const entry = (type: string, name: string, inputs: Record<string, unknown>, extra = {}) =>
      ({
        urn: `urn:pulumi:qa::jarvis::${type}::${name}`,
        type,
        name,
        custom: true,
        dependencies: [],
        inputs,
        ...extra,
      }) as unknown as ResourceEntry;
    const summary = planSummary(
      [
        entry("kubernetes:apps/v1:Deployment", "web", {
          spec: {
            template: {
              metadata: { labels: { "app.kubernetes.io/name": "web" } },
              spec: { containers: [{ image: "web:1" }] },
            },
          },
        }),
        entry("kubernetes:core/v1:Service", "web", {
          metadata: { name: "jarvis-web" },
          spec: { selector: { "app.kubernetes.io/name": "web" } },
        }),
        entry("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "route", {
          spec: {
            hostnames: ["web.example.com"],
            rules: [{ matches: [{ path: { value: "/" } }], backendRefs: [{ name: "jarvis-web" }] }],
          },
        }),
      ],
      {},
    );
    expect(summary).toContain("| web | Deployment | web:1 | 1 | — | web.example.com/ | — |");
    expect(summary).toMatch(/^# Plan of qa\n/);
  });
});
