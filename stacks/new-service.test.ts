// Adding a service is a catalogue entry and its config, no platform code: a catalogue with one more
// stateful service (Langfuse, which the backend connects to) gets, on Docker, a volume, a container in
// start order and its URL in the backend's environment, and on Kubernetes a StatefulSet with a
// claim, network flows and a scrape target.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadStackConfig } from "../infra/config/load";
import { ANY_PATH } from "../infra/host";
import { deployedServices, startOrder } from "../infra/graph";
import { scrapeTargets } from "../infra/monitoring/targets";
import { programFor } from "../program";
import { CATALOGUE_WITH_LANGFUSE, LANGFUSE, withLangfuse } from "../test/fixtures/catalogue-with-langfuse";
import { ofType, planStack, rawConfig, rawResource, stackValues, type ParsedPlan } from "../tools/test-support";

const custom = { program: programFor(CATALOGUE_WITH_LANGFUSE), catalogue: CATALOGUE_WITH_LANGFUSE };
let dev: ParsedPlan;
let staging: ParsedPlan;
beforeAll(async () => {
  dev = await planStack("dev", withLangfuse(stackValues("dev")), custom);
  staging = await planStack("staging", withLangfuse(stackValues("staging")), custom);
});

describe("a stateful service added to the catalogue", () => {
  it("needs its per-service keys in config, which the schema builds from the catalogue", () => {
    const { config, secretKeys } = rawConfig("dev");
    const result = loadStackConfig(config, secretKeys, "jarvis", {
      catalogue: CATALOGUE_WITH_LANGFUSE,
      host: ANY_PATH,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.key)).toEqual([
      "jarvis:addresses.langfuse",
      "jarvis:images.langfuse",
      "jarvis:ports.langfuse",
      "jarvis:resources.langfuse",
      "jarvis:volumes.langfuse",
    ]);
  });

  it("gets a named volume and a container that mounts it on Docker", () => {
    const volume = rawResource(dev, "docker:index/volume:Volume", "volumes-langfuse");
    expect(volume.inputs.name).toBe("jarvis-langfuse-data");
    expect(volume.retainOnDelete).toBe(true);
    const container = rawResource(dev, "docker:index/container:Container", "langfuse");
    expect(container.inputs.mounts).toEqual([
      { type: "volume", source: "jarvis-langfuse-data", target: LANGFUSE.dataPaths.data, readOnly: false },
    ]);
    expect(container.inputs.networksAdvanced).toEqual([
      { name: "jarvis-network", aliases: ["langfuse"], ipv4Address: "172.20.0.185" },
    ]);
    expect(container.inputs.healthcheck.tests).toEqual([
      "CMD",
      "wget",
      "--quiet",
      "--spider",
      "http://localhost:3400/ready",
    ]);
  });

  it("starts before the backend, which gets its URL", () => {
    const order = startOrder(CATALOGUE_WITH_LANGFUSE, deployedServices(CATALOGUE_WITH_LANGFUSE, "docker"));
    expect(order.indexOf("langfuse")).toBeLessThan(order.indexOf("backend"));
    const backend = rawResource(dev, "docker:index/container:Container", "backend");
    expect(backend.dependencies).toContain(
      "urn:pulumi:dev::jarvis::jarvis:docker:ServiceContainer$docker:index/container:Container::langfuse",
    );
    expect(backend.inputs.envs).toContain("LANGFUSE_URL=http://jarvis-langfuse:3400");
  });

  it("gets a StatefulSet with a volume claim of its size on Kubernetes", () => {
    const set = rawResource(staging, "kubernetes:apps/v1:StatefulSet", "langfuse");
    expect(set.inputs.metadata.name).toBe("jarvis-langfuse");
    expect(set.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
    expect(set.inputs.spec.template.spec.containers[0].volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/langfuse",
      subPath: "langfuse",
    });
    expect(
      ofType(staging, "kubernetes:core/v1:Service").some((s) => s.inputs.metadata.name === "jarvis-langfuse"),
    ).toBe(true);
  });

  it("gets network flows from the backend and from the scraper, and egress to nothing but DNS", () => {
    const policy = rawResource(staging, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "network-langfuse").inputs
      .spec;
    const sources = policy.ingress.map((r: any) => [
      r.from[0].podSelector.matchLabels["app.kubernetes.io/name"],
      r.ports[0].port,
    ]);
    expect(sources).toEqual([
      ["backend", 3400],
      ["prometheus", 3400],
    ]);
    expect(policy.egress).toHaveLength(1);
    expect(policy.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "kube-system",
    });
    const backend = rawResource(staging, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "network-backend").inputs
      .spec;
    expect(backend.egress).toContainEqual({
      to: [
        {
          podSelector: {
            matchLabels: { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "staging" },
          },
        },
      ],
      ports: [{ port: 3400, protocol: "TCP" }],
    });
  });

  it("is a scrape target, on the port of its config", () => {
    const { config, secretKeys, projectDefaults } = rawConfig("staging", withLangfuse(stackValues("staging")));
    const loaded = loadStackConfig(config, secretKeys, "jarvis", {
      catalogue: CATALOGUE_WITH_LANGFUSE,
      host: ANY_PATH,
      projectDefaults,
    });
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    const targets = scrapeTargets(
      CATALOGUE_WITH_LANGFUSE,
      loaded.config.ports,
      deployedServices(CATALOGUE_WITH_LANGFUSE, "kubernetes"),
    );
    expect(targets).toContainEqual({ service: "langfuse", port: 3400, path: "/metrics" });
    // The datastores without a metrics endpoint through their exporters' sidecars; Ollama is not.
    expect(targets.map((t) => t.service).sort()).toEqual([
      "alloy",
      "backend",
      "interface",
      "langfuse",
      "loki",
      "postgres-exporter",
      "qdrant",
      "redis-exporter",
      "stt",
      "timescale-exporter",
      "tts",
    ]);
  });

  it("is scraped by the dev Prometheus, by container name, with no monitoring code changed", () => {
    const prometheus = rawResource(dev, "docker:index/container:Container", "prometheus");
    const uploads = prometheus.inputs.uploads as { file: string; content: string }[];
    const config = parse(uploads.find((u) => u.file === "/etc/prometheus/prometheus.yml")!.content);
    expect(config.scrape_configs).toContainEqual({
      job_name: "langfuse",
      metrics_path: "/metrics",
      static_configs: [{ targets: ["jarvis-langfuse:3400"], labels: { service: "langfuse" } }],
    });
    const rules = parse(uploads.find((u) => u.file === "/etc/prometheus/rules/jarvis.yml")!.content);
    const down = rules.groups.flatMap((g: { rules: { alert?: string; labels?: { service?: string } }[] }) => g.rules);
    expect(down).toContainEqual(
      expect.objectContaining({ alert: "ServiceDown", labels: expect.objectContaining({ service: "langfuse" }) }),
    );
    const grafana = rawResource(dev, "docker:index/container:Container", "grafana");
    const dashboard = (grafana.inputs.uploads as { file: string; content: string }[]).find((u) =>
      u.file.endsWith("/jarvis.json"),
    )!.content;
    expect(JSON.parse(dashboard).panels.map((p: { title: string }) => p.title)).toContain(LANGFUSE.title);
  });
});
