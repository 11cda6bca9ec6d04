// What the Prometheus operator is given on Kubernetes, derived from how each service is watched
// (targets.ts): a ServiceMonitor for a service's own metrics endpoint (its Service has the port), a
// PodMonitor for a sidecar's (the port is on the pod only) and for a chart's pods, each labelling its series with the
// service as the Docker scrape configs do; the rules, Jarvis's own and the Kubernetes ones, scoped to
// its namespace; and whose pods the operator runs, for the network policies.
import { createHash } from "node:crypto";
import { BACKUP_JOB, backupCronJobName } from "../backup";
import type { Catalogue } from "../catalogue";
import type { KubernetesConfig } from "../config/schema";
import { deployedJobs, deployedServices, podOf } from "../graph";
import { modelPull, modelStore } from "../model-pull";
import { DASHBOARD_UID } from "./dashboard";
import { LOGS_DATASOURCE_UID } from "./files";
import { alert, ruleGroups, selector, type AlertRule, type RuleGroup, type Scope } from "./rules";
import { unwatched, type Watch } from "./targets";

/**
 * The labels of the pods of a Prometheus and an Alertmanager (prometheus-operator v0.93
 * pkg/prometheus/statefulset.go and pkg/alertmanager/statefulset.go) and of Grafana (the grafana
 * chart's selector labels), in the managed installation's namespace.
 */
export const OPERATOR_PODS = {
  prometheus: { "app.kubernetes.io/name": "prometheus" },
  alertmanager: { "app.kubernetes.io/name": "alertmanager" },
  grafana: { "app.kubernetes.io/name": "grafana" },
} as const;

/** The monitoring tools the cluster runs for the stack on Kubernetes, in either mode. */
export type ClusterTool = keyof typeof OPERATOR_PODS;

type ClusterMonitoring = KubernetesConfig["clusterMonitoring"];
export type ManagedMonitoring = NonNullable<ClusterMonitoring["managed"]>;

/** The managed installation's settings in mode `managed`, else undefined. */
export function managedMonitoring(config: KubernetesConfig): ManagedMonitoring | undefined {
  const { mode, managed } = config.clusterMonitoring;
  // Config checks require `managed` in mode managed.
  return mode === "managed" ? managed! : undefined;
}

/**
 * The pods of a monitoring tool the cluster runs: the Prometheus that scrapes the stack, the
 * Alertmanager Loki's ruler sends to, the Grafana that queries Loki; the cluster's own (existing)
 * or the managed installation's.
 */
export function clusterPods(
  config: KubernetesConfig,
  tool: ClusterTool,
): { namespace: string; pods: Record<string, string> } {
  const managed = managedMonitoring(config);
  if (managed) return { namespace: managed.namespace, pods: OPERATOR_PODS[tool] };
  const existing = config.clusterMonitoring.existing[tool];
  return { namespace: existing.namespace, pods: existing.podLabels };
}

/** The port the stack's pods reach a monitoring tool of the cluster's on: its Alertmanager alone (Loki's ruler). */
export function clusterPort(config: KubernetesConfig, tool: ClusterTool): number {
  if (tool === "alertmanager") return config.clusterMonitoring.alertmanager.port;
  throw new Error(`no edge of the catalogue may lead to the cluster's ${tool}: config has no port of it`);
}

/** Where Loki's ruler reaches the operator's Alertmanager. */
export function clusterAlertmanagerUrl(config: KubernetesConfig): string {
  const { service } = config.clusterMonitoring.alertmanager;
  const { namespace } = clusterPods(config, "alertmanager");
  return `http://${service}.${namespace}.svc:${clusterPort(config, "alertmanager")}`;
}

/**
 * The labels that monitors and rules carry so that the Prometheus selects them: the installation's
 * selector labels, or the managed release's (its selectors match every object, and this keeps it so
 * if someone narrows them to the release).
 */
export function selectedBy(config: KubernetesConfig): Record<string, string> {
  const managed = managedMonitoring(config);
  return managed ? { release: managed.release } : config.clusterMonitoring.existing.selectorLabels;
}

/** Grafana limits a dashboard's uid to 40 characters. */
const UID_LENGTH = 40;

/** A uid in a Grafana that may show several stacks: unique per namespace. */
function namespacedUid(base: string, namespace: string): string {
  const uid = `${base}-${namespace}`;
  if (uid.length <= UID_LENGTH) return uid;
  return `${base}-${createHash("sha256")
    .update(namespace)
    .digest("hex")
    .slice(0, UID_LENGTH - base.length - 1)}`;
}

/** The Secret in Jarvis's namespace that holds the API keys the monitors send (a fixed name they refer to). */
export const scrapeCredentialsName = (config: KubernetesConfig) => `${config.namePrefix}-scrape-credentials`;

/** How often Prometheus scrapes each monitor's endpoints. */
const scrapeInterval = (config: KubernetesConfig) => `${config.monitoring.scrapeIntervalSeconds}s`;

/** The dashboard's uid. */
export const dashboardUid = (namespace: string) => namespacedUid(DASHBOARD_UID, namespace);
/** The uid of the datasource of the namespace's Loki. */
export const logsDatasourceUid = (namespace: string) => namespacedUid(LOGS_DATASOURCE_UID, namespace);

/** Jarvis's namespace: the scope of its series, rules and dashboard. */
export const namespaceScope = (config: KubernetesConfig): Scope => ({ namespace: config.namespace.name });

export interface Monitor {
  readonly kind: "ServiceMonitor" | "PodMonitor";
  /** The watched service: the monitor's name, and the `service` label of its series. */
  readonly service: string;
  readonly spec: Record<string, unknown>;
}

/**
 * The monitor of each scraped service. `podLabels` gives the selector labels of a service's pods and
 * Service; `credentials`, the Secret that holds each service's API key under the service's name.
 */
export function monitors(
  catalogue: Catalogue,
  config: KubernetesConfig,
  watched: readonly Watch[],
  podLabels: (service: string) => Record<string, string>,
  credentials: string,
): Monitor[] {
  return watched.flatMap((watch): Monitor[] => {
    if (watch.kind !== "scrape") return [];
    const spec = catalogue[watch.node]!;
    const metrics = spec.metrics!;
    const endpoint = {
      // A chart names its pods' ports itself.
      port: spec.chart?.metricsPort ?? metrics.port,
      path: metrics.path,
      interval: scrapeInterval(config),
      scheme: "http",
      // After the operator's own relabelings, which set `service` to the Kubernetes Service's name.
      relabelings: [{ action: "replace", targetLabel: "service", replacement: watch.service }],
      ...(watch.apiKey && {
        authorization: { type: "Bearer", credentials: { name: credentials, key: watch.service } },
      }),
    };
    const pod = podOf(catalogue, watch.node);
    const common = {
      selector: { matchLabels: podLabels(pod) },
      namespaceSelector: { matchNames: [config.namespace.name] },
    };
    // A chart's Services (its headless one too) are not the stack's: its pods are monitored.
    return pod === watch.node && !spec.chart
      ? [{ kind: "ServiceMonitor", service: watch.service, spec: { ...common, endpoints: [endpoint] } }]
      : [{ kind: "PodMonitor", service: watch.service, spec: { ...common, podMetricsEndpoints: [endpoint] } }];
  });
}

/**
 * The managed Prometheus's monitor of cert-manager's controller (cert-manager's own chart makes none
 * by default): like cert-manager's, it does not honour the series' labels, so a certificate's
 * namespace lands in `exported_namespace`, the default `certManager.namespaceLabel`.
 */
export function certManagerMonitor(config: KubernetesConfig): Monitor {
  const { certManager } = config.clusterMonitoring;
  return {
    kind: "PodMonitor",
    service: "cert-manager",
    spec: {
      selector: { matchLabels: certManager.podLabels },
      namespaceSelector: { matchNames: [certManager.namespace] },
      podMetricsEndpoints: [
        {
          portNumber: certManager.metricsPort,
          path: "/metrics",
          interval: scrapeInterval(config),
        },
      ],
    },
  };
}

/** What the Kubernetes alerts need to know of the stack. */
export interface ClusterFacts {
  /** The backups' CronJob, when backups run. */
  readonly backupCronJob?: string;
  /** The model pull's Job, when the catalogue has one. */
  readonly modelPullJob?: string;
  /** Services that nothing scrapes or probes: they alert when no container of theirs is ready. */
  readonly unwatched: readonly string[];
  /** The installation has kube-prometheus-stack's own rules (crash loops, volumes, autoscalers). */
  readonly chartRules: boolean;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The facts of a stack's config and catalogue that its Kubernetes alerts need (as the program deploys them). */
export function clusterFacts(catalogue: Catalogue, config: KubernetesConfig): ClusterFacts {
  return {
    ...(deployedJobs(catalogue, config).includes(BACKUP_JOB) && {
      backupCronJob: backupCronJobName(config.namePrefix),
    }),
    ...(modelStore(catalogue) && { modelPullJob: modelPull(config.namePrefix, config.models.ollama).name }),
    unwatched: unwatched(catalogue, config.ports, deployedServices(catalogue, "kubernetes")),
    chartRules: managedMonitoring(config) !== undefined,
  };
}

/** The Kubernetes alerts, in Jarvis's namespace only, from kube-state-metrics, the kubelet and cert-manager. */
export function kubernetesRules(config: KubernetesConfig, facts: ClusterFacts): RuleGroup {
  const scope = namespaceScope(config);
  const { alerts } = config.clusterMonitoring;
  const at = (labels: Record<string, string>) => selector({ ...scope, ...labels });
  const rules: AlertRule[] = [];
  if (facts.backupCronJob) {
    const cronJob = at({ cronjob: facts.backupCronJob });
    const maxAge = alerts.backupMaxAgeHours * HOUR;
    rules.push(
      alert(
        "BackupMissing",
        // Never succeeded: counted from the CronJob's creation.
        `(time() - max(kube_cronjob_status_last_successful_time${cronJob}) > ${maxAge}) or ((time() - max(kube_cronjob_created${cronJob}) > ${maxAge}) unless max(kube_cronjob_status_last_successful_time${cronJob}))`,
        0,
        "critical",
        "backup",
        `No backup succeeded for ${alerts.backupMaxAgeHours} hours`,
        `The backups CronJob ${facts.backupCronJob} has had no successful run for ${alerts.backupMaxAgeHours} hours. Look at its last Jobs' pods and logs (kubectl get jobs), the backup volume's free space and the databases' reachability.`,
        scope,
      ),
      alert(
        "BackupNotWatched",
        // Without kube-state-metrics' series of the CronJob, BackupMissing could never fire.
        `absent(kube_cronjob_created${cronJob})`,
        alerts.forMinutes,
        "warning",
        "backup",
        "Nothing reports the backups' runs",
        `kube-state-metrics has no series of the CronJob ${facts.backupCronJob}: nothing would alert if the backups stopped. Check that the cluster's Prometheus scrapes kube-state-metrics with honorLabels (kube-prometheus-stack does).`,
        scope,
      ),
    );
  }
  if (facts.modelPullJob)
    rules.push(
      alert(
        "ModelPullFailed",
        `max(kube_job_failed${at({ job_name: facts.modelPullJob, condition: "true" })}) > 0`,
        0,
        "warning",
        "ollama-pull",
        "The model pull failed",
        `The Job ${facts.modelPullJob} that pulls jarvis:models.ollama failed: the models are missing until it runs again. Look at its pods' logs (registry reachability, disk space on the model store), then delete the Job and run pulumi up.`,
        scope,
      ),
    );
  // cert-manager's series are its own target's: the certificate's namespace is in the label config names.
  const certificates = selector({ [config.clusterMonitoring.certManager.namespaceLabel]: config.namespace.name });
  rules.push(
    alert(
      "CertificatesNotWatched",
      // The edge's certificates exist as soon as it does: no series is a cert-manager nobody scrapes.
      `absent(certmanager_certificate_expiration_timestamp_seconds${certificates})`,
      alerts.forMinutes,
      "warning",
      "edge",
      "Nothing reports the certificates' expiry",
      `No cert-manager series names a certificate of ${config.namespace.name}: nothing would warn before one expires. Make the cluster's Prometheus scrape cert-manager (its chart's prometheus.servicemonitor.enabled; mode managed does it), and check jarvis:clusterMonitoring.certManager.namespaceLabel.`,
      scope,
    ),
    alert(
      "CertificateExpiringSoon",
      // 0 until the certificate is first issued.
      `(min by (name) (certmanager_certificate_expiration_timestamp_seconds${certificates}) > 0) - time() < ${alerts.certificateExpiryDays * DAY}`,
      0,
      "warning",
      "edge",
      `A certificate expires within ${alerts.certificateExpiryDays} days`,
      `cert-manager has not renewed the certificate {{ $labels.name }} and it expires within ${alerts.certificateExpiryDays} days. Look at its Certificate, CertificateRequest and Order (kubectl describe certificate), and at the issuer's challenges.`,
      scope,
    ),
  );
  for (const service of facts.unwatched)
    rules.push(
      alert(
        "ServiceDown",
        `max(kube_pod_container_status_ready${at({ container: service })}) == 0`,
        config.monitoring.alerts.downForMinutes,
        "critical",
        service,
        `No container of ${service} is ready`,
        `Nothing scrapes ${service}, and kube-state-metrics says no ${service} container passes its readiness probe. Look at its pods' events and logs.`,
        scope,
      ),
    );
  if (!facts.chartRules) rules.push(...workloadRules(config));
  return { name: "jarvis-kubernetes", rules };
}

/** What kube-prometheus-stack's own rules cover, for an installation without them: crash loops, volumes, autoscalers. */
function workloadRules(config: KubernetesConfig): AlertRule[] {
  const scope = namespaceScope(config);
  const { alerts } = config.clusterMonitoring;
  const at = (labels: Record<string, string> = {}) => selector({ ...scope, ...labels });
  // Compared on the object alone: two scrapes of it (another instance, a relabelled job) still match.
  const byClaim = (metric: string) => `max by (namespace, persistentvolumeclaim) (${metric}${at()})`;
  const byAutoscaler = (metric: string) => `max by (namespace, horizontalpodautoscaler) (${metric}${at()})`;
  return [
    alert(
      "PodCrashLooping",
      `max by (pod, container) (max_over_time(kube_pod_container_status_waiting_reason${at({ reason: "CrashLoopBackOff" })}[5m])) >= 1`,
      alerts.forMinutes,
      "warning",
      "{{ $labels.container }}",
      "A container is restarting in a crash loop",
      "Container {{ $labels.container }} of pod {{ $labels.pod }} keeps crashing. Look at its previous logs (kubectl logs --previous) and its events.",
      scope,
    ),
    alert(
      "VolumeFillingUp",
      `(${byClaim("kubelet_volume_stats_available_bytes")} / ${byClaim("kubelet_volume_stats_capacity_bytes")}) < ${alerts.volumeFreePercent / 100}`,
      alerts.forMinutes,
      "warning",
      "{{ $labels.persistentvolumeclaim }}",
      `A volume has less than ${alerts.volumeFreePercent}% free`,
      "The volume claim {{ $labels.persistentvolumeclaim }} is nearly full. Resize it in jarvis:storage.sizes (the claim is resized in place), or clean up what fills it.",
      scope,
    ),
    alert(
      "AutoscalerAtMaximum",
      `${byAutoscaler("kube_horizontalpodautoscaler_status_current_replicas")} >= ${byAutoscaler("kube_horizontalpodautoscaler_spec_max_replicas")}`,
      alerts.forMinutes,
      "warning",
      "{{ $labels.horizontalpodautoscaler }}",
      "An autoscaler runs at its maximum",
      "The autoscaler {{ $labels.horizontalpodautoscaler }} has run at its maxReplicas for a while: more load would not be absorbed. Raise jarvis:autoscaling.<service>.maxReplicas or look at what drives the load.",
      scope,
    ),
  ];
}

/** Every rule group Prometheus evaluates for the stack on Kubernetes. */
export function clusterRuleGroups(
  catalogue: Catalogue,
  config: KubernetesConfig,
  watched: readonly Watch[],
  facts: ClusterFacts,
): RuleGroup[] {
  return [...ruleGroups(catalogue, watched, config.monitoring, namespaceScope(config)), kubernetesRules(config, facts)];
}
