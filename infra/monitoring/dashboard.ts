// The Jarvis dashboard, built with the Grafana Foundation SDK from how each service is watched
// (targets.ts): a status stat per service, then one row per watched service, generated, so that a
// service added to the catalogue gets its row with no code here. The app's panels follow its metrics
// contract (APP_METRICS); the SLO panels read the recording rules of rules.ts; the containers'
// CPU and memory need cAdvisor and are left out without it.
import type { Builder } from "@grafana/grafana-foundation-sdk/dist/cog";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dist/dashboard";
import { APP_METRICS, SECURITY_EVENTS } from "../catalogue";
import { LOG_LABELS } from "../logs/rules";
import type { SharedConfig } from "../config/schema";
import { BURN_RATES, selector, type Scope } from "./rules";
import type { Watch } from "./targets";

// The SDK publishes its modules only through package.json `exports`, which this project's
// `moduleResolution: node` does not read: the types come from their files under dist/, the code from
// the subpath Node resolves through `exports` (requiring dist/ directly is refused at run time). It is
// loaded on first use: it takes 40 ms to load, and only a stack that runs Grafana builds a dashboard.
interface Sdk {
  readonly common: typeof import("@grafana/grafana-foundation-sdk/dist/common");
  readonly dashboard: typeof import("@grafana/grafana-foundation-sdk/dist/dashboard");
  readonly logs: typeof import("@grafana/grafana-foundation-sdk/dist/logs");
  readonly loki: typeof import("@grafana/grafana-foundation-sdk/dist/loki");
  readonly prometheus: typeof import("@grafana/grafana-foundation-sdk/dist/prometheus");
  readonly stat: typeof import("@grafana/grafana-foundation-sdk/dist/stat");
  readonly timeseries: typeof import("@grafana/grafana-foundation-sdk/dist/timeseries");
}
let loaded: Sdk | undefined;
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = (): Sdk =>
  (loaded ??= {
    common: require("@grafana/grafana-foundation-sdk/common"),
    dashboard: require("@grafana/grafana-foundation-sdk/dashboard"),
    logs: require("@grafana/grafana-foundation-sdk/logs"),
    loki: require("@grafana/grafana-foundation-sdk/loki"),
    prometheus: require("@grafana/grafana-foundation-sdk/prometheus"),
    stat: require("@grafana/grafana-foundation-sdk/stat"),
    timeseries: require("@grafana/grafana-foundation-sdk/timeseries"),
  });
/* eslint-enable @typescript-eslint/no-require-imports */

type Monitoring = SharedConfig["monitoring"];
type Objective = "availability" | "latency";

/** The dashboard's uid, and the start of it where one Grafana shows several stacks. */
export const DASHBOARD_UID = "jarvis";
/** Grafana's rate window: four scrape intervals at least, wider as the time range grows. */
export const RATE_WINDOW = "$__rate_interval";

/**
 * Where a dashboard is shown: its uid and title (unique in a Grafana that shows several stacks), the
 * uid of its Prometheus datasource, the labels every query selects on (Jarvis's namespace on
 * Kubernetes), and where the containers' CPU and memory come from: cAdvisor's container names
 * (Docker), the kubelet's cAdvisor by pod and container (Kubernetes), or nowhere.
 */
export interface DashboardView {
  readonly uid: string;
  readonly title: string;
  readonly datasourceUid: string;
  readonly scope: Scope;
  readonly containers?: "docker" | "kubernetes";
  /** The uid of the logs' datasource (Loki), where the stack stores its logs. */
  readonly logsDatasourceUid?: string;
}
/** Grafana's grid is 24 columns wide. */
const GRID = 24;
const QUANTILES = [0.5, 0.95, 0.99] as const;

const rate = (series: string, labels: Readonly<Record<string, string>>) =>
  `rate(${series}${selector(labels)}[${RATE_WINDOW}])`;
const datasource = (view: DashboardView) => ({ type: "prometheus", uid: view.datasourceUid });

/** A query of the Prometheus datasource; refIds are given per panel in order. */
function query(view: DashboardView, expr: string, legend: string) {
  return new (sdk().prometheus.DataqueryBuilder)().expr(expr).legendFormat(legend).datasource(datasource(view));
}
type Query = ReturnType<typeof query>;

function withQueries<P extends { withTarget(q: Query): P }>(panel: P, queries: readonly Query[]): P {
  return queries.reduce((p, q, i) => p.withTarget(q.refId(String.fromCharCode(65 + i))), panel);
}

function graph(
  view: DashboardView,
  title: string,
  unit: string,
  width: number,
  queries: readonly Query[],
  description: string,
) {
  const panel = new (sdk().timeseries.PanelBuilder)()
    .title(title)
    .description(description)
    .datasource(datasource(view))
    .unit(unit)
    .span(width)
    .height(8)
    .legend(
      new (sdk().common.VizLegendOptionsBuilder)()
        .showLegend(true)
        .displayMode(sdk().common.LegendDisplayMode.List)
        .placement(sdk().common.LegendPlacement.Bottom),
    )
    .tooltip(
      new (sdk().common.VizTooltipOptionsBuilder)()
        .mode(sdk().common.TooltipDisplayMode.Multi)
        .sort(sdk().common.SortOrder.Descending),
    );
  return withQueries(panel, queries);
}

/** A dashed line at an alert's threshold, so that the graph shows how near it is. */
function thresholdLine(panel: ReturnType<typeof graph>, threshold: number) {
  return panel
    .thresholds(
      new (sdk().dashboard.ThresholdsConfigBuilder)().mode(sdk().dashboard.ThresholdsMode.Absolute).steps([
        { value: null, color: "transparent" },
        { value: threshold, color: "red" },
      ]),
    )
    .thresholdsStyle(
      new (sdk().common.GraphThresholdsStyleConfigBuilder)().mode(sdk().common.GraphThresholdsStyleMode.Dashed),
    );
}

/** The series that says whether a service is up, and where it comes from. */
function upSignal(view: DashboardView, watch: Watch): { expr: string; from: string } {
  const labels = { ...view.scope, service: watch.service };
  if (watch.kind === "probe") return { expr: `probe_success${selector(labels)}`, from: "the prober's health check" };
  if (watch.exported)
    return {
      expr: `${watch.exported.upMetric}${selector(labels)}`,
      from: `${watch.node}'s ${watch.exported.upMetric}`,
    };
  return { expr: `up${selector(labels)}`, from: "Prometheus's scrape of its metrics endpoint" };
}

/** The titles of the services, by service: a catalogue, or (handed to a worker) its titles alone. */
export type Titles = Readonly<Record<string, { readonly title: string }>>;

function statusStat(view: DashboardView, catalogue: Titles, watch: Watch): Builder<Panel> {
  const { expr, from } = upSignal(view, watch);
  const panel = new (sdk().stat.PanelBuilder)()
    .title(catalogue[watch.service]!.title)
    .description(`Up or down, from ${from}: the lowest of its instances.`)
    .datasource(datasource(view))
    .span(4)
    .height(3)
    .mappings([
      {
        type: sdk().dashboard.MappingType.ValueToText,
        options: { "0": { text: "Down", color: "red" }, "1": { text: "Up", color: "green" } },
      },
    ])
    .noValue("Unknown")
    .colorMode(sdk().common.BigValueColorMode.Background)
    .graphMode(sdk().common.BigValueGraphMode.None)
    .reduceOptions(new (sdk().common.ReduceDataOptionsBuilder)().calcs(["lastNotNull"]));
  return withQueries(panel, [query(view, `min(${expr})`, watch.service)]);
}

/** Up over time; for a datastore, its exporter's scrape beside the exporter's view of it. */
function upHistory(view: DashboardView, watch: Watch) {
  const { expr } = upSignal(view, watch);
  const queries = [query(view, `min(${expr})`, watch.service)];
  if (watch.kind === "scrape" && watch.exported)
    queries.push(query(view, `min(up${selector({ ...view.scope, service: watch.service })})`, watch.node));
  return graph(view, "Up", "none", GRID, queries, "1 while up, 0 while down; a gap is a scrape that did not answer.")
    .height(5)
    .min(0)
    .max(1);
}

/** The app's metrics contract, for a service that serves it. */
function appPanels(view: DashboardView, service: string, alerts: Monitoring["alerts"]): Builder<Panel>[] {
  const labels = { ...view.scope, service };
  const third = GRID / 3;
  const half = GRID / 2;
  const buckets = `sum by (le) (${rate(`${APP_METRICS.duration}_bucket`, labels)})`;
  return [
    graph(
      view,
      "Request rate",
      "reqps",
      third,
      [query(view, `sum by (status) (${rate(APP_METRICS.requests, labels)})`, "{{status}}")],
      "Requests a second, by HTTP status.",
    ),
    thresholdLine(
      graph(
        view,
        "Latency",
        "s",
        third,
        QUANTILES.map((q) => query(view, `histogram_quantile(${q}, ${buckets})`, `p${q * 100}`)),
        `Percentiles of the request duration, from the histogram; the line is the p95 alert's threshold.`,
      ),
      alerts.latencyP95Seconds.threshold,
    ),
    thresholdLine(
      graph(
        view,
        "Error ratio",
        "percentunit",
        third,
        [
          query(
            view,
            // 0, not "no data", before the service's first server error (its 5xx series does not exist yet).
            `(sum(${rate(APP_METRICS.requests, { ...labels, status: "~5.." })}) or vector(0)) / sum(${rate(APP_METRICS.requests, labels)})`,
            "5xx",
          ),
        ],
        "Share of the requests answered with a server error; the line is the alert's threshold.",
      ),
      alerts.errorRatio.threshold,
    ),
    graph(
      view,
      "Active users",
      "short",
      half,
      [query(view, `sum(${APP_METRICS.activeUsers}${selector(labels)})`, "users")],
      "Users with an open session.",
    ),
    graph(
      view,
      "Memory operations",
      "ops",
      half,
      [query(view, `sum by (operation) (${rate(APP_METRICS.memoryOperations, labels)})`, "{{operation}}")],
      "Operations on the assistant's memory a second, by operation.",
    ),
  ];
}

/** The long windows of the burn-rate alerts, each once. */
const BURN_WINDOWS = [...new Set(BURN_RATES.map((b) => b.long))];

/** Remaining error budget and burn rate of one objective, from the recording rules. */
function sloPanels(
  view: DashboardView,
  service: string,
  objective: Objective,
  target: number,
  windowDays: number,
): Builder<Panel>[] {
  const labels = selector({ ...view.scope, service, slo: objective });
  const quarter = GRID / 4;
  const budget = new (sdk().stat.PanelBuilder)()
    .title(`Error budget: ${objective}`)
    .description(`Share of the ${windowDays}-day error budget left, for an objective of ${target}%.`)
    .datasource(datasource(view))
    .unit("percentunit")
    .span(quarter)
    .height(8)
    .thresholds(
      new (sdk().dashboard.ThresholdsConfigBuilder)().mode(sdk().dashboard.ThresholdsMode.Absolute).steps([
        { value: null, color: "red" },
        { value: 0, color: "orange" },
        { value: 0.25, color: "green" },
      ]),
    )
    .colorMode(sdk().common.BigValueColorMode.Value)
    .reduceOptions(new (sdk().common.ReduceDataOptionsBuilder)().calcs(["lastNotNull"]));
  const burn = BURN_WINDOWS.map((window) =>
    query(
      view,
      `slo:sli_error:ratio_rate${window}${labels} / on (service, slo) (1 - slo:objective:ratio${labels})`,
      window,
    ),
  );
  return [
    withQueries(budget, [query(view, `slo:error_budget_remaining:ratio${labels}`, objective)]),
    thresholdLine(
      graph(
        view,
        `Burn rate: ${objective}`,
        "suffix:x",
        quarter,
        burn,
        "How fast the budget is spent: 1 spends it exactly over the window (the line); the alerts fire far above it.",
      ),
      1,
    ),
  ];
}

function serviceSloPanels(view: DashboardView, service: string, monitoring: Monitoring): Builder<Panel>[] {
  const slo = monitoring.slos[service];
  if (!slo) return [];
  return [
    ...(slo.availability ? sloPanels(view, service, "availability", slo.availability.objective, slo.windowDays) : []),
    ...(slo.latency ? sloPanels(view, service, "latency", slo.latency.objective, slo.windowDays) : []),
  ];
}

/**
 * The containers' CPU and memory from cAdvisor: on Docker by container name (its own cAdvisor), on
 * Kubernetes by pod and container (the kubelet's, in Jarvis's namespace).
 */
function containerPanels(view: DashboardView): Builder<Panel>[] {
  const [labels, by, legend, from] =
    view.containers === "kubernetes"
      ? [{ ...view.scope, container: "~.+" }, "pod, container", "{{pod}}/{{container}}", "the kubelet's cAdvisor"]
      : [{ name: "~.+" }, "name", "{{name}}", "cAdvisor"];
  return [
    graph(
      view,
      "Container CPU",
      "short",
      GRID / 2,
      [query(view, `sum by (${by}) (${rate("container_cpu_usage_seconds_total", labels)})`, legend)],
      `CPU cores used, by container (${from}).`,
    ),
    graph(
      view,
      "Container memory",
      "bytes",
      GRID / 2,
      [query(view, `sum by (${by}) (container_memory_working_set_bytes${selector(labels)})`, legend)],
      `Working set (what the kernel cannot reclaim), by container (${from}).`,
    ),
  ];
}

/** A service's lines, newest first, from the logs' store. */
function logsPanel(uid: string, title: string, expr: string, description: string) {
  const source = { type: "loki", uid };
  return new (sdk().logs.PanelBuilder)()
    .title(title)
    .description(description)
    .datasource(source)
    .span(GRID)
    .height(8)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(sdk().common.LogsSortOrder.Descending)
    .withTarget(new (sdk().loki.DataqueryBuilder)().expr(expr).datasource(source).refId("A"));
}

/** The security events: how many of each, and their lines. */
function securityPanels(view: DashboardView, uid: string): Builder<Panel>[] {
  const events = selector({ ...view.scope, [LOG_LABELS.event]: "~.+" });
  const source = { type: "loki", uid };
  const counts = new (sdk().timeseries.PanelBuilder)()
    .title("Security events")
    .description(`${SECURITY_EVENTS.events.join(", ")} logged by ${SECURITY_EVENTS.logger}, by event.`)
    .datasource(source)
    .unit("short")
    .span(GRID)
    .height(8)
    .withTarget(
      new (sdk().loki.DataqueryBuilder)()
        .expr(`sum by (${LOG_LABELS.event}) (count_over_time(${events} [$__auto]))`)
        .legendFormat(`{{${LOG_LABELS.event}}}`)
        .datasource(source)
        .refId("A"),
    );
  return [counts, logsPanel(uid, "Security event lines", events, "The lines of the security events, newest first.")];
}

function row(builder: ReturnType<typeof board>, title: string, panels: readonly Builder<Panel>[]) {
  return panels.reduce((b, panel) => b.withPanel(panel), builder.withRow(new (sdk().dashboard.RowBuilder)(title)));
}

function board(view: DashboardView) {
  return new (sdk().dashboard.DashboardBuilder)(view.title)
    .uid(view.uid)
    .tags(["jarvis"])
    .refresh("30s")
    .time({ from: "now-6h", to: "now" })
    .timezone("browser")
    .tooltip(sdk().dashboard.DashboardCursorSync.Crosshair);
}

export function jarvisDashboard(
  catalogue: Titles,
  watched: readonly Watch[],
  monitoring: SharedConfig["monitoring"],
  view: DashboardView,
): Record<string, unknown> {
  let builder = row(
    board(view),
    "Status",
    watched.map((watch) => statusStat(view, catalogue, watch)),
  );
  for (const watch of watched) {
    const app = watch.kind === "scrape" && watch.app;
    const logs = view.logsDatasourceUid;
    builder = row(builder, catalogue[watch.service]!.title, [
      upHistory(view, watch),
      ...(app
        ? [...appPanels(view, watch.service, monitoring.alerts), ...serviceSloPanels(view, watch.service, monitoring)]
        : []),
      ...(logs
        ? [
            logsPanel(
              logs,
              "Logs",
              selector({ ...view.scope, [LOG_LABELS.service]: watch.service }),
              `${watch.service}'s lines, newest first (the fields of jarvis:logs.dropFields are not stored).`,
            ),
          ]
        : []),
    ]);
  }
  if (view.containers) builder = row(builder, "Containers", containerPanels(view));
  if (view.logsDatasourceUid) builder = row(builder, "Security events", securityPanels(view, view.logsDatasourceUid));
  const built: Dashboard = builder.build();
  // Grafana wants a unique id per panel (rows included); the SDK leaves them to the caller.
  built.panels?.forEach((panel, i) => (panel.id = i + 1));
  return { ...built };
}

/** What a dashboard is built from: plain data, so that a worker thread can be handed it. */
export interface DashboardInput {
  readonly titles: Titles;
  readonly watched: readonly Watch[];
  readonly monitoring: SharedConfig["monitoring"];
  readonly view: DashboardView;
}

/**
 * Builds a dashboard's JSON text: in this thread, or (the offline plan) in its worker thread, which
 * loaded the SDK while the main thread loaded Pulumi's.
 */
export type DashboardBuilder = (input: DashboardInput) => Promise<string>;

export const buildDashboardHere: DashboardBuilder = async (input) =>
  JSON.stringify(jarvisDashboard(input.titles, input.watched, input.monitoring, input.view));

/** Loads the SDK now: what building the first dashboard would cost. */
export function loadDashboardSdk(): void {
  sdk();
}
