// Kubernetes specifics of every service, as free functions of the config: labels, the restricted
// security context, probes, resources, scratch volumes. The Kubernetes assembly turns them into
// workloads; tests call them directly.
import { posix } from "node:path";
import {
  CATALOGUE,
  ENV,
  isAppService,
  STATEFUL_SERVICES,
  type ServiceName,
  type StatefulService,
} from "../infra/catalogue";
import type { KubernetesConfig } from "../infra/config/schema";

/** The services the Kubernetes platform runs (monitoring comes with its own change). */
export const KUBERNETES_SERVICES = (Object.keys(CATALOGUE) as ServiceName[]).filter(
  (s) => CATALOGUE[s].role !== "monitoring",
);
export const isStateful = (service: ServiceName): service is StatefulService =>
  (STATEFUL_SERVICES as readonly string[]).includes(service);

/** The user and group every pod runs as: the restricted profile's scanners want 10001 or more. */
export const POD_USER = 10001;

export function selectorLabels(service: string, instance: string): Record<string, string> {
  return { "app.kubernetes.io/name": service, "app.kubernetes.io/instance": instance };
}

export function podSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: POD_USER,
    runAsGroup: POD_USER,
    fsGroup: POD_USER,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext() {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: POD_USER,
    runAsGroup: POD_USER,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** How the kubelet checks a service: an HTTP endpoint, or the client its image contains. */
function probeHandler(config: KubernetesConfig, service: ServiceName) {
  const health = CATALOGUE[service].health;
  const port = (name: string) => String(config.ports[service][name]);
  switch (health.kind) {
    case "http":
      return { httpGet: { path: health.path, port: health.port } };
    case "postgres": {
      const database = config.databases[service as "postgres" | "timescale"];
      return {
        exec: {
          command: [
            "pg_isready",
            "--host",
            "localhost",
            "--username",
            database.user,
            "--dbname",
            database.name,
            "--port",
            port("postgres"),
          ],
        },
      };
    }
    case "redis":
      return { exec: { command: ["redis-cli", "-e", "-p", port("redis"), "ping"] } };
  }
}

/**
 * Liveness (every `intervalSeconds`): the process accepts connections on its port, so that a pod is
 * not restarted because something it depends on is down. Readiness (more often) and startup: the
 * service's own health check.
 */
export function probes(config: KubernetesConfig, service: ServiceName) {
  const t = { ...config.healthChecks, ...config.healthChecks.services?.[service] };
  const handler = probeHandler(config, service);
  const readinessPeriod = t.readinessIntervalSeconds ?? Math.max(1, Math.floor(t.intervalSeconds / 6));
  const startupPeriod = t.startIntervalSeconds ?? readinessPeriod;
  const [mainPort] = CATALOGUE[service].ports;
  return {
    livenessProbe: {
      tcpSocket: { port: mainPort },
      periodSeconds: t.intervalSeconds,
      timeoutSeconds: t.timeoutSeconds,
      failureThreshold: t.retries,
    },
    // Failing three times in a row (the kubelet's default) takes a pod out of its Service.
    readinessProbe: {
      ...handler,
      periodSeconds: readinessPeriod,
      timeoutSeconds: t.timeoutSeconds,
      successThreshold: 1,
    },
    startupProbe: {
      ...handler,
      periodSeconds: startupPeriod,
      timeoutSeconds: t.timeoutSeconds,
      failureThreshold: Math.ceil(t.startPeriodSeconds / startupPeriod) + t.retries,
    },
  };
}

/** Requests and limits of CPU, memory and scratch space, and the GPU where Ollama (or STT) gets one. */
export function resources(config: KubernetesConfig, service: ServiceName) {
  const { requests, limits, ephemeralStorage } = config.resources[service];
  const storage = ephemeralStorage ? { "ephemeral-storage": ephemeralStorage } : {};
  const { gpu } = config;
  // A number on Kubernetes (the config check refuses "all" there).
  const gpus =
    gpu.enabled && (service === "ollama" || (service === "stt" && gpu.stt))
      ? { [`${gpu.driver}.com/gpu`]: String(gpu.count) }
      : {};
  return { requests: { ...requests, ...storage, ...gpus }, limits: { ...limits, ...storage, ...gpus } };
}

/** An emptyDir for each path the service writes under its read-only root filesystem. */
export function scratchVolumes(service: ServiceName) {
  return CATALOGUE[service].writable.map((path) => ({
    name: `scratch${path.replace(/[^a-z0-9]+/g, "-")}`,
    mountPath: path,
  }));
}

/** Where a stateful service's volume claim is mounted, and the sub-path that keeps `lost+found` out. */
export function dataMount(service: StatefulService) {
  const key = service === "ollama" ? "models" : "data";
  return { mountPath: CATALOGUE[service].dataPaths[key]!, subPath: service };
}

/**
 * What a service needs on Kubernetes beyond its environment. PGDATA one level below the volume's
 * mount: the kubelet creates a sub-path mount's folder as root, and initdb, running as POD_USER,
 * must own the folder it initialises. HOME for Jarvis's own services: POD_USER has no entry in
 * their images' /etc/passwd, and caches under ~ must land on a writable folder.
 */
export function platformEnvironment(service: ServiceName): Record<string, string> {
  if (isStateful(service) && CATALOGUE[service].reads.includes(ENV.pgData))
    return { [ENV.pgData]: posix.join(dataMount(service).mountPath, "pgdata") };
  if (isAppService(service)) return { [ENV.home]: CATALOGUE[service].writable[0]! };
  return {};
}
