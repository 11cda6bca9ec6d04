// The half of the plan that needs the Pulumi SDK, loaded by cli.ts once the worker thread has
// started: validates the merged config, runs the real program under the SDK's mock engine, and
// hands each registration, redacted, to the plan's files as soon as the engine has answered it.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as state from "@pulumi/pulumi/runtime/state";
import type { Catalogue } from "../../infra/catalogue";
import { loadStackConfig } from "../../infra/config/load";
import { buildDashboardsWith, rememberProjectFile } from "../../program";
import { buildDashboardHere, type DashboardBuilder } from "../../infra/monitoring/dashboard";
import { ANY_PATH } from "../../infra/host";
import type { MergedConfig } from "./merged-config";
import type { ConfigProblem } from "../../infra/config/problems";
import { PlanEngine, type Registration } from "./engine";
import type { PlanEntry } from "./files";
import { planEntry, reveal } from "./render";

export interface ProgramRun {
  readonly stack: string;
  readonly projectDir: string;
  /** See PlanOptions.program. */
  readonly program?: unknown;
  /** The catalogue the program was built for, when it is not Jarvis's own (tests). */
  readonly catalogue?: Catalogue;
  /** Keep the stack traces the SDK and the program would record (see withoutStackTraces). */
  readonly stackTraces?: boolean;
}

export type Execution =
  | {
      readonly ok: true;
      readonly registrations: Registration[];
      readonly outputs: unknown;
      /** What the program logged as warnings (`pulumi.log.warn`), which the CLI would show. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

// Settings the providers would read from the machine; a plan depends on the files alone.
const MACHINE_ENVIRONMENT = /^(KUBECONFIG|KUBERNETES_|PULUMI_K8S_|DOCKER_|PULUMI_CONFIG)/;

/** Runs `work` with the machine's provider settings hidden from the environment. */
async function withoutMachineEnvironment<T>(work: () => Promise<T>): Promise<T> {
  const hidden = Object.entries(process.env).filter(([key]) => MACHINE_ENVIRONMENT.test(key));
  for (const [key] of hidden) delete process.env[key];
  try {
    return await work();
  } finally {
    Object.assign(process.env, Object.fromEntries(hidden));
  }
}

// The SDK marks its settings store internal (absent from its typings).
const { getStore } = state as unknown as { getStore(): { settings: { options: { rootDirectory?: string } } } };

/**
 * Runs `work` with the project root at `projectDir`: the program reads Pulumi.yaml there, as under
 * the CLI (under mocks the root is otherwise a placeholder). The SDK reads the root from this variable
 * into its settings when it loads, so a loaded SDK's settings are set too. (A fresh run store, the
 * SDK's withLocalStorage, would read the variable again, but its AsyncLocalStorage costs every promise
 * of the run: a tenth of the plan's time.)
 */
export async function inProjectRoot<T>(projectDir: string, work: () => Promise<T>): Promise<T> {
  const { options } = getStore().settings;
  const previous = { variable: process.env.PULUMI_NODEJS_ROOT_DIRECTORY, setting: options.rootDirectory };
  process.env.PULUMI_NODEJS_ROOT_DIRECTORY = options.rootDirectory = projectDir;
  try {
    return await work();
  } finally {
    options.rootDirectory = previous.setting;
    if (previous.variable === undefined) delete process.env.PULUMI_NODEJS_ROOT_DIRECTORY;
    else process.env.PULUMI_NODEJS_ROOT_DIRECTORY = previous.variable;
  }
}

/**
 * Runs `work` with the program's warnings (`pulumi.log.warn`) kept in `warnings` rather than
 * printed: under mocks the SDK has no engine to send them to and writes them to the console.
 */
async function recordingWarnings<T>(warnings: string[], work: () => Promise<T>): Promise<T> {
  const log = pulumi.log as { warn: typeof pulumi.log.warn };
  const warn = log.warn;
  log.warn = async (message) => {
    warnings.push(message);
  };
  try {
    return await work();
  } finally {
    log.warn = warn;
  }
}

/**
 * Runs `work` with stack traces off. The SDK records one for every promise it makes, for a leak
 * report the plan never prints: thousands per plan, a tenth of its time. An error of the program
 * then tells only its message; `--stack-traces` keeps them.
 */
async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export async function executeProgram(
  merged: MergedConfig,
  run: ProgramRun,
  onEntry: (entry: PlanEntry) => void,
  dashboards?: DashboardBuilder,
): Promise<Execution> {
  // Checked before the engine starts, so that bad config registers nothing at all.
  // The plan's machine has no clone of the app: every host path the config names is taken to exist.
  const loaded = loadStackConfig(merged.config, merged.secretKeys, merged.project, {
    ...(run.catalogue && { catalogue: run.catalogue }),
    host: ANY_PATH,
    projectDefaults: merged.projectDefaults,
  });
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  rememberProjectFile(merged.projectText, merged.projectDefaults);
  buildDashboardsWith(dashboards ?? buildDashboardHere);

  const warnings: string[] = [];
  const underEngine = async () => {
    const engine = await PlanEngine.start(merged.project, run.stack, (registration) =>
      onEntry(planEntry(registration)),
    );
    pulumi.runtime.setAllConfig(merged.config, merged.secretKeys);
    await pulumi.runtime.runInPulumiStack(async () => {
      // What the CLI's Node.js host does: require the program (Pulumi.yaml's `main`), call it if it
      // is a function (with the plan's host, where the host paths of config exist). A require, as
      // the host does: the program is a CommonJS module.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const program: unknown = run.program ?? require(join(run.projectDir, "index"));
      return program instanceof Function ? program(ANY_PATH) : program;
    });
    await pulumi.runtime.disconnect();
    return engine;
  };
  const engine = await inProjectRoot(run.projectDir, () =>
    recordingWarnings(warnings, () =>
      withoutMachineEnvironment(run.stackTraces ? underEngine : () => withoutStackTraces(underEngine)),
    ),
  );
  return {
    ok: true,
    registrations: engine.registrations(),
    outputs: reveal(engine.stackOutputs),
    warnings,
  };
}
