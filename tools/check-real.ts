// `npm run check:real`: what the program generates, run against the real servers and tools Debian has
// (postgresql-15, redis-server; `.ci/run` installs them, `npm test` never needs them):
// - the Postgres start step (infra/rotation.ts) on a real data folder initialised with password A,
//   given password B, run as the pods' user (no passwd entry) with the image's own entrypoint: the
//   server then accepts B and refuses A, neither its log nor the step's output holds B, and a
//   failing statement stops the start;
// - the Postgres and Redis health checks of both platforms (Docker's in-container test, the
//   Kubernetes probe) against real servers; Redis's with a wrong password too (pg_isready only asks
//   whether the server accepts connections).
// - the monitoring files of every shipped stack, with Debian's promtool 2.42 and amtool 0.25
//   (`prometheus`, `prometheus-alertmanager`): `promtool check rules` and `promtool test rules` on the
//   rule file, with a generated test per alert that fires on its failure and stays silent when healthy
//   (an alert without test data in ALERT_CASES fails the check); `promtool check config` on
//   prometheus.yml; `amtool check-config` on alertmanager.yml with e-mail off and on; and that the same
//   checks fail on a bad rule.
// Every server listens on loopback, on a port the system hands out, and is stopped at the end.
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { APP_METRICS, CATALOGUE, MONITORING_FILES } from "../infra/catalogue";
import type { DockerConfig, KubernetesConfig, StackConfig } from "../infra/config/schema";
import { serviceFiles } from "../infra/files";
import { RULES_FILE } from "../infra/monitoring/files";
import { BURN_RATES, type AlertRule, type RecordingRule, type RuleGroup } from "../infra/monitoring/rules";
import { POSTGRES_PASSWORD_STEP, postgresCommand } from "../infra/rotation";
import { deriveWiring } from "../infra/wiring";
import { healthTest } from "../stacks/docker/services";
import { probes } from "../stacks/kubernetes/pods";
import { validConfig } from "./test-support";

const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
const LOOPBACK = "127.0.0.1"; // audit-allow: the check's servers listen on loopback only
/** Every shipped stack: each Pulumi.<stack>.yaml, as `.ci/run` plans them. */
const STACKS = readdirSync(join(__dirname, "..")).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
const results: { name: string; ok: boolean; detail: string }[] = [];

function check(name: string, ok: boolean, detail = ""): void {
  results.push({ name, ok, detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail && !ok ? `: ${detail}` : ""}`);
}

function run(command: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command[0]!, command.slice(1), { encoding: "utf8", timeout: 60_000, ...options });
  return { status: result.status, out: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/** A TCP port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A command as the postgres user, with the server's binaries first on PATH. */
const asPostgres = (env: Record<string, string>, command: string[]) => [
  "runuser",
  "-u",
  "postgres",
  "--",
  "env",
  `PATH=${POSTGRES_BIN}:/usr/bin:/bin`,
  ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
  ...command,
];

/** The pods' user on Kubernetes, which has no passwd entry in the images. */
const POD_USER = "10001";
/** The image's entrypoint (docker-library/postgres 15), whose functions the start step uses. */
const ENTRYPOINT_DIR = join(__dirname, "../test/fixtures/postgres");

/** The environment of the pods' user: the server's binaries and the image's entrypoint on PATH. */
const podEnv = (env: Record<string, string>): Record<string, string> => ({
  PATH: `${ENTRYPOINT_DIR}:${POSTGRES_BIN}:/usr/bin:/bin`,
  HOME: "/tmp",
  ...env,
});

/** A command as the pods' user, in that environment alone. */
const asPodUser = (env: Record<string, string>, command: string[]) => [
  "setpriv",
  `--reuid=${POD_USER}`,
  `--regid=${POD_USER}`,
  "--clear-groups",
  "env",
  "-i",
  ...Object.entries(podEnv(env)).map(([k, v]) => `${k}=${v}`),
  ...command,
];

async function postgres(): Promise<void> {
  const port = await freePort();
  const config = validConfig("dev", { "jarvis:ports": { ...validConfig("dev").ports, postgres: { postgres: port } } });
  const { user, name: database } = config.databases.postgres!;
  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-pg-"));
  const pgdata = join(folder, "data");
  // B has a quote of each kind: the step must pass it to SQL as it is.
  const [passwordA, passwordB] = ["check-password-A-4f1d", `check-'password"-B-9c27`];
  const fileA = join(folder, "a");
  const fileB = join(folder, "b");
  writeFileSync(fileA, passwordA);
  writeFileSync(fileB, passwordB);
  chmodSync(folder, 0o755);
  run(["chown", "postgres:postgres", folder, fileA]);
  const connect = (password: string) =>
    run(["psql", "-h", LOOPBACK, "-p", String(port), "-U", user, "-d", database, "-tAc", "SELECT 1"], {
      env: { PATH: `${POSTGRES_BIN}:/usr/bin:/bin`, PGPASSWORD: password },
    });
  // The password as it would stand in a logged statement too (psql doubles its quote), and a part of it.
  const leaks = (text: string) =>
    [passwordB, passwordB.replaceAll("'", "''"), 'password"-B-9c27'].some((form) => text.includes(form));
  const base = { PGDATA: pgdata, PGPORT: String(port), POSTGRES_USER: user, POSTGRES_DB: database };
  const stop = () => run(asPodUser({}, ["pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop"]));
  try {
    // A data folder as the image leaves it after its first start with password A, owned by the pods' user.
    const init = run(
      asPostgres({}, ["initdb", "-D", pgdata, "-U", user, `--pwfile=${fileA}`, "--auth-host=scram-sha-256"]),
      {
        cwd: folder,
      },
    );
    check("initdb with password A", init.status === 0, init.out);
    // Whatever the server's own config says, the step's statement must not reach its log.
    writeFileSync(
      join(pgdata, "postgresql.conf"),
      "log_statement = 'all'\nlog_min_duration_statement = 0\nlog_min_error_statement = 'info'\n",
      { flag: "a" },
    );
    writeFileSync(join(pgdata, "pg_hba.conf"), "host all all all scram-sha-256\n", { flag: "a" });
    run(["chown", "-R", `${POD_USER}:${POD_USER}`, folder]);
    // The socket folder the image makes writable for any user (its Dockerfile: chmod 3777).
    run(["install", "-d", "-m", "3777", "/var/run/postgresql"]);
    const created = run(
      asPodUser(base, [
        "bash",
        "-c",
        `source docker-entrypoint.sh; docker_setup_env; docker_temp_server_start; POSTGRES_DB=postgres docker_process_sql -c "CREATE DATABASE ${database}"; docker_temp_server_stop`,
      ]),
    );
    check("a database of the stack exists", created.status === 0, created.out);

    // The whole command the program generates, as the pods' user, given password B in the secret file.
    const command = postgresCommand();
    const server = spawn(command[0]!, command.slice(1), {
      env: podEnv({ ...base, POSTGRES_PASSWORD_FILE: fileB }),
      uid: Number(POD_USER),
      gid: Number(POD_USER),
    });
    let output = "";
    server.stdout.on("data", (d) => (output += String(d)));
    server.stderr.on("data", (d) => (output += String(d)));
    let accepted = false;
    for (let i = 0; i < 100 && !accepted && server.exitCode === null; i++) {
      accepted = connect(passwordB).status === 0;
      if (!accepted) await new Promise((r) => setTimeout(r, 200));
    }
    check("the database starts and accepts the new password B", accepted, output);
    const withA = connect(passwordA);
    check(
      "it refuses the old password A",
      withA.status !== 0 && withA.out.includes("password authentication failed"),
      withA.out,
    );
    check("neither the step's output nor the server's log holds the password", !leaks(output), output);

    // The health checks the program generates, against this server.
    const dockerTest = healthTest(config as DockerConfig, CATALOGUE, "postgres").slice(1);
    const docker = run(asPodUser({}, dockerTest));
    check(`Docker health check (${dockerTest.join(" ")})`, docker.status === 0, docker.out);
    const staging = validConfig("staging", {
      "jarvis:ports": { ...validConfig("staging").ports, postgres: { postgres: port } },
    });
    const probe = probes(staging as KubernetesConfig, CATALOGUE, "postgres").readinessProbe as {
      exec: { command: string[] };
    };
    const kubernetes = run(asPodUser({}, probe.exec.command));
    check(`Kubernetes readiness probe (${probe.exec.command.join(" ")})`, kubernetes.status === 0, kubernetes.out);
    stop();
    await new Promise((resolve) => (server.exitCode === null ? server.once("exit", resolve) : resolve(null)));
    check("the health check fails once the server is down", run(asPodUser({}, dockerTest)).status !== 0);

    // A statement that fails (the database refuses writes) stops the start, the temporary server
    // stopped, and says nothing of the password.
    const readOnly = run(
      asPodUser(base, [
        "bash",
        "-c",
        `source docker-entrypoint.sh; docker_setup_env; docker_temp_server_start; docker_process_sql -c "ALTER DATABASE ${database} SET default_transaction_read_only = on"; docker_temp_server_stop`,
      ]),
    );
    check("the database is made read-only for the next check", readOnly.status === 0, readOnly.out);
    const failed = run(
      asPodUser({ ...base, POSTGRES_PASSWORD_FILE: fileB }, [
        "bash",
        "-c",
        `set -Eeo pipefail\n${POSTGRES_PASSWORD_STEP}`,
      ]),
    );
    check(
      "a failing password statement stops the start",
      failed.status !== 0 && failed.out.includes("read-only transaction"),
      failed.out,
    );
    check("and prints no password", !leaks(failed.out), failed.out);
    const status = run(asPodUser({}, ["pg_ctl", "-D", pgdata, "status"]));
    check("and leaves no server running", status.status === 3, status.out);
  } finally {
    stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

async function redis(): Promise<void> {
  const port = await freePort();
  const config = validConfig("dev", { "jarvis:ports": { ...validConfig("dev").ports, redis: { redis: port } } });
  const generated = CATALOGUE.redis!.command!(config.ports.redis!, config);
  // As generated, but on loopback only: the container's own network is the only one it serves.
  const command = generated.map((part) => part.replace(`--port ${port}`, `--port ${port} --bind ${LOOPBACK}`));
  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-redis-"));
  const password = "check-redis-password-7e2a";
  // The server as the program starts it: its command, the password in its environment only.
  const server = spawn(command[0]!, command.slice(1), {
    cwd: folder,
    env: { PATH: "/usr/bin:/bin", REDIS_PASSWORD: password },
    stdio: "ignore",
  });
  try {
    const ping = (auth: string) =>
      run(healthTest(config as DockerConfig, CATALOGUE, "redis").slice(1), {
        env: { PATH: "/usr/bin:/bin", REDISCLI_AUTH: auth },
      });
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) {
      ready = ping(password).status === 0;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    check("Redis starts with the generated command and answers the Docker health check", ready);
    check("the Redis health check fails with a wrong password", ping("wrong").status !== 0);
    const staging = validConfig("staging", {
      "jarvis:ports": { ...validConfig("staging").ports, redis: { redis: port } },
    });
    const probe = probes(staging as KubernetesConfig, CATALOGUE, "redis").readinessProbe as {
      exec: { command: string[] };
    };
    const kubernetes = run(probe.exec.command, { env: { PATH: "/usr/bin:/bin", REDISCLI_AUTH: password } });
    check("the Kubernetes readiness probe answers", kubernetes.status === 0, kubernetes.out);
    const args = run(["ps", "-o", "args=", "-p", String(server.pid)]);
    check("the password is not in the server's arguments", !args.out.includes(password), args.out);
  } finally {
    // Redis shuts down on request; a kill would leave it saving (and the check waiting).
    run(["redis-cli", "-h", LOOPBACK, "-p", String(port), "shutdown", "nosave"], {
      env: { PATH: "/usr/bin:/bin", REDISCLI_AUTH: password },
    });
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  }
}

// --- Monitoring: promtool and amtool on the files the program hands Prometheus and Alertmanager. ---

type Labels = Readonly<Record<string, string>>;
/** An input series of a promtool unit test, in its expanding notation (`0+10x30`). */
interface Series {
  readonly series: string;
  readonly values: string;
}
/** What breaks an alert and what keeps it silent; `keeps`: the input labels the alert carries on. */
interface AlertCase {
  readonly failing: readonly Series[];
  readonly healthy: readonly Series[];
  readonly keeps?: Labels;
}

const series = (name: string, labels: Labels, values: string): Series => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`,
  values,
});
/** Minutes of input each test has: the rule's `for` (`5m`, `1h`) and ten more for its rates' windows. */
function minutesOf(rule: AlertRule): number {
  const [, amount, unit] = /^(\d+)([mh])$/.exec(rule.for) ?? [];
  if (!amount) throw new Error(`${rule.alert}: a duration the check does not read: ${rule.for}`);
  return Number(amount) * (unit === "h" ? 60 : 1) + 10;
}
/** A counter growing by `perMinute` a minute over the test's input (rounded: no 711.9999999999998). */
const counter = (rule: AlertRule, perMinute: number) => `0+${Number(perMinute.toFixed(3))}x${minutesOf(rule)}`;
/** Requests a minute in every test: enough that a share of them is a whole number of requests. */
const REQUESTS_PER_MINUTE = 1000;

/** The metric an availability rule compares with 0 (`up`, `probe_success`, an exporter's `pg_up`...). */
const comparedMetric = (rule: AlertRule) => /^([A-Za-z_:][\w:]*)\{/.exec(rule.expr)![1]!;

/** The service's target stops answering: its series is 0; healthy, 1. */
function down(rule: AlertRule): AlertCase {
  const labels = { job: rule.labels.service!, service: rule.labels.service!, instance: "target" };
  const samples = minutesOf(rule);
  return {
    failing: [series(comparedMetric(rule), labels, `0x${samples}`)],
    healthy: [series(comparedMetric(rule), labels, `1x${samples}`)],
    keeps: labels,
  };
}

/** A service's requests, `share` of them answered with `status` (the rest with 200). */
function requestsWith(rule: AlertRule, status: string, share: number): Series[] {
  const service = rule.labels.service!;
  const bad = Math.min(1, share) * REQUESTS_PER_MINUTE;
  return [
    series(APP_METRICS.requests, { service, status }, counter(rule, bad)),
    series(APP_METRICS.requests, { service, status: "200" }, counter(rule, REQUESTS_PER_MINUTE - bad)),
  ];
}

/** A service's requests refused with `status`: twice the threshold a second fails, half of it is healthy. */
function refused(status: string, threshold: (config: StackConfig) => number) {
  return (rule: AlertRule, config: StackConfig): AlertCase => {
    const share = (perSecond: number) => (perSecond * 60) / REQUESTS_PER_MINUTE;
    return {
      failing: requestsWith(rule, status, share(2 * threshold(config))),
      healthy: requestsWith(rule, status, share(threshold(config) / 2)),
    };
  };
}

/** A duration histogram whose requests all fall in the first bucket above `slowerThan` seconds (or the fastest). */
function durations(rule: AlertRule, slowerThan: number | undefined): Series[] {
  const service = rule.labels.service!;
  const buckets = APP_METRICS.durationBuckets;
  const under = (bound: number) => (slowerThan === undefined || bound > slowerThan ? REQUESTS_PER_MINUTE : 0);
  return [
    ...buckets.map((le) =>
      series(`${APP_METRICS.duration}_bucket`, { service, le: String(le) }, counter(rule, under(le))),
    ),
    series(`${APP_METRICS.duration}_bucket`, { service, le: "+Inf" }, counter(rule, REQUESTS_PER_MINUTE)),
    series(`${APP_METRICS.duration}_count`, { service }, counter(rule, REQUESTS_PER_MINUTE)),
  ];
}

/**
 * The error ratio that breaks a burn-rate alert of a severity and not the other: a page at twice its
 * fastest burn rate; a ticket between its highest rate and the page's lowest. Healthy: half the
 * slowest burn rate, within the budget.
 */
function burnRatios(severity: string): { failing: number; healthy: number } {
  const factors = (s: string) => BURN_RATES.filter((b) => b.severity === s).map((b) => b.factor);
  const all = BURN_RATES.map((b) => b.factor);
  const failing =
    severity === "critical"
      ? 2 * Math.max(...factors("critical"))
      : (Math.max(...factors("warning")) + Math.min(...factors("critical"))) / 2;
  return { failing, healthy: Math.min(...all) / 2 };
}

function errorBudgetBurn(rule: AlertRule, config: StackConfig): AlertCase {
  const { service, slo, severity } = rule.labels as Record<string, string>;
  const objectives = config.monitoring.slos[service as keyof typeof config.monitoring.slos]!;
  const budget = 1 - (slo === "latency" ? objectives.latency! : objectives.availability!).objective / 100;
  const ratios = burnRatios(severity!);
  const bad = (factor: number) => Math.min(1, factor * budget);
  if (slo === "availability")
    return {
      failing: requestsWith(rule, "500", bad(ratios.failing)),
      healthy: requestsWith(rule, "500", bad(ratios.healthy)),
    };
  // The latency SLI counts the requests under the threshold's bucket against all of them.
  const le = String(objectives.latency!.thresholdSeconds);
  const latency = (share: number) => [
    series(
      `${APP_METRICS.duration}_bucket`,
      { service: service!, le },
      counter(rule, REQUESTS_PER_MINUTE * (1 - share)),
    ),
    series(`${APP_METRICS.duration}_count`, { service: service! }, counter(rule, REQUESTS_PER_MINUTE)),
  ];
  return { failing: latency(bad(ratios.failing)), healthy: latency(bad(ratios.healthy)) };
}

/** Every alert the rules may hold, with what breaks it: an alert missing here fails the check. */
const ALERT_CASES: Readonly<Record<string, (rule: AlertRule, config: StackConfig) => AlertCase>> = {
  ServiceDown: down,
  ExporterDown: down,
  DatastoreDown: down,
  HighErrorRatio: (rule, config) => {
    const { threshold } = config.monitoring.alerts.errorRatio;
    return { failing: requestsWith(rule, "500", 2 * threshold), healthy: requestsWith(rule, "500", threshold / 2) };
  },
  HighLatencyP95: (rule, config) => ({
    // Every request slower than the threshold, or every request in the fastest bucket.
    failing: durations(rule, config.monitoring.alerts.latencyP95Seconds.threshold),
    healthy: durations(rule, undefined),
  }),
  RateLimitedRequests: refused("429", (config) => config.monitoring.alerts.rateLimitedPerSecond.threshold),
  UnauthorizedRequests: refused("401", (config) => config.monitoring.alerts.unauthorizedPerSecond.threshold),
  ErrorBudgetBurn: errorBudgetBurn,
};

const isAlertRule = (rule: AlertRule | RecordingRule): rule is AlertRule => "alert" in rule;

/**
 * The promtool unit tests of a rule file: per alert, one test where it fires on its failure (with its
 * labels and annotations) and one where it stays silent on healthy series; and the alerts that have
 * no case in ALERT_CASES.
 */
function ruleTests(rulesText: string, ruleFileName: string, config: StackConfig) {
  const { groups } = parse(rulesText) as { groups: RuleGroup[] };
  const alertRules = groups.flatMap((g) => g.rules).filter(isAlertRule);
  const untested = [...new Set(alertRules.map((r) => r.alert).filter((name) => !ALERT_CASES[name]))];
  const tests = alertRules
    .filter((rule) => ALERT_CASES[rule.alert])
    .flatMap((rule) => {
      const { failing, healthy, keeps = {} } = ALERT_CASES[rule.alert]!(rule, config);
      const name = `${rule.alert} ${Object.values(rule.labels).join(" ")}`;
      const test = (what: string, input: readonly Series[], expected: unknown[]) => ({
        name: `${name}: ${what}`,
        interval: "1m",
        input_series: input,
        alert_rule_test: [{ eval_time: `${minutesOf(rule)}m`, alertname: rule.alert, exp_alerts: expected }],
      });
      return [
        test("fires", failing, [{ exp_labels: { ...keeps, ...rule.labels }, exp_annotations: rule.annotations }]),
        test("stays silent", healthy, []),
      ];
    });
  // A service that has served no server error has no 5xx series: its availability SLI is 0, not
  // missing; and an idle while (no requests at all) leaves its whole error budget a number, not NaN.
  const noErrorsYet = groups
    .flatMap((g) => g.rules)
    .filter((r): r is RecordingRule => "record" in r && r.record === "slo:sli_error:ratio_rate5m")
    .filter((r) => r.labels.slo === "availability")
    .map((r) => {
      const labels = `{service="${r.labels.service}",slo="availability"}`;
      const sample = (name: string, value: number) => ({ labels: `${name}${labels}`, value });
      const served = REQUESTS_PER_MINUTE * 20;
      return {
        name: `${r.record} ${r.labels.service}: 0 before the first server error, and its budget whole after an idle while`,
        interval: "1m",
        input_series: [
          series(
            APP_METRICS.requests,
            { service: r.labels.service!, status: "200" },
            `0+${REQUESTS_PER_MINUTE}x20 ${served}x20 ${served}+${REQUESTS_PER_MINUTE}x20`,
          ),
        ],
        promql_expr_test: [
          { expr: `${r.record}${labels}`, eval_time: "10m", exp_samples: [sample(r.record, 0)] },
          {
            expr: `slo:error_budget_remaining:ratio${labels}`,
            eval_time: "60m",
            exp_samples: [sample("slo:error_budget_remaining:ratio", 1)],
          },
        ],
      };
    });
  return {
    text: stringify(
      { rule_files: [ruleFileName], evaluation_interval: "1m", tests: [...tests, ...noErrorsYet] },
      { lineWidth: 0 },
    ),
    alerts: alertRules.length,
    untested,
  };
}

/** promtool on a rule file: `check rules`, then its generated unit tests. */
function promtoolRules(rulesText: string, config: StackConfig) {
  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-rules-"));
  try {
    writeFileSync(join(folder, "rules.yml"), rulesText);
    const checked = run(["promtool", "check", "rules", join(folder, "rules.yml")]);
    const tests = ruleTests(rulesText, "rules.yml", config);
    writeFileSync(join(folder, "tests.yml"), tests.text);
    const tested = run(["promtool", "test", "rules", join(folder, "tests.yml")], { cwd: folder });
    return { checked, tested, ...tests };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const EMAIL = {
  "jarvis:integrations": {
    smtp: {
      host: "mail.example.org",
      port: 587, // audit-allow: a mail server of the check's own, never contacted
      username: "jarvis",
      from: "jarvis@example.org",
      to: ["ops@example.org"],
    },
  },
};

/** A rule file with its first rule named `alert` changed by `edit`. */
function withChangedRule(rulesText: string, alert: string, edit: (rule: AlertRule) => AlertRule): string {
  const file = parse(rulesText) as { groups: { name: string; rules: (AlertRule | RecordingRule)[] }[] };
  const group = file.groups.find((g) => g.rules.some((r) => isAlertRule(r) && r.alert === alert))!;
  const index = group.rules.findIndex((r) => isAlertRule(r) && r.alert === alert);
  group.rules[index] = edit(group.rules[index] as AlertRule);
  return stringify(file, { lineWidth: 0 });
}

function monitoring(stack: string): void {
  const config = validConfig(stack);
  const prometheus = serviceFiles(config, deriveWiring(config), "prometheus", stack);
  const rulesText = prometheus.plain!.contents[RULES_FILE]!;
  const rules = promtoolRules(rulesText, config);
  check(`${stack}: promtool check rules`, rules.checked.status === 0, rules.checked.out);
  check(`${stack}: every alert has a promtool test`, rules.untested.length === 0, rules.untested.join(", "));
  check(
    `${stack}: promtool test rules (${rules.alerts} alerts: each fires on its failure, silent when healthy)`,
    rules.tested.status === 0 && rules.alerts > 0,
    rules.tested.out,
  );

  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-prometheus-"));
  try {
    const promFile = join(folder, MONITORING_FILES.prometheus);
    const promText = prometheus.plain!.contents[MONITORING_FILES.prometheus]!;
    writeFileSync(promFile, promText);
    const syntax = run(["promtool", "check", "config", "--syntax-only", promFile]);
    check(`${stack}: promtool check config --syntax-only prometheus.yml`, syntax.status === 0, syntax.out);
    // The whole check reads the files it names: the rule file and the API key files, here in the folder.
    const relocated = parse(promText) as {
      rule_files: string[];
      scrape_configs: { job_name: string; authorization?: { credentials_file: string } }[];
    };
    mkdirSync(join(folder, "rules"));
    writeFileSync(join(folder, RULES_FILE), rulesText);
    relocated.rule_files = [join(folder, RULES_FILE)];
    for (const { job_name, authorization } of relocated.scrape_configs) {
      if (!authorization) continue;
      authorization.credentials_file = join(folder, `key-${job_name}`);
      writeFileSync(authorization.credentials_file, "check-api-key");
    }
    writeFileSync(promFile, stringify(relocated, { lineWidth: 0 }));
    const whole = run(["promtool", "check", "config", promFile]);
    check(`${stack}: promtool check config, with its rule and key files`, whole.status === 0, whole.out);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function alertmanager(): void {
  const password = "check-smtp-password-5d1c";
  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-alertmanager-"));
  try {
    const off = validConfig("dev");
    const features = { ...off.features, alertEmail: true };
    const on = validConfig("dev", { "jarvis:features": features, ...EMAIL }, { "jarvis:smtpPassword": password });
    for (const [what, config] of [
      ["e-mail off", off],
      ["e-mail on", on],
    ] as const) {
      const files = serviceFiles(config, deriveWiring(config), "alertmanager", "dev");
      const text = files.plain!.contents[MONITORING_FILES.alertmanager]!;
      const parsed = parse(text) as { global?: Record<string, string> };
      if (parsed.global?.smtp_auth_password_file) {
        // Where the container has its secret file, written as the platforms write it: no trailing newline.
        parsed.global.smtp_auth_password_file = join(folder, "smtp-password");
        writeFileSync(parsed.global.smtp_auth_password_file, password);
      }
      const file = join(folder, `alertmanager-${config.features.alertEmail ? "on" : "off"}.yml`);
      writeFileSync(file, stringify(parsed, { lineWidth: 0 }));
      const checked = run(["amtool", "check-config", file]);
      check(`amtool check-config alertmanager.yml, ${what}`, checked.status === 0, checked.out);
      check(`alertmanager.yml, ${what}: no password inline`, !text.includes(password), text);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The same checks fail on a bad rule: a type error, a wrong comparison, an alert without a test. */
function badRules(): void {
  const config = validConfig("dev");
  const rulesText = serviceFiles(config, deriveWiring(config), "prometheus", "dev").plain!.contents[RULES_FILE]!;
  // A range function given an instant vector: valid syntax, refused by Prometheus's type checks.
  const typeError = promtoolRules(
    withChangedRule(rulesText, "HighErrorRatio", (r) => ({ ...r, expr: `rate(${APP_METRICS.requests}) > 1` })),
    config,
  );
  check("a rule with a type error fails promtool check rules", typeError.checked.status !== 0, typeError.checked.out);
  // Down compared with 1: it parses and checks, and its test sees it never fire on a down target.
  const inverted = promtoolRules(
    withChangedRule(rulesText, "ServiceDown", (r) => ({ ...r, expr: r.expr.replace("== 0", "== 1") })),
    config,
  );
  check(
    "a rule that alerts on the healthy state passes check rules and fails its test",
    inverted.checked.status === 0 && inverted.tested.status !== 0 && inverted.tested.out.includes("ServiceDown"),
    `${inverted.checked.out}${inverted.tested.out}`,
  );
  const untested = ruleTests(
    withChangedRule(rulesText, "ExporterDown", (r) => ({ ...r, alert: "UntestedAlert" })),
    "rules.yml",
    config,
  );
  check("an alert with no case is reported untested", untested.untested.join() === "UntestedAlert");
}

async function main(): Promise<void> {
  await postgres();
  await redis();
  for (const stack of STACKS) monitoring(stack);
  alertmanager();
  badRules();
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
