// Reads Pulumi.yaml and a stack file and merges their config the way the Pulumi CLI does, so that
// the offline plan sees what `pulumi up` would hand the program:
// - a project-level key applies unless the stack file sets that key, which then replaces it whole;
// - in Pulumi.yaml a key without namespace belongs to the project; a scalar or list is a default,
//   an object is a declaration whose `value` (or `default`) applies;
// - the program receives strings: scalars as text, objects and lists as JSON;
// - a key holding a `secure:` value anywhere is a secret key. The plan cannot decrypt, so each
//   encrypted leaf becomes a stand-in that the plan's leak check recognises.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { ConfigProblem } from "./problems";

export const PLAN_SECRET_PREFIX = "PLAN-SECRET-";

export interface MergedConfig {
  readonly project: string;
  /** Full key (`namespace:name`) to the string the program receives. */
  readonly config: Record<string, string>;
  /** Full keys whose value holds a secret. */
  readonly secretKeys: string[];
}

/** A project or stack file that cannot be read or merged. */
export class StackFileError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  }
}

function readYaml(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new StackFileError([{ key: path, message: "file not found or not readable" }]);
  }
  try {
    return parse(text) ?? {};
  } catch (error) {
    throw new StackFileError([{ key: path, message: `not valid YAML: ${(error as Error).message.split("\n")[0]}` }]);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function fullKey(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function toProgramString(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Replaces every `{secure: ...}` leaf with a stand-in; reports whether there was one. */
function replaceSecure(value: unknown, label: string): { value: unknown; secret: boolean } {
  if (isObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") {
    return { value: `${PLAN_SECRET_PREFIX}${label}`, secret: true };
  }
  let secret = false;
  const recurse = (v: unknown, sub: string) => {
    const r = replaceSecure(v, sub);
    secret ||= r.secret;
    return r.value;
  };
  if (Array.isArray(value)) return { value: value.map((v, i) => recurse(v, `${label}[${i}]`)), secret };
  if (isObject(value)) return { value: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recurse(v, `${label}.${k}`)])), secret };
  return { value, secret: false };
}

function projectDefaults(project: string, config: unknown, file: string): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  if (config === undefined || config === null) return defaults;
  if (!isObject(config)) throw new StackFileError([{ key: `${file}: config`, message: "must be a map of config keys" }]);
  for (const [key, declaration] of Object.entries(config)) {
    const full = fullKey(project, key);
    if (!isObject(declaration)) {
      defaults.set(full, declaration);
      continue;
    }
    if ("value" in declaration && "default" in declaration)
      throw new StackFileError([{ key: full, message: `${file} gives both 'default' and 'value'` }]);
    const value = declaration.value ?? declaration.default;
    if (value !== undefined) defaults.set(full, value);
  }
  return defaults;
}

export function mergeStackConfig(projectFile: string, stackFile: string): MergedConfig {
  const projectDoc = readYaml(projectFile);
  if (!isObject(projectDoc) || typeof projectDoc.name !== "string")
    throw new StackFileError([{ key: projectFile, message: "is not a Pulumi project file (no 'name')" }]);
  const project = projectDoc.name;
  const stackDoc = readYaml(stackFile);
  if (!isObject(stackDoc)) throw new StackFileError([{ key: stackFile, message: "must be a map with a 'config' key" }]);
  const stackConfig = stackDoc.config ?? {};
  if (!isObject(stackConfig)) throw new StackFileError([{ key: `${stackFile}: config`, message: "must be a map of config keys" }]);

  const merged = projectDefaults(project, projectDoc.config, projectFile);
  for (const [key, value] of Object.entries(stackConfig)) merged.set(fullKey(project, key), value);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const replaced = replaceSecure(value, key.slice(key.indexOf(":") + 1));
    config[key] = toProgramString(replaced.value);
    if (replaced.secret) secretKeys.push(key);
  }
  return { project, config, secretKeys };
}
