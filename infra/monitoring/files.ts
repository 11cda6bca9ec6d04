// The monitoring services' configuration, as objects (written as YAML or JSON by files.ts of the
// core): Prometheus's scrape configs and rule files, Alertmanager's routing, the prober's modules,
// Grafana's datasource and dashboard provisioning. Services are addressed by their names, as every
// other URL; secrets only by the file that holds them.
import { posix } from "node:path";
import type { Catalogue, MonitoringTool } from "../catalogue";
import type { SharedConfig, StackConfig } from "../config/schema";
import type { Wiring } from "../wiring";
import { ruleGroups, type RuleGroup } from "./rules";
import type { Watch } from "./targets";

/** Where each monitoring service reads its secrets (mounted files, never inline). */
export const SECRET_FILES = {
  /** Prometheus: the API key of a service whose metrics require it, by service. */
  apiKeys: "/etc/prometheus/secrets",
  smtpPassword: "/etc/alertmanager/secrets/smtp-password",
} as const;
export const RULES_FILE = "rules/jarvis.yml";
/** The prober's module for a health endpoint. */
export const PROBE_MODULE = "http_2xx";
export const DATASOURCE_UID = "prometheus";
export const LOGS_DATASOURCE_UID = "loki";

const seconds = (n: number) => `${n}s`;
const address = (wiring: Wiring, node: string, port: number) => `${wiring.hosts[node]}:${port}`;

/** Where a monitoring node's edges to the nodes of another tool lead (Prometheus to Alertmanager, Grafana to Prometheus). */
export function edgesTo(config: SharedConfig, wiring: Wiring, node: string, tool: MonitoringTool): string[] {
  return wiring.catalogue[node]!.connects.filter((edge) => wiring.catalogue[edge.to]?.tool === tool).map((edge) =>
    address(wiring, edge.to, config.ports[edge.to]![edge.port]!),
  );
}

/** One scrape config per watched service, labelled with the service. */
function scrapeConfig(wiring: Wiring, watch: Watch): Record<string, unknown> {
  const labels = { service: watch.service };
  if (watch.kind === "probe")
    return {
      job_name: watch.service,
      metrics_path: "/probe",
      params: { module: [PROBE_MODULE] },
      static_configs: [
        { targets: [`http://${address(wiring, watch.service, watch.healthPort)}${watch.healthPath}`], labels },
      ],
      relabel_configs: [
        { source_labels: ["__address__"], target_label: "__param_target" },
        { source_labels: ["__param_target"], target_label: "instance" },
        { target_label: "__address__", replacement: address(wiring, watch.node, watch.port) },
      ],
    };
  return {
    job_name: watch.service,
    metrics_path: watch.path,
    static_configs: [{ targets: [address(wiring, watch.node, watch.port)], labels }],
    ...(watch.apiKey && {
      authorization: { type: "Bearer", credentials_file: posix.join(SECRET_FILES.apiKeys, watch.service) },
    }),
  };
}

/** The Prometheus node `node`'s configuration: its rule file, the Alertmanagers of its edges, a scrape per watch. */
export function prometheusConfig(
  config: SharedConfig,
  wiring: Wiring,
  node: string,
  watched: readonly Watch[],
  environment: string,
): Record<string, unknown> {
  const { monitoring } = config;
  return {
    global: {
      scrape_interval: seconds(monitoring.scrapeIntervalSeconds),
      evaluation_interval: seconds(monitoring.evaluationIntervalSeconds),
      external_labels: { environment },
    },
    rule_files: [posix.join(wiring.catalogue[node]!.dataPaths.config!, RULES_FILE)],
    alerting: { alertmanagers: [{ static_configs: [{ targets: edgesTo(config, wiring, node, "alertmanager") }] }] },
    scrape_configs: watched.map((watch) => scrapeConfig(wiring, watch)),
  };
}

export function ruleFile(
  catalogue: Catalogue,
  watched: readonly Watch[],
  config: SharedConfig,
): { groups: RuleGroup[] } {
  return { groups: ruleGroups(catalogue, watched, config.monitoring) };
}

/**
 * Alertmanager: by e-mail when `features.alertEmail` is on (the SMTP password from its file), else to
 * a receiver that sends nothing (the alerts still show in the UI); alerts matching `quiet` are never
 * sent; critical alerts repeat sooner; a warning is muted while the same alert of the same service
 * (and SLO) is critical.
 */
export function alertmanagerConfig(
  config: StackConfig,
  passwordFile: string = SECRET_FILES.smtpPassword,
  quiet: readonly string[] = [],
): Record<string, unknown> {
  const { routing } = config.monitoring;
  const smtp = config.features.alertEmail ? config.integrations.smtp : undefined;
  const receiver = smtp ? "email" : "none";
  const silent = { name: "none" };
  return {
    ...(smtp && {
      global: {
        smtp_smarthost: `${smtp.host}:${smtp.port}`,
        smtp_from: smtp.from,
        smtp_auth_username: smtp.username,
        smtp_auth_password_file: passwordFile,
        smtp_require_tls: smtp.requireTls ?? true,
      },
    }),
    route: {
      receiver,
      group_by: ["alertname", "service"],
      group_wait: seconds(routing.groupWaitSeconds),
      group_interval: `${routing.groupIntervalMinutes}m`,
      repeat_interval: `${routing.repeatHours}h`,
      routes: [
        ...quiet.map((matcher) => ({ receiver: silent.name, matchers: [matcher] })),
        { receiver, matchers: ['severity="critical"'], repeat_interval: `${routing.criticalRepeatHours}h` },
      ],
    },
    receivers: [
      ...(smtp ? [{ name: "email", email_configs: [{ to: smtp.to.join(", "), send_resolved: true }] }] : []),
      ...(!smtp || quiet.length > 0 ? [silent] : []),
    ],
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        // `slo`: a latency page must not mute the availability ticket of the same service.
        equal: ["alertname", "service", "slo"],
      },
    ],
  };
}

/** The prober's one module: an HTTP GET that must answer 2xx. */
export function blackboxConfig(config: SharedConfig): Record<string, unknown> {
  return {
    modules: {
      [PROBE_MODULE]: {
        prober: "http",
        timeout: seconds(config.healthChecks.timeoutSeconds),
        http: { preferred_ip_protocol: "ip4", fail_if_not_ssl: false },
      },
    },
  };
}

/** A Grafana datasource of the Loki at `address` (host:port), read-only. */
export function lokiDatasource(name: string, uid: string, address: string) {
  return { name, uid, type: "loki", access: "proxy", url: `http://${address}`, editable: false };
}

/**
 * Grafana's provisioning: the Prometheus of its edge as the default datasource with a fixed uid, and
 * the dashboards folder.
 */
export function grafanaProvisioning(
  config: SharedConfig,
  wiring: Wiring,
  node: string,
): Record<string, Record<string, unknown>> {
  const [prometheus] = edgesTo(config, wiring, node, "prometheus");
  if (!prometheus) throw new Error(`${node} has no edge to a Prometheus in the catalogue: no datasource`);
  const logs = edgesTo(config, wiring, node, "loki").map((store) => lokiDatasource("Loki", LOGS_DATASOURCE_UID, store));
  return {
    "datasources/jarvis.yml": {
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          uid: DATASOURCE_UID,
          type: "prometheus",
          access: "proxy",
          url: `http://${prometheus}`,
          isDefault: true,
          editable: false,
        },
        ...logs,
      ],
    },
    "dashboards/jarvis.yml": {
      apiVersion: 1,
      providers: [
        {
          name: "jarvis",
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: wiring.catalogue[node]!.dataPaths.dashboards },
        },
      ],
    },
  };
}
