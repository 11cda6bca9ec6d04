// The invariants of a Jarvis stack, written once as predicates over a resource's type and inputs
// (or a stack's resources): the policy pack runs them at preview, the project's tests on the offline
// plan. Each returns the problems it finds, none when the resource holds; a value a preview does not
// know yet (UNKNOWN_VALUES) passes. Pure: no Pulumi import, so that the tests and the pack share it.

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
const k8s = (group: string, kind: string) => `kubernetes:${group}:${kind}`;
export const TYPES = {
  deployment: k8s("apps/v1", "Deployment"),
  statefulSet: k8s("apps/v1", "StatefulSet"),
  job: k8s("batch/v1", "Job"),
  cronJob: k8s("batch/v1", "CronJob"),
  service: k8s("core/v1", "Service"),
  configMap: k8s("core/v1", "ConfigMap"),
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

/** The pod template of a workload, and whether it runs to completion (a Job's: no probes). */
function podTemplate(resource: Resource): { spec: Json; completes: boolean } | undefined {
  const spec = resource.props.spec as Json | undefined;
  if (!spec || isUnknown(spec)) return undefined;
  switch (resource.type) {
    case TYPES.deployment:
    case TYPES.statefulSet:
      return spec.template?.spec && { spec: spec.template.spec, completes: false };
    case TYPES.job:
      return spec.template?.spec && { spec: spec.template.spec, completes: true };
    case TYPES.cronJob:
      return spec.jobTemplate?.spec?.template?.spec && { spec: spec.jobTemplate.spec.template.spec, completes: true };
    default:
      return undefined;
  }
}

const known = <T>(values: readonly T[] | undefined): T[] =>
  Array.isArray(values) ? values.filter((v) => !isUnknown(v)) : [];
const containersOf = (pod: Json): Json[] => [...known<Json>(pod.initContainers), ...known<Json>(pod.containers)];
const namespaceOf = (resource: Resource) => (resource.props.metadata as Json | undefined)?.namespace as unknown;
/** An object a maintained chart renders (its children at preview): the chart's, tested by its maintainers. */
const fromChart = (resource: Resource) => resource.parent?.includes(`$${TYPES.chart}::`) ?? false;
const MIN_ID = 10001;

/** Restricted pods: non-root UID and GID from 10001, no privilege escalation, no capability, RuntimeDefault, read-only root. */
export function restrictedPods(resource: Resource, facts: StackFacts): string[] {
  const template = podTemplate(resource);
  const namespace = namespaceOf(resource);
  if (!template || fromChart(resource) || facts.chartNamespaces.includes(namespace as string)) return [];
  const problems: string[] = [];
  const pod = template.spec.securityContext ?? {};
  const id = (value: unknown, what: string) => {
    if (!isUnknown(value) && !(typeof value === "number" && value >= MIN_ID))
      problems.push(`${what} is not >= ${MIN_ID}`);
  };
  if (pod.runAsNonRoot !== true && !isUnknown(pod.runAsNonRoot)) problems.push("the pod may run as root");
  id(pod.runAsUser, "the pod's runAsUser");
  id(pod.runAsGroup, "the pod's runAsGroup");
  if (pod.seccompProfile?.type !== "RuntimeDefault" && !isUnknown(pod.seccompProfile))
    problems.push("the pod's seccomp profile is not RuntimeDefault");
  for (const container of containersOf(template.spec)) {
    const context = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (context.allowPrivilegeEscalation !== false && !isUnknown(context.allowPrivilegeEscalation))
      problems.push(`${where} may escalate its privileges`);
    if (!known<string>(context.capabilities?.drop).includes("ALL") && !isUnknown(context.capabilities))
      problems.push(`${where} keeps capabilities (drop ALL)`);
    if (context.readOnlyRootFilesystem !== true && !isUnknown(context.readOnlyRootFilesystem))
      problems.push(`${where} may write its root filesystem`);
    if (context.privileged === true) problems.push(`${where} is privileged`);
  }
  return problems;
}

/** CPU and memory requests and limits on every container. */
export function resourceBounds(resource: Resource): string[] {
  const template = podTemplate(resource);
  if (!template || fromChart(resource)) return [];
  return containersOf(template.spec).flatMap((container) => {
    const resources = container.resources;
    if (isUnknown(resources)) return [];
    return (["requests", "limits"] as const).flatMap((bound) =>
      (["cpu", "memory"] as const).flatMap((what) => {
        const value = resources?.[bound]?.[what];
        return value === undefined || value === null
          ? [`container ${container.name} has no ${what} ${bound.slice(0, -1)}`]
          : [];
      }),
    );
  });
}

/**
 * Liveness and readiness probes on a long-running pod's main container, a liveness probe on the
 * others (a sidecar's readiness would take its pod out of its Service).
 */
export function probes(resource: Resource): string[] {
  const template = podTemplate(resource);
  if (!template || template.completes || fromChart(resource)) return [];
  return known<Json>(template.spec.containers).flatMap((container, i) => [
    ...(container.livenessProbe === undefined ? [`container ${container.name} has no liveness probe`] : []),
    ...(i === 0 && container.readinessProbe === undefined
      ? [`container ${container.name} has no readiness probe`]
      : []),
  ]);
}

/** An image reference pinned by a tag other than latest, or a digest. */
export function imageProblem(image: unknown): string | undefined {
  if (isUnknown(image) || typeof image !== "string") return undefined;
  // A Docker container runs the pulled image's ID, which pins it.
  if (/^sha256:[a-f0-9]{64}$/.test(image) || /@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return `${image} is not pinned by a tag or a digest`;
  const tag = lastSegment.slice(colon + 1);
  return tag === "latest" || tag.startsWith("latest-") ? `${image} uses the moving tag ${tag}` : undefined;
}

/** Every image pinned: Kubernetes containers, Docker's pulled images. */
export function pinnedImages(resource: Resource): string[] {
  const template = podTemplate(resource);
  const images = template
    ? containersOf(template.spec).map((c) => c.image)
    : resource.type === TYPES.remoteImage
      ? [resource.props.name]
      : [];
  return images.flatMap((image) => imageProblem(image) ?? []);
}

/** No Service reachable from outside the cluster but through the edge. */
export function internalServices(resource: Resource): string[] {
  if (resource.type !== TYPES.service) return [];
  const type = (resource.props.spec as Json | undefined)?.type;
  return type === "NodePort" || type === "LoadBalancer" ? [`a Service of type ${type} is reachable from outside`] : [];
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** A value that reads as a secret: a private key, a URL with a password, or a secret-named key holding other than a file path. */
function secretLooking(name: string, value: unknown): boolean {
  if (typeof value !== "string" || isUnknown(value) || value === "") return false;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value)) return true;
  return SECRET_NAME.test(name) && !value.startsWith("/");
}

/** No ConfigMap value or plain environment value that looks like a secret (secrets come from Secrets). */
export function noPlainSecrets(resource: Resource): string[] {
  if (resource.type === TYPES.configMap) {
    const data = (resource.props.data ?? {}) as Json;
    return isUnknown(data)
      ? []
      : Object.entries(data).flatMap(([key, value]) =>
          secretLooking(key, value) ? [`ConfigMap key ${key} looks like a secret`] : [],
        );
  }
  const template = podTemplate(resource);
  if (!template) return [];
  return containersOf(template.spec).flatMap((container) =>
    known<Json>(container.env).flatMap((variable) =>
      "value" in variable && secretLooking(variable.name, variable.value)
        ? [`container ${container.name}'s ${variable.name} is a plain value that looks like a secret`]
        : [],
    ),
  );
}

/** CORS for the configured origins only: never `*`, at the edge or in a service's environment. */
export function strictCors(resource: Resource): string[] {
  if (resource.type === TYPES.middleware) {
    const origins = known<string>((resource.props.spec as Json | undefined)?.headers?.accessControlAllowOriginList);
    return origins.includes("*") ? ["the edge allows every origin (*)"] : [];
  }
  const wildcard = (name: string, value: unknown) =>
    /CORS|ORIGIN/i.test(name) && typeof value === "string" && value.split(/[ ,]+/).includes("*");
  if (resource.type === TYPES.container)
    return known<string>(resource.props.envs as string[]).flatMap((entry) => {
      const [name = "", value] = entry.split(/=(.*)/s);
      return wildcard(name, value) ? [`${name} allows every origin (*)`] : [];
    });
  const template = podTemplate(resource);
  if (!template) return [];
  return containersOf(template.spec).flatMap((c) =>
    known<Json>(c.env).flatMap((v) => (wildcard(v.name, v.value) ? [`${v.name} allows every origin (*)`] : [])),
  );
}

/** Stateful volumes protected where config protects data: StatefulSets and Docker's named volumes. */
export function protectedState(resource: Resource, facts: StackFacts): string[] {
  if (!facts.protectData || fromChart(resource)) return [];
  if (resource.type !== TYPES.statefulSet && resource.type !== TYPES.volume) return [];
  return resource.protect ? [] : ["holds data but is not protected (jarvis:dataProtection.protect is on)"];
}

/** An autoscaled service keeps at least two pods: one lost pod leaves one serving. */
export function autoscalerMinimum(resource: Resource): string[] {
  if (resource.type !== TYPES.autoscaler) return [];
  const min = (resource.props.spec as Json | undefined)?.minReplicas;
  return isUnknown(min) || (typeof min === "number" && min >= 2) ? [] : [`minReplicas ${String(min)} is below 2`];
}

// audit-allow: the addresses that mean every interface, which no config may choose
const ALL_INTERFACES = new Set([undefined, "", "0.0.0.0", "::", "[::]"]);
/** Dev publishes ports on a chosen interface, never on all of them (a datastore would be on the network). */
export function localPorts(resource: Resource): string[] {
  if (resource.type !== TYPES.container) return [];
  return known<Json>(resource.props.ports as Json[]).flatMap((port) =>
    ALL_INTERFACES.has(port.ip) ? [`port ${port.external ?? port.internal} is published on all interfaces`] : [],
  );
}

/** No container mounts the Docker socket (or a folder that holds it) unless config switches that on. */
export function noDockerSocket(resource: Resource, facts: StackFacts): string[] {
  const { socket } = facts;
  if (resource.type !== TYPES.container || facts.socketAllowed || !socket) return [];
  const holds = (source: string) => socket === source || socket.startsWith(`${source.replace(/\/$/, "")}/`);
  return known<Json>(resource.props.mounts as Json[]).flatMap((mount) =>
    typeof mount.source === "string" && holds(mount.source)
      ? [`mounts ${mount.source}, which holds the Docker socket`]
      : [],
  );
}

/** The public entry over TLS: every Ingress host has a certificate, every route attaches to a listener of the Gateway. */
export function tlsEntry(resource: Resource): string[] {
  const spec = resource.props.spec as Json | undefined;
  if (!spec || isUnknown(spec)) return [];
  if (resource.type === TYPES.ingress) {
    if (isUnknown(spec.tls)) return [];
    const covered = new Set(known<Json>(spec.tls).flatMap((t) => known<string>(t.hosts)));
    return known<Json>(spec.rules).flatMap((rule) =>
      typeof rule.host === "string" && !isUnknown(rule.host) && !covered.has(rule.host)
        ? [`host ${rule.host} has no TLS certificate`]
        : [],
    );
  }
  if (resource.type === TYPES.httpRoute)
    return known<Json>(spec.parentRefs).flatMap((ref) =>
      ref.sectionName === undefined ? [`the route attaches to every listener of ${ref.name}, not its HTTPS one`] : [],
    );
  return [];
}

/** Stack invariants: every namespace of the stack's workloads has a default-deny NetworkPolicy. */
export function defaultDeny(resources: readonly Resource[], facts: StackFacts): string[] {
  const denied = new Set(
    resources
      .filter((r) => r.type === TYPES.networkPolicy)
      .filter((r) => {
        const spec = (r.props.spec ?? {}) as Json;
        const selector = (spec.podSelector ?? {}) as Json;
        const everyPod = Object.keys(selector.matchLabels ?? {}).length === 0 && !selector.matchExpressions?.length;
        const both = ["Ingress", "Egress"].every((t) => known<string>(spec.policyTypes).includes(t));
        return everyPod && both && !spec.ingress?.length && !spec.egress?.length;
      })
      .map(namespaceOf),
  );
  const namespaces = new Set(
    resources
      .filter((r) => podTemplate(r) && !fromChart(r) && !facts.chartNamespaces.includes(namespaceOf(r) as string))
      .map(namespaceOf)
      .filter((n) => !isUnknown(n)),
  );
  return [...namespaces].flatMap((n) =>
    denied.has(n) ? [] : [`namespace ${String(n)} has no default-deny NetworkPolicy`],
  );
}

/** Stack invariants: staging and prod are monitored (monitors of the stack's services) and alert (rules). */
export function monitoredStack(resources: readonly Resource[], facts: StackFacts): string[] {
  if (!facts.monitored) return [];
  const of = (type: string) => resources.filter((r) => r.type === type);
  const rules = of(TYPES.prometheusRule).flatMap((r) =>
    known<Json>((r.props.spec as Json | undefined)?.groups).flatMap((g) => known(g.rules)),
  );
  return [
    ...(of(TYPES.serviceMonitor).length + of(TYPES.podMonitor).length === 0
      ? ["no ServiceMonitor or PodMonitor watches the stack"]
      : []),
    ...(rules.length === 0 ? ["no PrometheusRule alerts on the stack"] : []),
  ];
}
