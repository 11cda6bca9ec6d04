// `npm run check:real`: what the program generates, run against the real servers Debian has
// (postgresql-15, redis-server; `.ci/run` installs them, `npm test` never needs them):
// - the Postgres start step (infra/rotation.ts) on a real data folder initialised with password A,
//   given password B: the server then accepts B and refuses A, and neither its log nor the step's
//   output holds B;
// - the Postgres and Redis health checks of both platforms (Docker's in-container test, the
//   Kubernetes probe) against real servers, with the right credentials and with wrong ones.
// Every server listens on loopback, on a port the system hands out, and is stopped at the end.
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CATALOGUE } from "../infra/catalogue";
import type { DockerConfig, KubernetesConfig } from "../infra/config/schema";
import { POSTGRES_PASSWORD_STEP } from "../infra/rotation";
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

async function postgres(): Promise<void> {
  const port = await freePort();
  const config = validConfig("dev", { "jarvis:ports": { ...validConfig("dev").ports, postgres: { postgres: port } } });
  const { user, name: database } = config.databases.postgres!;
  const folder = mkdtempSync(join(tmpdir(), "jarvis-check-pg-"));
  const pgdata = join(folder, "data");
  const [passwordA, passwordB] = ["check-password-A-4f1d", "check-password-B-9c27"];
  const fileA = join(folder, "a");
  const fileB = join(folder, "b");
  writeFileSync(fileA, passwordA);
  writeFileSync(fileB, passwordB);
  for (const path of [folder, fileA, fileB]) chownSync(path, uidOf("postgres"), gidOf("postgres"));
  chmodSync(folder, 0o700);
  const log = join(folder, "server.log");
  const pgCtl = (...args: string[]) => run(asPostgres({}, ["pg_ctl", "-D", pgdata, "-w", ...args]));
  try {
    const init = run(asPostgres({}, ["initdb", "-D", pgdata, "-U", user, `--pwfile=${fileA}`, "--auth=scram-sha-256"]));
    check("initdb with password A", init.status === 0, init.out);
    // Whatever the server's own config says, the step's statement must not reach its log.
    writeFileSync(join(pgdata, "postgresql.conf"), "log_statement = 'all'\n", { flag: "a" });
    const start = () => pgCtl("-l", log, "-o", `-c listen_addresses=${LOOPBACK} -c port=${port}`, "start");
    check("server starts", start().status === 0, readFileSync(log, "utf8"));
    run(
      asPostgres({ PGPASSWORD: passwordA }, [
        "psql",
        "-h",
        LOOPBACK,
        "-p",
        String(port),
        "-U",
        user,
        "-d",
        "postgres",
        "-c",
        `CREATE DATABASE ${database}`,
      ]),
    );
    pgCtl("stop");

    // The start step, exactly as the program generates it, given password B in the secret file.
    const step = run(
      asPostgres({ PGDATA: pgdata, POSTGRES_USER: user, POSTGRES_DB: database, POSTGRES_PASSWORD_FILE: fileB }, [
        "sh",
        "-c",
        `set -eu\n${POSTGRES_PASSWORD_STEP}`,
      ]),
    );
    check("the start step runs on an initialised data folder", step.status === 0, step.out);
    check("the start step prints no password", !step.out.includes(passwordB), step.out);
    check("server starts again", start().status === 0, readFileSync(log, "utf8"));
    const connect = (password: string) =>
      run(
        asPostgres({ PGPASSWORD: password }, [
          "psql",
          "-h",
          LOOPBACK,
          "-p",
          String(port),
          "-U",
          user,
          "-d",
          database,
          "-tAc",
          "SELECT 1",
        ]),
      );
    const withB = connect(passwordB);
    check("the server accepts the new password B", withB.status === 0 && withB.out.trim() === "1", withB.out);
    check("the server refuses the old password A", connect(passwordA).status !== 0);
    check("the server log holds no password", !readFileSync(log, "utf8").includes(passwordB));

    // The health checks the program generates, against this server.
    const dockerTest = healthTest(config as DockerConfig, CATALOGUE, "postgres").slice(1);
    const docker = run(asPostgres({}, dockerTest));
    check(`Docker health check (${dockerTest.join(" ")})`, docker.status === 0, docker.out);
    const staging = validConfig("staging", {
      "jarvis:ports": { ...validConfig("staging").ports, postgres: { postgres: port } },
    });
    const probe = probes(staging as KubernetesConfig, CATALOGUE, "postgres").readinessProbe as {
      exec: { command: string[] };
    };
    const kubernetes = run(asPostgres({}, probe.exec.command));
    check(`Kubernetes readiness probe (${probe.exec.command.join(" ")})`, kubernetes.status === 0, kubernetes.out);
    pgCtl("stop");
    check("the health check fails once the server is down", run(asPostgres({}, dockerTest)).status !== 0);
  } finally {
    pgCtl("stop", "-m", "immediate");
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

const idOf = (flag: "-u" | "-g", name: string) => Number(run(["id", flag, name]).out.trim());
const uidOf = (name: string) => idOf("-u", name);
const gidOf = (name: string) => idOf("-g", name);

async function main(): Promise<void> {
  await postgres();
  await redis();
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
