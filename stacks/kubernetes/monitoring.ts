// The monitoring capability on Kubernetes: the stack's monitors, rules and dashboard for the
// cluster's Prometheus operator (mode existing), or for the kube-prometheus-stack it installs
// (mode managed), which their custom resources then wait for.
import * as pulumi from "@pulumi/pulumi";
import { ManagedMonitoring } from "../../components/kubernetes/managed-monitoring";
import { Monitors } from "../../components/kubernetes/monitoring";
import { GRAFANA_ADMIN_USER } from "../../infra/environment";
import { managedEgress } from "../../infra/flows";
import { deployedServices } from "../../infra/graph";
import {
  CHART_NAME,
  GRAFANA_ADMIN_KEYS,
  managedSecretNames,
  managedValues,
  SMTP_PASSWORD_KEY,
} from "../../infra/monitoring/managed";
import {
  certManagerMonitor,
  clusterFacts,
  clusterRuleGroups,
  dashboardUid,
  logsDatasourceUid,
  managedMonitoring,
  monitors,
  namespaceScope,
  OPERATOR_PODS,
  scrapeCredentialsName,
  selectedBy,
  type ManagedMonitoring as ManagedSettings,
} from "../../infra/monitoring/operator";
import { scrapeApiKeys, watches } from "../../infra/monitoring/targets";
import { partOf, type KubernetesContext } from "./context";
import { podLabels } from "./pods";

function installation(context: KubernetesContext, managed: ManagedSettings) {
  const { config, secrets } = context;
  const names = managedSecretNames(config, managed);
  const egress = managedEgress(config, managed, partOf(config));
  return new ManagedMonitoring(
    "cluster-monitoring",
    {
      namespace: managed.namespace,
      labels: context.labels,
      podSecurity: managed.nodeExporter ? "privileged" : "baseline",
      chart: { name: CHART_NAME, ...config.clusterMonitoring.chart },
      release: managed.release,
      values: managedValues(config, managed, names),
      secrets: {
        [names.grafanaAdmin]: {
          [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER,
          [GRAFANA_ADMIN_KEYS.password]: secrets.generated.grafana,
        },
        // Config checks require the SMTP password while alert e-mails are on.
        ...(names.smtp && { [names.smtp]: { [SMTP_PASSWORD_KEY]: secrets.provided.smtpPassword! } }),
      },
      monitors: [certManagerMonitor(config)],
      policies: {
        prometheus: { pods: OPERATOR_PODS.prometheus, egress: egress.prometheus },
        alertmanager: { pods: OPERATOR_PODS.alertmanager, egress: egress.alertmanager },
      },
    },
    context.opts,
  );
}

/** `logs`: the stack's Loki has a datasource, whose panels the dashboard shows. */
export function monitoring(context: KubernetesContext, logs: boolean) {
  const { config, wiring, secrets, instance } = context;
  const { catalogue } = wiring;
  const watched = watches(catalogue, config.ports, deployedServices(catalogue, "kubernetes"));
  const managed = managedMonitoring(config);
  const installed = managed && installation(context, managed);
  const credentials = scrapeCredentialsName(config);
  const apiKeys = scrapeApiKeys(watched).map(([service, key]) => [service, secrets.generated[key]] as const);
  const { dashboards } = config.clusterMonitoring;
  const namespace = config.namespace.name;
  const dashboard = context.dashboards({
    titles: Object.fromEntries(watched.map((w) => [w.service, { title: catalogue[w.service]!.title }])),
    watched,
    monitoring: config.monitoring,
    view: {
      uid: dashboardUid(namespace),
      title: `Jarvis (${namespace})`,
      datasourceUid: dashboards.datasourceUid,
      scope: namespaceScope(config),
      containers: "kubernetes",
      ...(logs && { logsDatasourceUid: logsDatasourceUid(namespace) }),
    },
  });
  return new Monitors(
    "monitoring",
    {
      namespace: context.namespace,
      labels: context.labels,
      selectedBy: selectedBy(config),
      monitors: monitors(catalogue, config, watched, (service) => podLabels(catalogue, service, instance), credentials),
      ...(apiKeys.length > 0 && { credentials: { name: credentials, keys: Object.fromEntries(apiKeys) } }),
      rules: clusterRuleGroups(catalogue, config, watched, clusterFacts(catalogue, config)),
      ...(installed && { crdsFrom: installed.chart }),
      dashboard: {
        namespace: dashboards.namespace ?? context.namespace,
        labels: { [dashboards.label]: dashboards.labelValue },
        file: "jarvis.json",
        json: pulumi.output(dashboard),
      },
    },
    context.opts,
  );
}
