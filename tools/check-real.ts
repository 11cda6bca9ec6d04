// `npm run check:real`: what the program generates, run against the real servers Debian has
// (postgresql-15, redis-server; `.ci/run` installs them, `npm test` never needs them):
// - the Postgres start step (infra/rotation.ts) on a real data folder initialised with password A,
//   given password B, run as the pods' user (no passwd entry) with the image's own entrypoint: the
//   server then accepts B and refuses A, neither its log nor the step's output holds B, and a
//   failing statement stops the start;
// - the Postgres and Redis health checks of both platforms (Docker's in-container test, the
//   Kubernetes probe) against real servers; Redis's with a wrong password too (pg_isready only asks
//   whether the server accepts connections).
// Every server listens on loopback, on a port the system hands out, and is stopped at the end.
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CATALOGUE } from "../infra/catalogue";
import type { DockerConfig, KubernetesConfig } from "../infra/config/schema";
import { POSTGRES_PASSWORD_STEP, postgresCommand } from "../infra/rotation";
import { healthTest } from "../stacks/docker/services";
import { probes } from "../stacks/kubernetes/pods";
import { validConfig } from "./test-support";

const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
const LOOPBACK = "127.0.0.1"; // audit-allow: the check's servers listen on loopback only
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
  const generated = CATALOGUE.redis!.command!(config.ports.redis!);
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

async function main(): Promise<void> {
  await postgres();
  await redis();
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
