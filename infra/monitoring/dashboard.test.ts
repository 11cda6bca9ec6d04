// The Jarvis dashboard, built from the real catalogue and the dev config: its rows follow the watched
// services (a catalogue with Langfuse added gets a Langfuse row), its app and SLO panels follow the metrics
// contract and the SLOs, the container panels the cAdvisor switch, and every query parses as PromQL.
import { dockerDashboardView } from "../files";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { CATALOGUE, type Catalogue } from "../catalogue";
import { loadStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { runningServices } from "../graph";
import { ANY_PATH } from "../host";
import { CATALOGUE_WITH_LANGFUSE, withLangfuse } from "../../test/fixtures/catalogue-with-langfuse";
import { logqlSelectorLabels } from "../../tools/logql";
import { rawConfig, stackValues, validConfig } from "../../tools/test-support";
import { LOG_LABELS } from "../logs/rules";
import { DASHBOARD_UID, jarvisDashboard, RATE_WINDOW } from "./dashboard";
import { DATASOURCE_UID } from "./files";
import { watches, type Watch } from "./targets";

interface Target {
  datasource?: { uid?: string };
  expr: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
}
interface Section {
  row: string;
  panels: Panel[];
}

const config = validConfig("dev");
const watchedOf = (catalogue: Catalogue, stack: StackConfig) =>
  watches(catalogue, stack.ports, runningServices(catalogue, stack));
const watched = watchedOf(CATALOGUE, config);

function build(
  monitoring: StackConfig["monitoring"] = config.monitoring,
  catalogue: Catalogue = CATALOGUE,
  services: readonly Watch[] = watched,
) {
  return jarvisDashboard(catalogue, services, monitoring, dockerDashboardView(monitoring, false)) as {
    uid: string;
    title: string;
    panels: Panel[];
  };
}

/** The dashboard's rows, each with the panels that follow it up to the next row. */
function sections(panels: readonly Panel[]): Section[] {
  return panels.reduce<Section[]>((all, panel) => {
    if (panel.type === "row") return [...all, { row: panel.title, panels: [] }];
    all.at(-1)!.panels.push(panel);
    return all;
  }, []);
}

const exprs = (panels: readonly Panel[]) => panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const sectionOf = (panels: readonly Panel[], title: string) => {
  const found = sections(panels).filter((s) => s.row === title);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** Syntax errors of a PromQL expression, once Grafana has put its rate window in. */
function syntaxErrors(expr: string): string[] {
  const promql = expr.replaceAll(RATE_WINDOW, "1m");
  const errors: string[] = [];
  parser.parse(promql).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`${promql} at ${node.from}`);
    },
  });
  return errors;
}

describe("the Jarvis dashboard", () => {
  const { uid, title, panels } = build();

  it("has a fixed uid and title", () => {
    expect(uid).toBe(DASHBOARD_UID);
    expect(uid).toBe("jarvis");
    expect(title).toBe("Jarvis");
  });

  it("queries the provisioned datasource on every panel and target, and numbers panels uniquely", () => {
    const data = panels.filter((p) => p.type !== "row");
    expect(data.length).toBeGreaterThan(watched.length);
    for (const panel of data) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_UID);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.datasource?.uid, target.expr).toBe(DATASOURCE_UID);
      expect(new Set(panel.targets!.map((t) => t.refId)).size).toBe(panel.targets!.length);
    }
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  it("has a status stat per watched service, from up, its exporter's up metric or its probe", () => {
    const status = sectionOf(panels, "Status").panels;
    expect(status.map((p) => p.type)).toEqual(watched.map(() => "stat"));
    expect(status.map((p) => p.title)).toEqual(watched.map((w) => CATALOGUE[w.service]!.title));
    const signal = (w: Watch) => (w.kind === "probe" ? "probe_success" : (w.exported?.upMetric ?? "up"));
    expect(exprs(status)).toEqual(watched.map((w) => `min(${signal(w)}{service="${w.service}"})`));
    // The dev stack has all three kinds.
    expect(new Set(watched.map(signal))).toEqual(new Set(["up", "probe_success", "pg_up", "redis_up"]));
  });

  it("has one row per watched service, whose queries are all about that service", () => {
    const rows = sections(panels).filter((s) => s.row !== "Status");
    expect(rows.map((s) => s.row)).toEqual(watched.map((w) => CATALOGUE[w.service]!.title));
    for (const [i, watch] of watched.entries()) {
      const queries = exprs(rows[i]!.panels);
      expect(queries.length).toBeGreaterThan(0);
      for (const expr of queries) expect(expr).toContain(`service="${watch.service}"`);
    }
  });

  it("has the app's panels in the rows of the services that serve its metrics, and only there", () => {
    const app = watched.filter((w) => w.kind === "scrape" && w.app).map((w) => w.service);
    expect(app).toEqual(["stt", "tts", "backend", "interface"]);
    for (const watch of watched) {
      const section = sectionOf(panels, CATALOGUE[watch.service]!.title);
      const titles = section.panels.map((p) => p.title);
      const appTitles = ["Request rate", "Latency", "Error ratio", "Active users", "Memory operations"];
      if (app.includes(watch.service)) {
        expect(titles).toEqual(expect.arrayContaining(appTitles));
        const queries = exprs(section.panels);
        expect(queries).toContain(
          `histogram_quantile(0.95, sum by (le) (rate(jarvis_request_duration_seconds_bucket{service="${watch.service}"}[${RATE_WINDOW}])))`,
        );
        expect(
          queries.some((q) => q.includes("sum by (operation)") && q.includes("jarvis_memory_operations_total")),
        ).toBe(true);
      } else {
        expect(titles).toEqual(["Up"]);
        expect(exprs(section.panels).join()).not.toContain("jarvis_");
      }
    }
  });

  it("has a latency panel with p50, p95 and p99", () => {
    const latency = sectionOf(panels, CATALOGUE.backend!.title).panels.find((p) => p.title === "Latency")!;
    expect(latency.targets!.map((t) => t.expr.match(/^histogram_quantile\(([\d.]+),/)?.[1])).toEqual([
      "0.5",
      "0.95",
      "0.99",
    ]);
  });

  it("shows a datastore's exporter beside the exporter's view of the datastore", () => {
    const postgres = sectionOf(panels, CATALOGUE.postgres!.title).panels;
    expect(exprs(postgres)).toEqual(['min(pg_up{service="postgres"})', 'min(up{service="postgres"})']);
  });
});

describe("the SLO panels", () => {
  const sloExprs = (monitoring: StackConfig["monitoring"]) =>
    exprs(build(monitoring).panels).filter((e) => e.includes("slo:"));
  const budget = (service: string, slo: string) =>
    `slo:error_budget_remaining:ratio{service="${service}",slo="${slo}"}`;

  it("show the remaining budget and the burn rate of each configured SLO, in its service's row", () => {
    expect(Object.keys(config.monitoring.slos)).toEqual(["backend"]);
    const backend = sectionOf(build().panels, CATALOGUE.backend!.title).panels;
    const queries = exprs(backend);
    for (const slo of ["availability", "latency"]) {
      expect(queries).toContain(budget("backend", slo));
      expect(backend.map((p) => p.title)).toEqual(
        expect.arrayContaining([`Error budget: ${slo}`, `Burn rate: ${slo}`]),
      );
      expect(queries).toContain(
        `slo:sli_error:ratio_rate1h{service="backend",slo="${slo}"} / on (service, slo) (1 - slo:objective:ratio{service="backend",slo="${slo}"})`,
      );
    }
  });

  it("follow the config: one objective gives its panels only, none gives none", () => {
    const only = { backend: { windowDays: 7, availability: { objective: 99.9 } } };
    const queries = sloExprs({ ...config.monitoring, slos: only });
    expect(queries).toContain(budget("backend", "availability"));
    expect(queries.join()).not.toContain('slo="latency"');
    expect(sloExprs({ ...config.monitoring, slos: {} })).toEqual([]);
  });

  it("are given to another app service that has an SLO", () => {
    const stt = { windowDays: 30, latency: { objective: 99, thresholdSeconds: 1 } };
    const queries = sloExprs({ ...config.monitoring, slos: { ...config.monitoring.slos, stt } });
    expect(queries).toContain(budget("stt", "latency"));
  });
});

describe("the container panels", () => {
  const containerExprs = (cadvisor: boolean) =>
    exprs(build({ ...config.monitoring, cadvisor }).panels).filter((e) => e.includes("container_"));

  it("are left out while cAdvisor is off (the default)", () => {
    expect(config.monitoring.cadvisor).toBe(false);
    expect(containerExprs(false)).toEqual([]);
    expect(sections(build().panels).map((s) => s.row)).not.toContain("Containers");
  });

  it("show CPU and memory by container name when it is on", () => {
    const queries = containerExprs(true);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatch(/^sum by \(name\) \(rate\(container_cpu_usage_seconds_total\{/);
    expect(queries[1]).toMatch(/^sum by \(name\) \(container_memory_working_set_bytes\{/);
    expect(sectionOf(build({ ...config.monitoring, cadvisor: true }).panels, "Containers").panels).toHaveLength(2);
  });
});

describe("every query", () => {
  it("is PromQL the Prometheus parser accepts", () => {
    const stt = { windowDays: 30, latency: { objective: 99, thresholdSeconds: 1 } };
    const variants = [
      build(),
      build({ ...config.monitoring, cadvisor: true, slos: { ...config.monitoring.slos, stt } }),
    ];
    const queries = variants.flatMap((d) => exprs(d.panels));
    expect(queries.length).toBeGreaterThan(40);
    expect(queries.flatMap(syntaxErrors)).toEqual([]);
  });

  it("would be caught if it were not", () => {
    expect(syntaxErrors(`sum(rate(jarvis_requests_total[${RATE_WINDOW}])`)).not.toEqual([]);
    expect(syntaxErrors('up{service="backend"')).not.toEqual([]);
  });
});

describe("a service added to the catalogue", () => {
  const { config: raw, secretKeys, projectDefaults } = rawConfig("dev", withLangfuse(stackValues("dev")));
  const loaded = loadStackConfig(raw, secretKeys, "jarvis", {
    catalogue: CATALOGUE_WITH_LANGFUSE,
    host: ANY_PATH,
    projectDefaults,
  });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  const withLangfuseWatched = watchedOf(CATALOGUE_WITH_LANGFUSE, loaded.config);

  it("gets its status stat and its row, with no dashboard code changed", () => {
    const { panels } = build(loaded.config.monitoring, CATALOGUE_WITH_LANGFUSE, withLangfuseWatched);
    const title = CATALOGUE_WITH_LANGFUSE.langfuse!.title;
    expect(sections(build().panels).map((s) => s.row)).not.toContain(title);
    expect(exprs(sectionOf(panels, title).panels)).toEqual(['min(up{service="langfuse"})']);
    expect(sectionOf(panels, "Status").panels.map((p) => p.title)).toContain(title);
    expect(sections(panels)).toHaveLength(sections(build().panels).length + 1);
  });
});

describe("the logs' panels", () => {
  const dashboard = jarvisDashboard(
    CATALOGUE,
    watched,
    config.monitoring,
    dockerDashboardView(config.monitoring, true),
  ) as {
    panels: (Panel & { type: string })[];
  };

  it("give each watched service's row its lines, and a row of the security events, from the logs' datasource", () => {
    const rows = sections(dashboard.panels);
    for (const watch of watched) {
      const logs = sectionOf(dashboard.panels, CATALOGUE[watch.service]!.title).panels.find((p) => p.title === "Logs")!;
      expect(logs.datasource?.uid).toBe("loki");
      expect(logs.targets![0]!.expr).toBe(`{service="${watch.service}"}`);
    }
    const security = rows.find((s) => s.row === "Security events")!;
    expect(security.panels.map((p) => p.title)).toEqual(["Security events", "Security event lines"]);
    expect(security.panels[0]!.targets![0]!.expr).toBe('sum by (event) (count_over_time({event=~".+"} [$__auto]))');
  });

  it("query only labels the collector sets, in valid LogQL", () => {
    const exprs = dashboard.panels
      .filter((p) => p.datasource?.uid === "loki")
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBe(watched.length + 2);
    for (const expr of exprs) {
      // Grafana puts a range where its $__auto is before it sends the query.
      const { labels, errors } = logqlSelectorLabels(expr.replace("$__auto", "1m"));
      expect(errors, expr).toBe(0);
      expect(labels.length, expr).toBeGreaterThan(0);
      for (const label of labels) expect(Object.values(LOG_LABELS)).toContain(label);
    }
  });
});
