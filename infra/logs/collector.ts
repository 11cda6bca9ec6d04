// The collector's configuration (Grafana Alloy's syntax), derived from the log contract of the
// catalogue and `jarvis:logs`: every stream labelled with its service, environment and stream
// (LOG_LABELS); a security event's lines with their event, only for the three events of the
// contract (a label of four values at most); the fields of `dropFields` removed from every JSON
// line before it leaves for the store, and a JSON service's lines that do not parse dropped. On
// Kubernetes the API gives no stream: its lines have none.
import { SECURITY_EVENTS, type Catalogue } from "../catalogue";
import type { SharedConfig } from "../config/schema";
import { SERVICE_POD_LABEL } from "../flows";
import { deployedServices } from "../graph";
import { selector } from "../monitoring/rules";
import { LOG_LABELS } from "./rules";

/** The container label that names a container's service in its json-file lines (log-opt `labels`). */
export const SERVICE_LABEL = "jarvis.service";

/** A reference to another component's export, written bare. */
interface Ref {
  readonly ref: string;
}
type AlloyValue = string | number | boolean | Ref | readonly AlloyValue[] | { readonly [key: string]: AlloyValue };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value in Alloy's syntax: strings as Go-style quoted strings (JSON's escapes are a subset). */
export function alloyValue(value: AlloyValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(alloyValue).join(", ")}]`;
  if ("ref" in (value as object) && typeof (value as Ref).ref === "string") return (value as Ref).ref;
  const entries = Object.entries(value as Record<string, AlloyValue>).map(
    ([key, v]) => `${IDENTIFIER.test(key) ? key : JSON.stringify(key)} = ${alloyValue(v)}`,
  );
  return `{${entries.join(", ")}}`;
}

/** A block: its attributes, then its nested blocks. */
interface Block {
  readonly name: string;
  readonly label?: string;
  readonly attributes?: Readonly<Record<string, AlloyValue>>;
  readonly blocks?: readonly Block[];
}

function render(block: Block, indent = ""): string {
  const inner = `${indent}  `;
  const head = `${indent}${block.name}${block.label ? ` ${JSON.stringify(block.label)}` : ""} {`;
  const body = [
    ...Object.entries(block.attributes ?? {}).map(([key, value]) => `${inner}${key} = ${alloyValue(value)}`),
    ...(block.blocks ?? []).map((b) => render(b, inner)),
  ];
  return body.length === 0 ? `${head}}` : [head, ...body, `${indent}}`].join("\n");
}

/** Labels set from values the stages extracted (an empty value sets none). */
const labelsFrom = (...names: string[]): Block => ({
  name: "stage.labels",
  attributes: { values: Object.fromEntries(names.map((n) => [n, ""])) },
});

/**
 * What a JSON service's lines go through: parsed, a line that is not JSON dropped while fields are
 * (a traceback, or a line the engine split: it could hold one); the event label of a security event (its
 * logger's lines, one of the contract's events, nothing else); then the line without the dropped
 * fields.
 */
function jsonLineStages(service: string, catalogue: Catalogue, logs: SharedConfig["logs"]): Block[] {
  const { fields, logger, events } = SECURITY_EVENTS;
  const writesEvents = catalogue[service]!.logs?.securityEvents === true;
  // A line that does not parse is dropped only where fields are: a traceback is kept where nothing could leak.
  const dropping = logs.dropFields.length > 0;
  if (!writesEvents && !dropping) return [];
  // What the later stages read (the JSON stage needs an expression).
  const read = writesEvents
    ? { logger: fields.logger, event: fields.event }
    : Object.fromEntries(logs.dropFields.map((f) => [f, f]));
  const parsed: Block = {
    name: "stage.json",
    attributes: { expressions: read, ...(dropping && { drop_malformed: true }) },
  };
  const security: Block[] = writesEvents
    ? [
        {
          name: "stage.template",
          attributes: {
            source: LOG_LABELS.event,
            template: `{{ if and (eq .logger ${JSON.stringify(logger)}) (has .event (list ${events.map((e) => JSON.stringify(e)).join(" ")})) }}{{ .event }}{{ end }}`,
          },
        },
        labelsFrom(LOG_LABELS.event),
      ]
    : [];
  const dropped: Block[] = dropping
    ? [
        {
          name: "stage.template",
          attributes: {
            source: "kept",
            template: `{{ omit (mustFromJson .Entry) ${logs.dropFields.map((f) => JSON.stringify(f)).join(" ")} | toJson }}`,
          },
        },
        { name: "stage.output", attributes: { source: "kept" } },
      ]
    : [];
  return [parsed, ...security, ...dropped];
}

/** A label's name as service discovery writes it in its meta labels. */
const sanitized = (label: string) => label.replace(/[^A-Za-z0-9_]/g, "_");
/** Docker's label of a container, as discovery.docker names it. */
const containerLabel = (label: string) => `__meta_docker_container_label_${sanitized(label)}`;

const TO_PROCESS = [{ ref: "loki.process.jarvis.receiver" }];

/** A relabel rule that copies a discovered label to a stream's label. */
const copy = (from: string, to: string): Block => ({
  name: "rule",
  attributes: { source_labels: [from], target_label: to },
});

/**
 * The stages of every line, after `first` (what the source needs to name the line's service): the
 * environment, the engine's other containers dropped, and each JSON service's own stages.
 */
function processBlock(catalogue: Catalogue, logs: SharedConfig["logs"], environment: string, first: Block[]): Block {
  const jsonServices = Object.keys(catalogue).filter((s) => catalogue[s]!.logs?.format === "json");
  return {
    name: "loki.process",
    label: "jarvis",
    attributes: { forward_to: [{ ref: "loki.write.store.receiver" }] },
    blocks: [
      ...first,
      { name: "stage.static_labels", attributes: { values: { [LOG_LABELS.environment]: environment } } },
      // What is not Jarvis's (the engine's other containers).
      {
        name: "stage.match",
        attributes: {
          selector: selector({ [LOG_LABELS.environment]: environment, [LOG_LABELS.service]: "" }),
          action: "drop",
        },
      },
      ...jsonServices.flatMap((service): Block[] => {
        const stages = jsonLineStages(service, catalogue, logs);
        return stages.length > 0
          ? [
              {
                name: "stage.match",
                attributes: { selector: selector({ [LOG_LABELS.service]: service }) },
                blocks: stages,
              },
            ]
          : [];
      }),
    ],
  };
}

function configText(sources: readonly Block[], process: Block, pushUrl: string): string {
  const blocks: Block[] = [
    ...sources,
    process,
    { name: "loki.write", label: "store", blocks: [{ name: "endpoint", attributes: { url: pushUrl } }] },
  ];
  return `// Generated by jarvis-infra from the catalogue's log contract and jarvis:logs.\n${blocks.map((b) => render(b)).join("\n\n")}\n`;
}

/**
 * The collector on Docker: it reads the engine's json-file logs (read-only), taking each line's
 * service from the container label the json-file driver writes into it; or, with `socket`, the
 * engine's API, taking the service from the container's label. It pushes to the store at `pushUrl`.
 */
export function dockerCollector(
  catalogue: Catalogue,
  logs: SharedConfig["logs"],
  target: { readonly files: string; readonly socket?: string; readonly pushUrl: string; readonly environment: string },
): string {
  // stage.docker keeps only the line, its stream and its time: the service comes out first; the
  // file's path is a label per container, which the store does not need.
  const fromFiles: Block[] = [
    { name: "stage.json", attributes: { expressions: { [LOG_LABELS.service]: `attrs."${SERVICE_LABEL}"` } } },
    { name: "stage.docker" },
    labelsFrom(LOG_LABELS.service),
    { name: "stage.label_drop", attributes: { values: ["filename"] } },
  ];
  const sources: Block[] = target.socket
    ? [
        { name: "discovery.docker", label: "containers", attributes: { host: `unix://${target.socket}` } },
        {
          name: "discovery.relabel",
          label: "containers",
          attributes: { targets: { ref: "discovery.docker.containers.targets" } },
          blocks: [
            copy(containerLabel(SERVICE_LABEL), LOG_LABELS.service),
            copy("__meta_docker_container_log_stream", LOG_LABELS.stream),
          ],
        },
        {
          name: "loki.source.docker",
          label: "containers",
          attributes: {
            host: `unix://${target.socket}`,
            targets: { ref: "discovery.relabel.containers.output" },
            forward_to: TO_PROCESS,
          },
        },
      ]
    : [
        { name: "local.file_match", label: "containers", attributes: { path_targets: [{ __path__: target.files }] } },
        {
          name: "loki.source.file",
          label: "containers",
          attributes: { targets: { ref: "local.file_match.containers.targets" }, forward_to: TO_PROCESS },
        },
      ];
  return configText(
    sources,
    processBlock(catalogue, logs, target.environment, target.socket ? [] : fromFiles),
    target.pushUrl,
  );
}

/**
 * The collector on Kubernetes: it tails the pods of Jarvis's namespace through the API server (no
 * host path), each line's service its pod's (a job's containers are named after what they save), a
 * sidecar's its container's name, its instance the pod.
 */
export function kubernetesCollector(
  catalogue: Catalogue,
  logs: SharedConfig["logs"],
  target: { readonly namespace: string; readonly pushUrl: string; readonly environment: string },
): string {
  const sidecars = deployedServices(catalogue, "kubernetes").filter((node) => catalogue[node]!.sidecar);
  const sources: Block[] = [
    {
      name: "discovery.kubernetes",
      label: "pods",
      attributes: { role: "pod" },
      blocks: [{ name: "namespaces", attributes: { names: [target.namespace] } }],
    },
    {
      name: "discovery.relabel",
      label: "pods",
      attributes: { targets: { ref: "discovery.kubernetes.pods.targets" } },
      blocks: [
        copy(`__meta_kubernetes_pod_label_${sanitized(SERVICE_POD_LABEL)}`, LOG_LABELS.service),
        ...(sidecars.length > 0
          ? [
              {
                name: "rule",
                attributes: {
                  source_labels: ["__meta_kubernetes_pod_container_name"],
                  // Anchored, and the default replacement is the first group (catalogue names are DNS labels).
                  regex: `(${sidecars.join("|")})`,
                  target_label: LOG_LABELS.service,
                },
              },
            ]
          : []),
        copy("__meta_kubernetes_pod_name", "instance"),
        copy("__meta_kubernetes_namespace", "namespace"),
      ],
    },
    {
      name: "loki.source.kubernetes",
      label: "pods",
      attributes: { targets: { ref: "discovery.relabel.pods.output" }, forward_to: TO_PROCESS },
    },
  ];
  return configText(sources, processBlock(catalogue, logs, target.environment, []), target.pushUrl);
}
