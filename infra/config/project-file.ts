// Pulumi.yaml's project-level config, read as the Pulumi CLI reads it: the defaults a stack file's
// values are laid over (overlay.ts). The program reads it from the project's root directory under
// `pulumi up` (program.ts); the offline plan reads it with the stack file (tools/plan/stack-files.ts).
// Free of the YAML library, so that the offline plan's main thread need not load it.
import type { ConfigProblem } from "./problems";

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A project or stack file that cannot be read or merged. */
export class StackFileError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  }
}

export interface ProjectDefaults {
  /** The project's name: the namespace of keys written without one. */
  readonly project: string;
  /** Full key (`namespace:name`) to its default value. */
  readonly values: ReadonlyMap<string, unknown>;
}

/** `name` belongs to the project; `<ns>:config:<name>` is the legacy spelling of `<ns>:<name>`. */
export function fullConfigKey(project: string, key: string): string {
  if (!key.includes(":")) return `${project}:${key}`;
  return key.replace(/^([^:]+):config:/, "$1:");
}

/**
 * The defaults of a parsed Pulumi.yaml: a scalar or list is a default, an object is a declaration
 * whose `value` (or `default`) applies.
 */
export function projectDefaultsOf(document: unknown, file: string): ProjectDefaults {
  if (!isPlainObject(document) || typeof document.name !== "string")
    throw new StackFileError([{ key: file, message: "is not a Pulumi project file (no 'name')" }]);
  const project = document.name;
  const values = new Map<string, unknown>();
  const config = document.config ?? {};
  if (!isPlainObject(config))
    throw new StackFileError([{ key: `${file}: config`, message: "must be a map of config keys" }]);
  for (const [key, declaration] of Object.entries(config)) {
    const full = fullConfigKey(project, key);
    if (!isPlainObject(declaration)) {
      values.set(full, declaration);
      continue;
    }
    if ("value" in declaration && "default" in declaration)
      throw new StackFileError([{ key: full, message: `${file} gives both 'default' and 'value'` }]);
    const value = declaration.value ?? declaration.default;
    if (value !== undefined && value !== null) values.set(full, value);
  }
  return { project, values };
}
