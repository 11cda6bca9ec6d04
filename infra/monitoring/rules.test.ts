// The generated rule file and Alertmanager config, as the containers get them: every expression
// parses with the Prometheus project's own PromQL grammar (a first filter only: it does not
// type-check; `npm run check:real` runs promtool on the same files), and what the rules and the
// routing say follows from the service graph and `jarvis:monitoring`.
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CATALOGUE, MONITORING_FILES, type Catalogue } from "../catalogue";
import { loadStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { serviceFiles } from "../files";
import { runningServices } from "../graph";
import { ANY_PATH } from "../host";
import { deriveWiring } from "../wiring";
import { CATALOGUE_WITH_LANGFUSE, withLangfuse } from "../../test/fixtures/catalogue-with-langfuse";
import { problems, rawConfig, stackValues, validConfig } from "../../tools/test-support";
import { RULES_FILE, SECRET_FILES } from "./files";
import { BURN_RATES, bucketMatcher, type AlertRule, type RecordingRule, type RuleGroup } from "./rules";
import { watches } from "./targets";

type Rule = AlertRule | RecordingRule;
const isAlert = (rule: Rule): rule is AlertRule => "alert" in rule;

/** The rule groups as Prometheus reads them: the YAML text of its rule file. */
function groups(config: StackConfig, catalogue: Catalogue = CATALOGUE): RuleGroup[] {
  const files = serviceFiles(config, deriveWiring(config, catalogue), "prometheus", "dev");
  return (parse(files.plain!.contents[RULES_FILE]!) as { groups: RuleGroup[] }).groups;
}
const rules = (config: StackConfig, catalogue?: Catalogue) => groups(config, catalogue).flatMap((g) => g.rules);
const alerts = (config: StackConfig, catalogue?: Catalogue) => rules(config, catalogue).filter(isAlert);

/** Alertmanager's config as the container gets it. */
function alertmanager(config: StackConfig): Record<string, any> {
  const files = serviceFiles(config, deriveWiring(config), "alertmanager", "dev");
  return parse(files.plain!.contents[MONITORING_FILES.alertmanager]!) as Record<string, any>;
}

/** The spans of the nodes the PromQL grammar could not parse. */
function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`${node.from}-${node.to}: ${JSON.stringify(expr.slice(node.from, node.to))}`);
    },
  });
  return errors;
}

/** The dev stack with Langfuse in the catalogue and its keys in the config. */
function langfuseConfig(): StackConfig {
  const { config, secretKeys, projectDefaults } = rawConfig("dev", withLangfuse(stackValues("dev")));
  const result = loadStackConfig(config, secretKeys, "jarvis", {
    catalogue: CATALOGUE_WITH_LANGFUSE,
    host: ANY_PATH,
    projectDefaults,
  });
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("\n"));
  return result.config;
}

const monitoring = () => stackValues("dev")["jarvis:monitoring"] as Record<string, any>;
const SMTP = {
  host: "mail.example.org",
  port: 587,
  username: "jarvis",
  from: "jarvis@example.org",
  to: ["ops@example.org", "oncall@example.org"],
};
const SMTP_PASSWORD = "smtp-password-3b9e";
const withEmail = () =>
  validConfig(
    "dev",
    {
      "jarvis:features": { ...(stackValues("dev")["jarvis:features"] as object), alertEmail: true },
      "jarvis:integrations": { smtp: SMTP },
    },
    { "jarvis:smtpPassword": SMTP_PASSWORD },
  );

describe("the rules' expressions", () => {
  it("the grammar finds the error in a broken expression", () => {
    expect(syntaxErrors("sum(rate(up[5m])")).not.toEqual([]);
    expect(syntaxErrors('up{service="a" == 0')).not.toEqual([]);
    expect(syntaxErrors('sum by (le) (rate(x_bucket{service="a"}[5m])) > 1')).toEqual([]);
  });

  it.each([
    ["the dev stack", () => rules(validConfig("dev"))],
    ["a catalogue with one more service", () => rules(langfuseConfig(), CATALOGUE_WITH_LANGFUSE)],
    ["the staging stack", () => rules(validConfig("staging"))],
  ])("every expression of %s parses as PromQL", (_, of) => {
    const found = of();
    expect(found.length).toBeGreaterThan(40);
    expect(found.map((r) => [isAlert(r) ? r.alert : r.record, syntaxErrors(r.expr)])).toEqual(
      found.map((r) => [isAlert(r) ? r.alert : r.record, []]),
    );
  });
});

describe("the alert rules", () => {
  it("each has a severity, a duration, a summary and a description", () => {
    for (const rule of alerts(validConfig("dev"))) {
      expect(["critical", "warning"], rule.alert).toContain(rule.labels.severity);
      expect(rule.for, rule.alert).toMatch(/^[1-9]\d*m$/);
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
      expect(rule.annotations.description, rule.alert).toMatch(/Look at/);
      expect(rule.labels.service, rule.alert).toBeTruthy();
    }
  });

  it("one service down rule per watched service, whichever way it is watched", () => {
    const config = validConfig("dev");
    const watched = watches(CATALOGUE, config.ports, runningServices(CATALOGUE, config));
    const down = alerts(config).filter((r) => ["ServiceDown", "DatastoreDown"].includes(r.alert));
    expect(down.map((r) => r.labels.service).sort()).toEqual(watched.map((w) => w.service).sort());
    const of = (service: string) => down.find((r) => r.labels.service === service)!;
    expect(of("backend")).toMatchObject({ alert: "ServiceDown", expr: 'up{service="backend"} == 0', for: "2m" });
    expect(of("ollama").expr).toBe('probe_success{service="ollama"} == 0');
    expect(of("postgres")).toMatchObject({ alert: "DatastoreDown", expr: 'pg_up{service="postgres"} == 0' });
    expect(of("redis").expr).toBe('redis_up{service="redis"} == 0');
    expect(of("postgres").labels.severity).toBe("critical");
    const exporters = alerts(config).filter((r) => r.alert === "ExporterDown");
    expect(exporters.map((r) => [r.labels.service, r.labels.severity])).toEqual([
      ["postgres", "warning"],
      ["redis", "warning"],
      ["timescale", "warning"],
    ]);
  });

  it("a service added to the catalogue gets its down rule, with no monitoring code changed", () => {
    expect(alerts(validConfig("dev")).some((r) => r.labels.service === "langfuse")).toBe(false);
    const langfuse = alerts(langfuseConfig(), CATALOGUE_WITH_LANGFUSE).filter((r) => r.labels.service === "langfuse");
    expect(langfuse.map((r) => [r.alert, r.expr, r.labels.severity])).toEqual([
      ["ServiceDown", 'up{service="langfuse"} == 0', "critical"],
    ]);
  });

  it("the request alerts cover every service that serves the app's metrics, with the configured thresholds", () => {
    const config = validConfig("dev");
    const of = (alert: string) => alerts(config).filter((r) => r.alert === alert);
    for (const name of ["HighErrorRatio", "HighLatencyP95", "RateLimitedRequests", "UnauthorizedRequests"])
      expect(of(name).map((r) => r.labels.service)).toEqual(["stt", "tts", "backend", "interface"]);
    const backend = (alert: string) => of(alert).find((r) => r.labels.service === "backend")!;
    expect(backend("HighErrorRatio")).toMatchObject({
      expr: '(sum(rate(jarvis_requests_total{service="backend",status=~"5.."}[5m])) / sum(rate(jarvis_requests_total{service="backend"}[5m]))) > 0.05',
      for: "5m",
    });
    expect(backend("HighLatencyP95").expr).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(jarvis_request_duration_seconds_bucket{service="backend"}[5m]))) > 2.5',
    );
    expect(backend("HighLatencyP95").for).toBe("10m");
    expect(backend("RateLimitedRequests").expr).toMatch(/status="429"\}\[5m\]\)\) > 1$/);
    expect(backend("UnauthorizedRequests").expr).toMatch(/status=~"401\|403"\}\[5m\]\)\) > 0.5$/);
  });

  it("a threshold or a duration changed in config is the one in the rule", () => {
    const { alerts: thresholds } = monitoring();
    const config = validConfig("dev", {
      "jarvis:monitoring": {
        ...monitoring(),
        alerts: {
          ...thresholds,
          downForMinutes: 7,
          errorRatio: { threshold: 0.2, forMinutes: 3 },
          latencyP95Seconds: { threshold: 4, forMinutes: 10 },
          unauthorizedPerSecond: { threshold: 3, forMinutes: 9 },
        },
      },
    });
    const backend = (alert: string) => alerts(config).find((r) => r.alert === alert && r.labels.service === "backend")!;
    expect(backend("ServiceDown").for).toBe("7m");
    expect(backend("HighErrorRatio").expr).toMatch(/\) > 0.2$/);
    expect(backend("HighErrorRatio").for).toBe("3m");
    expect(backend("HighLatencyP95").expr).toMatch(/\) > 4$/);
    expect(backend("HighLatencyP95").annotations.summary).toContain("above 4s");
    expect(backend("UnauthorizedRequests")).toMatchObject({ for: "9m" });
    expect(backend("UnauthorizedRequests").expr).toMatch(/\) > 3$/);
  });
});

describe("the service level objectives", () => {
  const slo = (config: StackConfig, objective: string) =>
    groups(config).find((g) => g.name === `jarvis-slo-backend-${objective}`)!.rules;

  it("record the error ratio over each window of the burn-rate pairs, the objective and the remaining budget", () => {
    const recorded = slo(validConfig("dev"), "availability").filter((r): r is RecordingRule => !isAlert(r));
    expect(recorded.map((r) => r.record)).toEqual([
      ...["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"].map((w) => `slo:sli_error:ratio_rate${w}`),
      "slo:objective:ratio",
      "slo:error_budget_remaining:ratio",
    ]);
    for (const rule of recorded) expect(rule.labels).toEqual({ service: "backend", slo: "availability" });
    const windows = BURN_RATES.flatMap((b) => [b.long, b.short]);
    for (const window of windows) expect(recorded.map((r) => r.record)).toContain(`slo:sli_error:ratio_rate${window}`);
    expect(recorded.find((r) => r.record === "slo:sli_error:ratio_rate1h")!.expr).toBe(
      '(sum(rate(jarvis_requests_total{service="backend",status=~"5.."}[1h])) or vector(0)) / sum(rate(jarvis_requests_total{service="backend"}[1h]))',
    );
    expect(recorded.find((r) => r.record === "slo:objective:ratio")!.expr).toBe("0.995");
    expect(recorded.find((r) => r.record === "slo:error_budget_remaining:ratio")!.expr).toBe(
      '1 - (slo:sli_error:ratio_rate30d{service="backend",slo="availability"} / 0.005)',
    );
  });

  it("page on 1h/5m at 14.4x and 6h/30m at 6x the budget, ticket on 1d/2h at 3x and 3d/6h at 1x", () => {
    const burn = slo(validConfig("dev"), "availability").filter(isAlert);
    const selector = '{service="backend",slo="availability"}';
    const pair = (long: string, short: string, factor: number) =>
      `(slo:sli_error:ratio_rate${long}${selector} > (${factor} * 0.005) and slo:sli_error:ratio_rate${short}${selector} > (${factor} * 0.005))`;
    expect(burn.map((r) => [r.alert, r.labels, r.expr])).toEqual([
      [
        "ErrorBudgetBurn",
        { severity: "critical", service: "backend", slo: "availability" },
        `${pair("1h", "5m", 14.4)} or ${pair("6h", "30m", 6)}`,
      ],
      [
        "ErrorBudgetBurn",
        { severity: "warning", service: "backend", slo: "availability" },
        `${pair("1d", "2h", 3)} or ${pair("3d", "6h", 1)}`,
      ],
    ]);
    expect(burn[0]!.for).toBe("2m");
    expect(burn[1]!.for).toBe("15m");
  });

  it("the latency objective counts the requests under its threshold's bucket, both spellings of the bound", () => {
    const rate5m = slo(validConfig("dev"), "latency").find((r) => "record" in r && r.record.endsWith("rate5m"))!;
    expect(rate5m.expr).toBe(
      '1 - (sum(rate(jarvis_request_duration_seconds_bucket{service="backend",le=~"1|1.0"}[5m])) / sum(rate(jarvis_request_duration_seconds_count{service="backend"}[5m])))',
    );
    expect(bucketMatcher(0.25)).toBe("0.25");
    const config = validConfig("dev", {
      "jarvis:monitoring": {
        ...monitoring(),
        slos: { backend: { windowDays: 7, availability: null, latency: { objective: 95, thresholdSeconds: 0.5 } } },
      },
    });
    expect(slo(config, "latency").find((r) => "record" in r && r.record.endsWith("rate5m"))!.expr).toContain(
      'le="0.5"',
    );
    expect(groups(config).map((g) => g.name)).not.toContain("jarvis-slo-backend-availability");
    expect(slo(config, "latency").filter(isAlert)[0]!.expr).toContain("(14.4 * 0.05)");
  });

  it("config refuses a latency threshold that is not a bucket bound, and a retention shorter than the window", () => {
    const slos = { backend: { windowDays: 30, latency: { objective: 99, thresholdSeconds: 0.75 } } };
    expect(problems("dev", { "jarvis:monitoring": { slos } })).toEqual([
      {
        key: "jarvis:monitoring.slos.backend.latency.thresholdSeconds",
        message: expect.stringMatching(/^must be a bucket bound of jarvis_request_duration_seconds \(0.05, .*10\)/),
      },
    ]);
    expect(problems("dev", { "jarvis:monitoring": { retention: { days: 14 } } })).toEqual([
      { key: "jarvis:monitoring.retention.days", message: expect.stringContaining("longest SLO window (30 days)") },
    ]);
    expect(problems("dev", { "jarvis:monitoring": { retention: { days: 30 } } })).toEqual([]);
  });
});

describe("Alertmanager's routing", () => {
  it("sends nothing while alert e-mails are off, and still routes and inhibits", () => {
    const config = alertmanager(validConfig("dev"));
    expect(config.global).toBeUndefined();
    expect(config.receivers).toEqual([{ name: "none" }]);
    expect(config.route).toMatchObject({ receiver: "none", repeat_interval: "12h" });
    expect(serviceFiles(validConfig("dev"), deriveWiring(validConfig("dev")), "alertmanager", "dev").secret).toBe(
      undefined,
    );
  });

  it("e-mails through the configured server, the password from its file only", () => {
    const config = withEmail();
    const text = serviceFiles(config, deriveWiring(config), "alertmanager", "dev").plain!.contents[
      MONITORING_FILES.alertmanager
    ]!;
    expect(text).not.toContain(SMTP_PASSWORD);
    const parsed = alertmanager(config);
    expect(parsed.global).toEqual({
      smtp_smarthost: "mail.example.org:587",
      smtp_from: "jarvis@example.org",
      smtp_auth_username: "jarvis",
      smtp_auth_password_file: SECRET_FILES.smtpPassword,
      smtp_require_tls: true,
    });
    expect(parsed.global).not.toHaveProperty("smtp_auth_password");
    expect(parsed.receivers).toEqual([
      { name: "email", email_configs: [{ to: "ops@example.org, oncall@example.org", send_resolved: true }] },
    ]);
    expect(parsed.route.receiver).toBe("email");
    const files = serviceFiles(config, deriveWiring(config), "alertmanager", "dev");
    expect(files.secret).toEqual({
      directory: "/etc/alertmanager/secrets",
      contents: { "smtp-password": { secret: "smtpPassword" } },
    });
  });

  it("groups by alert and service, repeats critical alerts sooner, on their own route", () => {
    const { route } = alertmanager(
      validConfig("dev", {
        "jarvis:monitoring": { routing: { groupWaitSeconds: 10, repeatHours: 24, criticalRepeatHours: 2 } },
      }),
    );
    expect(route).toEqual({
      receiver: "none",
      group_by: ["alertname", "service"],
      group_wait: "10s",
      group_interval: "5m",
      repeat_interval: "24h",
      routes: [{ receiver: "none", matchers: ['severity="critical"'], repeat_interval: "2h" }],
    });
  });

  it("mutes a warning while the same alert of the same service is critical", () => {
    expect(alertmanager(withEmail()).inhibit_rules).toEqual([
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "service", "slo"],
      },
    ]);
  });
});

describe("the monitoring config's own checks", () => {
  it("keep every rate of the rules four samples deep", () => {
    expect(problems("dev", { "jarvis:monitoring": { scrapeIntervalSeconds: 120 } }).map((p) => p.key)).toEqual([
      "jarvis:monitoring.scrapeIntervalSeconds",
    ]);
    expect(problems("dev", { "jarvis:monitoring": { scrapeIntervalSeconds: 75 } })).toEqual([]);
  });

  it("refuse a latency alert the histogram can never reach, and a page slower than a ticket", () => {
    expect(problems("dev", { "jarvis:monitoring": { alerts: { latencyP95Seconds: { threshold: 60 } } } })).toEqual([
      {
        key: "jarvis:monitoring.alerts.latencyP95Seconds.threshold",
        message: "must be below the duration histogram's largest bucket bound (10s): a quantile never exceeds it",
      },
    ]);
    expect(
      problems("dev", { "jarvis:monitoring": { burnAlerts: { pageForMinutes: 30, ticketForMinutes: 15 } } }).map(
        (p) => p.key,
      ),
    ).toEqual(["jarvis:monitoring.burnAlerts.pageForMinutes"]);
  });

  it("take the burn-rate alerts' for: from config", () => {
    const config = validConfig("dev", {
      "jarvis:monitoring": { burnAlerts: { pageForMinutes: 3, ticketForMinutes: 20 } },
    });
    const burns = alerts(config).filter((r) => r.alert === "ErrorBudgetBurn");
    expect(new Set(burns.map((r) => `${r.labels.severity} ${r.for}`))).toEqual(new Set(["critical 3m", "warning 20m"]));
  });
});
