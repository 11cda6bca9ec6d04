// Monitors under the plan engine: a monitor per scraped service (staging's, from the real catalogue)
// that the CRDs accept, the PrometheusRule, the credentials Secret the monitors read API keys from,
// and the dashboard's ConfigMap; each custom resource waits for what installs the CRDs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../infra/catalogue";
import type { KubernetesConfig } from "../../infra/config/schema";
import { deployedServices } from "../../infra/graph";
import { monitors } from "../../infra/monitoring/operator";
import type { RuleGroup } from "../../infra/monitoring/rules";
import { watches } from "../../infra/monitoring/targets";
import { type Registration } from "../../tools/plan/engine";
import { underEngine, validateManifest, validConfig } from "../../tools/test-support";
import { Monitors, type MonitorsArgs } from "./monitoring";

const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

/** A value the engine receives as secret (wire form). */
const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
const reveal = (value: unknown): any => (isSecret(value) ? (value as { value: unknown }).value : value);

const config = validConfig("staging") as KubernetesConfig;
const watched = watches(CATALOGUE, config.ports, deployedServices(CATALOGUE, "kubernetes"));
const podLabels = (service: string) => ({ "app.kubernetes.io/name": service, "app.kubernetes.io/instance": "test" });
const CREDENTIALS = "jarvis-scrape-credentials";
const MONITORS = monitors(CATALOGUE, config, watched, podLabels, CREDENTIALS);
const LABELS = { "app.kubernetes.io/part-of": "jarvis" };
const SELECTED_BY = { release: "kube-prometheus-stack" };
const RULES: RuleGroup[] = [
  {
    name: "jarvis-test",
    rules: [
      {
        alert: "Down",
        expr: 'up{namespace="jarvis"} == 0',
        for: "5m",
        labels: { severity: "critical", service: "backend", namespace: "jarvis" },
        annotations: { summary: "down", description: "it is down" },
      },
    ],
  },
];
const API_KEY = "qdrant-api-key-5d2e";

const args = (overrides: Partial<MonitorsArgs> = {}): MonitorsArgs => ({
  namespace: "jarvis",
  labels: LABELS,
  selectedBy: SELECTED_BY,
  monitors: MONITORS,
  credentials: { name: CREDENTIALS, keys: { qdrant: pulumi.secret(API_KEY) } },
  rules: RULES,
  dashboard: {
    namespace: "monitoring",
    labels: { grafana_dashboard: "1" },
    file: "jarvis.json",
    json: '{"title":"Jarvis"}',
  },
  ...overrides,
});

async function run(overrides: Partial<MonitorsArgs> = {}, withCrds = false) {
  return underEngine(() => {
    const crdsFrom = withCrds ? new ConfigMap("crds", { data: {} }) : undefined;
    new Monitors("monitoring", args({ ...overrides, ...(crdsFrom && { crdsFrom }) }));
  });
}

const monitorRegistrations = (registrations: Registration[]) =>
  registrations.filter((r) => r.type === SERVICE_MONITOR || r.type === POD_MONITOR);

describe("the Monitors component", () => {
  it("registers one monitor per monitor given, with its kind and spec, selected by the Prometheus's labels", async () => {
    const { registrations, find } = await run();
    expect(monitorRegistrations(registrations)).toHaveLength(MONITORS.length);
    expect(MONITORS.length).toBeGreaterThan(0);
    for (const monitor of MONITORS) {
      const type = monitor.kind === "ServiceMonitor" ? SERVICE_MONITOR : POD_MONITOR;
      const inputs = find(type, `monitoring-${monitor.service}`).inputs as any;
      expect(inputs.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(inputs.kind).toBe(monitor.kind);
      expect(inputs.spec).toEqual(monitor.spec);
      expect(inputs.metadata.namespace).toBe("jarvis");
      expect(inputs.metadata.labels).toEqual({ ...LABELS, ...SELECTED_BY });
    }
  });

  it("registers monitors that the operator's CRDs accept", async () => {
    const { registrations } = await run();
    for (const r of monitorRegistrations(registrations)) {
      const inputs = r.inputs as any;
      await validateManifest({
        apiVersion: inputs.apiVersion,
        kind: inputs.kind,
        metadata: { name: r.name, namespace: inputs.metadata.namespace },
        spec: inputs.spec,
      } as { apiVersion: string; kind: string });
    }
  });

  it("registers one PrometheusRule with every rule group, selected the same way, that its CRD accepts", async () => {
    const { ofType, find } = await run();
    expect(ofType(RULE)).toHaveLength(1);
    const inputs = find(RULE, "monitoring-rules").inputs as any;
    expect(inputs.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(inputs.spec).toEqual({ groups: RULES });
    expect(inputs.metadata.labels).toEqual({ ...LABELS, ...SELECTED_BY });
    await validateManifest({
      apiVersion: inputs.apiVersion,
      kind: inputs.kind,
      metadata: { name: "monitoring-rules", namespace: "jarvis" },
      spec: inputs.spec,
    } as { apiVersion: string; kind: string });
  });

  it("keeps the API keys in a Secret of the fixed name, secret, replaced by deleting it first", async () => {
    const { ofType, find, registrations } = await run();
    expect(ofType(SECRET)).toHaveLength(1);
    const secret = find(SECRET, "monitoring-credentials");
    const inputs = secret.inputs as any;
    expect(inputs.metadata).toEqual({ namespace: "jarvis", labels: LABELS, name: CREDENTIALS });
    expect(inputs.type).toBe("Opaque");
    const data = inputs.stringData;
    const keys = reveal(data);
    expect(Object.keys(keys)).toEqual(["qdrant"]);
    expect(isSecret(data) || isSecret(keys.qdrant)).toBe(true);
    expect(reveal(keys.qdrant)).toBe(API_KEY);
    expect(secret.deleteBeforeReplace).toBe(true);
    // Nothing else holds the key in the clear.
    for (const r of monitorRegistrations(registrations)) expect(JSON.stringify(r.inputs)).not.toContain(API_KEY);
  });

  it("makes every monitor wait for the credentials Secret", async () => {
    const { registrations, find } = await run();
    const secret = find(SECRET, "monitoring-credentials");
    for (const r of monitorRegistrations(registrations)) expect(r.dependencies).toContain(secret.urn);
  });

  it("makes monitors and rules wait for what installs the CRDs, when something does", async () => {
    const { registrations, find } = await run({}, true);
    const crds = find(CONFIG_MAP, "crds");
    for (const r of monitorRegistrations(registrations)) expect(r.dependencies).toContain(crds.urn);
    expect(find(RULE, "monitoring-rules").dependencies).toContain(crds.urn);
    const without = await run();
    expect(without.find(RULE, "monitoring-rules").dependencies).toEqual([]);
  });

  it("has no credentials Secret without credentials, and monitors that wait for none", async () => {
    const { ofType, registrations } = await run({ credentials: undefined });
    expect(ofType(SECRET)).toEqual([]);
    for (const r of monitorRegistrations(registrations)) expect(r.dependencies).toEqual([]);
  });

  it("puts the dashboard in a ConfigMap of the dashboard namespace, with the sidecar's label", async () => {
    const { ofType, find } = await run();
    expect(ofType(CONFIG_MAP)).toHaveLength(1);
    const inputs = find(CONFIG_MAP, "monitoring-dashboard").inputs as any;
    expect(inputs.metadata).toEqual({ namespace: "monitoring", labels: { ...LABELS, grafana_dashboard: "1" } });
    expect(inputs.data).toEqual({ "jarvis.json": '{"title":"Jarvis"}' });
  });
});
