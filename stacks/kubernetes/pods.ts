// What every pod of the stack gets on Kubernetes, from the catalogue and config: labels, the
// restricted security context, probes, resources, scratch volumes, the data mount.
import { posix } from "node:path";
import type { core } from "@pulumi/kubernetes/types/input";
import { ENV, type Catalogue } from "../../infra/catalogue";
import type { KubernetesConfig } from "../../infra/config/schema";
import { SERVICE_POD_LABEL } from "../../infra/flows";
import { keepsState, statePath, wantsGpu } from "../../infra/graph";
import { clientHealthCommand, healthTimingOf } from "../../infra/health";

/** The user and group every pod runs as: the restricted profile's scanners want 10001 or more. */
export const POD_USER = 10001;

/** The label a chart's pods carry beside the stack's selector labels, naming their component. */
export const CHART_COMPONENT_LABEL = "app.kubernetes.io/component";

export function selectorLabels(group: string, instance: string): Record<string, string> {
  return { [SERVICE_POD_LABEL]: group, "app.kubernetes.io/instance": instance };
}

/** The labels of a service's pods: its selector labels, and a chart's component. */
export function podLabels(catalogue: Catalogue, service: string, instance: string): Record<string, string> {
  const chart = catalogue[service]!.chart;
  return { ...selectorLabels(service, instance), ...(chart && { [CHART_COMPONENT_LABEL]: chart.component }) };
}

export function podSecurityContext(): core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: POD_USER,
    runAsGroup: POD_USER,
    fsGroup: POD_USER,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(): core.v1.SecurityContext {
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
function probeHandler(config: KubernetesConfig, catalogue: Catalogue, service: string) {
  const health = catalogue[service]!.health;
  if (!health) throw new Error(`${service} has no health check`);
  if (health.kind === "http") return { httpGet: { path: health.path, port: health.port } };
  return { exec: { command: clientHealthCommand(config, catalogue, service)! } };
}

/**
 * Liveness (every `intervalSeconds`): the process accepts connections on its port, so that a pod is
 * not restarted because something it depends on is down. Readiness (more often) and startup: the
 * service's own health check.
 */
export function probes(config: KubernetesConfig, catalogue: Catalogue, service: string) {
  const t = healthTimingOf(config, service);
  const handler = probeHandler(config, catalogue, service);
  const readinessPeriod = t.readinessIntervalSeconds ?? Math.max(1, Math.floor(t.intervalSeconds / 6));
  const startupPeriod = t.startIntervalSeconds ?? readinessPeriod;
  const [mainPort] = catalogue[service]!.ports;
  return {
    livenessProbe: {
      tcpSocket: { port: mainPort! },
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

/** Requests and limits of CPU, memory and scratch space, and the GPU where the service gets one. */
export function resources(config: KubernetesConfig, catalogue: Catalogue, service: string) {
  const { requests, limits, ephemeralStorage } = config.resources[service]!;
  const storage: Record<string, string> = ephemeralStorage ? { "ephemeral-storage": ephemeralStorage } : {};
  const { gpu } = config;
  // A number on Kubernetes (the config check refuses "all" there).
  const gpus = wantsGpu(catalogue, service, gpu) ? { [`${gpu.driver}.com/gpu`]: String(gpu.count) } : {};
  return { requests: { ...requests, ...storage, ...gpus }, limits: { ...limits, ...storage, ...gpus } };
}

/**
 * An emptyDir for each path the node writes under its read-only root filesystem, and for its state's
 * path where it keeps no state on Kubernetes.
 */
export function scratchVolumes(catalogue: Catalogue, node: string) {
  const spec = catalogue[node]!;
  const unkept = spec.state && !keepsState(spec, "kubernetes") ? [statePath(spec)!] : [];
  return [...spec.writable, ...unkept].map((path) => ({
    name: `scratch${path.replace(/[^a-z0-9]+/g, "-")}`,
    mountPath: path,
  }));
}

/** Where a stateful service's volume claim is mounted, and the sub-path that keeps `lost+found` out. */
export function dataMount(catalogue: Catalogue, service: string) {
  return { mountPath: statePath(catalogue[service]!)!, subPath: service };
}

/**
 * What a node needs on Kubernetes beyond its environment. PGDATA one level below the volume's
 * mount: the kubelet creates a sub-path mount's folder as root, and initdb, running as POD_USER,
 * must own the folder it initialises. HOME for Jarvis's own services and for images that read it:
 * POD_USER has no entry in their images' /etc/passwd, and caches under ~ must land on a writable
 * folder.
 */
export function platformEnvironment(catalogue: Catalogue, node: string): Record<string, string> {
  const spec = catalogue[node]!;
  if (spec.state && spec.reads.includes(ENV.pgData))
    return { [ENV.pgData]: posix.join(dataMount(catalogue, node).mountPath, "pgdata") };
  if (spec.role !== "job" && spec.image === "own") return { [ENV.home]: spec.writable[0]! };
  if (spec.reads.includes(ENV.home)) return { [ENV.home]: spec.dataPaths.home ?? spec.writable[0]! };
  return {};
}
