// zod's issues as config problems a person can act on: the key path as `pulumi config set --path`
// takes it, the value that was refused, and for a misspelt key the nearest known one.
import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { keyPath, type ConfigProblem, type PathSegment } from "./problems";

/** The zod definition fields this module reads (zod 4's `_zod.def`). */
interface Definition {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly element?: z.ZodType;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Record<string, string>;
}
const definition = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Definition } })._zod.def;

/** The schemas a value may match, through wrappers (optional, default, pipe) and unions. */
function alternatives(schema: z.ZodType): z.ZodType[] {
  const def = definition(schema);
  if (def.innerType) return alternatives(def.innerType);
  if (def.type === "pipe" && def.in) return alternatives(def.in);
  if (def.type === "union" && def.options) return def.options.flatMap(alternatives);
  return [schema];
}

/** The schemas of what sits at `path` inside a value of `schema`. */
function schemasAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType[] {
  return path.reduce<z.ZodType[]>(
    (schemas, segment) =>
      schemas.flatMap(alternatives).flatMap((s) => {
        const def = definition(s);
        const child = def.shape?.[String(segment)] ?? def.valueType ?? def.element;
        return child ? [child] : [];
      }),
    [schema],
  );
}

/** The keys an object at `path` may have. */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  return schemasAt(schema, path)
    .flatMap(alternatives)
    .flatMap((s) => {
      const def = definition(s);
      if (def.shape) return Object.keys(def.shape);
      const keys = def.keyType && definition(def.keyType).entries;
      return keys ? Object.values(keys) : [];
    });
}

/** Two letters swapped side by side (`prot`, `port`): a typo Levenshtein's distance counts as two. */
function swapped(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differ = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return (
    differ.length === 2 &&
    differ[1] === differ[0]! + 1 &&
    a[differ[0]!] === b[differ[1]!] &&
    a[differ[1]!] === b[differ[0]!]
  );
}

/**
 * "unknown key", with the nearest of `known` when it is close enough to be a typo of it: a letter
 * in three wrong (at least one), or two letters swapped. `host` is no typo of `port`.
 */
export function unknownKeyMessage(key: string, known: readonly string[], what = "key"): string {
  if (known.length === 0) return `unknown ${what}`;
  const lower = key.toLowerCase();
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const nearest = closest(lower, [...byLower.keys()]);
  const close = distance(lower, nearest) <= Math.max(1, Math.floor(key.length / 3)) || swapped(lower, nearest);
  return close ? `unknown ${what}; did you mean ${byLower.get(nearest)}?` : `unknown ${what}`;
}

/** A value as a problem quotes it: JSON, cut short. */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** What lies at `path` inside a value, if anything. */
export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  return path.reduce<unknown>(
    (node, segment) =>
      typeof node === "object" && node !== null ? (node as Record<PathSegment, unknown>)[segment] : undefined,
    value,
  );
}

type Issue = z.core.$ZodIssue;

/**
 * A union's issues, when the value has the type of just one of its alternatives: that one's, with
 * full paths (an object with a misspelt key is not "invalid input" of a number-or-object).
 */
function withinUnion(issue: Issue): Issue[] {
  if (issue.code !== "invalid_union") return [issue];
  const typed = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && i.code === "invalid_type"));
  if (typed.length !== 1) return [issue];
  return typed[0]!.flatMap((inner) => withinUnion({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** The types an issue expected: of a type mismatch, or of every alternative of a union. */
function expected(issue: Issue): string | undefined {
  if (issue.code === "invalid_type") return issue.expected;
  if (issue.code !== "invalid_union") return undefined;
  const types = issue.errors.map((branch) => (branch.length === 1 ? expected(branch[0]!) : undefined));
  return types.every((t) => t !== undefined) ? [...new Set(types)].join(" or ") : undefined;
}

/**
 * The problems of a value; with `incomplete` allowed, not what it leaves out (another platform's key
 * in Pulumi.yaml: that platform's stacks complete it).
 */
export function zodProblems(
  namespace: string,
  key: string,
  schema: z.ZodType,
  value: unknown,
  error: z.ZodError,
  { incomplete = false }: { readonly incomplete?: boolean } = {},
): ConfigProblem[] {
  return error.issues.flatMap(withinUnion).flatMap((issue) => {
    if (incomplete && issue.code !== "unrecognized_keys" && valueAt(value, issue.path) === undefined) return [];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((k) => ({
        key: keyPath(namespace, key, [...issue.path, k]),
        message: unknownKeyMessage(k, known),
      }));
    }
    const found = valueAt(value, issue.path);
    const message =
      found === undefined
        ? issue.code === "custom"
          ? issue.message
          : `missing: expected ${expected(issue) ?? "a value"}`
        : `${issue.message.replace(/, received \w+$/, "")} (got ${quoted(found)})`;
    return [{ key: keyPath(namespace, key, issue.path), message }];
  });
}
