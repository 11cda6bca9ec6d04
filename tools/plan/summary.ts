// summary.md: what a plan deploys, per service, for a pull request's comment: the image, the
// replicas or autoscaling bounds, the ports, what is published (Docker host ports) or public
// (Ingress and HTTPRoute hosts), the volumes or claims; then the stack outputs. Read from the
// resources the program registered (resources.json entries), never from config.
import type { ResourceEntry } from "./files";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- plan JSON

/** The label every Docker container of a service carries (stacks/docker/services.ts). */
const DOCKER_SERVICE_LABEL = "jarvis.service";
/** The label every pod of a service carries (stacks/kubernetes/pods.ts). */
const POD_NAME_LABEL = "app.kubernetes.io/name";

interface ServiceRow {
  readonly service: string;
  readonly kind: string;
  readonly image: string;
  readonly replicas: string;
  readonly ports: string[];
  readonly reach: string[];
  readonly storage: string[];
}

const leafType = (entry: ResourceEntry) => entry.type.split(":").pop()!;
const ofKind = (resources: readonly ResourceEntry[], kind: string) =>
  resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && leafType(r) === kind);

/** The component that holds each Docker container records the ports it listens on (components/docker/container.ts). */
const LISTENING_COMPONENT = "jarvis:docker:ServiceContainer";

function dockerRows(resources: readonly ResourceEntry[]): ServiceRow[] {
  const listens = new Map(
    resources.filter((r) => r.type === LISTENING_COMPONENT).map((r) => [r.urn, (r.inputs as Json).listens ?? []]),
  );
  return resources
    .filter((r) => r.type === "docker:index/container:Container")
    .map((r) => {
      const inputs = r.inputs as Json;
      const labels: { label: string; value: string }[] = inputs.labels ?? [];
      const published: Json[] = inputs.ports ?? [];
      const named: { name: string; port: number }[] = (r.parent && listens.get(r.parent)) ?? [];
      const nameOf = (port: number) => named.find((listened) => listened.port === port)?.name;
      // Every port the service listens on; a published port no name covers is still shown.
      const ports = [
        ...named.map(({ name, port }) => `${name} ${port}`),
        ...published.filter((p) => !nameOf(p.internal)).map((p) => `${p.internal}/${p.protocol}`),
      ];
      return {
        service: labels.find((l) => l.label === DOCKER_SERVICE_LABEL)?.value ?? r.name,
        kind: inputs.restart === "no" ? "one-shot container" : "container",
        image: r.imageReference ?? String(inputs.image),
        replicas: "1",
        ports,
        reach: published.map(
          (p) => `${p.ip}:${p.external} → ${[nameOf(p.internal), p.internal].filter(Boolean).join(" ")}`,
        ),
        storage: ((inputs.mounts ?? []) as Json[]).map(
          (m) => `${m.type} ${m.source} → ${m.target}${m.readOnly ? " (read-only)" : ""}`,
        ),
      };
    });
}

/** Where a Kubernetes kind keeps its pod template. */
const podTemplate = (kind: string, spec: Json): Json | undefined =>
  kind === "CronJob" ? spec.jobTemplate?.spec?.template : spec.template;

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "Job", "CronJob"];

function kubernetesRows(resources: readonly ResourceEntry[]): ServiceRow[] {
  const services = ofKind(resources, "Service").map((r) => r.inputs as Json);
  const serviceOfName = new Map(services.map((s) => [s.metadata?.name, s.spec?.selector?.[POD_NAME_LABEL]]));
  const autoscalers = ofKind(resources, "HorizontalPodAutoscaler");
  const patches = ofKind(resources, "PersistentVolumeClaimPatch").map((r) => r.inputs as Json);
  const claims = new Map(
    ofKind(resources, "PersistentVolumeClaim").map((r) => {
      const claim = r.inputs as Json;
      return [claim.metadata?.name, claimText(claim)];
    }),
  );
  const hosts = publicHosts(resources);
  return resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && WORKLOAD_KINDS.includes(leafType(r)))
    .flatMap((r): ServiceRow[] => {
      const kind = leafType(r);
      const { metadata = {}, spec = {} } = r.inputs as Json;
      const template = podTemplate(kind, spec);
      const service = template?.metadata?.labels?.[POD_NAME_LABEL];
      if (!service) return [];
      const containers: Json[] = template.spec?.containers ?? [];
      const initContainers: Json[] = template.spec?.initContainers ?? [];
      const hpa = autoscalers.find((a) => a.dependencies.includes(r.urn))?.inputs as Json | undefined;
      const replicas = hpa
        ? `${hpa.spec.minReplicas}–${hpa.spec.maxReplicas} (autoscaled)`
        : kind === "Deployment" || kind === "StatefulSet"
          ? String(spec.replicas ?? 1)
          : "—";
      const templates: Json[] = spec.volumeClaimTemplates ?? [];
      const claimVolumes: Json[] = (template.spec?.volumes ?? []).filter((v: Json) => v.persistentVolumeClaim);
      return [
        {
          service,
          kind: kind === "CronJob" ? `CronJob (${spec.schedule})` : kind,
          // Init containers too: a step of the pod may run in another image (the backup's pg_dump).
          image: [...initContainers.map((c) => `${c.image} (init)`), ...containers.map((c) => c.image)].join(", "),
          replicas,
          ports: containers.flatMap((c) =>
            (c.ports ?? []).map((p: Json) => `${p.name ?? ""} ${p.containerPort}`.trim()),
          ),
          reach: [...serviceOfName]
            .filter(([, selected]) => selected === service)
            .flatMap(([name]) => hosts.get(name) ?? []),
          storage: [
            ...templates.map((t) => {
              const prefix = `${t.metadata?.name}-${metadata.name}-`;
              const patched = patches.find((p) => String(p.metadata?.name).startsWith(prefix));
              return `claim ${claimText(t, patched?.spec?.resources?.requests?.storage)}`;
            }),
            ...claimVolumes.map(
              (v) => `claim ${claims.get(v.persistentVolumeClaim.claimName) ?? v.persistentVolumeClaim.claimName}`,
            ),
          ],
        },
      ];
    });
}

/** A claim's name, size and storage class; `size` is the one a claim patch sets, where there is one. */
function claimText(claim: Json, size?: string): string {
  const { metadata = {}, spec = {} } = claim;
  const storage = size ?? spec.resources?.requests?.storage;
  return [metadata.name, storage, spec.storageClassName].filter(Boolean).join(" ");
}

/** The public URLs of each Kubernetes Service, by Service name: Ingress rules and HTTPRoutes. */
function publicHosts(resources: readonly ResourceEntry[]): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  const add = (service: string, url: string) => hosts.set(service, [...(hosts.get(service) ?? []), url]);
  for (const ingress of ofKind(resources, "Ingress").map((r) => r.inputs as Json)) {
    const tls = new Set(((ingress.spec?.tls ?? []) as Json[]).flatMap((t) => t.hosts ?? []));
    for (const rule of (ingress.spec?.rules ?? []) as Json[])
      for (const path of (rule.http?.paths ?? []) as Json[])
        add(path.backend?.service?.name, `${tls.has(rule.host) ? "https" : "http"}://${rule.host}${path.path ?? ""}`);
  }
  for (const route of ofKind(resources, "HTTPRoute").map((r) => r.inputs as Json))
    for (const rule of (route.spec?.rules ?? []) as Json[])
      for (const backend of (rule.backendRefs ?? []) as Json[])
        for (const host of (route.spec?.hostnames ?? []) as string[])
          add(backend.name, `${host}${rule.matches?.[0]?.path?.value ?? ""}`);
  return hosts;
}

/** Text for a markdown table cell: pipes escaped, entries one per line. */
const cell = (values: readonly string[]) =>
  values.length === 0 ? "—" : values.map((v) => v.replaceAll("|", "\\|")).join("<br>");

/** Stack outputs as `path: value` lines, nested objects flattened. */
function outputLines(value: unknown, path = ""): string[] {
  if (typeof value === "object" && value !== null && !Array.isArray(value))
    return Object.entries(value).flatMap(([key, child]) => outputLines(child, path ? `${path}.${key}` : key));
  return [`- \`${path}\`: ${typeof value === "string" ? value : JSON.stringify(value)}`];
}

/** summary.md of a plan made of `resources` (resources.json entries) and the stack's `outputs`. */
export function planSummary(resources: readonly ResourceEntry[], outputs: unknown): string {
  // urn:pulumi:<stack>::<project>::...
  const stack = resources[0]?.urn.split("::")[0]!.split(":")[2] ?? "";
  const rows = [...dockerRows(resources), ...kubernetesRows(resources)].sort((a, b) =>
    a.service < b.service ? -1 : a.service > b.service ? 1 : 0,
  );
  const lines = [
    `# Plan of ${stack}`,
    "",
    `${resources.filter((r) => r.custom).length} resources (${resources.length} with components and the stack).`,
    "",
    "| service | kind | image | replicas | ports | published or public | storage |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| ${row.service} | ${row.kind} | ${cell([row.image])} | ${row.replicas} | ${cell(row.ports)} | ${cell(row.reach)} | ${cell(row.storage)} |`,
    ),
    "",
    "## Outputs",
    "",
    ...outputLines(outputs),
  ];
  return `${lines.join("\n")}\n`;
}
