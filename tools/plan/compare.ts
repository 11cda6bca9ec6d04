// `--compare <dir of an earlier plan>`: what would change from that plan to this one. Resources are
// matched by identity (a resource whose URN or aliases name an old URN is that resource, as for the
// engine); each changed input is shown with its old and new value (both already redacted) and what
// it does to the existing object (replace-rules.ts); a changed secret shows by its digest
// (render.ts secretDigests); a replacement or deletion of what holds data or serves traffic gets a
// warning, a change that reaches no existing object, or a job that runs again, a note. A provider
// that is replaced replaces all it manages; one pointed elsewhere but not replaced moves nothing.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { PlanFiles, ResourceEntry } from "./files";
import { isPlainObject as isObject, SECRET } from "./merged-config";
import {
  covers,
  effectOf,
  formatPath,
  parsePath,
  PROVIDER_TARGETS,
  type PathEffect,
  type PropertyPath,
} from "./replace-rules";

/** The folder given to --compare holds no plan. */
export class NotAPlanError extends Error {}

export interface Comparison {
  /** changes.md */
  readonly markdown: string;
  /** A few lines for the terminal. */
  readonly summary: string[];
}

interface InputChange extends PathEffect {
  readonly path: PropertyPath;
  readonly before: unknown;
  readonly after: unknown;
}

interface Changed {
  readonly before: ResourceEntry;
  readonly after: ResourceEntry;
  readonly inputs: InputChange[];
  readonly options: string[];
  /** Its provider, when that is replaced: the engine replaces what it manages with it. */
  readonly provider?: ResourceEntry;
}

type Json = Record<string, unknown>;

/** An environment entry `NAME=value`. */
const ENV_ENTRY = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** A list's `NAME=value` entries by NAME, if every item is one and no NAME repeats. */
function entriesByName(list: readonly unknown[]): Map<string, string> | undefined {
  const byName = new Map<string, string>();
  for (const item of list) {
    const name = typeof item === "string" ? ENV_ENTRY.exec(item)?.[1] : undefined;
    if (name === undefined || byName.has(name)) return undefined;
    byName.set(name, item as string);
  }
  return byName;
}

/**
 * Every path where `before` and `after` differ, with both values there. Lists of `NAME=value`
 * entries (an environment) compare entry by entry by NAME (the path ends in the NAME); other lists
 * of the same length item by item; otherwise the list is one change.
 */
export function differences(
  before: unknown,
  after: unknown,
  path: PropertyPath = [],
): Omit<InputChange, keyof PathEffect>[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isObject(before) && isObject(after))
    return [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .sort()
      .flatMap((key) => differences(before[key], after[key], [...path, key]));
  const [entriesBefore, entriesAfter] = [before, after].map((v) => (Array.isArray(v) ? entriesByName(v) : undefined));
  if (entriesBefore && entriesAfter)
    return [...new Set([...entriesAfter.keys(), ...entriesBefore.keys()])]
      .filter((name) => entriesBefore.get(name) !== entriesAfter.get(name))
      .map((name) => ({ path: [...path, name], before: entriesBefore.get(name), after: entriesAfter.get(name) }));
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length)
    return before.flatMap((item, i) => differences(item, after[i], [...path, i]));
  return [{ path, before, after }];
}

const OPTIONS = [
  "protect",
  "retainOnDelete",
  "deleteBeforeReplace",
  "ignoreChanges",
  "replaceOnChanges",
  "additionalSecretOutputs",
  "customTimeouts",
  "provider",
] as const;

function readEntries(text: string, where: string): ResourceEntry[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new NotAPlanError(`${where} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries) || !entries.every((e) => isObject(e) && typeof e.urn === "string" && isObject(e.inputs)))
    throw new NotAPlanError(`${where} is not a plan's resources.json (a list of resources with urn and inputs)`);
  return entries as ResourceEntry[];
}

/** The earlier plan's resources and outputs; NotAPlanError if `dir` holds no plan. */
function readPlan(dir: string): { resources: ResourceEntry[]; outputs: unknown } {
  const file = join(dir, "resources.json");
  if (!existsSync(file))
    throw new NotAPlanError(`${dir} holds no plan: no resources.json (make one with --out ${dir})`);
  const outputsFile = join(dir, "outputs.json");
  return {
    resources: readEntries(readFileSync(file, "utf8"), file),
    outputs: existsSync(outputsFile) ? JSON.parse(readFileSync(outputsFile, "utf8")) : undefined,
  };
}

/** Joins a secret leaf and its digest, so that differences() sees a changed secret; shown without it. */
const DIGEST_MARK = "\u0000";

/** `inputs` with each secret leaf (a `[secret]` string, or `NAME=[secret]`) carrying its digest. */
function withSecretDigests(inputs: Json, digests: Readonly<Record<string, string>>): Json {
  const marked = structuredClone(inputs);
  for (const [text, digest] of Object.entries(digests)) {
    const path = parsePath(text);
    const parent = path.slice(0, -1).reduce<unknown>((node, part) => (node as Json | undefined)?.[part], marked);
    const leaf = path.at(-1)!;
    const value = (parent as Json | undefined)?.[leaf];
    if (typeof value === "string" && value.endsWith(SECRET)) (parent as Json)[leaf] = `${value}${DIGEST_MARK}${digest}`;
  }
  return marked;
}

const withoutDigests = (value: unknown): unknown =>
  typeof value === "string"
    ? value.split(DIGEST_MARK)[0]
    : Array.isArray(value)
      ? value.map(withoutDigests)
      : isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDigests(v)]))
        : value;

/**
 * The changed inputs of a resource. Secrets compare by digest where both plans record them (an
 * earlier plan may predate digests): a secret that changed reads `[secret] (changed)` after.
 */
function inputChanges(old: ResourceEntry, now: ResourceEntry): InputChange[] {
  const digests = old.secretDigests && now.secretDigests;
  const [before, after] = digests
    ? [withSecretDigests(old.inputs, old.secretDigests!), withSecretDigests(now.inputs, now.secretDigests!)]
    : [old.inputs, now.inputs];
  return differences(before, after).map((change) => {
    const [was, is] = [withoutDigests(change.before), withoutDigests(change.after)];
    const secretOnly = isDeepStrictEqual(was, is) && typeof is === "string";
    return {
      path: change.path,
      before: was,
      after: secretOnly ? `${is} (changed)` : is,
      ...effectOn(now, change.path, old.inputs),
    };
  });
}

/** A component has no provider: a change of its inputs changes only its record in the stack. */
const effectOn = (resource: ResourceEntry, path: PropertyPath, previous: Json): PathEffect =>
  resource.custom
    ? effectOf(resource, path, previous)
    : { effect: "update", reason: "a component: no provider, nothing where the stack runs changes" };

/** The name the object has where it runs: the Docker name, the Kubernetes metadata.name, else Pulumi's. */
function objectName(entry: ResourceEntry): string {
  const inputs = entry.inputs as { name?: unknown; metadata?: { name?: unknown } };
  const name = entry.type.startsWith("kubernetes:") ? inputs.metadata?.name : inputs.name;
  return typeof name === "string" ? name : entry.name;
}

const kindOf = (type: string) => type.split(":").pop()!;

/**
 * Why replacing or deleting this resource matters: data it holds, the traffic it serves, or, for
 * a job (a Job, a one-shot container), that a new one runs it again.
 */
function risk(entry: ResourceEntry): "data at risk" | "downtime" | "runs again" | undefined {
  const kind = kindOf(entry.type);
  if (entry.type === "docker:index/volume:Volume") return "data at risk";
  // A one-shot container (stacks/docker: restart "no") is a job, not a server.
  if (entry.type === "docker:index/container:Container")
    return (entry.inputs as { restart?: unknown }).restart === "no" ? "runs again" : "downtime";
  if (!entry.type.startsWith("kubernetes:")) return undefined;
  if (kind === "Namespace" || kind === "PersistentVolumeClaim") return "data at risk";
  if (kind === "StatefulSet") {
    const templates = (entry.inputs as { spec?: { volumeClaimTemplates?: unknown[] } }).spec?.volumeClaimTemplates;
    return templates && templates.length > 0 ? "data at risk" : "downtime";
  }
  if (kind === "Job") return "runs again";
  // A named object is deleted before its replacement is created (pulumi-kubernetes provider.go Diff).
  const named = typeof (entry.inputs as { metadata?: { name?: unknown } }).metadata?.name === "string";
  return named && ["Deployment", "DaemonSet", "Service"].includes(kind) ? "downtime" : undefined;
}

const isProvider = (entry: ResourceEntry) => entry.type.startsWith("pulumi:providers:");
const replaces = (c: { inputs: readonly InputChange[] }) => c.inputs.some((i) => i.effect === "replace");

/** `name` (Kind), and whether the old one stays where it runs when it is deleted. */
const described = (entry: ResourceEntry, deleted: boolean) =>
  `\`${objectName(entry)}\` (${kindOf(entry.type)}${deleted && entry.retainOnDelete ? ", the old one kept: retainOnDelete" : ""})`;

/** What resources of a provider pointed elsewhere hold (data at risk) and, if they are replaced, serve. */
function atRisk(managed: readonly ResourceEntry[], replaced: boolean): string {
  const listed = (what: "data at risk" | "downtime") => {
    const names = managed.filter((r) => risk(r) === what).map((r) => described(r, replaced));
    return names.length > 0 ? [`**${what}**: ${names.join(", ")}`] : [];
  };
  return [...listed("data at risk"), ...(replaced ? listed("downtime") : [])].join("; ");
}

/**
 * The warning for a provider whose inputs now point at another cluster or engine: replaced, it takes
 * what it manages with it; not replaced (pulumi-docker), nothing moves and the stack loses track.
 */
function providerWarning(c: Changed, managed: readonly ResourceEntry[], replaced: boolean): string | undefined {
  const target = PROVIDER_TARGETS[c.after.type];
  const moved = c.inputs.filter((i) => target?.inputs.some((input) => covers([input], i.path)));
  const name = `\`${c.after.name}\` (\`${c.after.type}\``;
  const changes = (list: readonly InputChange[]) =>
    list.map((i) => `\`${formatPath(i.path)}\`: ${show(i.before)} → ${show(i.after)}`).join(", ");
  const risks = atRisk(managed, replaced);
  if (replaced) {
    const why = c.inputs.filter((i) => i.effect === "replace");
    const ambient =
      c.after.type === "pulumi:providers:kubernetes" && c.after.inputs.kubeconfig === undefined
        ? " Its kubeconfig is no input here: pulumi-kubernetes compares the clusters only in a kubeconfig it is given" +
          " (`jarvis:cluster.kubeconfigPath`, `jarvis:kubeconfig`, or $KUBECONFIG where `pulumi up` runs); without one" +
          " it updates the provider instead and leaves every object on the old cluster while the stack addresses the new one."
        : "";
    return (
      `this change replaces the provider ${name}; replaced for ${changes(why)}): **every object it manages ` +
      `(${managed.length}) is created anew where it now points, its claims empty, and deleted from where it was**` +
      `${risks ? `. ${risks}` : ""}.${ambient}`
    );
  }
  if (moved.length === 0 || target?.replaces !== false) return undefined;
  return (
    `this change points the provider ${name}; ${changes(moved)}) at another engine, but pulumi-docker updates the ` +
    `provider in place and replaces nothing: **none of its ${managed.length} resources moves**. The old engine keeps running ` +
    "them and the stack keeps their IDs there; a refresh finds them missing on the new engine and the next update " +
    `creates them there anew, volumes empty${risks ? `. ${risks}` : ""}.`
  );
}

/** A Kubernetes quantity in bytes (`50Gi`, `500M`); undefined if it is none. */
function quantity(value: unknown): number | undefined {
  const scale: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  for (const [i, unit] of ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].entries()) scale[unit] = 1024 ** (i + 1);
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?)([KMGTPE]i|[kMGTPE])?$/.exec(value) : null;
  return match ? Number(match[1]) * scale[match[2] ?? ""]! : undefined;
}

const CLAIM_PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const STORAGE_REQUEST = parsePath("spec.resources.requests.storage");
const valueAt = (value: unknown, path: PropertyPath) =>
  path.reduce<unknown>(
    (node, part) => (isObject(node) || Array.isArray(node) ? (node as Json)[part] : undefined),
    value,
  );

/**
 * The claim patches that carry a change inside a StatefulSet's claim template to the claims made
 * from it (Kubernetes names them `<template>-<StatefulSet>-<ordinal>`): those holding the new value.
 */
function patchesCarrying(statefulSet: ResourceEntry, change: InputChange, resources: readonly ResourceEntry[]) {
  const [, , index, ...field] = change.path;
  const template = valueAt(statefulSet.inputs, ["spec", "volumeClaimTemplates", index ?? "", "metadata", "name"]);
  if (typeof index !== "number" || field.length === 0 || typeof template !== "string") return [];
  const prefix = `${template}-${objectName(statefulSet)}-`;
  const namespace = valueAt(statefulSet.inputs, ["metadata", "namespace"]);
  return resources.filter((r) => {
    const name = objectName(r);
    return (
      r.type === CLAIM_PATCH &&
      name.startsWith(prefix) &&
      /^\d+$/.test(name.slice(prefix.length)) &&
      valueAt(r.inputs, ["metadata", "namespace"]) === namespace &&
      isDeepStrictEqual(valueAt(r.inputs, field), change.after)
    );
  });
}

/** The note for a change of a StatefulSet's claim templates, which ignoreChanges keeps from it. */
function claimTemplateNote(change: InputChange, patches: readonly ResourceEntry[]): string {
  if (patches.length === 0)
    return ": no existing claim gets it, only claims made later; to move the data, back it up and restore it into a new claim.";
  const claims = patches.map((p) => `\`${objectName(p)}\``).join(", ");
  return isDeepStrictEqual(change.path.slice(3), STORAGE_REQUEST)
    ? `, but the claim patches carry it to the existing claims (${claims}): Kubernetes expands a claim in place if its` +
        " storage class allows volume expansion, and refuses to shrink one."
    : `, but the claim patches carry it to the existing claims (${claims}).`;
}

const show = (value: unknown) =>
  value === undefined ? "(absent)" : `\`${JSON.stringify(value).replaceAll("`", "'")}\``;
/** A markdown table cell: a pipe would end it. */
const tableCell = (text: string) => text.replaceAll("|", "\\|");
const label = (entry: ResourceEntry) => `\`${entry.type}\` \`${entry.name}\``;

export function comparePlans(previousDir: string, current: PlanFiles): Comparison {
  const previous = readPlan(previousDir);
  const now = readEntries(current["resources.json"], "the current plan's resources.json");
  const before = new Map(previous.resources.map((r) => [r.urn, r]));
  const matched = new Set<string>();
  const added: ResourceEntry[] = [];
  const moved: [ResourceEntry, ResourceEntry][] = [];
  const pairs: { before: ResourceEntry; after: ResourceEntry; inputs: InputChange[] }[] = [];
  for (const after of now) {
    const oldUrn = [after.urn, ...after.aliases].find((urn) => before.has(urn) && !matched.has(urn));
    if (!oldUrn) {
      added.push(after);
      continue;
    }
    matched.add(oldUrn);
    const old = before.get(oldUrn)!;
    if (oldUrn !== after.urn) moved.push([old, after]);
    pairs.push({ before: old, after, inputs: inputChanges(old, after) });
  }
  // A replaced provider replaces every resource it manages (step_generator.go providerChanged).
  const replacedProviders = new Map(
    pairs.filter((p) => isProvider(p.after) && replaces(p)).map((p) => [p.after.urn, p.after]),
  );
  const changed: Changed[] = [];
  for (const { before: old, after, inputs } of pairs) {
    const options = OPTIONS.filter((key) => !isDeepStrictEqual(old[key], after[key])).map(
      (key) => `${key}: ${show(old[key])} → ${show(after[key])}`,
    );
    if (old.imageReference !== after.imageReference)
      options.push(`image reference: ${show(old.imageReference)} → ${show(after.imageReference)}`);
    const provider = after.provider === null ? undefined : replacedProviders.get(after.provider);
    if (inputs.length > 0 || options.length > 0 || provider)
      changed.push({ before: old, after, inputs, options, ...(provider && { provider }) });
  }
  const removed = previous.resources.filter((r) => !matched.has(r.urn));
  const replaced = changed.filter((c) => c.provider || replaces(c));
  // A component is neither replaced nor deleted by a provider: what it groups has its own warnings.
  const removedObjects = removed.filter((r) => r.custom);

  const warnings: string[] = [];
  const notes: string[] = [];
  for (const c of changed.filter((change) => isProvider(change.after))) {
    const managed = now.filter((r) => r.provider === c.after.urn);
    const warning = providerWarning(c, managed, replacedProviders.has(c.after.urn));
    if (warning) warnings.push(warning);
  }
  for (const c of replaced) {
    const why = c.inputs.filter((i) => i.effect === "replace").map((i) => `\`${formatPath(i.path)}\``);
    const at = risk(c.after);
    const name = objectName(c.before);
    const kept = c.before.retainOnDelete
      ? " The old one is kept (retainOnDelete) but no longer used: its data does not move to the new one."
      : "";
    // Replaced only with its provider (no input of its own replaces it): the provider's warning lists it.
    if (why.length > 0 && at === "runs again")
      notes.push(
        `this change recreates \`${name}\` (${label(c.after)}; replaced for ${why.join(", ")}): it runs again.`,
      );
    else if (why.length > 0 && at)
      warnings.push(
        `this change recreates \`${name}\`: **${at}** (${label(c.after)}; replaced for ${why.join(", ")}).${kept}`,
      );
    if (c.after.protect) warnings.push(`\`${name}\` is protected: Pulumi refuses to replace it, **the update fails**.`);
  }
  for (const r of removedObjects) {
    const name = objectName(r);
    const at = risk(r);
    if (r.protect) warnings.push(`\`${name}\` is protected: Pulumi refuses to delete it, **the update fails**.`);
    else if (r.retainOnDelete)
      notes.push(`\`${name}\` (${label(r)}) leaves the stack but is kept where it runs (retainOnDelete).`);
    else if (at && at !== "runs again") warnings.push(`this change deletes \`${name}\`: **${at}** (${label(r)}).`);
  }
  for (const c of changed)
    for (const i of c.inputs.filter((change) => change.effect === "no effect"))
      notes.push(
        `\`${formatPath(i.path)}\` of \`${objectName(c.after)}\` has no effect on the existing object (${i.reason})` +
          (i.ignored && kindOf(c.after.type) === "StatefulSet" && covers(["spec", "volumeClaimTemplates"], i.path)
            ? claimTemplateNote(i, patchesCarrying(c.after, i, now))
            : "."),
      );
  for (const c of changed.filter((change) => kindOf(change.after.type).startsWith("PersistentVolumeClaim")))
    for (const i of c.inputs.filter((change) => isDeepStrictEqual(change.path, STORAGE_REQUEST))) {
      const [was, is] = [quantity(i.before), quantity(i.after)];
      if (was !== undefined && is !== undefined && is < was)
        warnings.push(
          `this change shrinks the claim \`${objectName(c.after)}\` (${show(i.before)} → ${show(i.after)}): Kubernetes ` +
            "refuses to shrink a claim, **the update fails**.",
        );
    }

  const outputs = differences(previous.outputs, JSON.parse(current["outputs.json"]));
  const counts =
    `${added.length} added, ${removed.length} removed, ${changed.length} changed` +
    ` (${replaced.length} replaced)${moved.length > 0 ? `, ${moved.length} moved` : ""}`;
  const section = (title: string, lines: string[]) => (lines.length > 0 ? [`## ${title}`, "", ...lines, ""] : []);
  const markdown = [
    "# Changes since the earlier plan",
    "",
    `Compared with \`${previousDir}\`: ${counts}.`,
    "",
    ...section(
      "Warnings",
      warnings
        .map((w) => `> ${w}`)
        .flatMap((w) => [w, ""])
        .slice(0, -1),
    ),
    ...section(
      "Notes",
      notes.map((n) => `- ${n}`),
    ),
    ...section(
      "Added",
      added.map((r) => `- ${label(r)} \`${r.urn}\``),
    ),
    ...section(
      "Removed",
      removed.map((r) => `- ${label(r)} \`${r.urn}\``),
    ),
    ...section(
      "Moved",
      moved.map(([old, now]) => `- \`${old.urn}\` → \`${now.urn}\` (alias: the same resource)`),
    ),
    ...section("Changed", changed.flatMap(changedLines)),
    ...section(
      "Outputs",
      outputs.map((o) => `- \`${formatPath(o.path)}\`: ${show(o.before)} → ${show(o.after)}`),
    ),
  ].join("\n");
  return {
    markdown: `${markdown.trimEnd()}\n`,
    summary: [`changes since ${previousDir}: ${counts}`, ...warnings.map((w) => `  ${w.replaceAll("**", "")}`)],
  };
}

function changedLines(c: Changed): string[] {
  const verdict =
    c.provider || replaces(c)
      ? "replaced"
      : c.inputs.some((i) => i.effect === "update" || i.effect === "unknown")
        ? "updated"
        : "no change to the object";
  return [
    `### ${label(c.after)}: ${verdict}`,
    "",
    ...(c.inputs.length > 0
      ? [
          "| input | before | after | effect |",
          "| --- | --- | --- | --- |",
          ...c.inputs.map(
            (i) =>
              `| ${[`\`${formatPath(i.path)}\``, show(i.before), show(i.after), `${i.effect}: ${i.reason}`].map(tableCell).join(" | ")} |`,
          ),
          "",
        ]
      : []),
    ...c.options.map((o) => `- option ${o}`),
    ...(c.provider
      ? [`- replaced with its provider \`${c.provider.name}\` (\`${c.provider.type}\`), which is replaced`]
      : []),
    ...(c.options.length > 0 || c.provider ? [""] : []),
  ];
}
