// What the stack-file reader (stack-files.ts) shares with the offline plan, without the YAML
// library: the plan's main thread never loads it (files-thread.ts).
import { createHash } from "node:crypto";
export { isPlainObject, StackFileError } from "../../infra/config/project-file";

/** What a secret leaf reads in the plan (render.ts). */
export const SECRET = "[secret]";

/** Made-up secret values start with this, so that one found in plain text is a leak. */
export const PLAN_SECRET_PREFIX = "PLAN-SECRET-";

/**
 * The stand-in of a stack file's `secure:` value at `label` (the key without namespace, and the path
 * inside it): the plan cannot decrypt, so it takes 8 hex digits of the ciphertext's sha256, which
 * reveal nothing of the secret but change with it, so that --compare sees a new ciphertext.
 */
export const secureStandIn = (label: string, ciphertext: string) =>
  `${PLAN_SECRET_PREFIX}${label}-${createHash("sha256").update(ciphertext).digest("hex").slice(0, 8)}`;

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
