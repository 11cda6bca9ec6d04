// The files each node's container is handed, for every platform: generated text, or secrets the
// platform resolves. Docker writes them into the container (uploads); Kubernetes mounts them from a
// ConfigMap or a Secret. A capability that needs a service to read a file adds it here.
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { MONITORING_FILES } from "./catalogue";
import type { StackConfig } from "./config/schema";
import type { SecretSource } from "./environment";
import { readsEngineSocket, runningServices } from "./graph";
import { DASHBOARD_UID, jarvisDashboard, type DashboardView } from "./monitoring/dashboard";
import {
  alertmanagerConfig,
  blackboxConfig,
  DATASOURCE_UID,
  edgesTo,
  LOGS_DATASOURCE_UID,
  grafanaProvisioning,
  prometheusConfig,
  ruleFile,
  RULES_FILE,
  SECRET_FILES,
} from "./monitoring/files";
import { scrapeApiKeys, watches } from "./monitoring/targets";
import { dockerCollector, kubernetesCollector } from "./logs/collector";
import { lokiRuleFile } from "./logs/rules";
import { lokiConfig } from "./logs/store";
import type { Wiring } from "./wiring";

/**
 * Files of one folder of the container, by file name; each is mounted on its own, without hiding
 * what the image has there. A name may hold folders (`rules/jarvis.yml`) where only Docker writes
 * them: a Kubernetes ConfigMap's keys are flat.
 */
export interface FileSet<Content> {
  readonly directory: string;
  readonly contents: Readonly<Record<string, Content>>;
}

export interface ServiceFiles {
  readonly plain?: FileSet<string>;
  readonly secret?: FileSet<SecretSource>;
}

/**
 * The configuration files' text: JSON, which every YAML reader reads (Prometheus, Alertmanager,
 * Grafana), so that the plan's main thread need not load a YAML library.
 */
export const configText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The dashboard of Grafana on Docker: the one stack it shows, its containers from cAdvisor when it runs. */
export const dockerDashboardView = (monitoring: StackConfig["monitoring"], logs: boolean): DashboardView => ({
  uid: DASHBOARD_UID,
  title: "Jarvis",
  datasourceUid: DATASOURCE_UID,
  scope: {},
  ...(monitoring.cadvisor && { containers: "docker" }),
  ...(logs && { logsDatasourceUid: LOGS_DATASOURCE_UID }),
});

/** The monitoring services' generated configuration, and the secrets they read from files. */
function monitoringFiles(config: StackConfig, wiring: Wiring, service: string, environment: string): ServiceFiles {
  const { catalogue } = wiring;
  const watched = watches(catalogue, config.ports, runningServices(catalogue, config));
  const configFolder = catalogue[service]!.dataPaths.config;
  switch (catalogue[service]!.tool) {
    case "prometheus": {
      const apiKeys = scrapeApiKeys(watched).map(([service, secret]) => [service, { secret }]);
      return {
        plain: {
          directory: configFolder!,
          contents: {
            [MONITORING_FILES.prometheus]: configText(prometheusConfig(config, wiring, service, watched, environment)),
            [RULES_FILE]: configText(ruleFile(catalogue, watched, config)),
          },
        },
        ...(apiKeys.length > 0 && {
          secret: { directory: SECRET_FILES.apiKeys, contents: Object.fromEntries(apiKeys) },
        }),
      };
    }
    case "alertmanager":
      return {
        plain: {
          directory: configFolder!,
          contents: { [MONITORING_FILES.alertmanager]: configText(alertmanagerConfig(config)) },
        },
        ...(config.features.alertEmail && {
          secret: {
            directory: posix.dirname(SECRET_FILES.smtpPassword),
            contents: { [posix.basename(SECRET_FILES.smtpPassword)]: { secret: "smtpPassword" } },
          },
        }),
      };
    case "loki": {
      const [alertmanager] = edgesTo(config, wiring, service, "alertmanager");
      const ports = config.ports[service] as { http: number };
      return {
        plain: {
          directory: configFolder!,
          contents: {
            [MONITORING_FILES.loki]: configText(
              lokiConfig(catalogue, service, config.logs, ports, `http://${alertmanager}`),
            ),
            [MONITORING_FILES.lokiRules]: configText(lokiRuleFile(catalogue, config.logs, environment)),
          },
        },
      };
    }
    case "alloy": {
      const [store] = edgesTo(config, wiring, service, "loki");
      const pushUrl = `http://${store}/loki/api/v1/push`;
      const [logFolder] = catalogue[service]!.hostReads ?? [];
      const collector =
        config.platform === "kubernetes"
          ? kubernetesCollector(catalogue, config.logs, { namespace: config.namespace.name, pushUrl, environment })
          : dockerCollector(catalogue, config.logs, {
              files: posix.join(logFolder!.target, "*", "*-json.log"),
              ...(readsEngineSocket(catalogue[service]!, config) && { socket: config.logCollection.socket }),
              pushUrl,
              environment,
            });
      return { plain: { directory: configFolder!, contents: { [MONITORING_FILES.alloy]: collector } } };
    }
    case "blackbox":
      return {
        plain: {
          directory: configFolder!,
          contents: { [MONITORING_FILES.blackbox]: configText(blackboxConfig(config)) },
        },
      };
    case "grafana": {
      const spec = catalogue[service]!;
      const base = posix.dirname(spec.dataPaths.provisioning!);
      const inBase = (path: string) => posix.relative(base, path);
      const provisioning = Object.entries(grafanaProvisioning(config, wiring, service)).map(([name, content]) => [
        inBase(posix.join(spec.dataPaths.provisioning!, name)),
        configText(content),
      ]);
      return {
        plain: {
          directory: base,
          contents: {
            ...Object.fromEntries(provisioning),
            [inBase(posix.join(spec.dataPaths.dashboards!, "jarvis.json"))]: configText(
              jarvisDashboard(
                catalogue,
                watched,
                config.monitoring,
                dockerDashboardView(config.monitoring, edgesTo(config, wiring, service, "loki").length > 0),
              ),
            ),
          },
        },
      };
    }
    case undefined:
      return {};
  }
}

/**
 * The files of one node: the SQL init script of `jarvis:databaseInit` (Kubernetes; on Docker the
 * script is bind-mounted from `jarvis:hostPaths`), in the folder the image runs them from; the
 * monitoring services' configuration.
 */
export function serviceFiles(config: StackConfig, wiring: Wiring, service: string, environment: string): ServiceFiles {
  const spec = wiring.catalogue[service]!;
  if (spec.tool) return monitoringFiles(config, wiring, service, environment);
  const init =
    config.platform === "kubernetes"
      ? (config.databaseInit as Readonly<Record<string, string | undefined>>)[service]
      : undefined;
  if (!init || !spec.initDirectory) return {};
  return {
    plain: { directory: spec.dataPaths[spec.initDirectory]!, contents: { "init.sql": readFileSync(init, "utf8") } },
  };
}
