// Turns the raw Pulumi config (key -> string, as the engine hands it to the program) into one typed,
// validated StackConfig, or into the full list of problems, each with its config key path.
import type { z } from "zod";
import { CATALOGUE, type Catalogue } from "../catalogue";
import { MACHINE, type Host } from "../host";
import { crossKeyFindings } from "./checks";
import { keyPath, type ConfigProblem } from "./problems";
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

function zodProblems(namespace: string, key: string, error: z.ZodError): ConfigProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((k) => ({ key: keyPath(namespace, key, [...issue.path, k]), message: "unknown key" }))
      : [{ key: keyPath(namespace, key, issue.path), message: issue.message }],
  );
}

/**
 * Validates the `<namespace>:` keys of a stack's config. Keys of other namespaces (`kubernetes:`,
 * `docker:`) pass through untouched. Secret values are checked for presence only and never copied
 * into the result: the program reads them with `requireSecret`.
 */
export interface LoadOptions {
  /** The service graph the schema is built for (Jarvis's own by default). */
  readonly catalogue?: Catalogue;
  /** The machine whose files the config names (this one by default). */
  readonly host?: Host;
}

export function loadStackConfig(
  raw: Readonly<Record<string, string>>,
  secretKeys: readonly string[],
  namespace = "jarvis",
  { catalogue = CATALOGUE, host = MACHINE }: LoadOptions = {},
): LoadResult {
  const { shared: sharedKeys, ...platformKeys } =
    catalogue === CATALOGUE ? { shared: defaultSharedKeys, ...PLATFORM_KEYS } : buildSchema(catalogue);
  const problems: ConfigProblem[] = [];
  const values = new Map<string, unknown>();
  const present = new Set<SecretKey>();
  const refused = new Set<string>();
  const secretKeySet = new Set(secretKeys);

  for (const [fullKey, value] of Object.entries(raw)) {
    if (!fullKey.startsWith(`${namespace}:`)) continue;
    const key = fullKey.slice(namespace.length + 1);
    if (Object.hasOwn(SECRET_KEYS, key)) {
      const problem = !secretKeySet.has(fullKey)
        ? `must be stored encrypted: pulumi config set --secret ${fullKey}`
        : value.trim() === ""
          ? "must not be empty"
          : typeof parseRawValue(value) !== "string"
            ? "must be one encrypted string, not a map or a list"
            : undefined;
      if (problem) problems.push({ key: fullKey, message: problem });
      else present.add(key as SecretKey);
    } else if (secretKeySet.has(fullKey)) {
      problems.push({
        key: fullKey,
        message: "holds no secret: set it without --secret so that plans and reviews can read it",
      });
      refused.add(key);
    } else {
      values.set(key, parseRawValue(value));
    }
  }

  const platformResult = sharedKeys.platform.safeParse(values.get("platform"));
  const platform: Platform | undefined = platformResult.success ? platformResult.data : undefined;
  const known = new Set<string>([
    ...Object.keys(sharedKeys),
    ...PLATFORMS.flatMap((p) => Object.keys(platformKeys[p])),
    ...Object.keys(SECRET_KEYS),
  ]);
  for (const key of values.keys()) {
    if (!known.has(key)) problems.push({ key: keyPath(namespace, key), message: "unknown configuration key" });
  }

  // Only the chosen platform's keys are validated; the other platform's project defaults are ignored.
  const schemas: Record<string, z.ZodType> = { ...sharedKeys, ...(platform ? platformKeys[platform] : {}) };
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(schemas)) {
    if (!values.has(key)) {
      if (OPTIONAL_KEYS.has(key)) parsed[key] = ABSENT_BY_DEFAULT.has(key) ? undefined : {};
      else if (!refused.has(key)) problems.push({ key: keyPath(namespace, key), message: missingMessage(key) });
      continue;
    }
    const result = schema.safeParse(values.get(key));
    if (result.success) parsed[key] = result.data;
    else problems.push(...zodProblems(namespace, key, result.error));
  }

  const crossKey = crossKeyFindings(parsed, present, namespace, catalogue, host);
  problems.push(...crossKey.problems);
  if (problems.length > 0 || !platform) {
    return { ok: false, problems: sortProblems(problems) };
  }
  const config = parsed as unknown as StackConfig;
  return { ok: true, config, secrets: neededSecrets(config, present), warnings: sortProblems(crossKey.warnings) };
}

/** The provided secrets this stack uses: those of switched-on features, and the platform's own. */
function neededSecrets(config: StackConfig, present: ReadonlySet<SecretKey>): ReadonlySet<SecretKey> {
  return new Set(
    [...present].filter((key) => {
      const spec: { feature?: keyof StackConfig["features"]; platform?: Platform; key?: string } = SECRET_KEYS[key];
      if (spec.feature) return config.features[spec.feature];
      if (spec.key) return (config as unknown as Record<string, unknown>)[spec.key] !== undefined;
      return spec.platform === config.platform;
    }),
  );
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
