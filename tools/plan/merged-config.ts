// What the stack-file reader (stack-files.ts) shares with the offline plan, without the YAML
// library: the plan's main thread never loads it (files-thread.ts).
import type { ConfigProblem } from "../../infra/config/problems";

/** Made-up secret values start with this, so that one found in plain text is a leak. */
export const PLAN_SECRET_PREFIX = "PLAN-SECRET-";

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

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
