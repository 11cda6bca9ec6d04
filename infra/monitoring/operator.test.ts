// What the Prometheus operator is given on Kubernetes, from staging's config and the real catalogue:
// whose pods scrape and which labels select the monitors, a monitor per scraped service (a
// ServiceMonitor for its own endpoint, a PodMonitor for a sidecar exporter's), the Kubernetes rules
// scoped to the namespace; and, for the managed installation, its egress and its chart values.
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../catalogue";
import type { KubernetesConfig } from "../config/schema";
import { managedEgress } from "../flows";
import { deployedServices } from "../graph";
import { kubePrometheusStackValues, unknownValuesKeys } from "../../tools/chart-values";
import { managedMonitoringValue, SMTP_INTEGRATION, stackValues, validConfig } from "../../tools/test-support";
import { DOCUMENTED_AS_COMMENTS, managedValues } from "./managed";
import {
  clusterRuleGroups,
  kubernetesRules,
  managedMonitoring,
  monitors,
  clusterPods,
  selectedBy,
  type ClusterFacts,
} from "./operator";
import type { AlertRule, RecordingRule } from "./rules";
import { watches } from "./targets";

const existing = validConfig("staging") as KubernetesConfig;
const NAMESPACE = existing.namespace.name;
const deployed = deployedServices(CATALOGUE, "kubernetes");
const watched = watches(CATALOGUE, existing.ports, deployed);
const podLabels = (service: string) => ({ "app.kubernetes.io/name": service, "app.kubernetes.io/instance": "test" });
const CREDENTIALS = "jarvis-scrape-credentials";

const SMTP = { ...SMTP_INTEGRATION, egress: [{ cidr: "192.0.2.25/32", ports: [587] }] };
const SMTP_PASSWORD = "smtp-password-7c1f";

function managedConfig(overrides: Record<string, unknown> = {}, secrets: Record<string, string> = {}) {
  return validConfig(
    "staging",
    {
      "jarvis:clusterMonitoring": managedMonitoringValue(),
      ...overrides,
    },
    secrets,
  ) as KubernetesConfig;
}
const withEmail = () =>
  managedConfig(
    {
      "jarvis:features": { ...(stackValues("staging")["jarvis:features"] as object), alertEmail: true },
      "jarvis:integrations": { ...(stackValues("staging")["jarvis:integrations"] as object), smtp: SMTP },
    },
    { "jarvis:smtpPassword": SMTP_PASSWORD },
  );

const FACTS: ClusterFacts = {
  backupCronJob: "jarvis-backup",
  modelPullJob: "jarvis-ollama-pull",
  unwatched: ["ollama"],
  chartRules: false,
};

type Rule = AlertRule | RecordingRule;
const isAlert = (rule: Rule): rule is AlertRule => "alert" in rule;
const alertNames = (config: KubernetesConfig, facts: ClusterFacts) =>
  kubernetesRules(config, facts)
    .rules.filter(isAlert)
    .map((r) => r.alert);

/** Parse errors of an expression, and the text of each of its vector selectors. */
function parsed(expr: string) {
  const errors: string[] = [];
  const selectors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`${node.from}-${node.to}: ${expr.slice(node.from, node.to)}`);
      if (node.name === "VectorSelector") selectors.push(expr.slice(node.from, node.to));
    },
  });
  return { errors, selectors };
}

describe("whose Prometheus scrapes the stack", () => {
  it("is the cluster's, as configured, in mode existing", () => {
    const { prometheus } = existing.clusterMonitoring.existing;
    expect(clusterPods(existing, "prometheus")).toEqual({
      namespace: prometheus.namespace,
      pods: prometheus.podLabels,
    });
    expect(selectedBy(existing)).toEqual(existing.clusterMonitoring.existing.selectorLabels);
    expect(managedMonitoring(existing)).toBeUndefined();
  });

  it("is the managed installation's, selected by its release, in mode managed", () => {
    const config = managedConfig();
    expect(clusterPods(config, "prometheus")).toEqual({
      namespace: "cluster-monitoring",
      pods: { "app.kubernetes.io/name": "prometheus" },
    });
    expect(selectedBy(config)).toEqual({ release: "monitoring" });
  });
});

describe("the monitors", () => {
  const all = monitors(CATALOGUE, existing, watched, podLabels, CREDENTIALS);
  const of = (service: string) => {
    const found = all.filter((m) => m.service === service);
    expect(found).toHaveLength(1);
    return found[0]! as { kind: string; service: string; spec: any };
  };
  const endpointOf = (service: string) => {
    const { spec } = of(service);
    const endpoints = spec.endpoints ?? spec.podMetricsEndpoints;
    expect(endpoints).toHaveLength(1);
    return endpoints[0];
  };

  it("has a ServiceMonitor per service with its own metrics, selecting its Service on its metrics port", () => {
    for (const service of ["stt", "tts", "backend", "interface", "qdrant"]) {
      const monitor = of(service);
      expect(monitor.kind).toBe("ServiceMonitor");
      expect(monitor.spec.selector).toEqual({ matchLabels: podLabels(service) });
      expect(monitor.spec.podMetricsEndpoints).toBeUndefined();
      expect(endpointOf(service).port).toBe(CATALOGUE[service]!.metrics!.port);
      expect(endpointOf(service).path).toBe(CATALOGUE[service]!.metrics!.path);
    }
  });

  it("has a PodMonitor for each exported datastore, on its pods, at the exporter's port name", () => {
    for (const [service, exporter] of [
      ["postgres", "postgres-exporter"],
      ["timescale", "timescale-exporter"],
      ["redis", "redis-exporter"],
    ] as const) {
      const monitor = of(service);
      expect(monitor.kind).toBe("PodMonitor");
      expect(monitor.spec.selector).toEqual({ matchLabels: podLabels(service) });
      expect(monitor.spec.endpoints).toBeUndefined();
      expect(endpointOf(service).port).toBe(CATALOGUE[exporter]!.metrics!.port);
    }
  });

  it("watches only scraped services, each once", () => {
    expect(all.map((m) => m.service).sort()).toEqual(
      ["alloy", "backend", "interface", "loki", "postgres", "qdrant", "redis", "stt", "timescale", "tts"].sort(),
    );
  });

  it("has a PodMonitor for a chart's pods, on the port the chart names: its Services are not the stack's", () => {
    const loki = all.find((m) => m.service === "loki")!;
    expect(loki.kind).toBe("PodMonitor");
    expect(loki.spec.podMetricsEndpoints).toMatchObject([{ port: "http-metrics", path: "/metrics" }]);
    expect(all.find((m) => m.service === "alloy")!.kind).toBe("ServiceMonitor");
  });

  it("labels each series with the watched service, at the configured interval, in the stack's namespace", () => {
    for (const monitor of all) {
      const endpoint = endpointOf(monitor.service);
      expect(endpoint.relabelings).toEqual([
        { action: "replace", targetLabel: "service", replacement: monitor.service },
      ]);
      expect(endpoint.interval).toBe(`${existing.monitoring.scrapeIntervalSeconds}s`);
      expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    }
  });

  it("sends qdrant's API key from the credentials Secret, and no other service any", () => {
    expect(endpointOf("qdrant").authorization).toEqual({
      type: "Bearer",
      credentials: { name: CREDENTIALS, key: "qdrant" },
    });
    for (const monitor of all.filter((m) => m.service !== "qdrant"))
      expect(endpointOf(monitor.service).authorization).toBeUndefined();
  });
});

describe("the Kubernetes rules", () => {
  it("parse, and select only the stack's namespace", () => {
    const { rules } = kubernetesRules(existing, FACTS);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const { errors, selectors } = parsed(rule.expr);
      expect(errors, rule.expr).toEqual([]);
      expect(selectors.length, rule.expr).toBeGreaterThan(0);
      for (const s of selectors) expect(s, rule.expr).toContain(`namespace="${NAMESPACE}"`);
    }
  });

  it("alert on a missing backup only with a backup CronJob, and on a failed model pull only with its Job", () => {
    expect(alertNames(existing, FACTS)).toContain("BackupMissing");
    expect(alertNames(existing, FACTS)).toContain("ModelPullFailed");
    const { backupCronJob: _b, modelPullJob: _m, ...without } = FACTS;
    expect(alertNames(existing, without)).not.toContain("BackupMissing");
    expect(alertNames(existing, without)).not.toContain("ModelPullFailed");
    const backup = kubernetesRules(existing, FACTS)
      .rules.filter(isAlert)
      .find((r) => r.alert === "BackupMissing")!;
    expect(backup.expr).toContain('cronjob="jarvis-backup"');
  });

  it("have the workload rules only where the chart's own rules are absent", () => {
    const WORKLOAD = ["PodCrashLooping", "VolumeFillingUp", "AutoscalerAtMaximum"];
    for (const name of WORKLOAD) expect(alertNames(existing, { ...FACTS, chartRules: false })).toContain(name);
    for (const name of WORKLOAD) expect(alertNames(existing, { ...FACTS, chartRules: true })).not.toContain(name);
  });

  it("have a ServiceDown per unwatched service", () => {
    const rules = kubernetesRules(existing, { ...FACTS, unwatched: ["ollama", "other"] }).rules.filter(isAlert);
    const down = rules.filter((r) => r.alert === "ServiceDown");
    expect(down.map((r) => r.labels.service)).toEqual(["ollama", "other"]);
    expect(down[0]!.expr).toContain('container="ollama"');
    expect(
      kubernetesRules(existing, { ...FACTS, unwatched: [] })
        .rules.filter(isAlert)
        .filter((r) => r.alert === "ServiceDown"),
    ).toEqual([]);
  });

  it("come after Jarvis's own groups, every rule of which carries the namespace", () => {
    const groups = clusterRuleGroups(CATALOGUE, existing, watched, FACTS);
    expect(groups.at(-1)).toEqual(kubernetesRules(existing, FACTS));
    const own = groups.slice(0, -1);
    expect(own.length).toBeGreaterThan(0);
    const rules = own.flatMap((g) => g.rules);
    expect(rules.some((r) => !isAlert(r))).toBe(true);
    for (const rule of rules) {
      expect(rule.labels.namespace, JSON.stringify(rule)).toBe(NAMESPACE);
      for (const s of parsed(rule.expr).selectors) expect(s, rule.expr).toContain(`namespace="${NAMESPACE}"`);
    }
  });
});

describe("the managed installation's egress", () => {
  const config = managedConfig();
  const stacks = { "app.kubernetes.io/part-of": "jarvis" };
  const egress = (c: KubernetesConfig) => managedEgress(c, managedMonitoring(c)!, stacks);

  it("lets Prometheus reach its own namespace, DNS, every Jarvis stack's namespace, cert-manager, the API server and the nodes", () => {
    const { prometheus } = egress(config);
    expect(prometheus).toContainEqual({ peer: { namespace: "cluster-monitoring", pods: {} }, ports: [] });
    expect(prometheus).toContainEqual({
      peer: { namespace: config.clusterDns.namespace, pods: config.clusterDns.podLabels },
      ports: [
        { port: config.clusterDns.port, protocol: "UDP" },
        { port: config.clusterDns.port, protocol: "TCP" },
      ],
    });
    // Each stack's own policies let it in on its metrics ports only (stacks/kubernetes.test.ts).
    expect(prometheus).toContainEqual({ peer: { namespaces: stacks, pods: {} }, ports: [] });
    expect(prometheus).toContainEqual({
      peer: { namespace: "cert-manager", pods: config.clusterMonitoring.certManager.podLabels },
      ports: [{ port: 9402 }],
    });
    expect(prometheus).toContainEqual({ peer: { cidr: "10.0.0.10/32" }, ports: [{ port: 6443 }] });
    // node-exporter's port only while it runs.
    expect(prometheus).toContainEqual({ peer: { cidr: "10.0.0.0/16" }, ports: [{ port: 10250 }] });
    const withNodeExporter = validConfig("staging", {
      "jarvis:clusterMonitoring": managedMonitoringValue({ nodeExporter: true }),
    }) as KubernetesConfig;
    expect(egress(withNodeExporter).prometheus).toContainEqual({
      peer: { cidr: "10.0.0.0/16" },
      ports: [{ port: 10250 }, { port: 9100 }],
    });
  });

  it("lets Alertmanager reach the SMTP server only when alert e-mails are on", () => {
    const smtp = { peer: { cidr: "192.0.2.25/32" }, ports: [{ port: 587 }] };
    expect(egress(config).alertmanager).not.toContainEqual(smtp);
    expect(egress(withEmail()).alertmanager).toContainEqual(smtp);
    expect(egress(withEmail()).alertmanager).toContainEqual({
      peer: { namespace: "cluster-monitoring", pods: {} },
      ports: [],
    });
  });
});

describe("the managed chart's values", () => {
  const SECRETS = { grafanaAdmin: "monitoring-grafana-admin", smtp: "monitoring-alertmanager-smtp" };
  const values = (config: KubernetesConfig, secrets: { grafanaAdmin: string; smtp?: string } = SECRETS) =>
    managedValues(config, managedMonitoring(config)!, secrets) as any;

  it("selects every monitor and rule, keeps the chart's rules, and keeps the configured retention and storage", () => {
    const config = managedConfig();
    const spec = values(config).prometheus.prometheusSpec;
    for (const s of ["rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"])
      expect(spec[`${s}SelectorNilUsesHelmValues`]).toBe(false);
    expect(values(config).defaultRules).toEqual({ create: true });
    expect(spec.retention).toBe(`${config.monitoring.retention.days}d`);
    expect(spec.retentionSize).toBe(config.monitoring.retention.size);
    expect(spec.storageSpec).toEqual({
      volumeClaimTemplate: {
        spec: {
          storageClassName: "standard",
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "50Gi" } },
        },
      },
    });
    expect(values(config).alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources).toEqual({
      requests: { storage: "2Gi" },
    });
    expect(values(config).grafana.persistence).toEqual({ enabled: true, size: "5Gi", storageClassName: "standard" });
    expect(values(config).grafana.admin.existingSecret).toBe("monitoring-grafana-admin");
  });

  it("reads the SMTP password from the mounted Secret when alert e-mails are on, and holds no password", () => {
    const config = withEmail();
    const generated = values(config);
    expect(generated.alertmanager.alertmanagerSpec.secrets).toEqual(["monitoring-alertmanager-smtp"]);
    expect(generated.alertmanager.config.global.smtp_auth_password_file).toBe(
      "/etc/alertmanager/secrets/monitoring-alertmanager-smtp/smtp-password",
    );
    expect(JSON.stringify(generated)).not.toContain(SMTP_PASSWORD);
    const without = values(managedConfig(), { grafanaAdmin: SECRETS.grafanaAdmin });
    expect(without.alertmanager.alertmanagerSpec.secrets).toBeUndefined();
  });

  it("routes the chart's Watchdog, InfoInhibitor and info alerts to the receiver that sends nothing", () => {
    const route = values(withEmail()).alertmanager.config.route;
    const quiet = (route.routes as any[]).filter((r) => r.receiver === "none").flatMap((r) => r.matchers);
    expect(quiet).toEqual(expect.arrayContaining(['alertname=~"Watchdog|InfoInhibitor"', 'severity="info"']));
    const receivers = values(withEmail()).alertmanager.config.receivers as any[];
    expect(receivers.find((r) => r.name === "none")).toEqual({ name: "none" });
  });

  it("exposes Grafana through an Ingress with a certificate only when it has a host", () => {
    const config = managedConfig();
    const ingress = values(config).grafana.ingress;
    expect(ingress.enabled).toBe(true);
    expect(ingress.hosts).toEqual(["grafana.staging.example.com"]);
    expect(ingress.annotations).toEqual({ "cert-manager.io/cluster-issuer": config.edge.tls.issuer });
    // null removes the key (a JSON merge patch).
    const hostless = validConfig("staging", {
      "jarvis:clusterMonitoring": managedMonitoringValue({ grafanaHost: null }),
    }) as KubernetesConfig;
    expect(values(hostless).grafana.ingress).toEqual({ enabled: false });
  });

  it("has only keys the chart knows (Alertmanager's config aside, and the one the Grafana chart documents as a comment)", () => {
    // stacks/kubernetes-monitoring.test.ts checks that comment in the Grafana chart's values.yaml.
    for (const config of [managedConfig(), withEmail()])
      expect(unknownValuesKeys(values(config), kubePrometheusStackValues(), ["alertmanager.config"]).sort()).toEqual(
        [...DOCUMENTED_AS_COMMENTS].sort(),
      );
  });
});
