// Turns what the plan engine recorded into the plan's entries (files.ts), with every secret
// redacted: inside a value the SDK marks secret the structure stays (object keys, the NAME of a
// NAME=value string) and each leaf becomes "[secret]" (its base64 in a Kubernetes Secret's `data`).
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { isPlainObject as isObject } from "./merged-config";
import type { Registration } from "./engine";
import type { PlanEntry, ResourceEntry } from "./files";

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

/** A registration as the plan writes it: its resources.json entry and, if any, its manifest. */
export function planEntry(r: Registration): PlanEntry {
  const resource: ResourceEntry = {
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    parent: r.parent,
    aliases: r.aliases,
    provider: r.provider,
    dependencies: r.dependencies,
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
    deleteBeforeReplace: r.deleteBeforeReplace,
    ignoreChanges: r.ignoreChanges,
    replaceOnChanges: r.replaceOnChanges,
    additionalSecretOutputs: r.additionalSecretOutputs,
    customTimeouts: r.customTimeouts,
    ...(r.imageReference !== undefined && { imageReference: r.imageReference }),
    inputs: reveal(r.inputs) as Record<string, unknown>,
  };
  return { urn: r.urn, resource, ...(isKubernetesObject(r) && { manifest: manifest(r) }) };
}
