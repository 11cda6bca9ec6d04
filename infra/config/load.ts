// Turns the raw Pulumi config (key -> string, as the engine hands it to the program) into one typed,
// validated StackConfig, or into the full list of problems, each with its config key path.
import type { z } from "zod";
import { CATALOGUE, type Catalogue } from "../catalogue";
import { MACHINE, type Host } from "../host";
import { secretNeed } from "./application";
import { crossKeyFindings } from "./checks";
import { SELECTOR_FIELDS } from "./fields";
import { overlay, patchSets } from "./overlay";
import { keyPath, type ConfigProblem } from "./problems";
import { unknownKeyMessage, valueAt, zodProblems } from "./zod-problems";
import {
  ABSENT_BY_DEFAULT,
  buildSchema,
  OPTIONAL_KEYS,
  PLATFORM_KEYS,
  PLATFORMS,
  SECRET_KEYS,
  sharedKeys as defaultSharedKeys,
  type Platform,
  type SecretKey,
  type StackConfig,
} from "./schema";

export type LoadResult =
  | {
      readonly ok: true;
      readonly config: StackConfig;
      readonly secrets: ReadonlySet<SecretKey>;
      /** What is printed and does not stop the run. */
      readonly warnings: readonly ConfigProblem[];
    }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Pulumi hands object values over as JSON text and scalars as plain text. */
export function parseRawValue(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export interface LoadOptions {
  /** The service graph the schema is built for (Jarvis's own by default). */
  readonly catalogue?: Catalogue;
  /** The machine whose files the config names (this one by default). */
  readonly host?: Host;
  /**
   * Pulumi.yaml's defaults by full key. With them, a stack's object value is laid over its key's
   * default (overlay.ts), and only what the stack sets draws a warning; without them every value
   * is taken as the stack's own.
   */
  readonly projectDefaults?: ReadonlyMap<string, unknown>;
}

/**
 * Validates the `<namespace>:` keys of a stack's config. Keys of other namespaces (`kubernetes:`,
 * `docker:`) pass through untouched. Secret values are checked for presence only and never copied
 * into the result: the program reads them with `requireSecret`.
 */
export function loadStackConfig(
  raw: Readonly<Record<string, string>>,
  secretKeys: readonly string[],
  namespace = "jarvis",
  { catalogue = CATALOGUE, host = MACHINE, projectDefaults }: LoadOptions = {},
): LoadResult {
  const { shared: sharedKeys, ...platformKeys } =
    catalogue === CATALOGUE ? { shared: defaultSharedKeys, ...PLATFORM_KEYS } : buildSchema(catalogue);
  const problems: ConfigProblem[] = [];
  const values = new Map<string, unknown>();
  /** What the stack file itself sets, by key (see overlay.ts). */
  const patches = new Map<string, unknown>();
  const present = new Set<SecretKey>();
  const refused = new Set<string>();
  const secretKeySet = new Set(secretKeys);
  /** Who reads each key: every platform, or one. */
  const owner = new Map<string, Platform | "shared">([
    ...Object.keys(sharedKeys).map((key) => [key, "shared"] as const),
    ...PLATFORMS.flatMap((p) => Object.keys(platformKeys[p]).map((key) => [key, p] as const)),
  ]);
  const keysOf: Record<Platform | "shared", Record<string, z.ZodType>> = { shared: sharedKeys, ...platformKeys };
  const schemaOf = (key: string): z.ZodType | undefined => {
    const belongs = owner.get(key);
    return belongs && keysOf[belongs][key];
  };

  for (const [fullKey, value] of Object.entries(raw)) {
    if (!fullKey.startsWith(`${namespace}:`)) continue;
    const key = fullKey.slice(namespace.length + 1);
    if (Object.hasOwn(SECRET_KEYS, key)) {
      const problem = !secretKeySet.has(fullKey)
        ? `must be stored encrypted: pulumi config set --secret ${fullKey} <value>`
        : value.trim() === ""
          ? "must not be empty"
          : typeof parseRawValue(value) !== "string"
            ? "must be one encrypted string, not a map or a list"
            : undefined;
      if (problem) {
        problems.push({ key: fullKey, message: problem });
        refused.add(key);
      } else {
        present.add(key as SecretKey);
        patches.set(key, true);
      }
      // A misspelt key falls through to "unknown key" below, secret or not: "did you mean" helps more.
    } else if (secretKeySet.has(fullKey) && owner.has(key)) {
      problems.push({
        key: fullKey,
        message: "holds no secret: set it without --secret so that plans and reviews can read it",
      });
      refused.add(key);
    } else {
      const received = parseRawValue(value);
      const { value: overlaid, patch } = overlay(received, projectDefaults?.get(fullKey), SELECTOR_FIELDS);
      values.set(key, overlaid);
      patches.set(key, patch);
    }
  }

  const platformResult = sharedKeys.platform.safeParse(values.get("platform"));
  const platform: Platform | undefined = platformResult.success ? platformResult.data : undefined;
  const chosen: Record<string, z.ZodType> = { ...sharedKeys, ...(platform ? platformKeys[platform] : {}) };
  const warnings: ConfigProblem[] = [];
  const parsed: Record<string, unknown> = {};
  const parsedAll: Record<string, unknown> = {};

  // Every key that is set is validated, whichever platform reads it: a Pulumi.yaml that plans on
  // Docker must not break Kubernetes. Only the chosen platform's keys are required and used.
  for (const [key, value] of values) {
    const schema = schemaOf(key);
    if (!schema) {
      const known = [...owner.keys(), ...Object.keys(SECRET_KEYS)];
      problems.push({ key: keyPath(namespace, key), message: unknownKeyMessage(key, known, "configuration key") });
      continue;
    }
    const result = schema.safeParse(value);
    const used = Object.hasOwn(chosen, key);
    // Another platform's key may be incomplete (a default its stacks complete); wrong, never.
    const found = result.success ? [] : zodProblems(namespace, key, schema, value, result.error, { incomplete: !used });
    problems.push(...found);
    if (result.success) parsedAll[key] = result.data;
    if (used && result.success) parsed[key] = result.data;
    else if (!used && found.length === 0 && platform && patches.get(key) !== undefined)
      warnings.push({
        key: keyPath(namespace, key),
        message: `has no effect on a ${platform} stack: only ${owner.get(key)} stacks read it`,
      });
  }
  for (const key of Object.keys(chosen)) {
    if (values.has(key)) continue;
    if (OPTIONAL_KEYS.has(key)) parsed[key] = ABSENT_BY_DEFAULT.has(key) ? undefined : {};
    else if (!refused.has(key)) problems.push({ key: keyPath(namespace, key), message: missingMessage(key) });
  }

  // A warning is about something the stack file sets; Pulumi.yaml's defaults serve every stack.
  const setByStack = (key: string, path: readonly (string | number)[]) => patchSets(patches.get(key), path);
  const isSet = (key: string, path: readonly (string | number)[]) => valueAt(values.get(key), path) !== undefined;
  const crossKey = platform
    ? crossKeyFindings({ parsed, parsedAll, platform, secrets: present, namespace, catalogue, host, setByStack, isSet })
    : { problems: [], warnings: [] };
  // A refused secret has its problem; "required" or "no effect" would contradict it.
  problems.push(...crossKey.problems.filter((p) => !refused.has(p.key.slice(namespace.length + 1))));
  warnings.push(...crossKey.warnings);
  if (problems.length > 0 || !platform) {
    return { ok: false, problems: sortProblems(problems) };
  }
  const config = parsed as unknown as StackConfig;
  return { ok: true, config, secrets: neededSecrets(config, present), warnings: sortProblems(warnings) };
}

/** The provided secrets this stack uses: those of switched-on features, and the platform's own. */
function neededSecrets(config: StackConfig, present: ReadonlySet<SecretKey>): ReadonlySet<SecretKey> {
  return new Set([...present].filter((key) => !secretNeed(config, SECRET_KEYS[key]).unused));
}

function missingMessage(key: string): string {
  return key === "platform"
    ? `required: set it in the stack file to one of ${PLATFORMS.join(", ")}`
    : "required (set a project default in Pulumi.yaml or a value in the stack file)";
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const id = `${p.key}\u0000${p.message}`;
      return seen.has(id) ? false : (seen.add(id), true);
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
