// The logs capability on Kubernetes: the store that a chart runs (Loki, its ruler's rules, its
// datasource for the cluster's Grafana). The collector is a Workload of the services capability: its
// catalogue node reads the API in the namespace (a Role) and its configuration is a generated file.
import { configText } from "../../infra/files";
import { LogStore } from "../../components/kubernetes/log-store";
import {
  chartStore,
  LOKI_CHART,
  lokiChartValues,
  OBJECT_STORE_KEY_VARIABLE,
  objectStoreSecret,
  rulesMount,
} from "../../infra/logs/chart";
import { lokiRuleFile } from "../../infra/logs/rules";
import { lokiDatasource } from "../../infra/monitoring/files";
import { clusterAlertmanagerUrl, logsDatasourceUid } from "../../infra/monitoring/operator";
import type { KubernetesContext } from "./context";
import { resources } from "./pods";

export function logStore(context: KubernetesContext) {
  const { config, wiring, instance, secrets } = context;
  const { catalogue } = wiring;
  const node = chartStore(catalogue);
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
      // Config checks require the secret key while an object store is set.
      ...(config.logStore.objectStore && {
        credentials: {
          name: objectStoreSecret(serviceName),
          keys: { [OBJECT_STORE_KEY_VARIABLE]: secrets.provided.logStoreSecretKey! },
        },
      }),
      rules: {
        name: rulesConfigMap,
        files: { [rulesMount.file]: configText(lokiRuleFile(catalogue, config.logs, instance)) },
      },
      datasource: {
        namespace: dashboards.namespace ?? context.namespace,
        labels: { [dashboards.datasourceLabel]: dashboards.datasourceLabelValue },
        // Grafana's sidecar writes every watched ConfigMap's files into one folder: unique per namespace.
        file: `${logsDatasourceUid(namespace)}.yml`,
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
    // Not protected: protect would pass to the chart's ConfigMaps, which a change of Loki's config
    // replaces. Its claim outlives the chart by the StatefulSet's retention policy (its values).
    context.opts,
  );
}
