// Turns what the plan engine recorded into the plan's entries (files.ts), with every secret
// redacted: inside a value the SDK marks secret the structure stays (object keys, the NAME of a
// NAME=value string) and each leaf becomes "[secret]" (its base64 in a Kubernetes Secret's `data`).
// Beside it, a digest of each secret leaf's stand-in text, so that --compare sees a changed secret.
import { createHash } from "node:crypto";
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { Registration } from "./engine";
import type { PlanEntry, ResourceEntry } from "./files";
import { isPlainObject as isObject, SECRET } from "./merged-config";
import { formatPath, type PropertyPath } from "./replace-rules";

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

/** Hex digits kept of a secret leaf's sha256: enough to tell a change, short in resources.json. */
const SECRET_DIGEST_LENGTH = 12;

/**
 * The digest of each leaf inside a secret value, by its path in `inputs` (wire form). What a plan
 * holds in a secret is made up (PLAN-SECRET- stand-ins, or program constants), never a real secret;
 * a digest is hex, so the leak check does not take it for the prefix.
 */
export function secretDigests(inputs: Record<string, unknown>): Record<string, string> {
  const digests: Record<string, string> = {};
  const visit = (value: unknown, path: PropertyPath, secret: boolean): void => {
    if (value === null || value === undefined || value === unknownValue) return;
    if (Array.isArray(value)) return value.forEach((item, i) => visit(item, [...path, i], secret));
    const signature = isObject(value) ? value[specialSigKey] : undefined;
    if (signature === specialSecretSig) return visit((value as { value: unknown }).value, path, true);
    if (isObject(value) && signature === undefined)
      return Object.keys(value).forEach((key) => visit(value[key], [...path, key], secret));
    if (!secret) return;
    const text = signature === specialResourceSig ? (value as { urn: string }).urn : JSON.stringify(value);
    digests[formatPath(path)] = createHash("sha256").update(text).digest("hex").slice(0, SECRET_DIGEST_LENGTH);
  };
  visit(inputs, [], false);
  return digests;
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
  const digests = secretDigests(r.inputs);
  if (Object.keys(digests).length > 0) Object.assign(resource, { secretDigests: digests });
  return { urn: r.urn, resource, ...(isKubernetesObject(r) && { manifest: manifest(r) }) };
}
