// The alert and recording rules, derived from how each service is watched (targets.ts), the app's
// metrics contract (APP_METRICS) and the thresholds and objectives of `jarvis:monitoring`. Every
// series carries the `service` label the scrape configs give it (prometheus.ts).
import { APP_METRICS, type Catalogue } from "../catalogue";
import type { SharedConfig } from "../config/schema";
import type { Watch } from "./targets";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string };
}
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

type Monitoring = SharedConfig["monitoring"];
type Severity = "critical" | "warning";
/**
 * Labels every selector and every rule's series carries besides `service`: on Kubernetes, Jarvis's
 * namespace, so that a Prometheus that watches two stacks keeps their series and alerts apart.
 */
export type Scope = Readonly<Record<string, string>>;

/** A PromQL label selector; a value starting with `~` is a regular expression. */
export const selector = (labels: Readonly<Record<string, string>>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => (v.startsWith("~") ? `${k}=~"${v.slice(1)}"` : `${k}="${v}"`))
    .join(",")}}`;

export function alert(
  name: string,
  expr: string,
  minutes: number,
  severity: Severity,
  service: string,
  summary: string,
  description: string,
  extra: Readonly<Record<string, string>> = {},
): AlertRule {
  return {
    alert: name,
    expr,
    for: `${minutes}m`,
    labels: { severity, service, ...extra },
    annotations: { summary, description },
  };
}

/** A service, a datastore or a probed endpoint that stops answering. */
function availabilityRules(catalogue: Catalogue, watched: readonly Watch[], minutes: number, scope: Scope) {
  return watched.flatMap((watch): AlertRule[] => {
    const { service } = watch;
    const of = { ...scope, service };
    const title = catalogue[service]!.title;
    if (watch.kind === "probe")
      return [
        alert(
          "ServiceDown",
          `probe_success${selector(of)} == 0`,
          minutes,
          "critical",
          service,
          `${title} does not answer its health check`,
          `The prober gets no successful answer from ${service}'s health endpoint (${watch.healthPath}). Look at the service's logs and restarts, and at its own health check.`,
          scope,
        ),
      ];
    if (!watch.exported)
      return [
        alert(
          "ServiceDown",
          `up${selector(of)} == 0`,
          minutes,
          "critical",
          service,
          `${title} cannot be scraped`,
          `Prometheus cannot reach ${service}'s metrics endpoint (${watch.path}): the service is down, restarting or not reachable on the network. Look at its logs, its health check and its restarts.`,
          scope,
        ),
      ];
    return [
      alert(
        "ExporterDown",
        `up${selector(of)} == 0`,
        minutes,
        "warning",
        service,
        `The exporter of ${title} cannot be scraped`,
        `Prometheus cannot reach ${watch.node}, so nothing is known of ${service}'s health. Look at ${watch.node}'s logs.`,
        scope,
      ),
      alert(
        "DatastoreDown",
        `${watch.exported.upMetric}${selector(of)} == 0`,
        minutes,
        "critical",
        service,
        `${title} is down`,
        `${watch.node} cannot connect to ${service} (${watch.exported.upMetric} is 0). Look at ${service}'s logs, its volume's free space and its restarts; the services that use it fail meanwhile.`,
        scope,
      ),
    ];
  });
}

/** The window of the alerts' rates, and the SLIs' shortest: config keeps the scrape interval a quarter of it. */
export const RATE_WINDOW_SECONDS = 300;
const RATE_WINDOW = `${RATE_WINDOW_SECONDS / 60}m`;

const requestRate = (scope: Scope, service: string, status?: string, window = RATE_WINDOW) =>
  `sum(rate(${APP_METRICS.requests}${selector({ ...scope, service, ...(status && { status }) })}[${window}]))`;

/** The requests of a service that serves the app's metrics: errors, latency, refusals. */
function requestRules(scope: Scope, service: string, alerts: Monitoring["alerts"]): AlertRule[] {
  const requests = (status?: string) => requestRate(scope, service, status);
  const { errorRatio, latencyP95Seconds, rateLimitedPerSecond, unauthorizedPerSecond } = alerts;
  return [
    alert(
      "HighErrorRatio",
      `(${requests("~5..")} / ${requests()}) > ${errorRatio.threshold}`,
      errorRatio.forMinutes,
      "warning",
      service,
      `More than ${errorRatio.threshold * 100}% of ${service}'s requests fail`,
      `${service} answers more than ${errorRatio.threshold * 100}% of its requests with a server error (5xx). Look at its logs for the failing endpoint, and at the datastores and services it depends on.`,
      scope,
    ),
    alert(
      "HighLatencyP95",
      `histogram_quantile(0.95, sum by (le) (rate(${APP_METRICS.duration}_bucket${selector({ ...scope, service })}[${RATE_WINDOW}]))) > ${latencyP95Seconds.threshold}`,
      latencyP95Seconds.forMinutes,
      "warning",
      service,
      `${service}'s 95th percentile latency is above ${latencyP95Seconds.threshold}s`,
      `One request in twenty takes ${service} more than ${latencyP95Seconds.threshold}s. Look at the slow endpoints in the dashboard, at the LLM's load (Ollama) and at the datastores' latency.`,
      scope,
    ),
    alert(
      "RateLimitedRequests",
      `${requests("429")} > ${rateLimitedPerSecond.threshold}`,
      rateLimitedPerSecond.forMinutes,
      "warning",
      service,
      `${service} refuses more than ${rateLimitedPerSecond.threshold} requests a second with its rate limit`,
      `Clients hit ${service}'s rate limit (429): a client in a loop, an attack, or a limit too low for real use. Look at the RATE_LIMIT_EXCEEDED events in the logs for the client addresses.`,
      scope,
    ),
    alert(
      "UnauthorizedRequests",
      `${requests("~401|403")} > ${unauthorizedPerSecond.threshold}`,
      unauthorizedPerSecond.forMinutes,
      "warning",
      service,
      `${service} refuses more than ${unauthorizedPerSecond.threshold} requests a second as unauthorized`,
      `Requests without valid credentials (401, 403) at ${service}: expired tokens after a key rotation, or someone guessing. Look at the UNAUTHORIZED_ACCESS events in the logs for the client addresses.`,
      scope,
    ),
  ];
}

/** Windows of the SRE workbook's multi-window, multi-burn-rate alerts, and the burn rate of each pair. */
export const BURN_RATES = [
  { severity: "critical", long: "1h", short: "5m", factor: 14.4 },
  { severity: "critical", long: "6h", short: "30m", factor: 6 },
  { severity: "warning", long: "1d", short: "2h", factor: 3 },
  { severity: "warning", long: "3d", short: "6h", factor: 1 },
] as const;
const SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** The bucket bound of a threshold as a label matcher: Prometheus 3 writes `le="1.0"`, older ones and Go clients `le="1"`. */
export function bucketMatcher(threshold: number): string {
  return Number.isInteger(threshold) ? `~${threshold}|${threshold}.0` : String(threshold);
}

type Objective = "availability" | "latency";

/** The error ratio of an SLI over a window: the share of bad requests. */
function sliError(
  labels: Scope & { readonly service: string },
  objective: Objective,
  thresholdSeconds: number | undefined,
  window: string,
): string {
  const { service, ...scope } = labels;
  // A client creates the 5xx series at its first server error: until then, and after each restart,
  // there is none, and the ratio must be 0 rather than missing.
  if (objective === "availability")
    return `(${requestRate(scope, service, "~5..", window)} or vector(0)) / ${requestRate(scope, service, undefined, window)}`;
  const under = `${APP_METRICS.duration}_bucket${selector({ ...labels, le: bucketMatcher(thresholdSeconds!) })}`;
  const all = `${APP_METRICS.duration}_count${selector(labels)}`;
  return `1 - (sum(rate(${under}[${window}])) / sum(rate(${all}[${window}])))`;
}

/** Recording rules and burn-rate alerts of one objective, as Sloth and Pyrra generate them. */
interface Slo {
  readonly scope: Scope;
  readonly service: string;
  readonly objective: Objective;
  /** Percent of good requests. */
  readonly target: number;
  readonly windowDays: number;
  readonly thresholdSeconds?: number;
  readonly burnAlerts: Monitoring["burnAlerts"];
}

function sloRules({ scope, service, objective, target, windowDays, thresholdSeconds, burnAlerts }: Slo): RuleGroup {
  const labels = { service, slo: objective, ...scope };
  const budget = Number((1 - target / 100).toPrecision(6));
  const rate = (window: string) => `slo:sli_error:ratio_rate${window}`;
  const recorded = (window: string) => `${rate(window)}${selector(labels)}`;
  const period = `${windowDays}d`;
  const recordings: RecordingRule[] = [
    ...SLI_WINDOWS.map((window) => ({
      record: rate(window),
      expr: sliError({ ...scope, service }, objective, thresholdSeconds, window),
      labels,
    })),
    // The whole window from the counters themselves: an average of the 5-minute ratios would weigh
    // an idle window like a busy one, and one idle window (0/0) would make it NaN for a month.
    { record: rate(period), expr: sliError({ ...scope, service }, objective, thresholdSeconds, period), labels },
    { record: "slo:objective:ratio", expr: String(target / 100), labels },
    { record: "slo:error_budget_remaining:ratio", expr: `1 - (${recorded(period)} / ${budget})`, labels },
  ];
  const what =
    objective === "availability" ? "answered without a server error" : `answered within ${thresholdSeconds}s`;
  const alerts = (["critical", "warning"] as const).map((severity) => {
    const pairs = BURN_RATES.filter((b) => b.severity === severity);
    const expr = pairs
      .map(
        (b) => `(${recorded(b.long)} > (${b.factor} * ${budget}) and ${recorded(b.short)} > (${b.factor} * ${budget}))`,
      )
      .join(" or ");
    const pace = severity === "critical" ? "within hours" : "within days";
    return alert(
      "ErrorBudgetBurn",
      expr,
      severity === "critical" ? burnAlerts.pageForMinutes : burnAlerts.ticketForMinutes,
      severity,
      service,
      `${service} burns its ${objective} error budget fast enough to exhaust it ${pace}`,
      `The objective: ${target}% of ${service}'s requests ${what} over ${windowDays} days. Its error ratio is ${pairs.map((b) => `${b.factor}x the budget over ${b.long} and ${b.short}`).join(", or ")}. Look at the error budget panel and at what changed (a deploy, a dependency).`,
      { slo: objective, ...scope },
    );
  });
  return { name: `jarvis-slo-${service}-${objective}`, rules: [...recordings, ...alerts] };
}

/** Every rule group of the stack. */
export function ruleGroups(
  catalogue: Catalogue,
  watched: readonly Watch[],
  monitoring: Monitoring,
  scope: Scope = {},
): RuleGroup[] {
  const app = watched.filter((w) => w.kind === "scrape" && w.app).map((w) => w.service);
  const common = (service: string, windowDays: number) => ({
    scope,
    service,
    windowDays,
    burnAlerts: monitoring.burnAlerts,
  });
  const slos = Object.entries(monitoring.slos).flatMap(([service, slo]) =>
    !slo || !app.includes(service)
      ? []
      : [
          ...(slo.availability
            ? [
                sloRules({
                  ...common(service, slo.windowDays),
                  objective: "availability",
                  target: slo.availability.objective,
                }),
              ]
            : []),
          ...(slo.latency
            ? [
                sloRules({
                  ...common(service, slo.windowDays),
                  objective: "latency",
                  target: slo.latency.objective,
                  thresholdSeconds: slo.latency.thresholdSeconds,
                }),
              ]
            : []),
        ],
  );
  return [
    {
      name: "jarvis-availability",
      rules: availabilityRules(catalogue, watched, monitoring.alerts.downForMinutes, scope),
    },
    { name: "jarvis-requests", rules: app.flatMap((service) => requestRules(scope, service, monitoring.alerts)) },
    ...slos,
  ];
}
