// The invariants of a Jarvis stack, written once as predicates over a resource's type and inputs
// (or a stack's resources): the policy pack runs them at preview, the project's tests on the offline
// plan. Each returns the problems it finds, none when the resource holds; a value a preview does not
// know yet (UNKNOWN_VALUES), at any depth, passes. Pure: no Pulumi import, so that the tests and the
// pack share it.
import ipaddr from "ipaddr.js";

/** A resource as a policy sees it: its type token, its inputs, and the options that matter here. */
export interface Resource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  /** The URN of its parent: a chart's objects have the chart's. */
  readonly parent?: string;
}

/** What the stack's config says that the invariants depend on (policy/context.ts reads it). */
export interface StackFacts {
  /** Namespaces of what the stack installs from maintained charts that keep their own profile (a managed kube-prometheus-stack). */
  readonly chartNamespaces: readonly string[];
  /** `jarvis:dataProtection.protect`. */
  readonly protectData: boolean;
  /** A container may mount the Docker socket: `jarvis:logCollection.dockerSocket` or `jarvis:monitoring.cadvisor` is on. */
  readonly socketAllowed: boolean;
  /** The engine's socket (`jarvis:logCollection.socket`, Docker stacks). */
  readonly socket?: string;
  /** Whether the stack must be monitored and alert (staging and prod: Kubernetes). */
  readonly monitored: boolean;
}

/**
 * The stand-ins of values a preview does not know, as @pulumi/policy hands them in (its proxy.ts:
 * unknownStringValue and the others, the same strings as the engine's).
 */
export const UNKNOWN_VALUES: ReadonlySet<unknown> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);
export const isUnknown = (value: unknown) => UNKNOWN_VALUES.has(value);

/** A resource's inputs: free-form JSON, checked field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** What `at` returns where a preview does not know the value, or one on its way. */
const UNKNOWN = Symbol("unknown");

/** The value at a path, UNKNOWN if it or any value on its way is unknown, undefined if absent. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (isUnknown(current)) return UNKNOWN;
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Json)[key];
  }
  return isUnknown(current) ? UNKNOWN : current;
}

/** The known elements of a list at a path; UNKNOWN if the list is unknown. */
function list(value: unknown, ...path: (string | number)[]): Json[] | typeof UNKNOWN {
  const found = at(value, ...path);
  if (found === UNKNOWN) return UNKNOWN;
  return Array.isArray(found) ? found.filter((v) => !isUnknown(v)) : [];
}
const each = (value: unknown, ...path: (string | number)[]): Json[] => {
  const found = list(value, ...path);
  return found === UNKNOWN ? [] : found;
};

const k8s = (group: string, kind: string) => `kubernetes:${group}:${kind}`;
export const TYPES = {
  deployment: k8s("apps/v1", "Deployment"),
  statefulSet: k8s("apps/v1", "StatefulSet"),
  daemonSet: k8s("apps/v1", "DaemonSet"),
  replicaSet: k8s("apps/v1", "ReplicaSet"),
  pod: k8s("core/v1", "Pod"),
  job: k8s("batch/v1", "Job"),
  cronJob: k8s("batch/v1", "CronJob"),
  service: k8s("core/v1", "Service"),
  configMap: k8s("core/v1", "ConfigMap"),
  claim: k8s("core/v1", "PersistentVolumeClaim"),
  networkPolicy: k8s("networking.k8s.io/v1", "NetworkPolicy"),
  ingress: k8s("networking.k8s.io/v1", "Ingress"),
  httpRoute: k8s("gateway.networking.k8s.io/v1", "HTTPRoute"),
  middleware: k8s("traefik.io/v1alpha1", "Middleware"),
  autoscaler: k8s("autoscaling/v2", "HorizontalPodAutoscaler"),
  serviceMonitor: k8s("monitoring.coreos.com/v1", "ServiceMonitor"),
  podMonitor: k8s("monitoring.coreos.com/v1", "PodMonitor"),
  prometheusRule: k8s("monitoring.coreos.com/v1", "PrometheusRule"),
  chart: "kubernetes:helm.sh/v4:Chart",
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  volume: "docker:index/volume:Volume",
} as const;

/** Where each kind holds its pod spec, and whether its pods run to completion (no probes then). */
const POD_SPECS: Readonly<Record<string, { path: readonly string[]; completes: boolean }>> = {
  [TYPES.deployment]: { path: ["spec", "template", "spec"], completes: false },
  [TYPES.statefulSet]: { path: ["spec", "template", "spec"], completes: false },
  [TYPES.daemonSet]: { path: ["spec", "template", "spec"], completes: false },
  [TYPES.replicaSet]: { path: ["spec", "template", "spec"], completes: false },
  [TYPES.pod]: { path: ["spec"], completes: false },
  [TYPES.job]: { path: ["spec", "template", "spec"], completes: true },
  [TYPES.cronJob]: { path: ["spec", "jobTemplate", "spec", "template", "spec"], completes: true },
};

/** The pod spec of a workload (undefined where unknown or not a workload), and whether it runs to completion. */
function podTemplate(resource: Resource): { spec: Json; completes: boolean } | undefined {
  const kind = POD_SPECS[resource.type];
  const spec = kind && at(resource.props, ...kind.path);
  return kind && spec && spec !== UNKNOWN ? { spec: spec as Json, completes: kind.completes } : undefined;
}

const containersOf = (pod: Json): Json[] => [...each(pod, "initContainers"), ...each(pod, "containers")];
const namespaceOf = (resource: Resource) => at(resource.props, "metadata", "namespace");

/** The types of a URN's chain: `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`. */
const typeChain = (urn: string) => (urn.split("::")[2] ?? "").split("$");
/** An object a maintained chart renders (its children at preview): the chart's, tested by its maintainers. */
const fromChart = (resource: Resource) =>
  resource.parent !== undefined && typeChain(resource.parent).includes(TYPES.chart);
/** Pods left to what installed them: a chart's, or those of a managed installation's namespace. */
const leftToChart = (resource: Resource, facts: StackFacts) =>
  fromChart(resource) || facts.chartNamespaces.includes(namespaceOf(resource) as string);
const MIN_ID = 10001;

/** Restricted pods: non-root UID and GID from 10001, no privilege escalation, no capability, RuntimeDefault, read-only root. */
export function restrictedPods(resource: Resource, facts: StackFacts): string[] {
  const template = podTemplate(resource);
  if (!template || leftToChart(resource, facts)) return [];
  const problems: string[] = [];
  const check = (value: unknown, holds: (v: unknown) => boolean, problem: string) => {
    if (value !== UNKNOWN && !holds(value)) problems.push(problem);
  };
  const pod = template.spec;
  const id = (v: unknown) => typeof v === "number" && v >= MIN_ID;
  check(at(pod, "securityContext", "runAsNonRoot"), (v) => v === true, "the pod may run as root");
  check(at(pod, "securityContext", "runAsUser"), id, `the pod's runAsUser is not >= ${MIN_ID}`);
  check(at(pod, "securityContext", "runAsGroup"), id, `the pod's runAsGroup is not >= ${MIN_ID}`);
  check(
    at(pod, "securityContext", "seccompProfile", "type"),
    (v) => v === "RuntimeDefault",
    "the pod's seccomp profile is not RuntimeDefault",
  );
  for (const container of containersOf(pod)) {
    const where = `container ${container.name}`;
    const own = (...path: string[]) => at(container, "securityContext", ...path);
    check(own("allowPrivilegeEscalation"), (v) => v === false, `${where} may escalate its privileges`);
    const drop = list(container, "securityContext", "capabilities", "drop");
    if (drop !== UNKNOWN && !drop.includes("ALL" as never)) problems.push(`${where} keeps capabilities (drop ALL)`);
    check(own("readOnlyRootFilesystem"), (v) => v === true, `${where} may write its root filesystem`);
    check(own("privileged"), (v) => v !== true, `${where} is privileged`);
    // A container's own identity, where it sets one, overrides the pod's.
    check(own("runAsNonRoot"), (v) => v !== false, `${where} may run as root`);
    check(own("runAsUser"), (v) => v === undefined || id(v), `${where}'s runAsUser is not >= ${MIN_ID}`);
    check(own("runAsGroup"), (v) => v === undefined || id(v), `${where}'s runAsGroup is not >= ${MIN_ID}`);
  }
  return problems;
}

/** CPU and memory requests and limits on every container. */
export function resourceBounds(resource: Resource): string[] {
  const template = podTemplate(resource);
  if (!template || fromChart(resource)) return [];
  return containersOf(template.spec).flatMap((container) =>
    (["requests", "limits"] as const).flatMap((bound) =>
      (["cpu", "memory"] as const).flatMap((what) => {
        const value = at(container, "resources", bound, what);
        return value === undefined || value === null
          ? [`container ${container.name} has no ${what} ${bound.slice(0, -1)}`]
          : [];
      }),
    ),
  );
}

/**
 * Liveness and readiness probes on a long-running pod's main container, a liveness probe on the
 * others (a sidecar's readiness would take its pod out of its Service).
 */
export function probes(resource: Resource): string[] {
  const template = podTemplate(resource);
  // By position, unknown ones included: the first is the main container.
  const containers = template && at(template.spec, "containers");
  if (!template || template.completes || fromChart(resource) || containers === UNKNOWN) return [];
  return ((containers as unknown[] | undefined) ?? []).flatMap((container, i) => {
    if (isUnknown(container)) return [];
    const missing = (probe: string) => at(container, probe) === undefined;
    const name = (container as Json).name;
    return [
      ...(missing("livenessProbe") ? [`container ${name} has no liveness probe`] : []),
      ...(i === 0 && missing("readinessProbe") ? [`container ${name} has no readiness probe`] : []),
    ];
  });
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;
/** An image reference pinned by a tag other than latest, or a digest. */
export function imageProblem(image: unknown): string | undefined {
  if (isUnknown(image) || typeof image !== "string") return undefined;
  // A Docker container runs the pulled image's ID, which pins it.
  if (/^sha256:[a-f0-9]{64}$/.test(image) || DIGEST.test(image)) return undefined;
  if (image.includes("@")) return `${image} has a malformed digest`;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return `${image} is not pinned by a tag or a digest`;
  const tag = lastSegment.slice(colon + 1);
  return tag === "latest" || tag.startsWith("latest-") ? `${image} uses the moving tag ${tag}` : undefined;
}

/** Every image pinned: Kubernetes containers, Docker's pulled images and containers. */
export function pinnedImages(resource: Resource): string[] {
  const template = podTemplate(resource);
  const images = template
    ? containersOf(template.spec).map((c) => at(c, "image"))
    : resource.type === TYPES.remoteImage
      ? [at(resource.props, "name")]
      : resource.type === TYPES.container
        ? [at(resource.props, "image")]
        : [];
  return images.flatMap((image) => (image === UNKNOWN ? [] : (imageProblem(image) ?? [])));
}

/** No Service reachable from outside the cluster but through the edge, nor one that leads out of it. */
export function internalServices(resource: Resource): string[] {
  if (resource.type !== TYPES.service) return [];
  const type = at(resource.props, "spec", "type");
  const externalIPs = list(resource.props, "spec", "externalIPs");
  return [
    ...(type === "NodePort" || type === "LoadBalancer" ? [`a Service of type ${type} is reachable from outside`] : []),
    ...(type === "ExternalName" ? ["a Service of type ExternalName leads out of the cluster"] : []),
    ...(externalIPs !== UNKNOWN && externalIPs.length > 0 ? ["the Service has external IPs"] : []),
  ];
}

/** A variable's or a settings key's name (not a file's) that names a secret. */
const SECRET_NAME = /^[A-Z0-9_]*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)[A-Z0-9_]*$/;
/** A value that reads as a secret: a private key, a URL with a password, or a secret-named variable holding other than a file path. */
function secretLooking(name: string, value: unknown): boolean {
  if (typeof value !== "string" || isUnknown(value) || value === "") return false;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return true;
  if (/[a-z][a-z0-9+.-]*:\/\/[^/\s:@"']+:[^/\s@"']+@/i.test(value)) return true;
  return SECRET_NAME.test(name) && !value.startsWith("/");
}

/** The entries of a ConfigMap's data, where known. */
const configData = (resource: Resource): [string, unknown][] => {
  const data = at(resource.props, "data");
  return data && data !== UNKNOWN ? Object.entries(data as Json) : [];
};
/** The plain variables of a workload's containers, with their container. */
const plainVariables = (resource: Resource): { container: string; name: string; value: unknown }[] => {
  const template = podTemplate(resource);
  return template
    ? containersOf(template.spec).flatMap((c) =>
        each(c, "env")
          .filter((v) => "value" in v)
          .map((v) => ({ container: c.name, name: v.name, value: at(v, "value") })),
      )
    : [];
};

/**
 * No ConfigMap value or plain environment value on Kubernetes that looks like a secret (secrets
 * come from Secrets). Docker's secret variables are secret outputs, which a policy sees revealed.
 */
export function noPlainSecrets(resource: Resource): string[] {
  if (resource.type === TYPES.configMap)
    return configData(resource).flatMap(([key, value]) =>
      secretLooking(key, value) ? [`ConfigMap key ${key} looks like a secret`] : [],
    );
  return plainVariables(resource).flatMap((v) =>
    secretLooking(v.name, v.value)
      ? [`container ${v.container}'s ${v.name} is a plain value that looks like a secret`]
      : [],
  );
}

/** CORS for the configured origins only: never `*`, at the edge or in a service's settings or environment. */
export function strictCors(resource: Resource): string[] {
  if (resource.type === TYPES.middleware) {
    const origins = each(resource.props, "spec", "headers", "accessControlAllowOriginList");
    return origins.includes("*" as never) ? ["the edge allows every origin (*)"] : [];
  }
  const wildcard = (name: string, value: unknown) =>
    /CORS|ORIGIN/i.test(name) && typeof value === "string" && value.split(/[ ,]+/).includes("*");
  const variables: [string, unknown][] =
    resource.type === TYPES.container
      ? each(resource.props, "envs").map((entry) => {
          const [name = "", value] = String(entry).split(/=(.*)/s);
          return [name, value];
        })
      : resource.type === TYPES.configMap
        ? configData(resource)
        : plainVariables(resource).map((v) => [v.name, v.value]);
  return variables.flatMap(([name, value]) => (wildcard(name, value) ? [`${name} allows every origin (*)`] : []));
}

/** Stateful volumes protected where config protects data: StatefulSets, claims and Docker's named volumes. */
export function protectedState(resource: Resource, facts: StackFacts): string[] {
  if (!facts.protectData || fromChart(resource)) return [];
  if (![TYPES.statefulSet, TYPES.claim, TYPES.volume].includes(resource.type as never)) return [];
  return resource.protect ? [] : ["holds data but is not protected (jarvis:dataProtection.protect is on)"];
}

/** An autoscaled service keeps at least two pods: one lost pod leaves one serving. */
export function autoscalerMinimum(resource: Resource): string[] {
  if (resource.type !== TYPES.autoscaler) return [];
  const min = at(resource.props, "spec", "minReplicas");
  return min === UNKNOWN || (typeof min === "number" && min >= 2) ? [] : [`minReplicas ${String(min)} is below 2`];
}

/** No address, or the unspecified one of either family (every interface). */
function allInterfaces(ip: unknown): boolean {
  if (ip === undefined || ip === "") return true;
  const address = String(ip).replace(/^\[(.*)\]$/, "$1");
  return ipaddr.isValid(address) && ipaddr.parse(address).range() === "unspecified";
}
/** Dev publishes ports on a chosen interface, never on all of them (a datastore would be on the network). */
export function localPorts(resource: Resource): string[] {
  if (resource.type !== TYPES.container) return [];
  return each(resource.props, "ports").flatMap((port) => {
    const ip = at(port, "ip");
    return ip !== UNKNOWN && allInterfaces(ip)
      ? [`port ${port.external ?? port.internal} is published on all interfaces`]
      : [];
  });
}

/** The same folder with and without its /var prefix: /run and /var/run are one on the hosts Docker runs on. */
const hostAliases = (path: string) => [path, path.startsWith("/var/run") ? path.slice(4) : `/var${path}`];
/** No container mounts the Docker socket (or a folder that holds it) unless config switches that on. */
export function noDockerSocket(resource: Resource, facts: StackFacts): string[] {
  const { socket } = facts;
  if (resource.type !== TYPES.container || facts.socketAllowed || !socket) return [];
  const holds = (source: string) =>
    hostAliases(socket).some((s) => s === source || s.startsWith(`${source.replace(/\/$/, "")}/`));
  const sources = [
    ...each(resource.props, "mounts").map((m) => at(m, "source")),
    ...each(resource.props, "volumes").map((v) => at(v, "hostPath")),
  ];
  return sources.flatMap((source) =>
    typeof source === "string" && holds(source) ? [`mounts ${source}, which holds the Docker socket`] : [],
  );
}

/** The public entry over TLS: every Ingress host has a certificate, every route attaches to a listener of the Gateway. */
export function tlsEntry(resource: Resource): string[] {
  if (resource.type === TYPES.ingress) {
    const tls = list(resource.props, "spec", "tls");
    if (tls === UNKNOWN) return [];
    const hosts = tls.map((t) => list(t, "hosts"));
    if (hosts.includes(UNKNOWN)) return [];
    const covered = new Set((hosts as Json[][]).flat());
    return each(resource.props, "spec", "rules").flatMap((rule) => {
      const host = at(rule, "host");
      return typeof host === "string" && !covered.has(host as never) ? [`host ${host} has no TLS certificate`] : [];
    });
  }
  if (resource.type === TYPES.httpRoute)
    return each(resource.props, "spec", "parentRefs").flatMap((ref) =>
      at(ref, "sectionName") === undefined
        ? [`the route attaches to every listener of ${ref.name}, not its HTTPS one`]
        : [],
    );
  return [];
}

/** Stack invariants: every namespace of the stack's pods has a default-deny NetworkPolicy. */
export function defaultDeny(resources: readonly Resource[], facts: StackFacts): string[] {
  const policies = resources.filter((r) => r.type === TYPES.networkPolicy);
  // A policy the preview does not fully know may be the namespace's default deny.
  if (policies.some((r) => [namespaceOf(r), at(r.props, "spec")].includes(UNKNOWN))) return [];
  const denied = new Set(
    policies
      .filter((r) => {
        const spec = (at(r.props, "spec") ?? {}) as Json;
        const everyPod =
          Object.keys(at(spec, "podSelector", "matchLabels") ?? {}).length === 0 &&
          each(spec, "podSelector", "matchExpressions").length === 0;
        const both = ["Ingress", "Egress"].every((t) => each(spec, "policyTypes").includes(t as never));
        return everyPod && both && each(spec, "ingress").length === 0 && each(spec, "egress").length === 0;
      })
      .map(namespaceOf),
  );
  const namespaces = new Set(
    resources
      .filter((r) => podTemplate(r) && !leftToChart(r, facts))
      .map(namespaceOf)
      .filter((n) => n !== UNKNOWN),
  );
  return [...namespaces].flatMap((n) =>
    denied.has(n) ? [] : [`namespace ${String(n)} has no default-deny NetworkPolicy`],
  );
}

/** Stack invariants: staging and prod are monitored (monitors of the stack's services) and alert (rules). */
export function monitoredStack(resources: readonly Resource[], facts: StackFacts): string[] {
  if (!facts.monitored) return [];
  const ours = resources.filter((r) => !leftToChart(r, facts));
  const of = (type: string) => ours.filter((r) => r.type === type);
  const groups = of(TYPES.prometheusRule).map((r) => list(r.props, "spec", "groups"));
  const rules = groups.includes(UNKNOWN) ? 1 : (groups as Json[][]).flat().flatMap((g) => each(g, "rules")).length;
  return [
    ...(of(TYPES.serviceMonitor).length + of(TYPES.podMonitor).length === 0
      ? ["no ServiceMonitor or PodMonitor watches the stack"]
      : []),
    ...(rules === 0 ? ["no PrometheusRule alerts on the stack"] : []),
  ];
}
