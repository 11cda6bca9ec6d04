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
//   checks fail on a bad rule;
// - the rules of every Kubernetes stack, as the program hands them to the Prometheus operator
//   (clusterRuleGroups: Jarvis's own, scoped to its namespace, and the Kubernetes alerts), with its
//   installation's own chart rules and without: `promtool check rules` and `promtool test rules`, a
//   test per alert (an alert without a case fails the check) and one that it stays silent on the same
//   failure in another namespace; and that a broken Kubernetes rule fails them.
// Every server listens on loopback, on a port the system hands out, and is stopped at the end.
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { backupCronJobName } from "../infra/backup";
import { APP_METRICS, CATALOGUE, MONITORING_FILES } from "../infra/catalogue";
import type { DockerConfig, KubernetesConfig, StackConfig } from "../infra/config/schema";
import { serviceFiles } from "../infra/files";
import { deployedServices } from "../infra/graph";
import { modelPull } from "../infra/model-pull";
import { RULES_FILE } from "../infra/monitoring/files";
import {
  clusterFacts,
  clusterRuleGroups,
  kubernetesRules,
  managedMonitoring,
  namespaceScope,
} from "../infra/monitoring/operator";
import { BURN_RATES, selector, type AlertRule, type RecordingRule, type RuleGroup } from "../infra/monitoring/rules";
import { watches } from "../infra/monitoring/targets";
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
/** One more input of an alert besides its failure and its healthy state, and whether it fires on it. */
interface Variant {
  readonly what: string;
  readonly input: readonly Series[];
  readonly fires: boolean;
}
/**
 * What breaks an alert and what keeps it silent; `keeps`: the labels of the alert's expression on
 * its failure (those of the input series it keeps), which the alert carries on and its templates
 * (`{{ $labels.container }}`) read; `variants`: more inputs, fired on with the same labels.
 */
interface AlertCase {
  readonly failing: readonly Series[];
  readonly healthy: readonly Series[];
  readonly keeps?: Labels;
  readonly variants?: readonly Variant[];
  /** An alert on an absence: its failure has no series to move outside the scope. */
  readonly absence?: true;
}
/**
 * What a case knows besides its rule: the stack's config, and the labels every series of the stack
 * carries besides its own (none on Docker; on Kubernetes, Jarvis's namespace, as the operator's
 * monitors label them and as kube-state-metrics and the kubelet label the namespace's objects).
 */
interface CaseContext {
  readonly config: StackConfig;
  readonly scope: Labels;
}
type CaseBuilder = (rule: AlertRule, context: CaseContext) => AlertCase;
type Cases = Readonly<Record<string, CaseBuilder>>;

const series = (name: string, labels: Labels, values: string): Series => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`,
  values,
});
/** The rule's `for` (`5m`, `1h`) in minutes. */
function forMinutes(rule: AlertRule): number {
  const [, amount, unit] = /^(\d+)([mh])$/.exec(rule.for) ?? [];
  if (!amount) throw new Error(`${rule.alert}: a duration the check does not read: ${rule.for}`);
  return Number(amount) * (unit === "h" ? 60 : 1);
}
/** Minutes of input each test has: the rule's `for` and ten more for its rates' windows. */
const minutesOf = (rule: AlertRule) => forMinutes(rule) + 10;
/** A counter growing by `perMinute` a minute over the test's input (rounded: no 711.9999999999998). */
const counter = (rule: AlertRule, perMinute: number) => `0+${Number(perMinute.toFixed(3))}x${minutesOf(rule)}`;
/** A gauge at `value` over the test's input. */
const steady = (rule: AlertRule, value: number) => `${value}x${minutesOf(rule)}`;
/** Requests a minute in every test: enough that a share of them is a whole number of requests. */
const REQUESTS_PER_MINUTE = 1000;

/** The metric an availability rule compares with 0 (`up`, `probe_success`, an exporter's `pg_up`...). */
const comparedMetric = (rule: AlertRule) => /^([A-Za-z_:][\w:]*)\{/.exec(rule.expr)![1]!;

/** The service's target stops answering: its series is 0; healthy, 1. */
function down(rule: AlertRule, { scope }: CaseContext): AlertCase {
  const labels = { ...scope, job: rule.labels.service!, service: rule.labels.service!, instance: "target" };
  const samples = minutesOf(rule);
  return {
    failing: [series(comparedMetric(rule), labels, `0x${samples}`)],
    healthy: [series(comparedMetric(rule), labels, `1x${samples}`)],
    keeps: labels,
  };
}

/** A service's requests, `share` of them answered with `status` (the rest with 200). */
function requestsWith(rule: AlertRule, scope: Labels, status: string, share: number): Series[] {
  const service = rule.labels.service!;
  const bad = Math.min(1, share) * REQUESTS_PER_MINUTE;
  return [
    series(APP_METRICS.requests, { ...scope, service, status }, counter(rule, bad)),
    series(APP_METRICS.requests, { ...scope, service, status: "200" }, counter(rule, REQUESTS_PER_MINUTE - bad)),
  ];
}

/** A service's requests refused with `status`: twice the threshold a second fails, half of it is healthy. */
function refused(status: string, threshold: (config: StackConfig) => number): CaseBuilder {
  return (rule, { config, scope }) => {
    const share = (perSecond: number) => (perSecond * 60) / REQUESTS_PER_MINUTE;
    return {
      failing: requestsWith(rule, scope, status, share(2 * threshold(config))),
      healthy: requestsWith(rule, scope, status, share(threshold(config) / 2)),
    };
  };
}

/** A duration histogram whose requests all fall in the first bucket above `slowerThan` seconds (or the fastest). */
function durations(rule: AlertRule, scope: Labels, slowerThan: number | undefined): Series[] {
  const of = { ...scope, service: rule.labels.service! };
  const buckets = APP_METRICS.durationBuckets;
  const under = (bound: number) => (slowerThan === undefined || bound > slowerThan ? REQUESTS_PER_MINUTE : 0);
  return [
    ...buckets.map((le) =>
      series(`${APP_METRICS.duration}_bucket`, { ...of, le: String(le) }, counter(rule, under(le))),
    ),
    series(`${APP_METRICS.duration}_bucket`, { ...of, le: "+Inf" }, counter(rule, REQUESTS_PER_MINUTE)),
    series(`${APP_METRICS.duration}_count`, of, counter(rule, REQUESTS_PER_MINUTE)),
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

function errorBudgetBurn(rule: AlertRule, { config, scope }: CaseContext): AlertCase {
  const { service, slo, severity } = rule.labels as Record<string, string>;
  const objectives = config.monitoring.slos[service as keyof typeof config.monitoring.slos]!;
  const budget = 1 - (slo === "latency" ? objectives.latency! : objectives.availability!).objective / 100;
  const ratios = burnRatios(severity!);
  const bad = (factor: number) => Math.min(1, factor * budget);
  if (slo === "availability")
    return {
      failing: requestsWith(rule, scope, "500", bad(ratios.failing)),
      healthy: requestsWith(rule, scope, "500", bad(ratios.healthy)),
    };
  // The latency SLI counts the requests under the threshold's bucket against all of them.
  const of = { ...scope, service: service! };
  const le = String(objectives.latency!.thresholdSeconds);
  const latency = (share: number) => [
    series(`${APP_METRICS.duration}_bucket`, { ...of, le }, counter(rule, REQUESTS_PER_MINUTE * (1 - share))),
    series(`${APP_METRICS.duration}_count`, of, counter(rule, REQUESTS_PER_MINUTE)),
  ];
  return { failing: latency(bad(ratios.failing)), healthy: latency(bad(ratios.healthy)) };
}

/** Every alert of Jarvis's own rules, with what breaks it: an alert missing here fails the check. */
const ALERT_CASES: Cases = {
  ServiceDown: down,
  ExporterDown: down,
  DatastoreDown: down,
  HighErrorRatio: (rule, { config, scope }) => {
    const { threshold } = config.monitoring.alerts.errorRatio;
    return {
      failing: requestsWith(rule, scope, "500", 2 * threshold),
      healthy: requestsWith(rule, scope, "500", threshold / 2),
    };
  },
  HighLatencyP95: (rule, { config, scope }) => ({
    // Every request slower than the threshold, or every request in the fastest bucket.
    failing: durations(rule, scope, config.monitoring.alerts.latencyP95Seconds.threshold),
    healthy: durations(rule, scope, undefined),
  }),
  RateLimitedRequests: refused("429", (config) => config.monitoring.alerts.rateLimitedPerSecond.threshold),
  UnauthorizedRequests: refused("401", (config) => config.monitoring.alerts.unauthorizedPerSecond.threshold),
  ErrorBudgetBurn: errorBudgetBurn,
};

// --- The Kubernetes alerts: series as kube-state-metrics, the kubelet and cert-manager export them. ---

/**
 * The labels the scrape of kube-state-metrics and of the kubelet adds to their series (the operator's
 * `service` among them: the alerts' own `service` label replaces it).
 */
const KUBE_STATE_METRICS = {
  job: "kube-state-metrics",
  service: "kube-prometheus-stack-kube-state-metrics",
  instance: "kube-state-metrics",
};
const KUBELET = { job: "kubelet", service: "kube-prometheus-stack-kubelet", instance: "node-1" };
const HOUR = 3600;
const DAY = 24 * HOUR;
/**
 * A timestamp `seconds` before the test's evaluation, constant over its input. promtool's clock
 * starts at 0, so a time more than the input's minutes ago is negative: time() minus it is the age all
 * the same.
 */
const ago = (rule: AlertRule, seconds: number) => steady(rule, minutesOf(rule) * 60 - seconds);
/** The first minutes of the input at `before`, the remaining `minutes` at `after`. */
const lastMinutes = (rule: AlertRule, minutes: number, before: number, after: number) =>
  `${before}x${minutesOf(rule) - minutes} ${after}x${minutes - 1}`;

/** The backups' CronJob, created 30 hours ago: never successful, or successful `hours` ago. */
function backupMissing(rule: AlertRule, { config, scope }: CaseContext): AlertCase {
  const labels = { ...KUBE_STATE_METRICS, ...scope, cronjob: backupCronJobName(config.namePrefix) };
  const maxAge = (config as KubernetesConfig).clusterMonitoring.alerts.backupMaxAgeHours;
  const created = (hours: number) => series("kube_cronjob_created", labels, ago(rule, hours * HOUR));
  const succeeded = (hours: number) => [
    created(maxAge + 4),
    series("kube_cronjob_status_last_successful_time", labels, ago(rule, hours * HOUR)),
  ];
  return {
    failing: [created(maxAge + 4)],
    healthy: succeeded(1),
    variants: [
      { what: `fires when the last success is ${maxAge + 1} hours old`, input: succeeded(maxAge + 1), fires: true },
      { what: "stays silent on a CronJob created an hour ago, not run yet", input: [created(1)], fires: false },
    ],
  };
}

/** kube-state-metrics reports nothing of the backups' CronJob (its other series go on), or reports it. */
function backupNotWatched(rule: AlertRule, { config, scope }: CaseContext): AlertCase {
  const cronjob = backupCronJobName(config.namePrefix);
  const created = (name: string) =>
    series("kube_cronjob_created", { ...KUBE_STATE_METRICS, ...scope, cronjob: name }, steady(rule, 1));
  return {
    failing: [created("another-cronjob")],
    healthy: [created(cronjob)],
    // absent() keeps the equality matchers of its selector as the alert's labels.
    keeps: { ...scope, cronjob },
    absence: true,
  };
}

/** The model pull's Job as kube-state-metrics sees it: its Failed condition true, or false. */
function modelPullFailed(rule: AlertRule, { config, scope }: CaseContext): AlertCase {
  const job = (name: string) => ({ ...KUBE_STATE_METRICS, ...scope, job_name: name });
  const name = modelPull(config.namePrefix, config.models.ollama).name;
  const failed = (of: Labels, value: boolean) => [
    series("kube_job_failed", { ...of, condition: "true" }, steady(rule, value ? 1 : 0)),
    series("kube_job_failed", { ...of, condition: "false" }, steady(rule, value ? 0 : 1)),
  ];
  return {
    failing: failed(job(name), true),
    healthy: [series("kube_job_failed", { ...job(name), condition: "false" }, steady(rule, 1))],
    variants: [
      { what: "stays silent on its Failed condition false", input: failed(job(name), false), fires: false },
      {
        what: "stays silent on another Job's failure",
        input: failed(job(`${config.namePrefix}-other-job`), true),
        fires: false,
      },
    ],
  };
}

/** The edge's certificate, expiring in 10 days (past the threshold of 14) or in 30. */
/**
 * cert-manager's series as its own chart's monitor leaves them: `namespace` is cert-manager's, the
 * certificate's namespace in the label of `certManager.namespaceLabel` (`exported_namespace`).
 */
function certificateExpiring(rule: AlertRule, { config }: CaseContext): AlertCase {
  const { clusterMonitoring, namespace } = config as KubernetesConfig;
  const days = clusterMonitoring.alerts.certificateExpiryDays;
  const { certManager } = clusterMonitoring;
  const certificate = { name: `${config.namePrefix}-tls` };
  const expiring = (inDays: number | "unissued", owner = namespace.name) => [
    series(
      "certmanager_certificate_expiration_timestamp_seconds",
      {
        job: "cert-manager",
        instance: "cert-manager",
        namespace: certManager.namespace,
        [certManager.namespaceLabel]: owner,
        ...certificate,
        issuer_kind: "ClusterIssuer",
      },
      // cert-manager exports 0 for a certificate not issued yet.
      inDays === "unissued" ? steady(rule, 0) : ago(rule, -inDays * DAY),
    ),
  ];
  return {
    failing: expiring(days - 4),
    healthy: expiring(days + 16),
    keeps: certificate,
    variants: [
      { what: "stays silent before its first issue", input: expiring("unissued"), fires: false },
      { what: "stays silent for another namespace's certificate", input: expiring(days - 4, "other"), fires: false },
    ],
  };
}

/** No cert-manager series for the namespace's certificates (nothing scrapes it), or one. */
function certificatesNotWatched(rule: AlertRule, context: CaseContext): AlertCase {
  const { healthy } = certificateExpiring(rule, context);
  const { clusterMonitoring, namespace } = context.config as KubernetesConfig;
  // absent() keeps the equality matchers of its selector as the alert's labels.
  const keeps = { [clusterMonitoring.certManager.namespaceLabel]: namespace.name };
  const other = series("certmanager_clock_time_seconds_gauge", { job: "cert-manager" }, steady(rule, 1));
  return {
    failing: [other],
    healthy,
    keeps,
    absence: true,
    variants: [
      {
        what: "fires while only another namespace's certificates are watched",
        input: certificateExpiring(rule, {
          ...context,
          config: {
            ...context.config,
            namespace: { ...(context.config as KubernetesConfig).namespace, name: "other" },
          } as StackConfig,
        }).healthy,
        fires: true,
      },
    ],
  };
}

/** An unwatched service's container, not ready (or ready) in its one pod. */
function containerNotReady(rule: AlertRule, { scope }: CaseContext): AlertCase {
  const container = rule.labels.service!;
  const ready = (pod: string, value: number) =>
    series("kube_pod_container_status_ready", { ...KUBE_STATE_METRICS, ...scope, pod, container }, steady(rule, value));
  return {
    failing: [ready(`${container}-0`, 0)],
    healthy: [ready(`${container}-0`, 1)],
    variants: [
      {
        what: "stays silent while one of two pods is ready",
        input: [ready(`${container}-0`, 0), ready(`${container}-1`, 1)],
        fires: false,
      },
    ],
  };
}

/** A container waiting in CrashLoopBackOff for the whole input; healthy, waiting as it starts. */
function crashLooping(rule: AlertRule, { scope }: CaseContext): AlertCase {
  const pod = { pod: "jarvis-backend-5d8f7c9b4-x2x7q", container: "backend" };
  const waiting = (reason: string, values: string) =>
    series("kube_pod_container_status_waiting_reason", { ...KUBE_STATE_METRICS, ...scope, ...pod, reason }, values);
  const minutes = forMinutes(rule);
  return {
    failing: [waiting("CrashLoopBackOff", steady(rule, 1))],
    healthy: [waiting("ContainerCreating", steady(rule, 1))],
    keeps: pod,
    variants: [
      {
        what: `stays silent on a crash loop of ${minutes - 5} minutes`,
        input: [waiting("CrashLoopBackOff", lastMinutes(rule, minutes - 5, 0, 1))],
        fires: false,
      },
    ],
  };
}

/** A volume claim of 10 GiB with 5% free; healthy, 50%. */
function volumeFilling(rule: AlertRule, { scope }: CaseContext): AlertCase {
  const claim = { ...KUBELET, ...scope, persistentvolumeclaim: "data-jarvis-postgres-0" };
  const capacity = 10 * 2 ** 30;
  const free = (percent: number) => [
    series("kubelet_volume_stats_available_bytes", claim, steady(rule, (capacity * percent) / 100)),
    series("kubelet_volume_stats_capacity_bytes", claim, steady(rule, capacity)),
  ];
  // Compared by claim: only its namespace and name are left.
  return {
    failing: free(5),
    healthy: free(50),
    keeps: { ...scope, persistentvolumeclaim: claim.persistentvolumeclaim },
  };
}

/** An autoscaler at its maximum of 4 replicas for the whole input; healthy, at 3. */
function autoscalerAtMaximum(rule: AlertRule, { scope }: CaseContext): AlertCase {
  const autoscaler = { ...KUBE_STATE_METRICS, ...scope, horizontalpodautoscaler: "jarvis-backend" };
  const replicas = (current: string) => [
    series("kube_horizontalpodautoscaler_status_current_replicas", autoscaler, current),
    series("kube_horizontalpodautoscaler_spec_max_replicas", autoscaler, steady(rule, 4)),
  ];
  const minutes = forMinutes(rule);
  return {
    failing: replicas(steady(rule, 4)),
    healthy: replicas(steady(rule, 3)),
    // Compared by autoscaler: only its namespace and name are left.
    keeps: { ...scope, horizontalpodautoscaler: autoscaler.horizontalpodautoscaler },
    variants: [
      {
        what: `stays silent at its maximum for ${minutes - 5} minutes`,
        input: replicas(lastMinutes(rule, minutes - 5, 3, 4)),
        fires: false,
      },
    ],
  };
}

/** Every alert of the Kubernetes group (kubernetesRules), with what breaks it: ServiceDown's is its own. */
const CLUSTER_CASES: Cases = {
  BackupMissing: backupMissing,
  BackupNotWatched: backupNotWatched,
  ModelPullFailed: modelPullFailed,
  CertificateExpiringSoon: certificateExpiring,
  CertificatesNotWatched: certificatesNotWatched,
  ServiceDown: containerNotReady,
  PodCrashLooping: crashLooping,
  VolumeFillingUp: volumeFilling,
  AutoscalerAtMaximum: autoscalerAtMaximum,
};

/** How a rule file is tested: the context of its cases, and the cases of each of its groups. */
interface RuleTesting extends CaseContext {
  readonly cases: (group: string) => Cases;
}
const dockerTesting = (config: StackConfig): RuleTesting => ({ config, scope: {}, cases: () => ALERT_CASES });

const isAlertRule = (rule: AlertRule | RecordingRule): rule is AlertRule => "alert" in rule;

/** A label or annotation as Prometheus sends it: its `{{ $labels.x }}` read from the expression's labels. */
function expand(text: string, labels: Labels): string {
  const expanded = text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => {
    if (labels[name] === undefined) throw new Error(`${text}: the case keeps no label ${name}`);
    return labels[name];
  });
  if (expanded.includes("{{")) throw new Error(`${text}: a template the check does not expand`);
  return expanded;
}
const expandAll = (values: Labels, labels: Labels) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expand(v, labels)]));

/** The input moved out of the scope: each scope label given another value (`namespace="x"` to `"x-elsewhere"`). */
const elsewhere = (input: readonly Series[], scope: Labels): Series[] =>
  input.map((s) => ({
    ...s,
    series: Object.entries(scope).reduce(
      (text, [k, v]) => text.replaceAll(`${k}="${v}"`, `${k}="${v}-elsewhere"`),
      s.series,
    ),
  }));

/**
 * The promtool unit tests of a rule file: per alert, one test where it fires on its failure (with its
 * labels and annotations), one where it stays silent on healthy series, one per variant of its case,
 * and, when the stack has a scope, one where it stays silent on its failure outside it; and the
 * alerts that have no case.
 */
function ruleTests(rulesText: string, ruleFileName: string, testing: RuleTesting) {
  const { groups } = parse(rulesText) as { groups: RuleGroup[] };
  const { scope } = testing;
  const alertRules = groups.flatMap((g) =>
    g.rules.filter(isAlertRule).map((rule) => ({ rule, build: testing.cases(g.name)[rule.alert] })),
  );
  const untested = [...new Set(alertRules.filter((a) => !a.build).map((a) => a.rule.alert))];
  const tests = alertRules.flatMap(({ rule, build }) => {
    if (!build) return [];
    const { failing, healthy, keeps = {}, variants = [], absence } = build(rule, testing);
    // The alert's labels as Prometheus sends them: its expression's, its own (expanded) over them.
    const own = expandAll(rule.labels, keeps);
    const name = `${rule.alert} ${Object.values(own).join(" ")}`;
    const fired = [{ exp_labels: { ...keeps, ...own }, exp_annotations: expandAll(rule.annotations, keeps) }];
    const test = (what: string, input: readonly Series[], fires: boolean) => ({
      name: `${name}: ${what}`,
      interval: "1m",
      input_series: input,
      alert_rule_test: [{ eval_time: `${minutesOf(rule)}m`, alertname: rule.alert, exp_alerts: fires ? fired : [] }],
    });
    return [
      test("fires", failing, true),
      test("stays silent", healthy, false),
      ...variants.map((v) => test(v.what, v.input, v.fires)),
      ...(Object.keys(scope).length > 0 && !absence
        ? [test(`stays silent on its failure outside ${selector(scope)}`, elsewhere(failing, scope), false)]
        : []),
    ];
  });
  // A service that has served no server error has no 5xx series: its availability SLI is 0, not
  // missing; and an idle while (no requests at all) leaves its whole error budget a number, not NaN.
  const noErrorsYet = groups
    .flatMap((g) => g.rules)
    .filter((r): r is RecordingRule => "record" in r && r.record === "slo:sli_error:ratio_rate5m")
    .filter((r) => r.labels.slo === "availability")
    .map((r) => {
      const labels = selector(r.labels);
      const sample = (name: string, value: number) => ({ labels: `${name}${labels}`, value });
      const served = REQUESTS_PER_MINUTE * 20;
      return {
        name: `${r.record} ${r.labels.service}: 0 before the first server error, and its budget whole after an idle while`,
        interval: "1m",
        input_series: [
          series(
            APP_METRICS.requests,
            { ...scope, service: r.labels.service!, status: "200" },
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
    tests: tests.length + noErrorsYet.length,
    untested,
  };
}

/** promtool on a rule file: `check rules`, then its generated unit tests. */
function promtoolRules(rulesText: string, testing: RuleTesting) {
  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-rules-"));
  try {
    writeFileSync(join(folder, "rules.yml"), rulesText);
    const checked = run(["promtool", "check", "rules", join(folder, "rules.yml")]);
    const tests = ruleTests(rulesText, "rules.yml", testing);
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
  const rules = promtoolRules(rulesText, dockerTesting(config));
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

/** A Kubernetes stack's rules as the program hands them to the operator (its PrometheusRule's spec), and how to test them. */
function clusterRules(config: KubernetesConfig, chartRules: boolean) {
  const { catalogue } = deriveWiring(config);
  const watched = watches(catalogue, config.ports, deployedServices(catalogue, "kubernetes"));
  // The program's facts (clusterFacts), with the chart's rules as this run asks.
  const facts = { ...clusterFacts(catalogue, config), chartRules };
  const cluster = kubernetesRules(config, facts).name;
  const testing: RuleTesting = {
    config,
    scope: namespaceScope(config),
    cases: (group) => (group === cluster ? CLUSTER_CASES : ALERT_CASES),
  };
  const groups = clusterRuleGroups(catalogue, config, watched, facts);
  return { text: stringify({ groups }, { lineWidth: 0 }), testing };
}

/** The rules of a Kubernetes stack, as it installs them and with the other mode's chart rules. */
function clusterMonitoring(stack: string, config: KubernetesConfig): void {
  // The program's choice: the chart's own rules come with the managed installation only.
  const own = managedMonitoring(config) !== undefined;
  for (const chartRules of [own, !own]) {
    const what = `${stack} on Kubernetes, ${chartRules ? "with" : "without"} the chart's rules${chartRules === own ? " (as configured)" : ""}`;
    const { text, testing } = clusterRules(config, chartRules);
    const rules = promtoolRules(text, testing);
    check(`${what}: promtool check rules`, rules.checked.status === 0, rules.checked.out);
    check(`${what}: every alert has a promtool test`, rules.untested.length === 0, rules.untested.join(", "));
    check(
      `${what}: promtool test rules (${rules.alerts} alerts, ${rules.tests} tests: each fires on its failure, silent when healthy and outside its namespace)`,
      rules.tested.status === 0 && rules.alerts > 0,
      rules.tested.out,
    );
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
    dockerTesting(config),
  );
  check("a rule with a type error fails promtool check rules", typeError.checked.status !== 0, typeError.checked.out);
  // Down compared with 1: it parses and checks, and its test sees it never fire on a down target.
  const inverted = promtoolRules(
    withChangedRule(rulesText, "ServiceDown", (r) => ({ ...r, expr: r.expr.replace("== 0", "== 1") })),
    dockerTesting(config),
  );
  check(
    "a rule that alerts on the healthy state passes check rules and fails its test",
    inverted.checked.status === 0 && inverted.tested.status !== 0 && inverted.tested.out.includes("ServiceDown"),
    `${inverted.checked.out}${inverted.tested.out}`,
  );
  const untested = ruleTests(
    withChangedRule(rulesText, "ExporterDown", (r) => ({ ...r, alert: "UntestedAlert" })),
    "rules.yml",
    dockerTesting(config),
  );
  check("an alert with no case is reported untested", untested.untested.join() === "UntestedAlert");
}

/**
 * The same on a Kubernetes stack's rules: a type error, a Kubernetes alert on the wrong condition, one
 * that has lost its namespace, and a Kubernetes alert with no case of its group.
 */
function badClusterRules(stack: string, config: KubernetesConfig): void {
  const { text, testing } = clusterRules(config, false);
  const typeError = promtoolRules(
    withChangedRule(text, "VolumeFillingUp", (r) => ({ ...r, expr: "rate(kubelet_volume_stats_available_bytes) < 1" })),
    testing,
  );
  check(
    `${stack} on Kubernetes: a rule with a type error fails promtool check rules`,
    typeError.checked.status !== 0,
    typeError.checked.out,
  );
  const inverted = promtoolRules(
    withChangedRule(text, "ModelPullFailed", (r) => ({
      ...r,
      expr: r.expr.replace('condition="true"', 'condition="false"'),
    })),
    testing,
  );
  check(
    `${stack} on Kubernetes: a Kubernetes alert on the wrong condition passes check rules and fails its test`,
    inverted.checked.status === 0 && inverted.tested.status !== 0 && inverted.tested.out.includes("ModelPullFailed"),
    `${inverted.checked.out}${inverted.tested.out}`,
  );
  const unscoped = promtoolRules(
    withChangedRule(text, "CertificateExpiringSoon", (r) => ({
      ...r,
      expr: r.expr.replace(
        selector({ [config.clusterMonitoring.certManager.namespaceLabel]: config.namespace.name }),
        "",
      ),
    })),
    testing,
  );
  check(
    `${stack} on Kubernetes: an alert that has lost its namespace fails its test outside the namespace`,
    unscoped.checked.status === 0 &&
      unscoped.tested.status !== 0 &&
      unscoped.tested.out.includes("CertificateExpiringSoon") &&
      unscoped.tested.out.includes("outside"),
    `${unscoped.checked.out}${unscoped.tested.out}`,
  );
  // A name Docker's cases have, in the Kubernetes group: its cases are the group's own.
  const untested = ruleTests(
    withChangedRule(text, "PodCrashLooping", (r) => ({ ...r, alert: "HighErrorRatio" })),
    "rules.yml",
    testing,
  );
  check(
    `${stack} on Kubernetes: a Kubernetes alert with no case of its group is reported untested`,
    untested.untested.join() === "HighErrorRatio",
    untested.untested.join(),
  );
}

async function main(): Promise<void> {
  await postgres();
  await redis();
  for (const stack of STACKS) monitoring(stack);
  const clusters = STACKS.map((stack) => [stack, validConfig(stack)] as const).filter(
    (entry): entry is readonly [string, KubernetesConfig] => entry[1].platform === "kubernetes",
  );
  for (const [stack, config] of clusters) clusterMonitoring(stack, config);
  alertmanager();
  badRules();
  if (clusters[0]) badClusterRules(...clusters[0]);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
