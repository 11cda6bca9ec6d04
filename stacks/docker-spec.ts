// Docker specifics of every service, as free functions of the config: health checks, mounts, ports,
// limits, GPU requests. The Docker assembly turns them into containers; tests call them directly.
import { posix } from "node:path";
import { CATALOGUE, type ServiceName } from "../infra/catalogue";
import { cpuMillis, memoryBytes } from "../infra/config/quantity";
import type { HealthTiming } from "../components/docker/container";
import type { DockerConfig } from "../infra/config/schema";
import { publishedPorts } from "../infra/wiring";

/** The services the Docker platform runs (monitoring comes with its own change). */
export const DOCKER_SERVICES = (Object.keys(CATALOGUE) as ServiceName[]).filter(
  (s) => CATALOGUE[s].role !== "monitoring",
);

/** The services in an order where each comes after those it needs. */
export function startOrder(services: readonly ServiceName[]): ServiceName[] {
  const ordered: ServiceName[] = [];
  const visit = (service: ServiceName, path: readonly ServiceName[]) => {
    if (ordered.includes(service)) return;
    if (path.includes(service))
      throw new Error(`services need each other in a cycle: ${[...path, service].join(" -> ")}`);
    for (const need of CATALOGUE[service].needs ?? []) visit(need, [...path, service]);
    ordered.push(service);
  };
  for (const service of services) visit(service, []);
  return ordered;
}

/** Services whose state lives in a named volume, and which of their data paths it holds. */
export const VOLUME_PATHS = {
  postgres: "data",
  redis: "data",
  ollama: "models",
  qdrant: "data",
  timescale: "data",
} as const satisfies Partial<Record<ServiceName, string>>;
export type VolumeService = keyof typeof VOLUME_PATHS;

/** Host folders and files bind-mounted from `jarvis:hostPaths`: [host path key, service, sub-path of the host path, container path, read-only]. */
const BIND_MOUNTS: readonly (readonly [keyof DockerConfig["hostPaths"], ServiceName, string, string, boolean])[] = [
  ["models", "stt", "stt", CATALOGUE.stt.dataPaths.models!, true],
  ["models", "tts", "tts", CATALOGUE.tts.dataPaths.models!, true],
  ["models", "backend", "", CATALOGUE.backend.dataPaths.models!, true],
  ["logs", "stt", "", CATALOGUE.stt.dataPaths.logs!, false],
  ["logs", "tts", "", CATALOGUE.tts.dataPaths.logs!, false],
  ["logs", "backend", "", CATALOGUE.backend.dataPaths.logs!, false],
  ["data", "backend", "", CATALOGUE.backend.dataPaths.data!, false],
  ["postgresInit", "postgres", "", posix.join(CATALOGUE.postgres.dataPaths.init!, "init.sql"), true],
  ["timescaleInit", "timescale", "", posix.join(CATALOGUE.timescale.dataPaths.init!, "init.sql"), true],
  ["qdrantConfig", "qdrant", "", posix.join(CATALOGUE.qdrant.dataPaths.config!, "production.yaml"), true],
];

const hasVolume = (service: ServiceName): service is VolumeService => service in VOLUME_PATHS;

/** Where a service's named volume is mounted, if it has one. */
export function volumeTarget(service: ServiceName): string | undefined {
  return hasVolume(service) ? CATALOGUE[service].dataPaths[VOLUME_PATHS[service]] : undefined;
}

/** The host folders and files bind-mounted into a service's container. */
export function bindMounts(config: DockerConfig, service: ServiceName) {
  return BIND_MOUNTS.flatMap(([key, owner, sub, target, readOnly]) => {
    const host = config.hostPaths[key];
    return owner === service && host
      ? [{ type: "bind" as const, source: posix.join(host, sub), target, readOnly }]
      : [];
  });
}

/** The in-container health command, with a client that the service's image contains. */
export function healthTest(config: DockerConfig, service: ServiceName): string[] {
  const spec = CATALOGUE[service];
  const port = (name: string) => String(config.ports[service][name]);
  const url = spec.health.kind === "http" ? `http://localhost:${port(spec.health.port)}${spec.health.path}` : "";
  switch (spec.probe) {
    case "curl":
      return ["CMD", "curl", "--fail", "--silent", "--show-error", "--output", "/dev/null", url];
    case "wget":
      return ["CMD", "wget", "--quiet", "--spider", url];
    case "bash-tcp":
      return ["CMD", "bash", "-c", `: > /dev/tcp/localhost/${port(spec.ports[0]!)}`];
    case "ollama":
      return ["CMD", "ollama", "list"];
    case "pg_isready": {
      const database = config.databases[service as "postgres" | "timescale"];
      // Over TCP: during first start the image runs a socket-only server while its init scripts run.
      return [
        "CMD",
        "pg_isready",
        "--host",
        "localhost",
        "--username",
        database.user,
        "--dbname",
        database.name,
        "--port",
        port("postgres"),
      ];
    }
    case "redis-cli":
      // -e: a refused AUTH or PING fails the check (REDISCLI_AUTH carries the password).
      return ["CMD", "redis-cli", "-e", "-p", port("redis"), "ping"];
  }
}

export function healthTiming(config: DockerConfig, service: ServiceName): HealthTiming {
  const t = { ...config.healthChecks, ...config.healthChecks.services?.[service] };
  return {
    interval: `${t.intervalSeconds}s`,
    timeout: `${t.timeoutSeconds}s`,
    retries: t.retries,
    startPeriod: `${t.startPeriodSeconds}s`,
    ...(t.startIntervalSeconds && { startInterval: `${t.startIntervalSeconds}s` }),
    waitSeconds: t.startPeriodSeconds + t.intervalSeconds * t.retries + t.timeoutSeconds,
  };
}

export function hostPorts(config: DockerConfig, service: ServiceName) {
  return publishedPorts(config.publish)
    .filter((p) => p.service === service)
    .map((p) => ({
      internal: config.ports[service][p.port]!,
      external: p.hostPort,
      ip: p.bindAddress,
      protocol: "tcp",
    }));
}

const mebibytes = (q: string) => Math.floor(memoryBytes(q) / 2 ** 20);

/** Docker limits: memory in MiB (what the provider takes), CPUs as a decimal string. */
export function limits(config: DockerConfig, service: ServiceName) {
  const { requests, limits: max } = config.resources[service];
  return {
    memory: mebibytes(max.memory),
    memoryReservation: mebibytes(requests.memory),
    cpus: String(cpuMillis(max.cpu) / 1000),
  };
}

/** An NVIDIA device request for Ollama (and STT when asked), when the GPU is enabled. */
export function gpuRequests(config: DockerConfig, service: ServiceName) {
  const { gpu } = config;
  const wants = gpu.enabled && (service === "ollama" || (service === "stt" && gpu.stt));
  return wants ? [{ driver: gpu.driver, count: gpu.count === "all" ? -1 : gpu.count, capabilities: ["gpu"] }] : [];
}

/** The model pull's limits: it only talks to Ollama's API. */
export function pullLimits(config: DockerConfig) {
  const { cpu, memory } = config.models.pullLimits;
  return { memory: mebibytes(memory), memoryReservation: mebibytes(memory), cpus: String(cpuMillis(cpu) / 1000) };
}
