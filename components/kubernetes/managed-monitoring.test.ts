// ManagedMonitoring under the plan engine: the namespace and its Pod Security levels, the Secrets the
// values name, the kube-prometheus-stack chart (from an HTTP index or an OCI registry) that waits for
// them, and the egress-only policies of the groups whose connections are limited.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { underEngine, validateManifest } from "../../tools/test-support";
import { ManagedMonitoring, type ManagedMonitoringArgs } from "./managed-monitoring";

const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const CHART = "kubernetes:helm.sh/v4:Chart";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A value the engine receives as secret (wire form). */
const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
const reveal = (value: unknown): any => (isSecret(value) ? (value as { value: unknown }).value : value);

const LABELS = { "app.kubernetes.io/part-of": "jarvis" };
const ADMIN_PASSWORD = "grafana-admin-pw-91ac";
const SMTP_PASSWORD = "smtp-pw-4e07";
const VALUES = { crds: { enabled: true }, grafana: { admin: { existingSecret: "monitoring-grafana-admin" } } };

const args = (overrides: Partial<ManagedMonitoringArgs> = {}): ManagedMonitoringArgs => ({
  namespace: "cluster-monitoring",
  labels: LABELS,
  podSecurity: "baseline",
  chart: {
    name: "kube-prometheus-stack",
    repository: "https://prometheus-community.github.io/helm-charts",
    version: "88.5.3",
  },
  release: "monitoring",
  values: VALUES,
  secrets: {
    "monitoring-grafana-admin": { "admin-user": "admin", "admin-password": pulumi.secret(ADMIN_PASSWORD) },
    "monitoring-alertmanager-smtp": { "smtp-password": pulumi.secret(SMTP_PASSWORD) },
  },
  policies: {
    prometheus: {
      pods: { "app.kubernetes.io/name": "prometheus" },
      egress: [
        { peer: { namespace: "cluster-monitoring", pods: {} }, ports: [] },
        { peer: { namespace: "jarvis", pods: { "app.kubernetes.io/name": "postgres" } }, ports: [{ port: 9187 }] },
        {
          peer: { cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] },
          ports: [{ port: 10250 }, { port: 53, protocol: "UDP" }],
        },
      ],
    },
    alertmanager: {
      pods: { "app.kubernetes.io/name": "alertmanager" },
      egress: [{ peer: { cidr: "192.0.2.25/32" }, ports: [{ port: 587 }] }],
    },
  },
  monitors: [
    {
      kind: "PodMonitor",
      service: "cert-manager",
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": "cert-manager" } },
        namespaceSelector: { matchNames: ["cert-manager"] },
        podMetricsEndpoints: [{ portNumber: 9402, path: "/metrics", interval: "15s" }],
      },
    },
  ],
  ...overrides,
});

const run = (overrides: Partial<ManagedMonitoringArgs> = {}) =>
  underEngine(() => {
    new ManagedMonitoring("cluster-monitoring", args(overrides));
  });

describe("the ManagedMonitoring component", () => {
  it("creates its namespace, enforcing the given Pod Security level and warning and auditing restricted", async () => {
    for (const level of ["baseline", "privileged"] as const) {
      const { ofType, find } = await run({ podSecurity: level });
      expect(ofType(NAMESPACE_TYPE)).toHaveLength(1);
      const metadata = (find(NAMESPACE_TYPE, "cluster-monitoring").inputs as any).metadata;
      expect(metadata.name).toBe("cluster-monitoring");
      expect(metadata.labels).toEqual({
        ...LABELS,
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      });
    }
  });

  it("creates each Secret the values name, by its fixed name in the namespace, secret, replaced by deleting it first", async () => {
    const { ofType, find } = await run();
    expect(ofType(SECRET)).toHaveLength(2);
    for (const [name, key, value] of [
      ["monitoring-grafana-admin", "admin-password", ADMIN_PASSWORD],
      ["monitoring-alertmanager-smtp", "smtp-password", SMTP_PASSWORD],
    ] as const) {
      const secret = find(SECRET, `cluster-monitoring-${name}`);
      const inputs = secret.inputs as any;
      expect(inputs.metadata).toEqual({ namespace: "cluster-monitoring", labels: LABELS, name });
      expect(inputs.type).toBe("Opaque");
      const keys = reveal(inputs.stringData);
      expect(isSecret(inputs.stringData) || isSecret(keys[key])).toBe(true);
      expect(reveal(keys[key])).toBe(value);
      expect(secret.deleteBeforeReplace).toBe(true);
    }
    const admin = reveal((find(SECRET, "cluster-monitoring-monitoring-grafana-admin").inputs as any).stringData);
    expect(Object.keys(admin).sort()).toEqual(["admin-password", "admin-user"]);
  });

  it("installs the chart from an HTTP repository by its name, with the version, release, namespace and values given", async () => {
    const { ofType, find } = await run();
    expect(ofType(CHART)).toHaveLength(1);
    const inputs = find(CHART, "cluster-monitoring").inputs as any;
    expect(inputs.chart).toBe("kube-prometheus-stack");
    expect(inputs.repositoryOpts).toEqual({ repo: "https://prometheus-community.github.io/helm-charts" });
    expect(inputs.version).toBe("88.5.3");
    expect(inputs.name).toBe("monitoring");
    expect(inputs.namespace).toBe("cluster-monitoring");
    expect(inputs.values).toEqual(VALUES);
  });

  it("installs the chart from an OCI repository by its reference, with no repository options", async () => {
    for (const repository of [
      "oci://ghcr.io/prometheus-community/charts",
      "oci://ghcr.io/prometheus-community/charts/",
    ]) {
      const { find } = await run({ chart: { name: "kube-prometheus-stack", repository, version: "88.5.3" } });
      const inputs = find(CHART, "cluster-monitoring").inputs as any;
      expect(inputs.chart).toBe("oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack");
      expect(inputs.repositoryOpts).toBeUndefined();
      expect(inputs.version).toBe("88.5.3");
    }
  });

  it("keeps its monitors of what runs elsewhere in its namespace, after the chart that brings their CRD", async () => {
    const { find } = await run();
    const monitor = find("kubernetes:monitoring.coreos.com/v1:PodMonitor", "cluster-monitoring-cert-manager");
    const inputs = monitor.inputs as any;
    expect(inputs.metadata).toEqual({ namespace: "cluster-monitoring", labels: LABELS });
    expect(inputs.spec.namespaceSelector).toEqual({ matchNames: ["cert-manager"] });
    expect(monitor.dependencies).toContain(find(CHART, "cluster-monitoring").urn);
    await validateManifest({ ...inputs, metadata: { ...inputs.metadata, name: "cert-manager" } });
    expect((await run({ monitors: [] })).ofType("kubernetes:monitoring.coreos.com/v1:PodMonitor")).toEqual([]);
  });

  it("installs the chart after the Secrets its values name", async () => {
    const { ofType, find } = await run();
    const chart = find(CHART, "cluster-monitoring");
    for (const secret of ofType(SECRET)) expect(chart.dependencies).toContain(secret.urn);
  });

  it("limits only the given groups' egress: no default deny, one egress-only policy per group", async () => {
    const { ofType, find } = await run();
    const policies = ofType(POLICY);
    expect(policies.map((p) => p.name).sort()).toEqual([
      "cluster-monitoring-network-alertmanager",
      "cluster-monitoring-network-prometheus",
    ]);
    for (const policy of policies) {
      const spec = (policy.inputs as any).spec;
      expect(spec.policyTypes).toEqual(["Egress"]);
      expect(spec.ingress).toBeUndefined();
      expect((policy.inputs as any).metadata.namespace).toBe("cluster-monitoring");
    }
    const prometheus = (find(POLICY, "cluster-monitoring-network-prometheus").inputs as any).spec;
    expect(prometheus.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "prometheus" } });
    expect(prometheus.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cluster-monitoring" } },
            podSelector: { matchLabels: {} },
          },
        ],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "jarvis" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } },
          },
        ],
        ports: [{ port: 9187, protocol: "TCP" }],
      },
      {
        to: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] } }],
        ports: [
          { port: 10250, protocol: "TCP" },
          { port: 53, protocol: "UDP" },
        ],
      },
    ]);
    // A rule without ports allows every port: it has no `ports` field at all.
    expect("ports" in prometheus.egress[0]).toBe(false);
    const alertmanager = (find(POLICY, "cluster-monitoring-network-alertmanager").inputs as any).spec;
    expect(alertmanager.egress).toEqual([
      { to: [{ ipBlock: { cidr: "192.0.2.25/32" } }], ports: [{ port: 587, protocol: "TCP" }] },
    ]);
  });
});
