// Adding a service is a catalogue entry and its config, no platform code: a catalogue with one more
// stateful service (Loki, which the backend connects to) gets, on Docker, a volume, a container in
// start order and its URL in the backend's environment, and on Kubernetes a StatefulSet with a
// claim, network flows and a scrape target.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadStackConfig } from "../infra/config/load";
import { ANY_PATH } from "../infra/host";
import { deployedServices, startOrder } from "../infra/graph";
import { scrapeTargets } from "../infra/monitoring/targets";
import { programFor } from "../program";
import { CATALOGUE_WITH_LOKI, LOKI, withLoki } from "../test/fixtures/catalogue-with-loki";
import { ofType, planStack, rawConfig, rawResource, stackValues, type ParsedPlan } from "../tools/test-support";

const custom = { program: programFor(CATALOGUE_WITH_LOKI), catalogue: CATALOGUE_WITH_LOKI };
let dev: ParsedPlan;
let staging: ParsedPlan;
beforeAll(async () => {
  dev = await planStack("dev", withLoki(stackValues("dev")), custom);
  staging = await planStack("staging", withLoki(stackValues("staging")), custom);
});

describe("a stateful service added to the catalogue", () => {
  it("needs its per-service keys in config, which the schema builds from the catalogue", () => {
    const { config, secretKeys } = rawConfig("dev");
    const result = loadStackConfig(config, secretKeys, "jarvis", { catalogue: CATALOGUE_WITH_LOKI, host: ANY_PATH });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.key)).toEqual([
      "jarvis:addresses.loki",
      "jarvis:images.loki",
      "jarvis:ports.loki",
      "jarvis:resources.loki",
      "jarvis:volumes.loki",
    ]);
  });

  it("gets a named volume and a container that mounts it on Docker", () => {
    const volume = rawResource(dev, "docker:index/volume:Volume", "volumes-loki");
    expect(volume.inputs.name).toBe("jarvis-loki-data");
    expect(volume.retainOnDelete).toBe(true);
    const container = rawResource(dev, "docker:index/container:Container", "loki");
    expect(container.inputs.mounts).toEqual([
      { type: "volume", source: "jarvis-loki-data", target: LOKI.dataPaths.data, readOnly: false },
    ]);
    expect(container.inputs.networksAdvanced).toEqual([
      { name: "jarvis-network", aliases: ["loki"], ipv4Address: "172.20.0.180" },
    ]);
    expect(container.inputs.healthcheck.tests).toEqual([
      "CMD",
      "wget",
      "--quiet",
      "--spider",
      "http://localhost:3100/ready",
    ]);
  });

  it("starts before the backend, which gets its URL", () => {
    const order = startOrder(CATALOGUE_WITH_LOKI, deployedServices(CATALOGUE_WITH_LOKI, "docker"));
    expect(order.indexOf("loki")).toBeLessThan(order.indexOf("backend"));
    const backend = rawResource(dev, "docker:index/container:Container", "backend");
    expect(backend.dependencies).toContain(
      "urn:pulumi:dev::jarvis::jarvis:docker:ServiceContainer$docker:index/container:Container::loki",
    );
    expect(backend.inputs.envs).toContain("LOKI_URL=http://jarvis-loki:3100");
  });

  it("gets a StatefulSet with a volume claim of its size on Kubernetes", () => {
    const set = rawResource(staging, "kubernetes:apps/v1:StatefulSet", "loki");
    expect(set.inputs.metadata.name).toBe("jarvis-loki");
    expect(set.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
    expect(set.inputs.spec.template.spec.containers[0].volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/loki",
      subPath: "loki",
    });
    expect(ofType(staging, "kubernetes:core/v1:Service").some((s) => s.inputs.metadata.name === "jarvis-loki")).toBe(
      true,
    );
  });

  it("gets network flows from the backend and from the scraper, and egress to nothing but DNS", () => {
    const policy = rawResource(staging, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "network-loki").inputs.spec;
    const sources = policy.ingress.map((r: any) => [
      r.from[0].podSelector.matchLabels["app.kubernetes.io/name"],
      r.ports[0].port,
    ]);
    expect(sources).toEqual([
      ["backend", 3100],
      ["prometheus", 3100],
    ]);
    expect(policy.egress).toHaveLength(1);
    expect(policy.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "kube-system",
    });
    const backend = rawResource(staging, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "network-backend").inputs
      .spec;
    expect(backend.egress).toContainEqual({
      to: [
        { podSelector: { matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "staging" } } },
      ],
      ports: [{ port: 3100, protocol: "TCP" }],
    });
  });

  it("is a scrape target, on the port of its config", () => {
    const { config, secretKeys, projectDefaults } = rawConfig("staging", withLoki(stackValues("staging")));
    const loaded = loadStackConfig(config, secretKeys, "jarvis", {
      catalogue: CATALOGUE_WITH_LOKI,
      host: ANY_PATH,
      projectDefaults,
    });
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    const targets = scrapeTargets(
      CATALOGUE_WITH_LOKI,
      loaded.config.ports,
      deployedServices(CATALOGUE_WITH_LOKI, "kubernetes"),
    );
    expect(targets).toContainEqual({ service: "loki", port: 3100, path: "/metrics" });
    // The datastores without a metrics endpoint through their exporters' sidecars; Ollama is not.
    expect(targets.map((t) => t.service).sort()).toEqual([
      "backend",
      "interface",
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
      job_name: "loki",
      metrics_path: "/metrics",
      static_configs: [{ targets: ["jarvis-loki:3100"], labels: { service: "loki" } }],
    });
    const rules = parse(uploads.find((u) => u.file === "/etc/prometheus/rules/jarvis.yml")!.content);
    const down = rules.groups.flatMap((g: { rules: { alert?: string; labels?: { service?: string } }[] }) => g.rules);
    expect(down).toContainEqual(
      expect.objectContaining({ alert: "ServiceDown", labels: expect.objectContaining({ service: "loki" }) }),
    );
    const grafana = rawResource(dev, "docker:index/container:Container", "grafana");
    const dashboard = (grafana.inputs.uploads as { file: string; content: string }[]).find((u) =>
      u.file.endsWith("/jarvis.json"),
    )!.content;
    expect(JSON.parse(dashboard).panels.map((p: { title: string }) => p.title)).toContain(LOKI.title);
  });
});
