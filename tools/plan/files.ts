// The plan's files, made from the redacted registrations (render.ts): resources.json, outputs.json,
// summary.md and, for Kubernetes stacks, manifests.yaml in apply order; then the leak check. Free
// of the Pulumi SDK, so that it runs in the plan's worker thread (files-worker.ts) while the program
// runs.
import { stringify } from "yaml";
import { PLAN_SECRET_PREFIX } from "./merged-config";
import type { Registration } from "./engine";
import { planSummary } from "./summary";

export { SECRET } from "./merged-config";

/**
 * A resource as resources.json lists it (render.ts planEntry): what the engine recorded, its inputs
 * redacted (a secret is `[secret]`). The import is of types only: the worker never loads the SDK.
 */
export type ResourceEntry = Omit<Registration, "inputs" | "state" | "outputs"> & {
  readonly inputs: Record<string, unknown>;
  /**
   * Where inputs hold a secret: per path of a leaf inside it, a short sha256 prefix of its
   * (made-up) text, so that a comparison sees a secret change that `[secret]` hides (render.ts).
   */
  readonly secretDigests?: Readonly<Record<string, string>>;
};

/** One registered resource as the plan writes it. */
export interface PlanEntry {
  readonly urn: string;
  /** Its entry in resources.json. */
  readonly resource: ResourceEntry;
  /** The Kubernetes object as it would be applied, if the resource is one. */
  readonly manifest?: Record<string, unknown>;
}

export interface PlanFiles {
  readonly "resources.json": string;
  readonly "outputs.json": string;
  readonly "manifests.yaml"?: string;
  readonly "summary.md": string;
  /** With `--compare`: what changed since an earlier plan (compare.ts). */
  readonly "changes.md"?: string;
}

// YAML 1.1, as kubectl and most Kubernetes tooling read it: strings such as "off" or "yes", which
// 1.1 reads as booleans, are quoted. Keys come sorted from render.ts.
const YAML_OPTIONS = { version: "1.1", lineWidth: 0 } as const;

/**
 * Helm's InstallOrder (helm/helm pkg/release/v1/util/kind_sorter.go, commit 82be04d7): the order in
 * which `helm install` applies kinds, each kind before those that use it.
 */
export const HELM_INSTALL_ORDER = [
  "PriorityClass",
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "SecretList",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleList",
  "ClusterRoleBinding",
  "ClusterRoleBindingList",
  "Role",
  "RoleList",
  "RoleBinding",
  "RoleBindingList",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];

/**
 * Where a manifest goes in apply order: objects that patch existing ones (pulumi-kubernetes's
 * `*Patch` types, written with the kind they patch) after all others, since what they patch may be
 * made by another object (a StatefulSet creates the claims its claim patches resize: applied first,
 * a patch would create a claim that holds only a size). Then cluster-scoped objects (the namespace
 * among them: no metadata.namespace) before namespaced ones, then by kind as Helm orders them
 * (kinds Helm does not know after those it knows, alphabetically, as Helm's lessByKind does), then
 * by URN.
 */
function applyOrder({ urn, resource, manifest }: Required<PlanEntry>): string[] {
  const kind = String(manifest.kind);
  const metadata = (manifest.metadata ?? {}) as Record<string, unknown>;
  const rank = HELM_INSTALL_ORDER.indexOf(kind);
  return [
    resource.type.endsWith("Patch") ? "1" : "0",
    metadata.namespace === undefined ? "0" : "1",
    String(rank < 0 ? HELM_INSTALL_ORDER.length : rank).padStart(3, "0"),
    rank < 0 ? kind : "",
    urn,
  ];
}

const compareKeys = (a: readonly string[], b: readonly string[]) => {
  const index = a.findIndex((part, i) => part !== b[i]);
  return index < 0 ? 0 : a[index]! < b[index]! ? -1 : 1;
};

/**
 * Collects the entries as the program registers them. Each manifest becomes YAML on arrival, so
 * that little is left to do when the program ends.
 */
export class PlanFilesBuilder {
  private readonly entries: { urn: string; resource: ResourceEntry }[] = [];
  private readonly manifests: { order: string[]; yaml: string }[] = [];

  add(entry: PlanEntry): void {
    this.entries.push({ urn: entry.urn, resource: entry.resource });
    if (entry.manifest)
      this.manifests.push({
        order: applyOrder({ ...entry, manifest: entry.manifest }),
        yaml: stringify(entry.manifest, YAML_OPTIONS),
      });
  }

  /** The files, resources sorted by URN; refused if a made-up secret shows in plain text. */
  build(outputs: unknown): PlanFiles {
    const sorted = [...this.entries].sort((a, b) => compareKeys([a.urn], [b.urn]));
    const resources = sorted.map((entry) => entry.resource);
    const manifests = [...this.manifests].sort((a, b) => compareKeys(a.order, b.order)).map((m) => m.yaml);
    const files: PlanFiles = {
      "resources.json": `${JSON.stringify(resources, null, 2)}\n`,
      "outputs.json": `${JSON.stringify(outputs, null, 2)}\n`,
      ...(manifests.length > 0 && { "manifests.yaml": manifests.join("---\n") }),
      "summary.md": planSummary(resources, outputs),
    };
    assertNoLeak(files);
    return files;
  }
}

/**
 * PLAN_SECRET_PREFIX as it reads inside base64 text, at each of the three byte alignments it can
 * start at: only the characters made of the prefix's own bits, none of its neighbours'.
 */
export const ENCODED_MARKERS = [0, 1, 2].map((offset) => {
  const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(PLAN_SECRET_PREFIX)]).toString("base64");
  return encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + PLAN_SECRET_PREFIX.length)) / 6));
});

/**
 * A made-up secret found in plain text (or base64-encoded) lost its secret flag on the way:
 * refuse the plan.
 */
export function assertNoLeak(files: PlanFiles | Readonly<Record<string, string>>): void {
  for (const [file, text] of Object.entries(files) as [string, string][]) {
    const found = [PLAN_SECRET_PREFIX, ...ENCODED_MARKERS]
      .map((marker) => text.indexOf(marker))
      .filter((index) => index >= 0);
    if (found.length === 0) continue;
    const line = text.slice(0, Math.min(...found)).split("\n").length;
    throw new Error(`secret leak: ${file}:${line} holds a secret value in plain text`);
  }
}
