// The restructuring of the source must not change any resource: each shipped stack's plan is
// compared with its plan from before (test/fixtures/plans-before/<stack>). A resource may move
// (a new URN) only with an alias to its old URN, which makes it, for the engine, the same resource.
// New resources may only be components that group old ones (they create nothing in the cloud).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { shippedPlan, type ParsedPlan } from "../test-support";
import { PROJECT_DIR } from "./cli";

type Entry = Record<string, unknown> & { urn: string; aliases?: string[] };

const BEFORE_DIR = join(PROJECT_DIR, "test/fixtures/plans-before");
const readBefore = (stack: string, file: string): unknown =>
  JSON.parse(readFileSync(join(BEFORE_DIR, stack, file), "utf8"));

/** Fields a move may change: the URN, and the aliases that record the move. */
const MOVED_FIELDS = new Set(["urn", "aliases"]);
/** Fields that hold URNs, compared once the old URNs are mapped to the new ones. */
const URN_FIELDS = new Set(["parent", "provider"]);

const show = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

/** The first path (from `path`) where `a` and `b` differ, with both values there; undefined if equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  const bothArrays = Array.isArray(a) && Array.isArray(b);
  const bothObjects = [a, b].every((v) => typeof v === "object" && v !== null && !Array.isArray(v));
  if (bothArrays && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (found) return found;
    }
  }
  if (bothObjects) {
    const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
    for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      const found = firstDifference(x[key], y[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path} was ${show(a)}, is now ${show(b)}`;
}

/**
 * Pairs each old resource with the one new resource whose URN or aliases name its URN; returns the
 * pairs, the old-to-new URN map and what does not pair one to one.
 */
function pair(before: Entry[], after: Entry[]) {
  const oldUrns = new Set(before.map((r) => r.urn));
  const claims = new Map<string, Entry[]>();
  const problems: string[] = [];
  for (const resource of after) {
    const identities = [...new Set([resource.urn, ...(resource.aliases ?? [])])].filter((urn) => oldUrns.has(urn));
    if (identities.length === 0 && !isNewGrouping(resource))
      problems.push(`${resource.urn}: a new resource; no old URN matches its URN or aliases`);
    if (identities.length > 1)
      problems.push(`${resource.urn}: matches ${identities.length} old resources: ${identities.join(", ")}`);
    for (const urn of identities) claims.set(urn, [...(claims.get(urn) ?? []), resource]);
  }
  const pairs: [Entry, Entry][] = [];
  const renamed = new Map<string, string>();
  for (const old of before) {
    const claimed = claims.get(old.urn) ?? [];
    if (claimed.length === 0) problems.push(`${old.urn}: gone; no new resource has this URN or an alias to it`);
    if (claimed.length > 1)
      problems.push(`${old.urn}: claimed by ${claimed.length} new resources: ${claimed.map((r) => r.urn).join(", ")}`);
    if (claimed.length !== 1) continue;
    pairs.push([old, claimed[0]!]);
    if (claimed[0]!.urn !== old.urn) renamed.set(old.urn, claimed[0]!.urn);
  }
  const added = after.filter((r) => !r.custom && ![r.urn, ...(r.aliases ?? [])].some((urn) => oldUrns.has(urn)));
  if (before.length !== after.length - added.length)
    problems.push(`${before.length} resources before, ${after.length - added.length} now (besides new components)`);
  return { pairs, renamed, problems, added: new Map(added.map((r) => [r.urn, r])) };
}

/** A component of the program's own (`jarvis:`), which only groups resources. */
const isNewGrouping = (resource: Entry) => resource.custom === false && String(resource.type).startsWith("jarvis:");

/** Maps old URNs to new ones, also inside strings (longest URN first, so none matches inside another). */
function urnMapper(renamed: Map<string, string>) {
  const escaped = [...renamed.keys()]
    .sort((a, b) => b.length - a.length)
    .map((u) => u.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = escaped.length > 0 ? new RegExp(escaped.join("|"), "g") : undefined;
  const mapString = (text: string) => (pattern ? text.replace(pattern, (urn) => renamed.get(urn)!) : text);
  const mapDeep = (value: unknown): unknown => {
    if (typeof value === "string") return mapString(value);
    if (Array.isArray(value)) return value.map(mapDeep);
    if (typeof value === "object" && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapDeep(v)]));
    return value;
  };
  const mapUrn = (urn: unknown) => (typeof urn === "string" ? (renamed.get(urn) ?? urn) : urn);
  return { mapUrn, mapDeep };
}

/** Every recorded field of a pair that differs once a move is accounted for, naming the URN and field. */
function fieldDifferences(
  old: Entry,
  now: Entry,
  mapper: ReturnType<typeof urnMapper>,
  added: ReadonlyMap<string, Entry>,
): string[] {
  const problems: string[] = [];
  // A resource nested under a new component keeps, through it, the parent it had.
  let parent = now.parent;
  while (typeof parent === "string" && added.has(parent)) parent = added.get(parent)!.parent;
  now = { ...now, parent };
  for (const field of [...new Set([...Object.keys(old), ...Object.keys(now)])]) {
    if (MOVED_FIELDS.has(field)) continue;
    let [was, is] = [old[field], now[field]];
    if (URN_FIELDS.has(field)) was = mapper.mapUrn(was);
    else if (field === "dependencies" && Array.isArray(was) && Array.isArray(is))
      [was, is] = [was.map(mapper.mapUrn).sort(), [...is].sort()];
    else if (field === "inputs") was = mapper.mapDeep(was);
    const difference = firstDifference(was, is, field);
    if (difference) problems.push(`${now.urn}${now.urn === old.urn ? "" : ` (before: ${old.urn})`}: ${difference}`);
  }
  // The type field is the leaf type; a move may change the URN's type chain, not the leaf.
  const leaf = (urn: string) => urn.split("::")[2]!.split("$").pop();
  if (leaf(old.urn) !== leaf(now.urn))
    problems.push(`${now.urn}: the URN's leaf type was ${leaf(old.urn)}, is now ${leaf(now.urn)}`);
  return problems;
}

describe.each(["dev", "staging", "prod"])("the plan of %s after the restructuring", (stack) => {
  let now: ParsedPlan;
  const before = () => readBefore(stack, "resources.json") as Entry[];
  beforeAll(async () => {
    now = await shippedPlan(stack);
  });

  it("has the same resources: each old URN is one new resource's URN or alias, and each new resource one old URN's", () => {
    expect(pair(before(), now.resources).problems).toEqual([]);
  });

  it("records every resource as before, but for its URN and the URNs it refers to", () => {
    const { pairs, renamed, added } = pair(before(), now.resources);
    const mapper = urnMapper(renamed);
    expect(pairs.flatMap(([old, current]) => fieldDifferences(old, current, mapper, added))).toEqual([]);
  });

  it("has the same stack outputs", () => {
    const difference = firstDifference(readBefore(stack, "outputs.json"), now.outputs, "outputs");
    expect(difference, difference).toBeUndefined();
  });
});
