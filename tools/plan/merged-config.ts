// What the stack-file reader (stack-files.ts) shares with the offline plan, without the YAML
// library: the plan's main thread never loads it (files-thread.ts).
export { isPlainObject, StackFileError } from "../../infra/config/project-file";

/** What a secret leaf reads in the plan (render.ts). */
export const SECRET = "[secret]";

/** Made-up secret values start with this, so that one found in plain text is a leak. */
export const PLAN_SECRET_PREFIX = "PLAN-SECRET-";

export interface MergedConfig {
  readonly project: string;
  /** Full key (`namespace:name`) to the string the program receives. */
  readonly config: Record<string, string>;
  /** Full keys whose value holds a secret. */
  readonly secretKeys: string[];
  /** Pulumi.yaml's values by full key, which the program lays the stack's values over. */
  readonly projectDefaults: ReadonlyMap<string, unknown>;
  /** The text of Pulumi.yaml they were read from. */
  readonly projectText: string;
}
