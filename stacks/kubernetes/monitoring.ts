// The monitoring capability on Kubernetes: the stack's monitors, rules and dashboard for the
// cluster's Prometheus operator (mode existing), or for the kube-prometheus-stack it installs
// (mode managed), which their custom resources then wait for.
import { ManagedMonitoring } from "../../components/kubernetes/managed-monitoring";
import { Monitors } from "../../components/kubernetes/monitors";
import { backupCronJobName } from "../../infra/backup";
import { GRAFANA_ADMIN_USER } from "../../infra/environment";
import { managedEgress } from "../../infra/flows";
import { deployedServices } from "../../infra/graph";
import { DASHBOARD_UID, jarvisDashboard } from "../../infra/monitoring/dashboard";
import { CHART_NAME, GRAFANA_ADMIN_KEYS, managedValues, SMTP_PASSWORD_KEY } from "../../infra/monitoring/managed";
import {
  clusterRuleGroups,
  managedMonitoring,
  monitors,
  namespaceScope,
  OPERATOR_PODS,
  selectedBy,
  type ManagedMonitoring as ManagedSettings,
} from "../../infra/monitoring/operator";
import { scrapeTargets, unwatched, watches } from "../../infra/monitoring/targets";
import type { KubernetesContext } from "./context";
import { selectorLabels } from "./pods";

/** Grafana limits a dashboard's uid to 40 characters. */
const UID_LENGTH = 40;

function installation(context: KubernetesContext, managed: ManagedSettings) {
  const { config, wiring, secrets, instance } = context;
  const { catalogue } = wiring;
  const adminSecret = `${managed.release}-grafana-admin`;
  const smtpSecret = `${managed.release}-alertmanager-smtp`;
  const smtpPassword = config.features.alertEmail ? secrets.provided.smtpPassword : undefined;
  const targets = scrapeTargets(catalogue, config.ports, deployedServices(catalogue, "kubernetes"));
  const egress = managedEgress(catalogue, config, managed, targets, (service) => selectorLabels(service, instance));
  return new ManagedMonitoring(
    "cluster-monitoring",
    {
      namespace: managed.namespace,
      labels: context.labels,
      podSecurity: managed.nodeExporter ? "privileged" : "baseline",
      chart: { name: CHART_NAME, ...config.clusterMonitoring.chart },
      release: managed.release,
      values: managedValues(config, managed, { grafanaAdmin: adminSecret, ...(smtpPassword && { smtp: smtpSecret }) }),
      secrets: {
        [adminSecret]: {
          [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER,
          [GRAFANA_ADMIN_KEYS.password]: secrets.generated.grafana,
        },
        ...(smtpPassword && { [smtpSecret]: { [SMTP_PASSWORD_KEY]: smtpPassword } }),
      },
      policies: {
        prometheus: { pods: OPERATOR_PODS.prometheus, egress: egress.prometheus },
        alertmanager: { pods: OPERATOR_PODS.alertmanager, egress: egress.alertmanager },
      },
    },
    context.opts,
  );
}

/** What the alerts watch beyond the services: the jobs this stack runs. */
export interface WatchedJobs {
  readonly backups: boolean;
  readonly modelPull?: string;
}

export function monitoring(context: KubernetesContext, jobs: WatchedJobs) {
  const { config, wiring, secrets, instance } = context;
  const { catalogue } = wiring;
  const deployed = deployedServices(catalogue, "kubernetes");
  const watched = watches(catalogue, config.ports, deployed);
  const managed = managedMonitoring(config);
  const installed = managed && installation(context, managed);
  const credentials = `${config.namePrefix}-scrape-credentials`;
  const apiKeys = watched.flatMap((w) =>
    w.kind === "scrape" && w.apiKey ? [[w.service, secrets.generated[w.apiKey]] as const] : [],
  );
  const { dashboards } = config.clusterMonitoring;
  const namespace = config.namespace.name;
  const dashboard = jarvisDashboard(catalogue, watched, config.monitoring, {
    uid: `${DASHBOARD_UID}-${namespace}`.slice(0, UID_LENGTH),
    title: `Jarvis (${namespace})`,
    datasourceUid: dashboards.datasourceUid,
    scope: namespaceScope(config),
    containers: "kubernetes",
  });
  return new Monitors(
    "monitoring",
    {
      namespace: context.namespace,
      labels: context.labels,
      selectedBy: selectedBy(config),
      monitors: monitors(catalogue, config, watched, (service) => selectorLabels(service, instance), credentials),
      ...(apiKeys.length > 0 && { credentials: { name: credentials, keys: Object.fromEntries(apiKeys) } }),
      rules: clusterRuleGroups(catalogue, config, watched, {
        ...(jobs.backups && { backupCronJob: backupCronJobName(config.namePrefix) }),
        ...(jobs.modelPull && { modelPullJob: jobs.modelPull }),
        unwatched: unwatched(catalogue, config.ports, deployed),
        chartRules: managed !== undefined,
      }),
      ...(installed && { crdsFrom: installed.chart }),
      dashboard: {
        namespace: dashboards.namespace ?? context.namespace,
        labels: { [dashboards.label]: dashboards.labelValue },
        file: "jarvis.json",
        json: JSON.stringify(dashboard),
      },
    },
    context.opts,
  );
}
