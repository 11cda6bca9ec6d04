// The values of the managed kube-prometheus-stack, generated from the typed model: Prometheus's
// intervals, retention and storage; Alertmanager's routing (the same as on Docker) with the SMTP
// password read from a mounted Secret; Grafana's admin from a Secret, its dashboard sidecar and,
// with a host, its Ingress. Secrets appear only by name. Every key must exist in the chart's
// values.yaml or the Grafana subchart's (the chart has no values.schema.json), or be one of
// DOCUMENTED_AS_COMMENTS (tests check both).
import { posix } from "node:path";
import type { KubernetesConfig } from "../config/schema";
import { alertmanagerConfig } from "./files";
import type { ManagedMonitoring } from "./operator";

/** The chart of `jarvis:clusterMonitoring.chart`. */
export const CHART_NAME = "kube-prometheus-stack";
/** Where the operator mounts each Secret of `alertmanagerSpec.secrets` (prometheus-operator's Alertmanager docs). */
const ALERTMANAGER_SECRETS = "/etc/alertmanager/secrets";
/** The key of the SMTP password in its Secret. */
export const SMTP_PASSWORD_KEY = "smtp-password";
/** The Grafana chart's keys of the admin Secret (`admin.userKey`, `admin.passwordKey`). */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;
/** The chart's always-firing and informational alerts: shown in Alertmanager, never sent. */
const QUIET_ALERTS = ['alertname=~"Watchdog|InfoInhibitor"', 'severity="info"'];
/** Keys the Grafana chart's templates read that its values.yaml shows only as comments. */
export const DOCUMENTED_AS_COMMENTS = ["grafana.ingress.ingressClassName", "grafana.persistence.storageClassName"];
/** kube-prometheus-stack's scrapes of the control plane and cluster DNS (the API server is kept: Prometheus reaches it). */
const CONTROL_PLANE = ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy", "coreDns"] as const;
/** The five selectors that otherwise select only the release's own objects: every trap of the chart's. */
const SELECTORS = ["rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"] as const;

/** The Secrets beside the chart that its values name: Grafana's admin, and the SMTP password when alert e-mails are on. */
export function managedSecretNames(config: KubernetesConfig, managed: ManagedMonitoring): ManagedSecrets {
  return {
    grafanaAdmin: `${managed.release}-grafana-admin`,
    ...(config.features.alertEmail && { smtp: `${managed.release}-alertmanager-smtp` }),
  };
}

/** The names of the Secrets the values refer to, created beside the chart. */
export interface ManagedSecrets {
  readonly grafanaAdmin: string;
  /** Present when alert e-mails are on. */
  readonly smtp?: string;
}

const claim = (size: string, className: string | undefined) => ({
  volumeClaimTemplate: {
    spec: {
      ...(className && { storageClassName: className }),
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: size } },
    },
  },
});

function grafanaIngress(config: KubernetesConfig, host: string, release: string) {
  const { className, tls } = config.edge;
  return {
    enabled: true,
    ingressClassName: className,
    annotations: { "cert-manager.io/cluster-issuer": tls.issuer },
    hosts: [host],
    tls: [{ secretName: `${release}-grafana-tls`, hosts: [host] }],
  };
}

export function managedValues(
  config: KubernetesConfig,
  managed: ManagedMonitoring,
  secrets: ManagedSecrets,
): Record<string, unknown> {
  const { monitoring, clusterMonitoring } = config;
  const { storage } = managed;
  const smtpPasswordFile = secrets.smtp && posix.join(ALERTMANAGER_SECRETS, secrets.smtp, SMTP_PASSWORD_KEY);
  const { dashboards } = clusterMonitoring;
  return {
    crds: { enabled: true },
    // Crash loops, volumes filling, autoscalers at their maximum, failed Jobs, the cluster itself.
    defaultRules: { create: true },
    nodeExporter: { enabled: managed.nodeExporter },
    // The operator's webhook certificate comes from cert-manager (which the edge's TLS needs
    // anyway), not from the chart's certificate Jobs: those are Helm hooks, and helm.v4.Chart never
    // applies hooks (pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go), so the operator
    // would wait forever for its TLS Secret.
    // Ignore: with no hook to order them, the webhook may be registered before the operator answers
    // it, and the chart's own rules would be refused on the first run (the rules are checked by
    // promtool in check:real, not only by the webhook).
    prometheusOperator: {
      admissionWebhooks: { failurePolicy: "Ignore", certManager: { enabled: true }, patch: { enabled: false } },
    },
    // The control plane's own endpoints, which managed clusters do not expose and the egress policy
    // does not open: scraped, each would be a target always down, and its alerts always firing.
    ...Object.fromEntries(CONTROL_PLANE.map((component) => [component, { enabled: false }])),
    prometheus: {
      prometheusSpec: {
        scrapeInterval: `${monitoring.scrapeIntervalSeconds}s`,
        evaluationInterval: `${monitoring.evaluationIntervalSeconds}s`,
        retention: `${monitoring.retention.days}d`,
        retentionSize: monitoring.retention.size,
        storageSpec: claim(storage.prometheus, storage.className),
        ...Object.fromEntries(SELECTORS.map((s) => [`${s}SelectorNilUsesHelmValues`, false])),
      },
    },
    alertmanager: {
      config: alertmanagerConfig(config, smtpPasswordFile, QUIET_ALERTS),
      alertmanagerSpec: {
        storage: claim(storage.alertmanager, storage.className),
        ...(secrets.smtp && { secrets: [secrets.smtp] }),
      },
    },
    grafana: {
      admin: {
        existingSecret: secrets.grafanaAdmin,
        userKey: GRAFANA_ADMIN_KEYS.user,
        passwordKey: GRAFANA_ADMIN_KEYS.password,
      },
      persistence: {
        enabled: true,
        size: storage.grafana,
        ...(storage.className && { storageClassName: storage.className }),
      },
      sidecar: {
        dashboards: {
          enabled: true,
          label: dashboards.label,
          labelValue: dashboards.labelValue,
          searchNamespace: "ALL",
        },
        // Every namespace: each stack's Loki datasource is a ConfigMap in its own (or the dashboards').
        datasources: {
          enabled: true,
          uid: dashboards.datasourceUid,
          label: dashboards.datasourceLabel,
          labelValue: dashboards.datasourceLabelValue,
          searchNamespace: "ALL",
        },
      },
      ingress: managed.grafanaHost ? grafanaIngress(config, managed.grafanaHost, managed.release) : { enabled: false },
    },
  };
}
