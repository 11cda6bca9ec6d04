import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_DIR } from "../tools/plan/cli";
import { POSTGRES_PASSWORD_STEP } from "../infra/rotation";
import { standIns } from "../tools/plan/engine";
import {
  ofType,
  planStack,
  rawConfig,
  shippedPlan,
  rawResource,
  stackValues,
  validConfig,
  type ParsedPlan,
} from "../tools/test-support";
import { CATALOGUE } from "../infra/catalogue";
import { runningServices, startOrder } from "../infra/graph";
import { packSettings } from "../policy/context";
import { localPorts, noDockerSocket } from "../policy/invariants";

// What the dev stack runs: cAdvisor is off by default.
const DOCKER_SERVICES = runningServices(CATALOGUE, validConfig("dev"));

const CONTAINER = "docker:index/container:Container";
const dev = stackValues("dev") as Record<string, any>;
/** What the policy pack knows of dev from its config. */
const DEV_FACTS = packSettings(rawConfig("dev").config).facts;
/** Host paths for the bind mounts, which the shipped dev stack leaves unset. */
const HOST_PATHS = {
  models: "/srv/jarvis/models",
  logs: "/srv/jarvis/logs",
  data: "/srv/jarvis/data",
  postgresInit: "/srv/jarvis/db/init.sql",
  timescaleInit: "/srv/jarvis/db/timescale_init.sql",
  qdrantConfig: "/srv/jarvis/qdrant.yaml",
};
let plan: ParsedPlan;
/** The dev plan with every bind mount configured, shared by the tests that look at mounts. */
let mounted: ParsedPlan;
beforeAll(async () => {
  // One after the other: the SDK's runtime state is global to the process.
  plan = await shippedPlan("dev");
  mounted = await planStack("dev", { ...dev, "jarvis:hostPaths": HOST_PATHS });
});

const container = (name: string, from: ParsedPlan = plan) => rawResource(from, CONTAINER, name);
/** The environment of a container as NAME -> value, secrets revealed; and the names of its secret entries. */
function env(name: string, from: ParsedPlan = plan) {
  const envs: (string | { secret: string })[] = container(name, from).inputs.envs;
  const split = (e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)];
  return {
    secret: envs.flatMap((e) => (typeof e === "string" ? [] : [split(e.secret)[0]!])),
    vars: Object.fromEntries(envs.map((e) => split(typeof e === "string" ? e : e.secret))) as Record<string, string>,
  };
}
const PASSWORD = "random:index/randomPassword:RandomPassword";
/** The stand-in the plan's engine gives the generated secret `secret` (tools/plan/engine.ts standIns). */
function password(secret: string, from: ParsedPlan = plan): string {
  const { urn, inputs } = rawResource(from, PASSWORD, `secrets-${secret}`);
  return String(standIns(PASSWORD, `secrets-${secret}`, urn, inputs).result);
}
const dependsOnContainers = (name: string) =>
  container(name)
    .dependencies.filter((urn) => urn.includes("docker:index/container:Container::"))
    .map((urn) => urn.split("::").pop())
    .sort();

describe("the dev network", () => {
  it("is a bridge network with the subnet, gateway and bridge options of config", () => {
    const network = ofType(plan, "docker:index/network:Network")[0]!;
    expect(network.inputs).toMatchObject({
      name: "jarvis-network",
      driver: "bridge",
      ipamConfigs: [{ subnet: "172.20.0.0/16", gateway: "172.20.0.1" }],
      options: {
        "com.docker.network.bridge.name": "jarvis-br0",
        "com.docker.network.bridge.enable_icc": "true",
        "com.docker.network.bridge.enable_ip_masquerade": "true",
        "com.docker.network.driver.mtu": "1500",
      },
    });
  });

  it("holds every container at its configured static address, reachable by its service name", () => {
    const expected = {
      stt: 10,
      tts: 20,
      ollama: 30,
      backend: 40,
      interface: 50,
      postgres: 100,
      redis: 110,
      qdrant: 120,
      timescale: 130,
    };
    for (const [service, host] of Object.entries(expected)) {
      expect(container(service).inputs.networksAdvanced).toEqual([
        { name: "jarvis-network", aliases: [service], ipv4Address: `172.20.0.${host}` },
      ]);
      expect(container(service).inputs.name).toBe(`jarvis-${service}`);
    }
  });
});

describe("every service of the original", () => {
  it("runs as a container, in an order where each starts after what it needs", () => {
    expect(
      ofType(plan, CONTAINER)
        .map((c) => c.name)
        .sort(),
    ).toEqual([...DOCKER_SERVICES, "ollama-pull"].sort());
    const order = startOrder(CATALOGUE, DOCKER_SERVICES);
    expect(order.indexOf("postgres")).toBeLessThan(order.indexOf("backend"));
    expect(order.indexOf("backend")).toBeLessThan(order.indexOf("interface"));
  });

  it("runs pinned public images, and builds Jarvis's own from the source folders of the dev stack", () => {
    const ref = (service: string) =>
      rawResource(plan, "docker:index/remoteImage:RemoteImage", `images-${service}`).inputs;
    expect(ref("postgres")).toEqual({ name: "pgvector/pgvector:0.8.0-pg15", keepLocally: true });
    expect(ref("backend")).toEqual({
      name: "jarvis/backend:1.4.0",
      keepLocally: true,
      build: { context: "/opt/jarvis/Projet-Jarvis/backend", tags: ["jarvis/backend:1.4.0"] },
    });
    for (const service of DOCKER_SERVICES) expect(container(service).inputs.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(container("backend").dependencies).toContain(
      "urn:pulumi:dev::jarvis::jarvis:docker:Images$docker:index/remoteImage:RemoteImage::images-backend",
    );
  });

  it("pulls Jarvis's own images from a registry instead, where one is configured", async () => {
    const pulled = await planStack("dev", {
      ...dev,
      "jarvis:appRegistry": "registry.example.com/jarvis",
      "jarvis:appBuild": { stt: { context: "/src/stt", dockerfile: "Dockerfile.gpu" } },
    });
    expect(rawResource(pulled, "docker:index/remoteImage:RemoteImage", "images-backend").inputs).toEqual({
      name: "registry.example.com/jarvis/backend:1.4.0",
      keepLocally: true,
    });
    expect(rawResource(pulled, "docker:index/remoteImage:RemoteImage", "images-stt").inputs.build).toEqual({
      context: "/src/stt",
      dockerfile: "Dockerfile.gpu",
      tags: ["registry.example.com/jarvis/stt:1.4.0"],
    });
  });

  it("logs in to the registry with the password from secret config", async () => {
    const withLogin = await planStack("dev", {
      ...dev,
      "jarvis:registryLogin": { address: "registry.example.com", username: "ci" },
      "jarvis:registryPassword": { secure: "v1:x" },
    });
    const provider = ofType(withLogin, "pulumi:providers:docker")[0]!;
    expect(provider.inputs.registryAuth).toEqual("[secret]");
    expect(withLogin.text).not.toContain("PLAN-SECRET-");
    expect(ofType(plan, "pulumi:providers:docker")[0]!.inputs.registryAuth).toBeUndefined();
  });

  it("replaces containers with a fixed name, address or host port by deleting them first", () => {
    const containers = plan.raw.filter((r) => r.type === CONTAINER);
    expect(containers).toHaveLength(DOCKER_SERVICES.length + 1);
    for (const c of containers) expect(c.deleteBeforeReplace, c.name).toBe(true);
    expect(ofType(plan, "docker:index/network:Network")[0]!.deleteBeforeReplace).toBe(true);
  });

  it("pulls the configured models once Ollama is healthy, without being kept running or waited for", () => {
    const pull = container("ollama-pull").inputs;
    expect(pull).toMatchObject({
      restart: "no",
      mustRun: false,
      entrypoints: ["/bin/sh", "-c"],
      command: ["set -e\nollama pull llama3.1:8b\nollama pull llama3.2:1b"],
      envs: ["OLLAMA_HOST=http://jarvis-ollama:11434"],
    });
    expect(pull.wait).toBeUndefined();
    expect(pull.healthcheck).toBeUndefined();
    expect(pull.networksAdvanced).toEqual([{ name: "jarvis-network", aliases: [] }]);
    expect(dependsOnContainers("ollama-pull")).toEqual(["ollama"]);
    for (const c of plan.raw.filter((r) => r.type === CONTAINER))
      expect(c.dependencies.some((d) => d.endsWith("::ollama-pull"))).toBe(false);
  });

  it("runs a new pull when the model list changes", async () => {
    const other = await planStack("dev", {
      ...dev,
      "jarvis:models": { ...dev["jarvis:models"], ollama: ["llama3.2:1b"], defaultLlm: "llama3.2:1b" },
    });
    expect(container("ollama-pull", other).inputs.name).not.toBe(container("ollama-pull").inputs.name);
    expect(container("ollama-pull", other).inputs.command).toEqual(["set -e\nollama pull llama3.2:1b"]);
  });
});

describe("wiring from the derived endpoints", () => {
  it("gives the backend every URL and name the original passes, passwords inside secret values", () => {
    const { secret, vars } = env("backend");
    expect(secret).toEqual([
      "DATABASE_URL",
      "JARVIS_SECRET_KEY",
      "QDRANT_API_KEY",
      "RATE_LIMIT_STORAGE_URL",
      "REDIS_URL",
      "TIMESCALE_URL",
    ]);
    expect(vars).toMatchObject({
      DATABASE_URL: `postgresql://jarvis:${password("postgres")}@jarvis-postgres:5432/jarvis_db`,
      TIMESCALE_URL: `postgresql://jarvis:${password("timescale")}@jarvis-timescale:5432/jarvis_timeseries`,
      REDIS_URL: `redis://:${password("redis")}@jarvis-redis:6379/0`,
      OLLAMA_BASE_URL: "http://jarvis-ollama:11434",
      TTS_API_URL: "http://jarvis-tts:8002",
      STT_API_URL: "http://jarvis-stt:8003",
      INTERFACE_URL: "http://jarvis-interface:8001",
      QDRANT_URL: "http://jarvis-qdrant:6333",
      QDRANT_API_KEY: password("qdrant"),
      JARVIS_SECRET_KEY: password("jwt"),
      MEMORY_UPDATE_INTERVAL: "604800",
      MEMORY_RETENTION_DAYS: "365",
      BRAIN_MEMORY_ENABLED: "true",
      ENVIRONMENT: "dev",
    });
    const redacted = ofType(plan, CONTAINER).find((c) => c.name === "backend")!.inputs.envs as string[];
    expect(redacted).toContain("DATABASE_URL=[secret]");
  });

  it("sets the backend's security: CORS origins without *, a rate limit kept in Redis for every replica", () => {
    const { vars } = env("backend");
    expect(vars.CORS_ORIGINS).toBe("http://localhost:3000");
    expect(vars.RATE_LIMIT).toBe("10 per 60 seconds");
    expect(vars.RATE_LIMIT_STORAGE_URL).toBe(`redis://:${password("redis")}@jarvis-redis:6379/1`);
  });

  it("takes the rate limit and CORS origins from config", async () => {
    const backend = {
      ...dev["jarvis:backend"],
      rateLimit: { requests: 30, windowSeconds: 60 },
      corsOrigins: ["https://jarvis.home.arpa"],
    };
    const tuned = await planStack("dev", { ...dev, "jarvis:backend": backend });
    expect(env("backend", tuned).vars).toMatchObject({
      RATE_LIMIT: "30 per 60 seconds",
      CORS_ORIGINS: "https://jarvis.home.arpa",
    });
    expect(env("ollama", tuned).vars.OLLAMA_ORIGINS).toBe("https://jarvis.home.arpa");
  });

  it("gives the interface the browser-facing URLs and the services it calls", () => {
    expect(env("interface").vars).toEqual({
      SERVICE_NAME: "interface",
      PORT: "3000",
      WS_PORT: "8001",
      LOG_LEVEL: "INFO",
      REACT_APP_API_URL: "http://localhost:8000",
      REACT_APP_WS_URL: "ws://localhost:8001",
      BACKEND_API_URL: "http://jarvis-backend:8000",
      STT_API_URL: "http://jarvis-stt:8003",
      TTS_API_URL: "http://jarvis-tts:8002",
    });
    expect(env("interface").secret).toEqual([]);
  });

  it("gives the datastores their users and generated passwords through the environment", () => {
    expect(env("postgres").vars).toEqual({
      POSTGRES_DB: "jarvis_db",
      POSTGRES_USER: "jarvis",
      PGPORT: "5432",
      POSTGRES_PASSWORD: password("postgres"),
    });
    expect(env("timescale").vars).toMatchObject({
      POSTGRES_DB: "jarvis_timeseries",
      POSTGRES_PASSWORD: password("timescale"),
      TIMESCALEDB_TELEMETRY: "off",
    });
    expect(env("qdrant").vars).toMatchObject({
      QDRANT__SERVICE__API_KEY: password("qdrant"),
      QDRANT__SERVICE__HTTP_PORT: "6333",
      QDRANT__SERVICE__GRPC_PORT: "6334",
    });
  });

  it("starts Redis with a password from the environment, never on the command line, and checks it authenticated", () => {
    expect(env("redis").vars).toEqual({
      REDIS_PASSWORD: password("redis"),
      REDISCLI_AUTH: password("redis"),
    });
    const redis = container("redis").inputs;
    expect(JSON.stringify(redis.command)).not.toContain("PLAN-SECRET");
    expect(redis.command).toEqual([
      "sh",
      "-c",
      "exec redis-server - --port 6379 --appendonly yes <<EOF\nrequirepass $REDIS_PASSWORD\nEOF",
    ]);
    expect(redis.healthcheck.tests).toEqual(["CMD", "redis-cli", "-e", "-p", "6379", "ping"]);
  });

  it("limits Ollama's origins to the configured ones and has it listen on its own address", () => {
    expect(env("ollama").vars).toEqual({
      OLLAMA_HOST: "172.20.0.30:11434",
      OLLAMA_ORIGINS: "http://localhost:3000",
      OLLAMA_KEEP_ALIVE: "24h",
      OLLAMA_MODELS: "/models",
      HOME: "/home/ollama",
    });
  });
});

describe("persistent data", () => {
  it("lives in named volumes from config, kept when containers are replaced or the stack lets go of them", () => {
    const volumes = plan.raw.filter((r) => r.type === "docker:index/volume:Volume");
    expect(volumes.map((v) => v.inputs.name).sort()).toEqual([
      "jarvis-alertmanager-data",
      // Alloy's read positions in the logs.
      "jarvis-alloy-data",
      // What the containers fill themselves, where the stack names no host folder (a fresh clone).
      "jarvis-backend-data",
      "jarvis-backend-logs",
      "jarvis-backend-models",
      "jarvis-grafana-data",
      "jarvis-loki-data",
      "jarvis-ollama-models",
      "jarvis-postgres-data",
      "jarvis-prometheus-data",
      "jarvis-qdrant-data",
      "jarvis-redis-data",
      "jarvis-stt-logs",
      "jarvis-stt-models",
      "jarvis-timescale-data",
      "jarvis-tts-logs",
      "jarvis-tts-models",
    ]);
    expect(container("stt").inputs.mounts).toEqual([
      { type: "volume", source: "jarvis-stt-models", target: "/app/models/stt", readOnly: false },
      { type: "volume", source: "jarvis-stt-logs", target: "/app/logs", readOnly: false },
    ]);
    for (const volume of volumes) expect(volume.retainOnDelete).toBe(true);
    expect(container("postgres").inputs.mounts[0]).toEqual({
      type: "volume",
      source: "jarvis-postgres-data",
      target: "/var/lib/postgresql/data",
      readOnly: false,
    });
    expect(container("ollama").inputs.mounts).toEqual([
      { type: "volume", source: "jarvis-ollama-models", target: "/models", readOnly: false },
    ]);
    expect(container("postgres").dependencies).toContain(
      "urn:pulumi:dev::jarvis::jarvis:docker:Volumes$docker:index/volume:Volume::volumes-postgres",
    );
  });

  it("bind-mounts models, logs, data and init files from configured host paths", () => {
    expect(container("stt", mounted).inputs.mounts).toEqual([
      { type: "bind", source: "/srv/jarvis/models/stt", target: "/app/models/stt", readOnly: true },
      { type: "bind", source: "/srv/jarvis/logs", target: "/app/logs", readOnly: false },
    ]);
    expect(container("postgres", mounted).inputs.mounts).toContainEqual({
      type: "bind",
      source: "/srv/jarvis/db/init.sql",
      target: "/docker-entrypoint-initdb.d/init.sql",
      readOnly: true,
    });
    expect(container("qdrant", mounted).inputs.mounts).toContainEqual({
      type: "bind",
      source: "/srv/jarvis/qdrant.yaml",
      target: "/qdrant/config/production.yaml",
      readOnly: true,
    });
    expect(container("backend", mounted).inputs.mounts.map((m: any) => m.target)).toEqual([
      "/app/models",
      "/app/logs",
      "/app/data",
    ]);
  });
});

describe("password rotation", () => {
  it("teaches each database the password of its secret at every start, before the server starts", async () => {
    for (const database of ["postgres", "timescale"]) {
      const { command } = rawResource(plan, CONTAINER, database).inputs;
      expect(command, database).toEqual(["bash", "-c", expect.stringContaining(POSTGRES_PASSWORD_STEP)]);
      expect(command[2], database).toMatch(/\nexec docker-entrypoint\.sh postgres$/);
      // The password is in the container's environment only, inside a secret value.
      expect(env(database).secret, database).toContain("POSTGRES_PASSWORD");
      expect(env(database).vars.POSTGRES_PASSWORD, database).toBe(password(database));
    }
    // A raised counter makes that secret anew, and only that one: its database and the backend follow.
    const rotated = await planStack("dev", { ...dev, "jarvis:rotation": { postgres: 1 } });
    const keepers = (p: ParsedPlan, secret: string) =>
      rawResource(p, "random:index/randomPassword:RandomPassword", `secrets-${secret}`).inputs.keepers;
    expect(keepers(rotated, "postgres")).toEqual({ rotation: "1" });
    expect(keepers(rotated, "timescale")).toEqual({ rotation: "0" });
    // A new password (its stand-in follows the keepers, as a replaced RandomPassword's result does).
    expect(password("postgres", rotated)).not.toBe(password("postgres"));
    expect(env("postgres", rotated).vars.POSTGRES_PASSWORD).toBe(password("postgres", rotated));
    expect(env("backend", rotated).vars.DATABASE_URL).toContain(password("postgres", rotated));
    expect(password("timescale", rotated)).toBe(password("timescale"));
    expect(rotated.text).not.toContain("PLAN-SECRET-");
  });
});

describe("health checks", () => {
  it("run on every long-running container with a client its image has, timing from config", () => {
    const curl = (url: string) => ["CMD", "curl", "--fail", "--silent", "--show-error", "--output", "/dev/null", url];
    const tests: Record<string, string[]> = {
      stt: curl("http://localhost:8003/health"),
      interface: curl("http://localhost:8001/health"),
      ollama: ["CMD", "ollama", "list"],
      postgres: [
        "CMD",
        "pg_isready",
        "--host",
        "localhost",
        "--username",
        "jarvis",
        "--dbname",
        "jarvis_db",
        "--port",
        "5432",
      ],
      timescale: [
        "CMD",
        "pg_isready",
        "--host",
        "localhost",
        "--username",
        "jarvis",
        "--dbname",
        "jarvis_timeseries",
        "--port",
        "5432",
      ],
      qdrant: ["CMD", "bash", "-c", ": > /dev/tcp/localhost/6333"],
    };
    for (const [service, test] of Object.entries(tests))
      expect(container(service).inputs.healthcheck.tests).toEqual(test);
    for (const service of DOCKER_SERVICES) {
      const { healthcheck, wait } = container(service).inputs;
      expect(wait, service).toBe(true);
      // Durations in the form the provider reads back (Go's Duration.String: 60 s is "1m0s").
      expect(healthcheck).toMatchObject({ interval: "1m0s", timeout: "10s", retries: 5, startInterval: "5s" });
    }
    expect(container("ollama").inputs.healthcheck.startPeriod).toBe("2m0s");
    expect(container("redis").inputs.healthcheck.startPeriod).toBe("30s");
  });

  it("leave out the start interval for engines older than Docker 25 when config does", async () => {
    // null removes the project's default (the stack's value is a merge patch of it).
    const planned = await planStack("dev", { ...dev, "jarvis:healthChecks": { startIntervalSeconds: null } });
    expect(container("backend", planned).inputs.healthcheck.startInterval).toBeUndefined();
  });

  it("hold back dependents until what they need is healthy, as the original's depends_on", () => {
    expect(dependsOnContainers("backend")).toEqual(["ollama", "postgres", "qdrant", "redis", "timescale"]);
    expect(dependsOnContainers("interface")).toEqual(["backend", "stt", "tts"]);
    expect(dependsOnContainers("postgres")).toEqual([]);
  });
});

describe("secure defaults", () => {
  it("publish only the browser-facing ports, on the loopback interface", () => {
    const published = Object.fromEntries(
      plan.raw.filter((r) => r.type === CONTAINER).map((c) => [c.name, c.inputs.ports]),
    );
    expect(published.interface).toEqual([
      { internal: 3000, external: 3000, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 8001, external: 8001, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    expect(published.backend).toEqual([{ internal: 8000, external: 8000, ip: "127.0.0.1", protocol: "tcp" }]);
    for (const service of ["stt", "tts", "ollama", "postgres", "redis", "qdrant", "timescale", "ollama-pull"])
      expect(published[service], service).toEqual([]);
  });

  it("harden every container: no new privileges, no capabilities, limits, restart policy, rotated logs", () => {
    const containers = plan.raw.filter((r) => r.type === CONTAINER);
    expect(containers).toHaveLength(DOCKER_SERVICES.length + 1);
    for (const c of containers) {
      expect(c.inputs, c.name).toMatchObject({
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        logDriver: "json-file",
        logOpts: { "max-size": "10m", "max-file": "3" },
      });
      expect(c.inputs.privileged).toBeUndefined();
      expect(c.inputs.memory).toBeGreaterThan(0);
    }
    expect(container("backend").inputs).toMatchObject({
      memory: 2048,
      memoryReservation: 512,
      cpus: "2.0",
      restart: "unless-stopped",
      stopTimeout: 30,
      destroyGraceSeconds: 30,
    });
    expect(container("ollama-pull").inputs).toMatchObject({ memory: 256, cpus: "0.5" });
    expect(container("redis").inputs.cpus).toBe("0.5");
  });

  it("run as a non-root user where the image allows", () => {
    expect(container("postgres").inputs.user).toBe("postgres");
    expect(container("timescale").inputs.user).toBe("postgres");
    expect(container("redis").inputs.user).toBe("redis");
  });
});

describe("GPU", () => {
  it("is requested for Ollama, and optionally STT, only when enabled", async () => {
    expect(container("ollama").inputs.deviceRequests).toEqual([]);
    const gpu = await planStack("dev", {
      ...dev,
      "jarvis:gpu": { enabled: true, driver: "nvidia", count: "all", stt: true },
    });
    expect(container("ollama", gpu).inputs.deviceRequests).toEqual([
      { driver: "nvidia", count: -1, capabilities: ["gpu"] },
    ]);
    expect(container("stt", gpu).inputs.deviceRequests).toEqual([
      { driver: "nvidia", count: -1, capabilities: ["gpu"] },
    ]);
    expect(container("tts", gpu).inputs.deviceRequests).toEqual([]);
    expect(container("ollama-pull", gpu).inputs.deviceRequests).toEqual([]);
  });
});

describe("a new environment is a stack file", () => {
  it("moving the subnet and the backend port changes every place that uses them, leaving no trace of the old values", async () => {
    const moved = await planStack("dev", {
      ...dev,
      "jarvis:network": { ...dev["jarvis:network"], subnet: "192.168.100.0/24" },
      "jarvis:ports": { ...dev["jarvis:ports"], backend: { http: 9000 } },
      "jarvis:publish": {
        ...dev["jarvis:publish"],
        ports: { ...dev["jarvis:publish"].ports, backend: { http: 9000 } },
      },
    });
    const everything = JSON.stringify(moved.raw) + moved.text;
    expect(everything).not.toMatch(/172\.20\./);
    expect(everything).not.toMatch(/\b8000\b/);
    expect(container("backend", moved).inputs.networksAdvanced[0].ipv4Address).toBe("192.168.100.40");
    expect(env("interface", moved).vars).toMatchObject({
      BACKEND_API_URL: "http://jarvis-backend:9000",
      REACT_APP_API_URL: "http://localhost:9000",
    });
    expect(container("backend", moved).inputs.healthcheck.tests.at(-1)).toBe("http://localhost:9000/health");
    // The process itself is told the port it must listen on.
    expect(env("backend", moved).vars.PORT).toBe("9000");
    expect(moved.outputs.urls.api).toBe("http://localhost:9000");
  });
});

describe("the original docker-compose.yml, service by service", () => {
  const compose = parse(readFileSync(join(PROJECT_DIR, "test/fixtures/jarvis-before/docker-compose.yml"), "utf8"));
  const OURS: Record<string, string> = { "stt-api": "stt", "tts-api": "tts", "ollama-setup": "ollama-pull" };
  // Deliberate differences, also listed in the README.
  const DROPPED_MOUNTS = ["/app", "/app/frontend", "/app/node_modules"];
  const MOVED_MOUNTS: Record<string, string> = { "/root/.ollama": "/models" };
  /** Published on every interface before; only the browser-facing ports are published now. */
  const UNPUBLISHED = ["stt-api", "tts-api", "ollama", "qdrant"];
  /** compose `HOST:CONTAINER` (or `CONTAINER`) as the planned container's `ports` input would hold it. */
  const mapping = (p: string) => {
    const parts = String(p).split(":");
    const internal = Number(parts.at(-1));
    return { internal, external: parts.length > 1 ? Number(parts.at(-2)) : internal };
  };

  it("has the services the tests below check", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "backend",
      "interface",
      "ollama",
      "ollama-setup",
      "postgres",
      "qdrant",
      "redis",
      "stt-api",
      "timescale",
      "tts-api",
    ]);
  });

  it.each(Object.keys(compose.services))(
    "%s: accounted for (ports, volumes, environment names, health check)",
    (name) => {
      const service = compose.services[name];
      const ours = OURS[name] ?? name;
      const inputs = container(ours, mounted).inputs;
      const vars = env(ours, mounted).vars;
      const composeEnv: string[] = Array.isArray(service.environment)
        ? service.environment.map((e: string) => e.split("=")[0])
        : Object.keys(service.environment ?? {});
      for (const variable of composeEnv) expect(Object.keys(vars), `${name} ${variable}`).toContain(variable);
      // Ports: the container listens where the original's did, and publishes the same host ports unless
      // the README says it no longer does.
      const ports = (service.ports ?? []).map(mapping);
      // It listens on a port of its own config (which its environment or command hands it).
      for (const { internal } of ports)
        expect(Object.values(dev["jarvis:ports"][ours] ?? {}), `${name} listens on ${internal}`).toContain(internal);
      const published = inputs.ports.map((p: any) => ({ internal: p.internal, external: p.external }));
      expect(published, `${name} published ports`).toEqual(UNPUBLISHED.includes(name) ? [] : ports);
      for (const p of inputs.ports) expect(p, name).toMatchObject({ ip: "127.0.0.1", protocol: "tcp" });
      // As the policy pack checks at preview: no port on all interfaces, no Docker socket.
      const resource = { type: "docker:index/container:Container", name, props: inputs };
      expect([...localPorts(resource), ...noDockerSocket(resource, DEV_FACTS)], name).toEqual([]);
      const targets = (service.volumes ?? [])
        .map((v: string) => (v.includes(":") ? v.split(":")[1]! : v))
        .filter((t: string) => !DROPPED_MOUNTS.includes(t))
        .map((t: string) => MOVED_MOUNTS[t] ?? t);
      const ourTargets = inputs.mounts.map((m: any) => m.target);
      for (const target of targets)
        expect(
          ourTargets.some((t: string) => t === target || t.startsWith(`${target}/`)),
          `${name} ${target}`,
        ).toBe(name !== "ollama-setup");
      if (service.healthcheck) expect(inputs.healthcheck, name).toBeDefined();
      expect(inputs.restart).toBe(service.restart === "no" ? "no" : "unless-stopped");
    },
  );
});
