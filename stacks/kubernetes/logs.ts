// The logs capability on Kubernetes: the store that a chart runs (Loki, its ruler's rules, its
// datasource for the cluster's Grafana). The collector is a Workload of the services capability: its
// catalogue node reads the API in the namespace (a Role) and its configuration is a generated file.
import { configText } from "../../infra/files";
import { LogStore } from "../../components/kubernetes/log-store";
import { chartServices } from "../../infra/graph";
import { LOKI_CHART, lokiChartValues, rulesMount } from "../../infra/logs/chart";
import { lokiRuleFile } from "../../infra/logs/rules";
import { lokiDatasource } from "../../infra/monitoring/files";
import { clusterAlertmanagerUrl, logsDatasourceUid } from "../../infra/monitoring/operator";
import type { KubernetesContext } from "./context";
import { resources } from "./pods";

export function logStore(context: KubernetesContext) {
  const { config, wiring, instance } = context;
  const { catalogue } = wiring;
  const node = chartServices(catalogue).find((service) => catalogue[service]!.tool === "loki");
  if (!node) return undefined;
  const serviceName = wiring.names[node]!;
  const rulesConfigMap = `${serviceName}-rules`;
  const { dashboards } = config.clusterMonitoring;
  const namespace = config.namespace.name;
  return new LogStore(
    "logs",
    {
      namespace: context.namespace,
      labels: context.labels,
      chart: { name: LOKI_CHART, ...config.logStore.chart },
      // The pods' `app.kubernetes.io/instance`: the stack's selector labels.
      release: instance,
      values: lokiChartValues(config, {
        node,
        serviceName,
        alertmanagerUrl: clusterAlertmanagerUrl(config),
        rulesConfigMap,
        resources: resources(config, catalogue, node),
      }),
      rules: {
        name: rulesConfigMap,
        files: { [rulesMount.file]: configText(lokiRuleFile(catalogue, config.logs, instance)) },
      },
      datasource: {
        namespace: dashboards.namespace ?? context.namespace,
        labels: { [dashboards.datasourceLabel]: dashboards.datasourceLabelValue },
        file: `${serviceName}.yml`,
        content: configText({
          apiVersion: 1,
          datasources: [
            lokiDatasource(
              `Loki (${namespace})`,
              logsDatasourceUid(namespace),
              `${wiring.hosts[node]}:${config.ports[node]!.http}`,
            ),
          ],
        }),
      },
    },
    context.opts,
  );
}
