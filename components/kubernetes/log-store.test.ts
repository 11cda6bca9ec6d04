// LogStore under the plan engine: the chart installed with the values given, after the ConfigMap of
// rules its values mount (a fixed name, deleted before its replacement), and the datasource's
// ConfigMap with the labels Grafana's sidecar watches.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { underEngine } from "../../tools/test-support";
import { LogStore, type LogStoreArgs } from "./log-store";

const CHART = "kubernetes:helm.sh/v4:Chart";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const LABELS = { "app.kubernetes.io/part-of": "jarvis" };
const VALUES = { deploymentMode: "Monolithic", fullnameOverride: "jarvis-loki" };

const args = (overrides: Partial<LogStoreArgs> = {}): LogStoreArgs => ({
  namespace: "jarvis",
  labels: LABELS,
  chart: { name: "loki", repository: "https://grafana-community.github.io/helm-charts", version: "18.11.0" },
  release: "staging",
  values: VALUES,
  rules: { name: "jarvis-loki-rules", files: { "jarvis.yml": '{"groups":[]}' } },
  datasource: { namespace: "monitoring", labels: { grafana_datasource: "1" }, file: "jarvis-loki.yml", content: "{}" },
  ...overrides,
});

const run = (overrides: Partial<LogStoreArgs> = {}) =>
  underEngine(() => {
    new LogStore("logs", args(overrides));
  });

describe("the LogStore component", () => {
  it("installs the pinned chart under the release given, in the namespace, with the values given", async () => {
    const { ofType, find } = await run();
    expect(ofType(CHART)).toHaveLength(1);
    const chart = find(CHART, "logs");
    expect(chart.inputs).toMatchObject({
      chart: "loki",
      repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" },
      version: "18.11.0",
      name: "staging",
      namespace: "jarvis",
      values: VALUES,
    });
    expect(chart.parent).toBe(find("jarvis:kubernetes:LogStore", "logs").urn);
  });

  it("keeps the rules in a ConfigMap of the fixed name the values mount, which the chart waits for", async () => {
    const { find } = await run();
    const rules = find(CONFIG_MAP, "logs-rules");
    expect(rules.inputs).toMatchObject({
      metadata: { namespace: "jarvis", labels: LABELS, name: "jarvis-loki-rules" },
      data: { "jarvis.yml": '{"groups":[]}' },
    });
    expect(rules.deleteBeforeReplace).toBe(true);
    expect(find(CHART, "logs").dependencies).toContain(rules.urn);
  });

  it("gives Grafana's sidecar the datasource, with its labels, in the namespace given", async () => {
    const { find } = await run();
    const datasource = find(CONFIG_MAP, "logs-datasource").inputs as any;
    expect(datasource.metadata).toEqual({ namespace: "monitoring", labels: { ...LABELS, grafana_datasource: "1" } });
    expect(datasource.data).toEqual({ "jarvis-loki.yml": "{}" });
  });

  it("keeps credentials, when given, in a secret Secret of the fixed name, which the chart waits for", async () => {
    expect((await run()).ofType(SECRET)).toEqual([]);
    const key = pulumi.secret("s3-secret-key-4f1a");
    const { find } = await run({ credentials: { name: "jarvis-loki-object-store", keys: { LOKI_KEY: key } } });
    const secret = find(SECRET, "logs-credentials");
    const inputs = secret.inputs as any;
    expect(inputs.metadata).toEqual({ namespace: "jarvis", labels: LABELS, name: "jarvis-loki-object-store" });
    expect(inputs.stringData[specialSigKey]).toBe(specialSecretSig);
    expect(inputs.stringData.value).toEqual({ LOKI_KEY: "s3-secret-key-4f1a" });
    expect(secret.deleteBeforeReplace).toBe(true);
    expect(find(CHART, "logs").dependencies).toContain(secret.urn);
  });

  it("installs an OCI chart by its reference", async () => {
    const { find } = await run({
      chart: { name: "loki", repository: "oci://ghcr.io/grafana-community/helm-charts", version: "18.11.0" },
    });
    const inputs = find(CHART, "logs").inputs as any;
    expect(inputs.chart).toBe("oci://ghcr.io/grafana-community/helm-charts/loki");
    expect(inputs.repositoryOpts).toBeUndefined();
  });
});
