// Reads Pulumi.yaml and a stack file and merges their config the way the Pulumi CLI does, so that
// the offline plan sees what `pulumi up` would hand the program:
// - a project-level key applies unless the stack file sets that key, which then replaces it whole;
// - in Pulumi.yaml a key without namespace belongs to the project; a scalar or list is a default,
//   an object is a declaration whose `value` (or `default`) applies;
// - `<ns>:config:<name>` is the legacy spelling of `<ns>:<name>`;
// - the program receives strings: scalars as text, objects and lists as JSON;
// - a key holding a `secure:` value anywhere is a secret key. The plan cannot decrypt, so each
//   encrypted leaf becomes a stand-in that the plan's leak check recognises, and that changes with
//   its ciphertext.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { ConfigProblem } from "../../infra/config/problems";
import { fullConfigKey, projectDefaultsOf, type ProjectDefaults } from "../../infra/config/project-file";
import { isPlainObject, secureStandIn, StackFileError, type MergedConfig } from "./merged-config";

/** Top-level keys of a stack file besides `config`, all strings. */
const STACK_FILE_SETTINGS = ["secretsprovider", "encryptedkey", "encryptionsalt"];

function readYaml(path: string): { text: string; document: unknown } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new StackFileError([{ key: path, message: "file not found or not readable" }]);
  }
  // Merge keys (`<<`) as the CLI's YAML reader takes them; a warning (an unknown tag) is an error.
  const document = parseDocument(text, { merge: true });
  const [problem] = [...document.errors, ...document.warnings];
  // The library's message ends with the lines around the problem and a caret under it.
  if (problem) throw new StackFileError([{ key: path, message: `not valid YAML: ${problem.message.trimEnd()}` }]);
  return { text, document: document.toJS() ?? {} };
}

function toProgramString(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Numbers JSON cannot carry (YAML's `.inf`, `1e400`), by path. */
function nonFinite(value: unknown, path: string): string[] {
  if (typeof value === "number") return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${path}[${i}]`));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`));
  return [];
}

/** Replaces every `{secure: ...}` leaf with a stand-in; reports whether there was one. */
function replaceSecure(value: unknown, label: string): { value: unknown; secret: boolean } {
  if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") {
    return { value: secureStandIn(label, value.secure), secret: true };
  }
  let secret = false;
  const recurse = (v: unknown, sub: string) => {
    const r = replaceSecure(v, sub);
    secret ||= r.secret;
    return r.value;
  };
  if (Array.isArray(value)) return { value: value.map((v, i) => recurse(v, `${label}[${i}]`)), secret };
  if (isPlainObject(value))
    return {
      value: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recurse(v, `${label}.${k}`)])),
      secret,
    };
  return { value, secret: false };
}

/** The project-level config values of a Pulumi.yaml, by full key, and the text they come from. */
export function projectConfig(projectFile: string): ProjectDefaults & { text: string } {
  const { text, document } = readYaml(projectFile);
  return { ...projectDefaultsOf(document, projectFile), text };
}

function stackConfig(stackFile: string): Record<string, unknown> {
  const { document } = readYaml(stackFile);
  if (!isPlainObject(document))
    throw new StackFileError([{ key: stackFile, message: "must be a map with a 'config' key" }]);
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (key === "environment")
      problems.push({
        key: `${stackFile}: environment`,
        message: "Pulumi ESC environments cannot be resolved offline; plan a copy of the stack file without it",
      });
    else if (STACK_FILE_SETTINGS.includes(key) && typeof value !== "string")
      problems.push({ key: `${stackFile}: ${key}`, message: "must be a string" });
    else if (key !== "config" && !STACK_FILE_SETTINGS.includes(key))
      problems.push({ key: `${stackFile}: ${key}`, message: "unknown top-level key of a stack file" });
  }
  const config = document.config ?? {};
  if (!isPlainObject(config)) problems.push({ key: `${stackFile}: config`, message: "must be a map of config keys" });
  if (problems.length > 0) throw new StackFileError(problems);
  return config as Record<string, unknown>;
}

export function mergeStackConfig(projectFile: string, stackFile: string): MergedConfig {
  const { project, values: defaults, text: projectText } = projectConfig(projectFile);
  const merged = new Map(defaults);
  // A key left empty in the stack file (`key:` or `key: ~`) sets nothing.
  for (const [key, value] of Object.entries(stackConfig(stackFile)))
    if (value !== null) merged.set(fullConfigKey(project, key), value);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const [key, value] of [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const path of nonFinite(value, key)) problems.push({ key: path, message: "number out of range" });
    const replaced = replaceSecure(value, key.slice(key.indexOf(":") + 1));
    config[key] = toProgramString(replaced.value);
    if (replaced.secret) secretKeys.push(key);
  }
  if (problems.length > 0) throw new StackFileError(problems);
  return { project, config, secretKeys, projectDefaults: defaults, projectText };
}
