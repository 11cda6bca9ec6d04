// Monitoring on Kubernetes, as the program registers it: staging and prod in mode existing (the
// cluster's Prometheus operator), and staging's config switched to mode managed (the pinned
// kube-prometheus-stack). Under the mock engine the chart is one resource: these tests assert its
// inputs (the values), never the objects Helm would render from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { kubePrometheusStackValues, unknownValuesKeys } from "../tools/chart-values";
import { PROJECT_DIR } from "../tools/plan/cli";
import { CATALOGUE } from "../infra/catalogue";
import { DOCUMENTED_AS_COMMENTS } from "../infra/monitoring/managed";
import {
  managedMonitoringValue,
  planStack,
  rawResource,
  SMTP_INTEGRATION,
  stackValues,
  validateManifest,
  type ParsedPlan,
} from "../tools/test-support";

const CHART = "kubernetes:helm.sh/v4:Chart";
const MONITORING_KINDS = ["ServiceMonitor", "PodMonitor", "PrometheusRule"];

const staging = stackValues("staging") as Record<string, any>;
const smtp = SMTP_INTEGRATION;
const managedConfig = {
  ...staging,
  "jarvis:clusterMonitoring": managedMonitoringValue(),
  "jarvis:features": { alertEmail: true },
  "jarvis:integrations": { smtp: { ...smtp, egress: [{ cidr: "203.0.113.10/32", ports: [587] }] } },
  "jarvis:smtpPassword": { secure: "v1:smtp-cipher" },
};

const objects = (plan: ParsedPlan) => parseAllDocuments(plan.manifests!).map((d) => d.toJS());
/** The chart whose pods a monitor selects by their component: Loki's. */
const LOKI_CHART = CATALOGUE.loki!.chart!;
const chartPods = (selector: Record<string, string>) =>
  selector["app.kubernetes.io/component"] === LOKI_CHART.component;
const monitoringObjects = (plan: ParsedPlan) => objects(plan).filter((o) => MONITORING_KINDS.includes(o?.kind));

let existing: ParsedPlan;
let managed: ParsedPlan;
beforeAll(async () => {
  existing = await planStack("staging");
  managed = await planStack("staging", managedConfig);
});

describe("mode existing (staging)", () => {
  it("gives the cluster's Prometheus a monitor per watched service and one rule object, valid against their CRDs", async () => {
    const found = monitoringObjects(existing);
    // Loki's chart's pods have a PodMonitor.
    expect(found.map((o) => o.kind).sort()).toEqual([
      "PodMonitor",
      "PodMonitor",
      "PodMonitor",
      "PodMonitor",
      "PrometheusRule",
      "ServiceMonitor",
      "ServiceMonitor",
      "ServiceMonitor",
      "ServiceMonitor",
      "ServiceMonitor",
      "ServiceMonitor",
    ]);
    for (const object of found) await validateManifest(object);
  });

  it("selects Services and pods that have the monitored port, by name", () => {
    const all = objects(existing);
    const selects = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
      Object.entries(selector).every(([k, v]) => labels?.[k] === v);
    for (const monitor of monitoringObjects(existing).filter((o) => o.kind !== "PrometheusRule")) {
      const selector = monitor.spec.selector.matchLabels;
      if (monitor.kind === "ServiceMonitor") {
        const services = all.filter((o) => o?.kind === "Service" && selects(selector, o.metadata.labels));
        expect(services, JSON.stringify(selector)).toHaveLength(1);
        expect(services[0].spec.ports.map((p: any) => p.name)).toContain(monitor.spec.endpoints[0].port);
      } else if (chartPods(selector)) {
        // The chart's pods are not in the plan: chart.test.ts pins their labels and port names.
        expect(monitor.spec.podMetricsEndpoints[0].port).toBe(LOKI_CHART.metricsPort);
      } else {
        const pods = all.filter(
          (o) => ["StatefulSet", "Deployment"].includes(o?.kind) && selects(selector, o.spec.template.metadata.labels),
        );
        expect(pods, JSON.stringify(selector)).toHaveLength(1);
        const ports = pods[0].spec.template.spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.name));
        expect(ports).toContain(monitor.spec.podMetricsEndpoints[0].port);
      }
    }
  });

  it("labels monitors and rules with what the installation selects, in Jarvis's namespace", () => {
    for (const object of monitoringObjects(existing)) {
      expect(object.metadata.namespace).toBe("jarvis-staging");
      expect(object.metadata.labels.release).toBe("kube-prometheus-stack");
    }
  });

  it("puts the dashboard in a ConfigMap with the sidecar's label, scoped to the namespace", () => {
    const dashboard = objects(existing).find((o) => o?.metadata?.labels?.grafana_dashboard === "1");
    const json = JSON.parse(dashboard.data["jarvis.json"]);
    expect(json.uid).toBe("jarvis-jarvis-staging");
    const exprs: string[] = json.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs.filter((e) => e.includes("{"))) expect(expr).toContain('namespace="jarvis-staging"');
    expect(exprs.some((e) => e.includes("container_cpu_usage_seconds_total"))).toBe(true);
  });

  it("installs no monitoring chart: only Loki's", () => {
    expect(existing.raw.filter((r) => r.type === CHART).map((r) => r.inputs.chart)).toEqual(["loki"]);
  });
});

describe("mode managed (staging's config switched)", () => {
  const chart = () => rawResource(managed, CHART, "cluster-monitoring");

  it("installs the pinned chart in its own namespace, privileged only with node-exporter", () => {
    const inputs = chart().inputs;
    expect(inputs).toMatchObject({
      chart: "kube-prometheus-stack",
      version: "88.5.3",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
      name: "monitoring",
    });
    const namespace = rawResource(managed, "kubernetes:core/v1:Namespace", "cluster-monitoring");
    expect(namespace.inputs.metadata.name).toBe("cluster-monitoring");
    expect(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("baseline");
  });

  it("generates only values keys the chart or its Grafana subchart has, or documents as a comment", () => {
    // Alertmanager's own configuration, checked by amtool in check:real.
    const found = unknownValuesKeys(chart().inputs.values, kubePrometheusStackValues(), ["alertmanager.config"]);
    expect(found.sort()).toEqual([...DOCUMENTED_AS_COMMENTS].sort());
    const grafanaValues = readFileSync(join(PROJECT_DIR, "test/fixtures/grafana-chart/values.yaml"), "utf8");
    for (const key of DOCUMENTED_AS_COMMENTS) {
      const [, parent, leaf] = key.split(".");
      const start = grafanaValues.indexOf(`\n${parent}:\n`);
      const end = grafanaValues.slice(start + 1).search(/\n[a-zA-Z]/) + start + 1;
      expect(start, key).toBeGreaterThan(0);
      expect(grafanaValues.slice(start, end), key).toMatch(new RegExp(`\\n  # ${leaf}: `));
    }
  });

  it("turns off the five selector traps and keeps the chart's own rules", () => {
    const { prometheusSpec } = chart().inputs.values.prometheus;
    for (const s of ["rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"])
      expect(prometheusSpec[`${s}SelectorNilUsesHelmValues`], s).toBe(false);
    expect(chart().inputs.values.defaultRules.create).toBe(true);
  });

  it("has cert-manager issue the operator's webhook certificate: the chart's own Jobs are hooks, which helm.v4.Chart skips", () => {
    // pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go: "Helm hook resources ... are not applied by Pulumi".
    // Ignore: nothing orders the webhook after the operator that answers it.
    expect(chart().inputs.values.prometheusOperator.admissionWebhooks).toEqual({
      failurePolicy: "Ignore",
      certManager: { enabled: true },
      patch: { enabled: false },
    });
  });

  it("scrapes no control-plane endpoint that its egress does not open (always down, always alerting)", () => {
    const { values } = chart().inputs;
    for (const component of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy", "coreDns"])
      expect(values[component], component).toEqual({ enabled: false });
    // The API server and the kubelet are kept: managed.apiServer and managed.nodes open them.
    expect(values.kubeApiServer).toBeUndefined();
    expect(values.kubelet).toBeUndefined();
  });

  it("names the Grafana and SMTP passwords' Secrets in the values, never the passwords", () => {
    const { values } = chart().inputs;
    expect(values.grafana.admin.existingSecret).toBe("monitoring-grafana-admin");
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual(["monitoring-alertmanager-smtp"]);
    expect(values.alertmanager.config.global.smtp_auth_password_file).toBe(
      "/etc/alertmanager/secrets/monitoring-alertmanager-smtp/smtp-password",
    );
    // No secret value (the plan's raw inputs wrap each as { secret: ... }) is in the values.
    expect(JSON.stringify(values)).not.toMatch(/"secret":/);
    const admin = rawResource(managed, "kubernetes:core/v1:Secret", "cluster-monitoring-monitoring-grafana-admin");
    const mail = rawResource(managed, "kubernetes:core/v1:Secret", "cluster-monitoring-monitoring-alertmanager-smtp");
    // The whole stringData is a secret output; its stand-ins appear in no other resource's inputs.
    const password = admin.inputs.stringData.secret["admin-password"];
    const smtpPassword = mail.inputs.stringData.secret["smtp-password"];
    expect(password).toMatch(/^PLAN-SECRET-/);
    expect(smtpPassword).toMatch(/^PLAN-SECRET-smtpPassword-/);
    for (const r of managed.raw.filter((r) => r !== admin && r !== mail)) {
      expect(JSON.stringify(r.inputs), r.name).not.toContain(smtpPassword);
      if (r.type !== "kubernetes:core/v1:Secret") expect(JSON.stringify(r.inputs), r.name).not.toContain(password);
    }
  });

  it("exposes Grafana through the edge's class with TLS from the same issuer", () => {
    expect(chart().inputs.values.grafana.ingress).toEqual({
      enabled: true,
      ingressClassName: "traefik",
      annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
      hosts: ["grafana.staging.example.com"],
      tls: [{ secretName: "monitoring-grafana-tls", hosts: ["grafana.staging.example.com"] }],
    });
  });

  it("scrapes cert-manager's controller, whose chart makes no monitor by default, from its own namespace", async () => {
    const monitor = rawResource(
      managed,
      "kubernetes:monitoring.coreos.com/v1:PodMonitor",
      "cluster-monitoring-cert-manager",
    );
    expect(monitor.inputs.metadata.namespace).toBe("cluster-monitoring");
    expect(monitor.inputs.spec).toMatchObject({
      namespaceSelector: { matchNames: ["cert-manager"] },
      selector: {
        matchLabels: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" },
      },
      podMetricsEndpoints: [{ portNumber: 9402 }],
    });
    const object = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "cert-manager", namespace: "cluster-monitoring" },
      spec: monitor.inputs.spec,
    };
    await validateManifest(object);
    // Mode existing leaves cert-manager to the cluster's installation.
    expect(existing.raw.some((r) => r.name.endsWith("cert-manager"))).toBe(false);
  });

  it("makes the monitors and rules wait for the chart that brings their CRDs", () => {
    const urn = chart().urn;
    const custom = managed.raw.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/"));
    // Jarvis's eleven, and cert-manager's monitor.
    expect(custom.length).toBe(12);
    for (const r of custom) expect(r.dependencies, r.name).toContain(urn);
  });

  it("lets its Prometheus reach the metrics ports and its Alertmanager the SMTP server", () => {
    const policy = (name: string) => rawResource(managed, "kubernetes:networking.k8s.io/v1:NetworkPolicy", name);
    const alertmanager = policy("cluster-monitoring-network-alertmanager").inputs.spec;
    expect(alertmanager.policyTypes).toEqual(["Egress"]);
    expect(alertmanager.egress).toContainEqual({
      to: [{ ipBlock: { cidr: "203.0.113.10/32" } }],
      ports: [{ port: 587, protocol: "TCP" }],
    });
    const prometheus = policy("cluster-monitoring-network-prometheus").inputs.spec;
    // Every Jarvis stack's namespace (it carries the label), each letting it in on its metrics ports only.
    expect(prometheus.egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "app.kubernetes.io/part-of": "jarvis" } },
          podSelector: { matchLabels: {} },
        },
      ],
    });
    const namespace = rawResource(managed, "kubernetes:core/v1:Namespace", "namespace");
    expect(namespace.inputs.metadata.labels["app.kubernetes.io/part-of"]).toBe("jarvis");
    // And Jarvis's namespace lets the managed Prometheus in.
    const postgres = policy("network-postgres").inputs.spec;
    expect(postgres.ingress.map((r: any) => r.from[0].namespaceSelector?.matchLabels)).toContainEqual({
      "kubernetes.io/metadata.name": "cluster-monitoring",
    });
  });
});
