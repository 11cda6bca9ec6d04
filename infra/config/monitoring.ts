// Config of the monitoring capability: how often Prometheus scrapes and evaluates, how long it
// keeps its data, the alerts' thresholds, the service level objectives and how alerts are routed
// (shared: the same model serves both platforms); and, on Kubernetes, whose Prometheus operator
// runs the monitoring: the cluster's own (`existing`), or a kube-prometheus-stack the stack installs
// (`managed`), with the Kubernetes alerts' thresholds.
import { z } from "zod";
import { APP_METRICS, type Catalogue } from "../catalogue";
import { RATE_WINDOW_SECONDS } from "../monitoring/rules";
import { appMetricsServices } from "../graph";
import { dnsLabel, dnsName, labels, memory, partialObjectOf, podsElsewhere, port, ratio } from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

const minutes = z.int().min(1).max(1440);

/** An alert on a rate or a ratio of the app's requests: above `threshold` for `forMinutes`. */
const requestAlert = (what: string) => z.strictObject({ threshold: ratio.describe(what), forMinutes: minutes });

const objective = ratio
  .refine((p) => p > 50 && p < 100, "must be a percentage between 50 and 100, such as 99.5")
  .describe("Percent of good requests over the window, e.g. 99.5.");

const slo = z
  .strictObject({
    windowDays: z.int().min(1).max(90).describe("The window the objective is met over."),
    availability: z.strictObject({ objective }).optional().describe("Requests answered without a server error (5xx)."),
    latency: z
      .strictObject({
        objective,
        thresholdSeconds: ratio.describe(
          `A bound of the duration histogram's buckets (${APP_METRICS.durationBuckets.join(", ")}).`,
        ),
      })
      .optional()
      .describe("Requests answered within the threshold."),
  })
  .describe("Service level objectives of a service that serves the app's metrics.");

/** A kube-prometheus-stack the stack installs: one per cluster, in a namespace of its own. */
const managed = z
  .strictObject({
    namespace: dnsLabel.describe("Its namespace: not Jarvis's, whose Pod Security level it could not meet."),
    release: dnsLabel.describe("The Helm release name, which prefixes its objects."),
    nodeExporter: z
      .boolean()
      .describe(
        "node-exporter on every node (hostNetwork, hostPID, hostPath): the namespace is then privileged, else baseline.",
      ),
    storage: z
      .strictObject({
        className: z.string().min(1).optional().describe("StorageClass of its claims; absent: the cluster's default."),
        prometheus: memory,
        alertmanager: memory,
        grafana: memory,
      })
      .describe("Volume sizes of Prometheus, Alertmanager and Grafana."),
    grafanaHost: dnsName
      .optional()
      .describe("Grafana through the edge at this host, with TLS from the edge's issuer; absent: not exposed."),
    nodes: z
      .array(z.cidrv4())
      .min(1)
      .describe("The nodes' addresses: Prometheus scrapes the kubelet (and its cAdvisor) and node-exporter there."),
  })
  .describe("mode `managed`: the kube-prometheus-stack this stack installs.");

const clusterMonitoring = z
  .strictObject({
    mode: z
      .enum(["existing", "managed"])
      .describe(
        "`existing`: the cluster runs the Prometheus operator; `managed`: this stack installs kube-prometheus-stack.",
      ),
    existing: z
      .strictObject({
        prometheus: podsElsewhere.describe("Where its Prometheus runs: the pods that may reach the metrics ports."),
        alertmanager: podsElsewhere.describe("Where its Alertmanager runs: Loki's ruler sends the log alerts there."),
        grafana: podsElsewhere.describe("Where its Grafana runs: the pods that may query Loki."),
        selectorLabels: labels.describe(
          "Labels the installation selects monitors and rules by (kube-prometheus-stack: `release: <its release>`).",
        ),
      })
      .describe("mode `existing`: the cluster's Prometheus operator."),
    chart: z
      .strictObject({
        repository: z.url({ protocol: /^(https|oci)$/ }).describe("The chart repository (https:// or oci://)."),
        version: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/, "must be an exact chart version such as 88.5.3")
          .describe("The pinned chart version: the values generated for it are checked against its values.yaml."),
      })
      .describe("mode `managed`: kube-prometheus-stack's chart, pinned."),
    managed: managed.optional(),
    alertmanager: z
      .strictObject({
        service: dnsLabel.describe(
          "The operator's Service of the Alertmanagers of a namespace: `alertmanager-operated`.",
        ),
        port: port.describe("Their web port (the operator's 9093)."),
      })
      .describe("How Loki's ruler reaches the Prometheus operator's Alertmanager, in either mode."),
    dashboards: z
      .strictObject({
        namespace: dnsLabel
          .optional()
          .describe("Where Grafana's sidecar finds dashboards; absent: Jarvis's namespace."),
        label: z.string().min(1).describe("The label Grafana's sidecar watches, e.g. grafana_dashboard."),
        labelValue: z.string().describe('Its value, e.g. "1".'),
        datasourceUid: z.string().min(1).describe("The uid of Grafana's Prometheus datasource."),
        datasourceLabel: z
          .string()
          .min(1)
          .describe(
            "The label Grafana's datasource sidecar watches, e.g. grafana_datasource: the Loki datasource's ConfigMap, in the dashboards' namespace, carries it.",
          ),
        datasourceLabelValue: z.string().describe('Its value, e.g. "1".'),
      })
      .describe("The dashboard's and the Loki datasource's ConfigMaps, as Grafana's sidecars find them."),
    nodePorts: z
      .strictObject({
        kubelet: port.describe("The kubelet's HTTPS port (its metrics and cAdvisor's)."),
        nodeExporter: port.describe("node-exporter's port, on the nodes' network."),
      })
      .describe("mode `managed`: the ports Prometheus scrapes on the nodes."),
    certManager: z
      .strictObject({
        namespace: dnsLabel,
        podLabels: podsElsewhere.shape.podLabels,
        metricsPort: port.describe("Where its controller serves its metrics (mode managed scrapes it there)."),
        namespaceLabel: z
          .string()
          .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name")
          .describe(
            "The label that holds a certificate's namespace: `exported_namespace` where cert-manager's monitor does not honour its labels (its chart's default), else `namespace`.",
          ),
      })
      .describe("cert-manager's controller, whose metrics say when the edge's certificates expire."),
    alerts: z
      .strictObject({
        backupMaxAgeHours: z
          .int()
          .min(1)
          .max(24 * 14)
          .describe("The backups alert when none succeeded for this long."),
        certificateExpiryDays: z.int().min(1).max(90).describe("A certificate alerts this long before it expires."),
        volumeFreePercent: z.int().min(1).max(50).describe("A volume alerts when less than this is free."),
        forMinutes: minutes.describe(
          "How long crash loops, a full autoscaler or a filling volume last before they alert.",
        ),
      })
      .describe("Thresholds of the Kubernetes alerts (Jarvis's namespace only)."),
  })
  .describe("Whose Prometheus operator watches the stack, and the Kubernetes alerts.");

export function monitoringKeys(catalogue: Catalogue) {
  return {
    shared: {
      monitoring: z
        .strictObject({
          scrapeIntervalSeconds: z
            .int()
            .min(5)
            .max(RATE_WINDOW_SECONDS / 4)
            .describe("At most a quarter of the rules' rate window, so that each rate sees four samples."),
          evaluationIntervalSeconds: z.int().min(5).max(300),
          retention: z
            .strictObject({
              days: z.int().min(1).describe("How long Prometheus keeps samples; at least the longest SLO window."),
              size: z
                .string()
                .regex(/^\d+(B|KB|MB|GB|TB)$/, "must be a size such as 10GB")
                .describe("The most disk its samples may take."),
            })
            .describe("Prometheus retention, whichever limit is reached first."),
          alerts: z
            .strictObject({
              downForMinutes: minutes.describe("How long a service, a datastore or a probe is down before it alerts."),
              errorRatio: requestAlert("Share of a service's requests that fail with a 5xx, e.g. 0.05."),
              latencyP95Seconds: requestAlert("95th percentile of a service's request duration, in seconds."),
              rateLimitedPerSecond: requestAlert("Requests per second refused by the rate limit (429)."),
              unauthorizedPerSecond: requestAlert("Requests per second refused as unauthorized (401, 403)."),
            })
            .describe("Thresholds of the alerts on the app's requests, for every service that serves its metrics."),
          burnAlerts: z
            .strictObject({
              pageForMinutes: minutes.describe("How long a fast burn (critical) lasts before it pages."),
              ticketForMinutes: minutes.describe("How long a slow burn (warning) lasts before it opens a ticket."),
            })
            .describe("The `for:` of the SLOs' burn-rate alerts."),
          slos: partialObjectOf(appMetricsServices(catalogue), () => slo).describe(
            "Service level objectives, each becoming recording rules and multi-window, multi-burn-rate alerts.",
          ),
          routing: z
            .strictObject({
              groupWaitSeconds: z.int().min(0).max(3600),
              groupIntervalMinutes: minutes,
              repeatHours: z.int().min(1).max(168),
              criticalRepeatHours: z.int().min(1).max(168),
            })
            .describe("How Alertmanager groups alerts and repeats their notifications; critical ones repeat sooner."),
          cadvisor: z
            .boolean()
            .describe(
              "cAdvisor (Docker) for the containers' CPU and memory panels. It mounts the Docker socket and /sys: off by default, the one exception to the hardening rules.",
            ),
        })
        .describe("Metrics, alert rules, SLOs and alert routing."),
    },
    kubernetes: { clusterMonitoring },
  } satisfies ModuleKeys;
}

/** Days of the longest SLO window. */
export function longestSloWindow(slos: Record<string, { windowDays: number } | undefined>): number {
  return Math.max(0, ...Object.values(slos).map((s) => s?.windowDays ?? 0));
}

function monitoringFindings(config: Parsed): Finding[] {
  const { monitoring } = config;
  if (!monitoring) return [];
  const findings: Finding[] = [];
  const longest = longestSloWindow(monitoring.slos);
  if (monitoring.retention.days < longest)
    findings.push({
      key: "monitoring",
      path: ["retention", "days"],
      message: `must be at least the longest SLO window (${longest} days): the SLO rules read that far back`,
    });
  const largestBucket = Math.max(...APP_METRICS.durationBuckets);
  if (monitoring.alerts.latencyP95Seconds.threshold >= largestBucket)
    findings.push({
      key: "monitoring",
      path: ["alerts", "latencyP95Seconds", "threshold"],
      message: `must be below the duration histogram's largest bucket bound (${largestBucket}s): a quantile never exceeds it`,
    });
  if (monitoring.burnAlerts.pageForMinutes >= monitoring.burnAlerts.ticketForMinutes)
    findings.push({
      key: "monitoring",
      path: ["burnAlerts", "pageForMinutes"],
      message: "must be shorter than ticketForMinutes: a fast burn pages sooner than a slow one opens a ticket",
    });
  for (const [service, objectives] of Object.entries(monitoring.slos)) {
    const threshold = objectives?.latency?.thresholdSeconds;
    if (threshold !== undefined && !(APP_METRICS.durationBuckets as readonly number[]).includes(threshold))
      findings.push({
        key: "monitoring",
        path: ["slos", service, "latency", "thresholdSeconds"],
        message: `must be a bucket bound of ${APP_METRICS.duration} (${APP_METRICS.durationBuckets.join(", ")}): the SLI counts the requests under it`,
      });
  }
  return findings;
}

/** What a setting of the model means nothing for on Kubernetes, in mode existing: the cluster's Prometheus and Alertmanager keep their own. */
const CLUSTER_OWNED = [["evaluationIntervalSeconds"], ["retention"], ["routing"]] as const;

function clusterMonitoringFindings(config: Parsed): Finding[] {
  const { clusterMonitoring, monitoring } = config;
  if (!clusterMonitoring) return [];
  const at = (path: string[], message: string): Finding => ({ key: "clusterMonitoring", path, message });
  const warning = (key: string, path: readonly string[], message: string): Finding => ({
    key,
    path,
    message,
    warning: true,
  });
  const noEffect = (key: string, path: readonly string[], why: string) => warning(key, path, `has no effect: ${why}`);
  // The kubelet's cAdvisor serves the containers' CPU and memory on every cluster.
  const findings: Finding[] = monitoring ? [noEffect("monitoring", ["cadvisor"], "cAdvisor runs on Docker only")] : [];
  const { managed } = clusterMonitoring;
  if (clusterMonitoring.mode === "existing")
    return [
      ...findings,
      ...(Object.keys(clusterMonitoring.existing.selectorLabels).length === 0
        ? [
            warning(
              "clusterMonitoring",
              ["existing", "selectorLabels"],
              "is empty: an installation whose selectors keep their Helm defaults (kube-prometheus-stack: release: <its release>) ignores the monitors and rules",
            ),
          ]
        : []),
      // Only the managed Prometheus scrapes the nodes and cert-manager itself.
      ...[["managed"], ["nodePorts"], ["certManager", "metricsPort"]].map((path) =>
        noEffect("clusterMonitoring", path, "mode is existing"),
      ),
      ...(monitoring
        ? CLUSTER_OWNED.map((path) =>
            noEffect("monitoring", path, "in mode existing the cluster's Prometheus and Alertmanager keep their own"),
          )
        : []),
    ];
  if (!managed)
    return [at(["managed"], "is required for mode managed: its namespace, storage and the cluster's addresses")];
  findings.push(noEffect("clusterMonitoring", ["existing"], "mode is managed"));
  if (config.namespace && managed.namespace === config.namespace.name)
    findings.push(
      at(["managed", "namespace"], "must not be Jarvis's namespace: the chart's Pod Security level is not restricted"),
    );
  if (managed.grafanaHost && config.edge) {
    if (config.edge.kind !== "ingress")
      findings.push(
        at(
          ["managed", "grafanaHost"],
          "needs edge.kind ingress: the chart exposes Grafana with an Ingress of edge.className",
        ),
      );
    else if (config.edge.tls.issuerKind !== "ClusterIssuer")
      findings.push(
        at(
          ["managed", "grafanaHost"],
          "needs edge.tls.issuerKind ClusterIssuer: an Issuer cannot sign certificates in the monitoring namespace",
        ),
      );
  }
  return findings;
}

export const monitoringChecks: ModuleChecks = { shared: monitoringFindings, kubernetes: clusterMonitoringFindings };
