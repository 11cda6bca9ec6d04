// What the service graph says about its nodes as a whole: which of them each platform runs, which
// keep state, what each must wait for. Every function takes the catalogue, so that a test can
// hand in one with another service.
import type { Catalogue, Connection, ServiceSpec } from "./catalogue";
import type { Platform } from "./config/platform";
import { valueAt } from "./config/zod-problems";

const names = (catalogue: Catalogue, keep: (spec: ServiceSpec) => boolean) =>
  Object.keys(catalogue).filter((name) => keep(catalogue[name]!));

/** Every node that is a service (not a job): what per-service config keys are about. */
export const configuredServices = (catalogue: Catalogue) => names(catalogue, (s) => s.role !== "job");

const runsOn = (spec: ServiceSpec, platform: Platform) => spec.platforms?.includes(platform) ?? true;

/** The long-running services a platform runs. */
export const deployedServices = (catalogue: Catalogue, platform: Platform) =>
  names(catalogue, (s) => s.role !== "job" && runsOn(s, platform));

export const jobs = (catalogue: Catalogue) => names(catalogue, (s) => s.role === "job");

/** Whether a node's switch (`enabledBy`, a config path) is on; a node without one always runs. */
export function switchedOn(spec: ServiceSpec, config: object): boolean {
  return spec.enabledBy === undefined || valueAt(config, spec.enabledBy.split(".")) === true;
}

/** Whether a node reads the engine's API through its socket (`engineSocketBy` switched on). */
export function readsEngineSocket(spec: ServiceSpec, config: object): boolean {
  return spec.engineSocketBy !== undefined && valueAt(config, spec.engineSocketBy.split(".")) === true;
}

/** The jobs a stack runs: every job, but an optional one only while its switch is on. */
export function deployedJobs(catalogue: Catalogue, config: object): string[] {
  return jobs(catalogue).filter((job) => switchedOn(catalogue[job]!, config));
}

/** The services a stack runs: its platform's, an optional one only while its switch is on. */
export function runningServices(catalogue: Catalogue, config: { readonly platform: Platform }): string[] {
  return deployedServices(catalogue, config.platform).filter((service) => switchedOn(catalogue[service]!, config));
}

/** Services that serve the app's metrics (APP_METRICS): their requests have alerts and may have SLOs. */
export const appMetricsServices = (catalogue: Catalogue) => names(catalogue, (s) => s.metrics?.app === true);

/** Services built from Jarvis's own sources. */
export const ownImageServices = (catalogue: Catalogue) =>
  names(catalogue, (s) => s.role !== "job" && s.image === "own");

/** Services that run a pinned public image of `jarvis:images`. */
export const publicImageServices = (catalogue: Catalogue) =>
  names(catalogue, (s) => s.role !== "job" && s.image === "public");

/** Whether a node keeps its state on a platform (`state.platforms`). */
export const keepsState = (spec: ServiceSpec, platform: Platform) =>
  spec.state !== undefined && (spec.state.platforms?.includes(platform) ?? true);

/** The services of a platform with a volume of their own (a named volume on Docker, a StatefulSet on Kubernetes). */
export const statefulServices = (catalogue: Catalogue, platform: Platform) =>
  deployedServices(catalogue, platform).filter((name) => keepsState(catalogue[name]!, platform));

/** The services that have pods of their own on Kubernetes: every deployed one but the sidecars. */
export const podServices = (catalogue: Catalogue) =>
  deployedServices(catalogue, "kubernetes").filter((name) => !catalogue[name]!.sidecar);

/** The services a Workload runs on Kubernetes: those with pods of their own but the ones a chart runs. */
export const workloadServices = (catalogue: Catalogue) =>
  podServices(catalogue).filter((name) => !catalogue[name]!.chart);

/** The services a chart runs on Kubernetes. */
export const chartServices = (catalogue: Catalogue) => podServices(catalogue).filter((name) => catalogue[name]!.chart);

/** The sidecars that run in a service's pods on Kubernetes. */
export const sidecarsOf = (catalogue: Catalogue, service: string) =>
  deployedServices(catalogue, "kubernetes").filter(
    (name) => catalogue[name]!.sidecar && catalogue[name]!.exports?.service === service,
  );

/** The service whose pods run a node on Kubernetes: the exported service for a sidecar, else itself. */
export function podOf(catalogue: Catalogue, node: string): string {
  const spec = catalogue[node]!;
  return spec.sidecar && spec.exports ? spec.exports.service : node;
}

/** Services without state, which run with replicas (Kubernetes). */
export const scalableServices = (catalogue: Catalogue) =>
  workloadServices(catalogue).filter(
    (name) => !keepsState(catalogue[name]!, "kubernetes") && !catalogue[name]!.singleton,
  );

/** The edges of one node, each once per target and port. */
export function edgesOf(catalogue: Catalogue, node: string): readonly Connection[] {
  return catalogue[node]?.connects ?? [];
}

/** What a node waits for before it starts: the targets of its `start` edges, in edge order. */
export function startDependencies(catalogue: Catalogue, node: string): string[] {
  return [...new Set(edgesOf(catalogue, node).flatMap((e) => (e.dependency === "start" ? [e.to] : [])))];
}

/** The nodes in an order where each comes after what it waits for. */
export function startOrder(catalogue: Catalogue, nodes: readonly string[]): string[] {
  const ordered: string[] = [];
  const visit = (node: string, path: readonly string[]) => {
    if (ordered.includes(node)) return;
    if (path.includes(node)) throw new Error(`services need each other in a cycle: ${[...path, node].join(" -> ")}`);
    for (const need of startDependencies(catalogue, node)) visit(need, [...path, node]);
    ordered.push(node);
  };
  for (const node of nodes) visit(node, []);
  return ordered;
}

/** The path a volume of a stateful service is mounted at. */
export function statePath(spec: ServiceSpec): string | undefined {
  return spec.state && spec.dataPaths[spec.state.dataPath];
}

/** Services that get a GPU only when their own `jarvis:gpu.<service>` switch is on too. */
export const gpuOptInServices = (catalogue: Catalogue) => names(catalogue, (s) => s.gpu === "opt-in");

/** Whether a service gets a GPU under `jarvis:gpu`. */
export function wantsGpu(catalogue: Catalogue, service: string, gpu: { readonly enabled: boolean }): boolean {
  const use = catalogue[service]?.gpu;
  const optedIn = (gpu as Readonly<Record<string, unknown>>)[service] === true;
  return gpu.enabled && (use === "always" || (use === "opt-in" && optedIn));
}
