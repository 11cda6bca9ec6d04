// Who talks to whom on Kubernetes, derived rather than listed: the edges of the catalogue's graph
// (services and jobs, and the cluster's monitoring tools where an edge leads to or from one), the
// edge controller to every browser port, the scraper to every metrics port, cert-manager's solver,
// a chart's companions, DNS for every pod group, the API server, and the outside destinations of config.
// The network policies are generated from these flows.
import type { Catalogue } from "./catalogue";
import { FEATURE_INTEGRATIONS } from "./config/application";
import type { Destinations } from "./config/fields";
import type { KubernetesConfig } from "./config/schema";
import { browserPorts } from "./edge";
import { valueAt } from "./config/zod-problems";
import { deployedJobs, deployedServices, podOf, podServices } from "./graph";
import {
  clusterPods,
  clusterPort,
  OPERATOR_PODS,
  type ClusterTool,
  type ManagedMonitoring,
} from "./monitoring/operator";
import { scrapeTargets } from "./monitoring/targets";

/** The label that names the service (or job) of a pod of the stack. */
export const SERVICE_POD_LABEL = "app.kubernetes.io/name";

/** Pods of this stack (a service or a job, or cert-manager's solver), or pods and addresses elsewhere. */
export type Peer =
  | { readonly group: string }
  | { readonly namespace: string; readonly pods: Readonly<Record<string, string>> }
  | { readonly cidr: string; readonly except?: readonly string[] };

export interface FlowPort {
  readonly port: number;
  readonly protocol?: "TCP" | "UDP";
}

export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly FlowPort[];
}

/** A group of pods of this stack that a policy selects; `pods` where its labels are not the stack's own. */
export interface PodGroup {
  readonly name: string;
  readonly pods?: Readonly<Record<string, string>>;
  /** A chart's pods: the stack's selector labels of `service`, and this component label. */
  readonly chart?: { readonly service: string; readonly component: string };
}

/** cert-manager's HTTP-01 solver pods, which answer the ACME challenge through the edge. */
const ACME_SOLVER: PodGroup = { name: "acme-solver", pods: { "acme.cert-manager.io/http01-solver": "true" } };

/** A companion's port, at its config path (a port of the config's schema). */
function companionPort(config: KubernetesConfig, path: string): number {
  const port = valueAt(config, path.split("."));
  if (typeof port !== "number") throw new Error(`a chart's companion names ${path}, which is not a port of config`);
  return port;
}

/** The pod groups of a chart's companions (Loki's chunks cache), each named `<service>-<companion>`. */
const companionsOf = (catalogue: Catalogue, service: string) =>
  (catalogue[service]!.chart?.companions ?? []).map((c) => ({
    ...c,
    group: `${service}-${c.name}`,
    chart: { service, component: c.component },
  }));

export function podGroups(catalogue: Catalogue, config: KubernetesConfig): PodGroup[] {
  return [
    ...podServices(catalogue).flatMap((name): PodGroup[] => {
      const chart = catalogue[name]!.chart;
      if (!chart) return [{ name }];
      const companions = companionsOf(catalogue, name).map((c) => ({ name: c.group, chart: c.chart }));
      return [{ name, chart: { service: name, component: chart.component } }, ...companions];
    }),
    ...deployedJobs(catalogue, config).map((name) => ({ name })),
    ...(config.edge.tls.http01 ? [ACME_SOLVER] : []),
  ];
}

/** Address ranges of config as peers, each with its ports. */
function toDestinations(destinations: Destinations) {
  return destinations.map((d) => ({
    peer: { cidr: d.cidr, ...(d.except && { except: d.except }) },
    ports: d.ports.map((port) => ({ port })),
  }));
}

/** Where every pod resolves names: the cluster DNS's pods and addresses, on its port over UDP and TCP. */
export function clusterDns(config: KubernetesConfig): { peers: Peer[]; ports: FlowPort[] } {
  return {
    peers: [
      { namespace: config.clusterDns.namespace, pods: config.clusterDns.podLabels },
      // NodeLocal DNSCache answers from a link-local address that no pod selector matches.
      ...(config.clusterDns.cidrs ?? []).map((cidr) => ({ cidr })),
    ],
    ports: [
      { port: config.clusterDns.port, protocol: "UDP" },
      { port: config.clusterDns.port, protocol: "TCP" },
    ],
  };
}

/**
 * Every flow, in the order the policies list their rules: the graph's edges between pods of the
 * stack, then the edge controller, the scraper, the jobs, DNS, and the outside world.
 */
export function kubernetesFlows(catalogue: Catalogue, config: KubernetesConfig): Flow[] {
  // A sidecar shares its service's pod: its edge to that service stays inside the pod.
  const services = podServices(catalogue);
  const jobNames = deployedJobs(catalogue, config);
  const portOf = (service: string, name: string) => config.ports[service]![name]!;
  const edgesFrom = (nodes: readonly string[]) =>
    nodes.flatMap((from) => catalogue[from]!.connects.map((e) => ({ from, to: e.to, port: portOf(e.to, e.port) })));
  // One rule per service pair and port, in a stable order.
  const unique = new Map(
    edgesFrom(services)
      .filter((e) => e.to !== e.from && services.includes(e.to))
      .map((e) => [`${e.from}>${e.to}:${e.port}`, e]),
  );
  const between = [...unique.values()].sort((a, b) =>
    `${a.from}${a.to}${a.port}`.localeCompare(`${b.from}${b.to}${b.port}`),
  );
  // An edge to or from a monitoring tool the stack does not run there: the cluster's runs it.
  const clusterTool = (node: string) => {
    const tool = catalogue[node]!.tool;
    return tool && tool in OPERATOR_PODS && !services.includes(node) ? (tool as ClusterTool) : undefined;
  };
  // On the cluster's port of the tool, not the port of Docker's.
  const toCluster = edgesFrom(services).flatMap((e) => {
    const tool = clusterTool(e.to);
    return tool
      ? [{ from: { group: e.from }, to: clusterPods(config, tool), ports: [{ port: clusterPort(config, tool) }] }]
      : [];
  });
  const fromCluster = Object.keys(catalogue)
    .filter((node) => clusterTool(node))
    .flatMap((node) => edgesFrom([node]).filter((e) => services.includes(e.to)))
    .map((e) => ({ from: clusterPods(config, clusterTool(e.from)!), to: { group: e.to }, ports: [{ port: e.port }] }));
  const companions = services.flatMap((service) =>
    companionsOf(catalogue, service).map((c) => ({
      from: { group: service },
      to: { group: c.group },
      ports: [{ port: companionPort(config, c.portAt) }],
    })),
  );
  const controller = { namespace: config.edge.controller.namespace, pods: config.edge.controller.podLabels };
  const browser = services.flatMap((service) => {
    const ports = browserPorts(catalogue).filter((p) => p.service === service);
    return ports.length > 0
      ? [{ from: controller, to: { group: service }, ports: ports.map((p) => ({ port: portOf(service, p.port) })) }]
      : [];
  });
  const scraper = clusterPods(config, "prometheus");
  const { peers: dns, ports: dnsPorts } = clusterDns(config);
  const outside = (group: string, destinations: Destinations) =>
    toDestinations(destinations).map((d) => ({ from: { group }, to: d.peer, ports: d.ports }));
  const switchedOn = new Set(
    Object.entries(FEATURE_INTEGRATIONS).flatMap(([feature, integration]) =>
      config.features[feature as keyof typeof FEATURE_INTEGRATIONS] ? [integration] : [],
    ),
  );
  const integrationsOf = (service: string) =>
    (catalogue[service]!.integrations ?? []).filter((integration) => switchedOn.has(integration));
  return [
    ...between.map((e) => ({ from: { group: e.from }, to: { group: e.to }, ports: [{ port: e.port }] })),
    ...toCluster,
    ...fromCluster,
    ...companions,
    ...browser,
    ...scrapeTargets(catalogue, config.ports, deployedServices(catalogue, "kubernetes")).map((t) => ({
      from: scraper,
      to: { group: podOf(catalogue, t.service) },
      ports: [{ port: t.port }],
    })),
    ...edgesFrom(jobNames).map((e) => ({ from: { group: e.from }, to: { group: e.to }, ports: [{ port: e.port }] })),
    ...(config.edge.tls.http01
      ? [{ from: controller, to: { group: ACME_SOLVER.name }, ports: [{ port: config.edge.tls.solverPort }] }]
      : []),
    ...[...services, ...jobNames].flatMap((group) => dns.map((to) => ({ from: { group }, to, ports: dnsPorts }))),
    ...services.flatMap((service) =>
      catalogue[service]!.kubernetesApi ? outside(service, config.cluster.apiServer) : [],
    ),
    ...services.flatMap((service) => outside(service, config.egress[service] ?? [])),
    ...services.flatMap((service) =>
      integrationsOf(service).flatMap((integration) =>
        outside(service, config.integrations[integration]?.egress ?? []),
      ),
    ),
  ];
}

/**
 * A peer of the managed installation's pods: pods of a namespace (all of them without labels), pods
 * of every namespace with some labels, or addresses.
 */
export type EgressPeer =
  | { readonly namespace: string; readonly pods: Record<string, string> }
  | { readonly namespaces: Record<string, string>; readonly pods: Record<string, string> }
  | { readonly cidr: string; readonly except?: readonly string[] };
export interface EgressRule {
  readonly peer: EgressPeer;
  /** Empty: every port. */
  readonly ports: readonly { readonly port: number; readonly protocol?: "TCP" | "UDP" }[];
}

/**
 * Where the managed Prometheus and Alertmanager may connect: their own namespace (the chart's
 * exporters, each other), the cluster DNS; for Prometheus every Jarvis stack's namespace (by the
 * labels `stackNamespaces` they all carry: each one's own policies let it in on its metrics ports
 * only), cert-manager's metrics, the API server (service discovery) and the nodes' kubelet and
 * node-exporter; for Alertmanager the SMTP server of config, when alert e-mails are on.
 */
export function managedEgress(
  config: KubernetesConfig,
  managed: ManagedMonitoring,
  stackNamespaces: Record<string, string>,
): Record<"prometheus" | "alertmanager", EgressRule[]> {
  const { nodePorts, certManager } = config.clusterMonitoring;
  const own: EgressRule = { peer: { namespace: managed.namespace, pods: {} }, ports: [] };
  const { peers, ports } = clusterDns(config);
  const dns = peers.map((peer) => ({ peer: peer as EgressPeer, ports }));
  const onNodes = [nodePorts.kubelet, ...(managed.nodeExporter ? [nodePorts.nodeExporter] : [])];
  const nodes = managed.nodes.map((cidr) => ({ peer: { cidr }, ports: onNodes.map((port) => ({ port })) }));
  const stacks: EgressRule = { peer: { namespaces: stackNamespaces, pods: {} }, ports: [] };
  const certificates: EgressRule = {
    peer: { namespace: certManager.namespace, pods: certManager.podLabels },
    ports: [{ port: certManager.metricsPort }],
  };
  const smtp = config.features.alertEmail ? (config.integrations.smtp?.egress ?? []) : [];
  return {
    prometheus: [own, ...dns, stacks, certificates, ...toDestinations(config.cluster.apiServer), ...nodes],
    alertmanager: [own, ...dns, ...toDestinations(smtp)],
  };
}
