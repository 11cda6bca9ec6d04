// Renders what the plan engine recorded into the plan files, with every secret redacted: inside a
// value the SDK marks secret the structure stays (object keys, the NAME of a NAME=value string) and
// each leaf becomes "[secret]" (its base64 in a Kubernetes Secret's `data`).
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { stringify } from "yaml";
import { isPlainObject as isObject, PLAN_SECRET_PREFIX } from "../../infra/config/stack-files";
import type { Registration } from "./engine";

export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";


function redactLeaves(value: unknown): unknown {
  if (typeof value === "string") {
    // An environment entry NAME=value; base64 padding ("...=" or "...==") is not one.
    const assignment = /^([A-Z_][A-Z0-9_]*)=(?!=|$)/.exec(value);
    return assignment ? `${assignment[1]}=${SECRET}` : SECRET;
  }
  if (Array.isArray(value)) return value.map(redactLeaves);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v)]));
  return value === null || value === undefined ? value : SECRET;
}

/** Wire form (signature objects) to plain JSON with secrets redacted and keys sorted. */
export function reveal(value: unknown): unknown {
  if (value === unknownValue) return UNKNOWN;
  if (Array.isArray(value)) return value.map(reveal);
  if (!isObject(value)) return value;
  const signature = value[specialSigKey];
  if (signature === specialSecretSig) return redactLeaves(reveal(value.value));
  if (signature === specialResourceSig) return value.urn;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, reveal(value[k])]),
  );
}

// YAML 1.1, as kubectl and most Kubernetes tooling read it: strings such as "off" or "yes", which
// 1.1 reads as booleans, are quoted. Keys are already sorted by reveal().
const YAML_OPTIONS = { version: "1.1", lineWidth: 0 } as const;

const isKubernetesObject = (r: Registration) => r.custom && r.type.startsWith("kubernetes:");

/** A Kubernetes object as it would be applied; a Secret's redacted `data` stays valid base64. */
function manifest(registration: Registration): Record<string, unknown> {
  const object = reveal(registration.state ?? registration.inputs) as Record<string, unknown>;
  if (object.kind === "Secret" && isObject(object.data)) {
    object.data = Object.fromEntries(
      Object.entries(object.data).map(([k, v]) => [k, v === SECRET ? Buffer.from(SECRET).toString("base64") : v]),
    );
  }
  return object;
}

export interface PlanFiles {
  readonly "resources.json": string;
  readonly "outputs.json": string;
  readonly "manifests.yaml"?: string;
}

export function renderPlan(registrations: readonly Registration[], stackOutputs: unknown): PlanFiles {
  const resources = registrations.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    parent: r.parent,
    provider: r.provider,
    dependencies: r.dependencies,
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
    deleteBeforeReplace: r.deleteBeforeReplace,
    ignoreChanges: r.ignoreChanges,
    additionalSecretOutputs: r.additionalSecretOutputs,
    customTimeouts: r.customTimeouts,
    inputs: reveal(r.inputs),
  }));
  const kubernetes = registrations.filter(isKubernetesObject);
  const files: PlanFiles = {
    "resources.json": `${JSON.stringify(resources, null, 2)}\n`,
    "outputs.json": `${JSON.stringify(reveal(stackOutputs), null, 2)}\n`,
    ...(kubernetes.length > 0 && {
      "manifests.yaml": kubernetes.map((r) => stringify(manifest(r), YAML_OPTIONS)).join("---\n"),
    }),
  };
  assertNoLeak(files);
  return files;
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
export function assertNoLeak(files: PlanFiles): void {
  for (const [file, text] of Object.entries(files) as [string, string][]) {
    const found = [PLAN_SECRET_PREFIX, ...ENCODED_MARKERS].map((marker) => text.indexOf(marker)).filter((index) => index >= 0);
    if (found.length === 0) continue;
    const line = text.slice(0, Math.min(...found)).split("\n").length;
    throw new Error(`secret leak: ${file}:${line} holds a secret value in plain text`);
  }
}

/** Resources per type, for the summary line. */
export function countByType(registrations: readonly Registration[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of registrations) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}
