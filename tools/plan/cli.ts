// `npm run plan -- --stack <name> [--config <file>] [--out <dir>] [--compare <dir>] [--stack-traces]`:
// runs the real program under the SDK's mock engine and writes resources.json, outputs.json,
// summary.md, (Kubernetes) manifests.yaml and (with --compare) changes.md. `npm run plan -- --help`
// explains the options.
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
import { comparePlans, NotAPlanError } from "./compare";
import { discoverStacks, parseStackReference, stackFileName } from "./stacks";

export const PROJECT_DIR = resolve(__dirname, "../..");

interface CliOption {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** What the value is, for the help (string options). */
  readonly value?: string;
  readonly help: string;
}

/** The plan's options: parsing, the help and the hint for options npm took all come from here. */
const OPTIONS = {
  stack: {
    type: "string",
    value: "<name>",
    help: "the stack to plan, as the Pulumi CLI names it: <stack>, <org>/<stack> or <org>/<project>/<stack> (the project must be Pulumi.yaml's name); its config is Pulumi.<stack>.yaml",
  },
  config: {
    type: "string",
    value: "<stack file>",
    help: "a file in the stack-file format to plan instead of Pulumi.<stack>.yaml",
  },
  out: {
    type: "string",
    value: "<dir>",
    help: "where to write the plan (default plan/<stack>/); only an empty folder or an earlier plan is replaced",
  },
  compare: {
    type: "string",
    value: "<dir>",
    help: "an earlier plan's folder: also writes changes.md (what is added, removed, changed, replaced, and what puts data at risk) and prints its summary",
  },
  "stack-traces": {
    type: "boolean",
    help: "keep the stack traces the SDK and the program record (slower; to see where an internal error comes from)",
  },
  help: { type: "boolean", short: "h", help: "print this help and exit" },
} as const satisfies Record<string, CliOption>;

const optionUsage = (name: string, option: CliOption) => `--${name}${option.value ? ` ${option.value}` : ""}`;

const USAGE = `usage: npm run plan -- ${Object.entries(OPTIONS)
  .filter(([name]) => name !== "help")
  .map(([name, option]) => (name === "stack" ? optionUsage(name, option) : `[${optionUsage(name, option)}]`))
  .join(" ")}`;

export function helpText(projectDir: string = PROJECT_DIR): string {
  const entries = Object.entries(OPTIONS).map(([name, option]: [string, CliOption]) => [
    `${option.short ? `-${option.short}, ` : ""}${optionUsage(name, option)}`,
    option.help,
  ]);
  const width = Math.max(...entries.map(([usage]) => usage!.length));
  return [
    USAGE,
    "",
    "Plans a stack offline: runs the program under the Pulumi SDK's mock engine, with no Pulumi CLI, engine,",
    "cluster or credentials, and writes resources.json, outputs.json, summary.md, (Kubernetes) manifests.yaml",
    "and (with --compare) changes.md.",
    "",
    "options:",
    ...entries.map(([usage, help]) => `  ${usage!.padEnd(width)}  ${help}`),
    "",
    `stacks (one per Pulumi.<stack>.yaml): ${discoverStacks(projectDir).join(", ")}`,
    "exit status: 0 written; 2 invalid config or usage (nothing written); 1 internal error",
    "The options go after `--`: npm keeps those before it for itself.",
  ].join("\n");
}

/** The npm_config_ variable npm sets for an option it took for itself (`--stack-traces`: npm_config_stack_traces). */
const npmVariable = (option: string) => `npm_config_${option.replace(/-/g, "_")}`;

/**
 * `npm run plan --stack dev` (without `--`) hands `--stack` to npm, which sets npm_config_stack and
 * passes the plan only what it did not take for an option of its own: `dev`, or nothing for
 * `--stack=dev`. Returns the command that was meant, if some of the plan's options went that way.
 */
export function npmTookOptions(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const { values, tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, tokens: true });
  const taken = Object.entries(OPTIONS).filter(
    ([name]) => env[npmVariable(name)] !== undefined && !(name in values),
  ) as [string, CliOption][];
  if (taken.length === 0) return undefined;
  // npm reads an option it does not know as a switch: the value given with it arrives as a bare
  // argument, which is the option's when only one option lost its value that way.
  const bare = tokens.flatMap((t) => (t.kind === "positional" ? [argv[t.index]!] : []));
  const valueLost = taken.filter(([name, option]) => option.type === "string" && env[npmVariable(name)] === "true");
  const unambiguous = valueLost.length === 1 && bare.length === 1;
  const meant = taken.map(([name, option]) => {
    if (option.type === "boolean") return `--${name}`;
    const value = env[npmVariable(name)]!;
    return `--${name} ${value !== "true" ? value : unambiguous ? bare[0] : option.value}`;
  });
  const passed = tokens.flatMap((t) =>
    t.kind === "option" ? argv.slice(t.index, t.index + (t.inlineValue === false ? 2 : 1)) : [],
  );
  const took = taken.map(([name]) => `--${name}`).join(", ");
  return `npm took ${took} for itself (it keeps the options before \`--\`): run \`npm run plan -- ${[...meant, ...passed].join(" ")}\``;
}

/** Bad usage or bad config: exit status 2, nothing written. */
export class PlanInputError extends Error {}

export interface PlanOptions {
  readonly stack: string;
  /** The project part of a qualified `--stack`; refused unless it is Pulumi.yaml's name. */
  readonly project?: string;
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
  /** What the program logged as warnings: settings without effect, host paths it cannot check. */
  readonly warnings: readonly string[];
}

/** What a plan folder may hold (checkOutDir): the files a plan writes. */
export const PLAN_FILES = ["resources.json", "outputs.json", "manifests.yaml", "summary.md", "changes.md"] as const;

/** Resources per type, for the summary line. */
export function countByType(registrations: readonly Registration[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of registrations) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

function missingStackFile(stackFile: string, options: PlanOptions, projectDir: string): string {
  if (options.configFile) return `--config ${options.configFile}: no such file`;
  const stacks = discoverStacks(projectDir);
  return [
    `no stack file ${stackFile}: stack '${options.stack}' does not exist.`,
    `The stacks of ${projectDir}: ${stacks.length > 0 ? stacks.join(", ") : "none"}.`,
    `Create ${stackFileName(options.stack)} for a new one, or pass --config <stack file>.`,
  ].join("\n");
}

export async function plan(options: PlanOptions): Promise<Plan> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const stackFile = options.configFile ? resolve(options.configFile) : join(projectDir, stackFileName(options.stack));
  if (!existsSync(stackFile)) throw new PlanInputError(missingStackFile(stackFile, options, projectDir));
  const thread = new PlanFilesThread({ projectFile: join(projectDir, "Pulumi.yaml"), stackFile });
  try {
    // Loaded here, not on top: the SDK takes half a second to load, and the worker reads the stack
    // files meanwhile.
    const { executeProgram } = await import("./execute");
    const merged = await thread.config();
    if (options.project !== undefined && options.project !== merged.project)
      throw new PlanInputError(
        `--stack names the project '${options.project}', but this is project '${merged.project}' (Pulumi.yaml's name)`,
      );
    const execution = await executeProgram(
      merged,
      { ...options, projectDir },
      (entry) => thread.add(entry),
      (input) => thread.dashboard(input),
    );
    if (!execution.ok) throw new PlanInputError(formatProblems(execution.problems));
    const { registrations, outputs, warnings } = execution;
    return { files: await thread.build(outputs), summary: countByType(registrations), registrations, warnings };
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
  /** Where npm's variables are read (see npmTookOptions); by default the process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** See PlanOptions.program. */
  readonly program?: unknown;
}

export async function runPlanCli(
  argv: readonly string[],
  io: CliIo = { out: console.log, err: console.error },
): Promise<number> {
  const { out, err } = io;
  const npmHint = npmTookOptions(argv, io.env ?? process.env);
  if (npmHint) {
    err(npmHint);
    return 2;
  }
  let args;
  let reference;
  try {
    args = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
    if (args.help) {
      out(helpText());
      return 0;
    }
    if (!args.stack) throw new Error("--stack is required");
    reference = parseStackReference(args.stack);
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}\n(npm run plan -- --help explains the options)`);
    return 2;
  }
  const outDir = args.out ?? join(PROJECT_DIR, "plan", reference.stack);
  const stackTraces = args["stack-traces"] === true;
  // A failing program can reject more than one promise inside the SDK, some a turn of the event
  // loop later; all of them are this run's, and any of them fails it before anything is written.
  const stray: unknown[] = [];
  const collect = (reason: unknown) => stray.push(reason);
  process.on("unhandledRejection", collect);
  try {
    checkOutDir(outDir);
    const planned = plan({
      ...reference,
      program: io.program,
      stackTraces,
      ...(args.config && { configFile: args.config }),
    });
    const result = await planned.finally(() => new Promise((turned) => setImmediate(turned)));
    if (stray.length > 0) throw stray[0];
    // Before writing: the earlier plan may be the one in --out.
    const comparison = args.compare === undefined ? undefined : comparePlans(args.compare, result.files);
    writePlan(outDir, comparison ? { ...result.files, "changes.md": comparison.markdown } : result.files);
    for (const warning of result.warnings) err(`warning: ${warning}`);
    out(`plan of stack ${reference.stack}: ${result.summary.reduce((n, [, c]) => n + c, 0)} resources`);
    for (const [type, count] of result.summary) out(`  ${String(count).padStart(4)}  ${type}`);
    out(`wrote ${Object.keys(result.files).join(", ")}${comparison ? ", changes.md" : ""} to ${outDir}`);
    for (const line of comparison?.summary ?? []) out(line);
    return 0;
  } catch (error) {
    if (error instanceof PlanInputError || error instanceof NotAPlanError) {
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
