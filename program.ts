// The composition root: read and validate the whole config once, derive the wiring from the
// service graph, generate the secrets, then assemble the platform the config names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { Secrets } from "./components/secrets";
import { CATALOGUE, type Catalogue } from "./infra/catalogue";
import { loadStackConfig } from "./infra/config/load";
import { MACHINE, type Host } from "./infra/host";
import { formatProblems, type ConfigProblem } from "./infra/config/problems";
import { projectDefaultsOf, StackFileError } from "./infra/config/project-file";
import { buildDashboardHere, type DashboardBuilder } from "./infra/monitoring/dashboard";
import { deriveWiring } from "./infra/wiring";
import { deployDocker } from "./stacks/docker";
import { deployKubernetes } from "./stacks/kubernetes";

/** Invalid stack config: reported as a list of key paths, without a stack trace. */
export class InvalidConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
  }
}

// The SDK marks `isConfigSecret` internal (absent from its typings), yet it is the only way to learn
// which keys the engine handed over as secrets; the SDK version is pinned and the plan tests use it.
const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };

/** Pulumi.yaml's defaults by the text they were read from (see rememberProjectFile). */
const projectFiles = new Map<string, ReadonlyMap<string, unknown>>();

/**
 * Hands over the defaults of a Pulumi.yaml text that was read and parsed already: the offline plan
 * parses it in its worker thread while the SDK loads, and a first YAML parse in this thread would
 * cost a tenth of a second. The same text gives the same defaults.
 */
export function rememberProjectFile(text: string, values: ReadonlyMap<string, unknown>): void {
  projectFiles.set(text, values);
}

/** Where Kubernetes dashboards are built: in this thread, unless the offline plan hands its worker's builder. */
let dashboards: DashboardBuilder = buildDashboardHere;

/**
 * Hands over a builder of dashboards: the offline plan's worker thread loads the Grafana SDK while
 * the SDK of Pulumi loads here, and builds the dashboard it is handed.
 */
export function buildDashboardsWith(builder: DashboardBuilder): void {
  dashboards = builder;
}

/**
 * The project-level defaults of Pulumi.yaml, in the project's root directory (the CLI has read and
 * accepted the file already): the engine hands over a stack file's value of a key in place of the
 * default, and the program lays it over the default (infra/config/overlay.ts).
 */
export function projectDefaults(rootDirectory = pulumi.getRootDirectory()): ReadonlyMap<string, unknown> {
  const file = join(rootDirectory, "Pulumi.yaml");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new InvalidConfigError([
      { key: file, message: "not readable: the stack's values are laid over its defaults" },
    ]);
  }
  const known = projectFiles.get(text);
  if (known) return known;
  // Required here, so that the offline plan's main thread, which is handed the parse, never loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require("yaml") as typeof import("yaml");
  try {
    return projectDefaultsOf(parse(text, { merge: true }), file).values;
  } catch (error) {
    if (error instanceof StackFileError) throw new InvalidConfigError(error.problems);
    throw error;
  }
}

/**
 * Loads the config the engine handed over, laid over Pulumi.yaml's defaults, or throws
 * InvalidConfigError before anything is registered; warnings go to the engine's log.
 */
export function readStackConfig(catalogue: Catalogue = CATALOGUE, host: Host = MACHINE) {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(raw).filter(isConfigSecret);
  const result = loadStackConfig(raw, secretKeys, pulumi.getProject(), {
    catalogue,
    host,
    projectDefaults: projectDefaults(),
  });
  if (!result.ok) throw new InvalidConfigError(result.problems);
  for (const warning of result.warnings) void pulumi.log.warn(`${warning.key}: ${warning.message}`);
  return result;
}

/**
 * The program for a catalogue: Jarvis's own, or (in tests) one with more services. The engine calls
 * it without arguments, so config naming files is checked against this machine; the offline plan
 * passes a host where every path exists.
 */
export function programFor(catalogue: Catalogue) {
  return (host: Host = MACHINE) => {
    const { config, secrets: provided } = readStackConfig(catalogue, host);
    const wiring = deriveWiring(config, catalogue);
    const secrets = new Secrets("secrets", { rotation: config.rotation ?? {}, provided });
    return config.platform === "docker"
      ? deployDocker(config, wiring, secrets)
      : deployKubernetes(config, wiring, secrets, dashboards);
  };
}

export const main = programFor(CATALOGUE);
