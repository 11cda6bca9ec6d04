// The stacks of a project are its stack files: every `Pulumi.<stack>.yaml` beside `Pulumi.yaml` is one.
// CI, the plan's tests and the benchmark find them here, so that a new stack file is planned and
// checked with no other change. Names only: the plan's main thread does not load the YAML library.
import { readdirSync } from "node:fs";

/** Stack names as the Pulumi CLI accepts them. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;

export const stackFileName = (stack: string): string => `Pulumi.${stack}.yaml`;

const isStackName = (name: string): boolean => STACK_NAME.test(name) && !/^\.+$/.test(name);

/** The stacks of the project in `projectDir`, one per `Pulumi.<stack>.yaml`, sorted. */
export function discoverStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined && isStackName(stack))
    .sort();
}

export interface StackReference {
  readonly stack: string;
  /** The project part of `<org>/<project>/<stack>`, which must be the project's own name. */
  readonly project?: string;
}

/**
 * Reads a stack name in the forms the Pulumi CLI's `--stack` takes: `<stack>`, `<org>/<stack>` and
 * `<org>/<project>/<stack>`. The organisation does not matter offline; the stack file is named
 * after the last part. Throws an Error that says what is wrong.
 */
export function parseStackReference(reference: string): StackReference {
  const parts = reference.split("/");
  if (parts.length > 3)
    throw new Error(`--stack ${reference}: takes <stack>, <org>/<stack> or <org>/<project>/<stack>`);
  const bad = parts.find((part) => !isStackName(part));
  if (bad !== undefined)
    throw new Error(`--stack ${reference}: '${bad}' is not a name; a name has only letters, digits, '_', '.' and '-'`);
  const stack = parts[parts.length - 1]!;
  return parts.length === 3 ? { stack, project: parts[1]! } : { stack };
}
