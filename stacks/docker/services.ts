// The services capability on Docker: every deployed service as a hardened container on the Jarvis
// network, in start order, each waiting for what its edges say it needs. What differs per service
// comes from the catalogue; the rest from config.
import { posix } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import {
  ServiceContainer,
  type ContainerFile,
  type HealthTiming,
  type MountSpec,
} from "../../components/docker/container";
import type { Images } from "../../components/docker/images";
import type { Volumes } from "../../components/docker/volumes";
import type { Catalogue, ServiceSpec } from "../../infra/catalogue";
import { cpuMillis, memoryBytes } from "../../infra/config/quantity";
import type { DockerConfig } from "../../infra/config/schema";
import { serviceEnvironment } from "../../infra/environment";
import { serviceFiles, type FileSet } from "../../infra/files";
import {
  readsEngineSocket,
  runningServices,
  startDependencies,
  startOrder,
  statePath,
  wantsGpu,
} from "../../infra/graph";
import { clientHealthCommand, healthTimingOf } from "../../infra/health";
import { SERVICE_LABEL } from "../../infra/logs/collector";
import { hostPorts } from "./edge";
import { envList, type DockerContext } from "./context";
import { dockerCpus, goDuration } from "./provider-forms";

/** The volume of what a container fills itself, where no host folder is configured for it. */
const filledVolumeKey = (service: string, hostPath: string) => `${service}-${hostPath}`;

/**
 * Named volumes for what the containers fill themselves (models they download, logs, data) where
 * `jarvis:hostPaths` names no folder, by key: a fresh clone of the app, without those git-ignored
 * folders, deploys.
 */
export function filledVolumes(config: DockerConfig, catalogue: Catalogue): Record<string, string> {
  return Object.fromEntries(
    runningServices(catalogue, config).flatMap((service) =>
      (catalogue[service]!.hostMounts ?? [])
        .filter((m) => m.filledByContainer && !config.hostPaths[m.hostPath])
        .map((m) => [filledVolumeKey(service, m.hostPath), `${config.namePrefix}-${service}-${m.hostPath}`]),
    ),
  );
}

/**
 * The host folders and files of `jarvis:hostPaths` bind-mounted into a service's container, and the
 * named volumes that stand for the folders it fills itself when no host folder is configured.
 */
export function hostMounts(
  config: DockerConfig,
  catalogue: Catalogue,
  service: string,
  volumes: Readonly<Record<string, pulumi.Input<string>>>,
): MountSpec[] {
  const spec = catalogue[service]!;
  return (spec.hostMounts ?? []).flatMap((m): MountSpec[] => {
    const host = config.hostPaths[m.hostPath];
    const target = posix.join(spec.dataPaths[m.dataPath]!, m.file ?? "");
    if (host) return [{ type: "bind", source: posix.join(host, m.sub ?? ""), target, readOnly: m.readOnly }];
    const volume = m.filledByContainer && volumes[filledVolumeKey(service, m.hostPath)];
    return volume ? [{ type: "volume", source: volume, target, readOnly: false }] : [];
  });
}

/** What a node reads of the host: the engine's socket where its switch is on, else its host paths. */
function hostReads(config: DockerConfig, spec: ServiceSpec) {
  const { socket } = config.logCollection;
  return readsEngineSocket(spec, config) ? [{ source: socket, target: socket }] : (spec.hostReads ?? []);
}

/** The in-container health command, with a client that the service's image contains. */
export function healthTest(config: DockerConfig, catalogue: Catalogue, service: string): string[] {
  const spec = catalogue[service]!;
  const port = (name: string) => String(config.ports[service]![name]);
  const url = spec.health?.kind === "http" ? `http://localhost:${port(spec.health.port)}${spec.health.path}` : "";
  switch (spec.probe) {
    case "curl":
      return ["CMD", "curl", "--fail", "--silent", "--show-error", "--output", "/dev/null", url];
    case "wget":
      return ["CMD", "wget", "--quiet", "--spider", url];
    case "bash-tcp":
      return ["CMD", "bash", "-c", `: > /dev/tcp/localhost/${port(spec.ports[0]!)}`];
    case "bash-http": {
      // The status line of a GET through bash's /dev/tcp: 200 or the check fails.
      const { path } = spec.health as { path: string };
      const request = `GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n`;
      const portOf = port((spec.health as { port: string }).port);
      return [
        "CMD",
        "bash",
        "-c",
        `exec 3<>/dev/tcp/localhost/${portOf} && printf '${request}' >&3 && head -1 <&3 | grep -q ' 200 '`,
      ];
    }
    case "loki":
      return ["CMD", "/usr/bin/loki", "-health", `-health.url=${url}`];
    case "ollama":
      return ["CMD", "ollama", "list"];
    case "pg_isready":
    case "redis-cli":
      return ["CMD", ...clientHealthCommand(config, catalogue, service)!];
    case undefined:
      throw new Error(`${service} names no health client`);
  }
}

export function healthTiming(config: DockerConfig, service: string): HealthTiming {
  const t = healthTimingOf(config, service);
  return {
    interval: goDuration(t.intervalSeconds),
    timeout: goDuration(t.timeoutSeconds),
    retries: t.retries,
    startPeriod: goDuration(t.startPeriodSeconds),
    ...(t.startIntervalSeconds && { startInterval: goDuration(t.startIntervalSeconds) }),
    waitSeconds: t.startPeriodSeconds + t.intervalSeconds * t.retries + t.timeoutSeconds,
  };
}

const mebibytes = (q: string) => Math.floor(memoryBytes(q) / 2 ** 20);

/** Docker limits: memory in MiB (what the provider takes), CPUs in the form it reads back. */
export function dockerLimits(limits: { cpu: string; memory: string }, reservation: string) {
  return {
    memory: mebibytes(limits.memory),
    memoryReservation: mebibytes(reservation),
    cpus: dockerCpus(cpuMillis(limits.cpu)),
  };
}

/** An NVIDIA device request where the service gets a GPU. */
export function gpuRequests(config: DockerConfig, catalogue: Catalogue, service: string) {
  const { gpu } = config;
  return wantsGpu(catalogue, service, gpu)
    ? [{ driver: gpu.driver, count: gpu.count === "all" ? -1 : gpu.count, capabilities: ["gpu"] }]
    : [];
}

/** The service's files, written into its container; secret ones stay secret. */
function containerFiles(context: DockerContext, service: string): ContainerFile[] {
  const { plain, secret } = serviceFiles(context.config, context.wiring, service, context.stack);
  const file = (set: FileSet<unknown>, name: string) => posix.join(set.directory, name);
  return [
    ...Object.entries(plain?.contents ?? {}).map(([name, content]) => ({ path: file(plain!, name), content })),
    ...Object.entries(secret?.contents ?? {}).map(([name, source]) => ({
      path: file(secret!, name),
      content: context.secrets.resolve(source, context.wiring.connections),
    })),
  ];
}

/** Every deployed service's container, by service. */
export function serviceContainers(
  context: DockerContext,
  images: Images,
  volumes: Volumes,
  opts: pulumi.ComponentResourceOptions,
): Map<string, ServiceContainer> {
  const { config, wiring, secrets } = context;
  const { catalogue } = wiring;
  const containers = new Map<string, ServiceContainer>();
  for (const service of startOrder(catalogue, runningServices(catalogue, config))) {
    const spec = catalogue[service]!;
    const target = statePath(spec);
    const { requests, limits } = config.resources[service]!;
    containers.set(
      service,
      new ServiceContainer(
        service,
        {
          ...context.common,
          containerName: wiring.names[service]!,
          image: images.ids[service]!,
          network: { name: context.network, aliases: [service], ipv4Address: wiring.addresses![service] },
          env: envList(serviceEnvironment(config, wiring, service, context.stack), secrets, wiring),
          listens: config.ports[service]!,
          ports: hostPorts(config, service),
          // A volume mount names its Volume resource, so the container waits for exactly that volume.
          mounts: [
            ...(target ? [{ type: "volume" as const, source: volumes.names[service]!, target, readOnly: false }] : []),
            ...hostMounts(config, catalogue, service, volumes.names),
            ...[...(spec.hostSystem?.mounts ?? []), ...hostReads(config, spec)].map((m) => ({
              type: "bind" as const,
              ...m,
              readOnly: true,
            })),
          ],
          files: containerFiles(context, service),
          health: { test: healthTest(config, catalogue, service), timing: healthTiming(config, service) },
          limits: dockerLimits(limits, requests.memory),
          deviceRequests: gpuRequests(config, catalogue, service),
          ...(spec.hostSystem && { hostSystem: { devices: spec.hostSystem.devices } }),
          // The json-file driver writes it into each line (context.common.logging), for the collector.
          labels: { ...context.labels, [SERVICE_LABEL]: service },
          ...(spec.command && { command: spec.command(config.ports[service]!, config) }),
          ...(spec.user && { user: spec.user }),
        },
        { ...opts, dependsOn: startDependencies(catalogue, service).map((need) => containers.get(need)!) },
      ),
    );
  }
  return containers;
}
