// `npm run plan -- --stack <name> [--config <file>] [--out <dir>] [--stack-traces]`: runs the real
// program under the SDK's mock engine and writes resources.json, outputs.json and (Kubernetes)
// manifests.yaml.
// Exit status: 0 written; 2 invalid config or usage (nothing written); 1 internal error.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { StackFileError } from "./merged-config";
import type { Catalogue } from "../../infra/catalogue";
import { formatProblems } from "../../infra/config/problems";
import type { Registration } from "./engine";
import type { PlanFiles } from "./files";
import { PlanFilesThread } from "./files-thread";

export const PROJECT_DIR = resolve(__dirname, "../..");
const USAGE = "usage: npm run plan -- --stack <name> [--config <stack file>] [--out <dir>] [--stack-traces]";

/** Bad usage or bad config: exit status 2, nothing written. */
export class PlanInputError extends Error {}

export interface PlanOptions {
  readonly stack: string;
  /**
   * The program's exported value; by default the entry point is required as the CLI's Node.js
   * host does. (Tests pass the same `main`: their module loader cannot `require` TypeScript.)
   */
  readonly program?: unknown;
  /** The catalogue `program` was built for, when it is not Jarvis's own (tests). */
  readonly catalogue?: Catalogue;
  /** A file in the stack-file format that replaces Pulumi.<stack>.yaml. */
  readonly configFile?: string;
  readonly projectDir?: string;
  /** Keep the stack traces the SDK and the program would record (see execute.ts). */
  readonly stackTraces?: boolean;
}

export interface Plan {
  readonly files: PlanFiles;
  readonly summary: [string, number][];
  /** What the engine recorded, secrets still in the engine's wire form (for tests; never written). */
  readonly registrations: readonly Registration[];
}

/** Stack names as the Pulumi CLI accepts them. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
export const PLAN_FILES = ["resources.json", "outputs.json", "manifests.yaml"] as const;

/** Resources per type, for the summary line. */
export function countByType(registrations: readonly Registration[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of registrations) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

export async function plan(options: PlanOptions): Promise<Plan> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const stackFile = options.configFile ? resolve(options.configFile) : join(projectDir, `Pulumi.${options.stack}.yaml`);
  if (!existsSync(stackFile))
    throw new PlanInputError(`no stack file ${stackFile}: create it, or pass --config <file>`);
  const thread = new PlanFilesThread({ projectFile: join(projectDir, "Pulumi.yaml"), stackFile });
  try {
    // Loaded here, not on top: the SDK takes half a second to load, and the worker reads the stack
    // files meanwhile.
    const { executeProgram } = await import("./execute");
    const merged = await thread.config();
    const execution = await executeProgram(merged, { ...options, projectDir }, (entry) => thread.add(entry));
    if (!execution.ok) throw new PlanInputError(formatProblems(execution.problems));
    const { registrations, outputs } = execution;
    return { files: await thread.build(outputs), summary: countByType(registrations), registrations };
  } catch (error) {
    throw error instanceof StackFileError ? new PlanInputError(error.message) : error;
  } finally {
    thread.close();
  }
}

/** Refuses an output folder that holds anything but a plan: replacing it would delete that. */
export function checkOutDir(outDir: string): void {
  const target = resolve(outDir);
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new PlanInputError(`--out ${outDir} is not a folder`);
  const foreign = readdirSync(target).filter((name) => !(PLAN_FILES as readonly string[]).includes(name));
  if (foreign.length > 0)
    throw new PlanInputError(
      `--out ${outDir} holds files that are not a plan (${foreign.slice(0, 3).join(", ")}); choose an empty or plan folder`,
    );
}

/** Writes next to the target, then swaps it in: a failed plan leaves an existing one untouched. */
export function writePlan(outDir: string, files: PlanFiles): void {
  checkOutDir(outDir);
  const target = resolve(outDir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.tmp-${process.pid}`;
  const previous = `${target}.old-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(staging, name), text);
  if (existsSync(target)) renameSync(target, previous);
  renameSync(staging, target);
  rmSync(previous, { recursive: true, force: true });
}

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** See PlanOptions.program. */
  readonly program?: unknown;
}

export async function runPlanCli(
  argv: readonly string[],
  io: CliIo = { out: console.log, err: console.error },
): Promise<number> {
  const { out, err } = io;
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        out: { type: "string" },
        "stack-traces": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
    if (!args.stack) throw new Error("--stack is required");
    if (!STACK_NAME.test(args.stack) || /^\.+$/.test(args.stack))
      throw new Error(`--stack ${args.stack}: a stack name has only letters, digits, '_', '.' and '-'`);
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const outDir = args.out ?? join(PROJECT_DIR, "plan", args.stack);
  const stackTraces = args["stack-traces"] === true;
  // A failing program can reject more than one promise inside the SDK, some a turn of the event
  // loop later; all of them are this run's, and any of them fails it before anything is written.
  const stray: unknown[] = [];
  const collect = (reason: unknown) => stray.push(reason);
  process.on("unhandledRejection", collect);
  try {
    checkOutDir(outDir);
    const planned = plan({
      stack: args.stack,
      program: io.program,
      stackTraces,
      ...(args.config && { configFile: args.config }),
    });
    const result = await planned.finally(() => new Promise((turned) => setImmediate(turned)));
    if (stray.length > 0) throw stray[0];
    writePlan(outDir, result.files);
    out(`plan of stack ${args.stack}: ${result.summary.reduce((n, [, c]) => n + c, 0)} resources`);
    for (const [type, count] of result.summary) out(`  ${String(count).padStart(4)}  ${type}`);
    out(`wrote ${Object.keys(result.files).join(", ")} to ${outDir}`);
    return 0;
  } catch (error) {
    if (error instanceof PlanInputError) {
      err(error.message);
      return 2;
    }
    const report = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // An error raised while stack traces were off (see execute.ts) tells only its message.
    const traceless = !stackTraces && error instanceof Error && !/\n\s+at /.test(report);
    err(`internal error: ${report}${traceless ? "\n(re-run with --stack-traces to see where)" : ""}`);
    return 1;
  } finally {
    process.off("unhandledRejection", collect);
  }
}
