// Helpers shared by the tests: the shipped stack config with overrides, and plans of it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { stringify } from "yaml";
import { loadStackConfig, parseRawValue } from "../infra/config/load";
import type { Catalogue } from "../infra/catalogue";
import type { ConfigProblem } from "../infra/config/problems";
import { ANY_PATH, type Host } from "../infra/host";
import type { StackConfig } from "../infra/config/schema";
import { main } from "../program";
import { hasCrdSchema, validateCustomResource } from "./crd-validation";
import { plan, PROJECT_DIR } from "./plan/cli";
import { PlanEngine, type Registration } from "./plan/engine";
import type { PlanFiles } from "./plan/files";
import { mergeStackConfig } from "./plan/stack-files";

export type Overrides = Record<string, unknown>;

const mergedByStack = new Map<string, ReturnType<typeof mergeStackConfig>>();
/** A shipped stack's merged config, read once per test file (property tests ask for it hundreds of times). */
function shippedConfig(stack: string) {
  if (!mergedByStack.has(stack))
    mergedByStack.set(
      stack,
      mergeStackConfig(join(PROJECT_DIR, "Pulumi.yaml"), join(PROJECT_DIR, `Pulumi.${stack}.yaml`)),
    );
  return mergedByStack.get(stack)!;
}

/**
 * The merged config of a shipped stack, as the program receives it, with keys replaced or removed
 * (undefined), and Pulumi.yaml's defaults, which the program lays an object value over.
 */
export function rawConfig(stack: string, overrides: Overrides = {}, secrets: Record<string, string> = {}) {
  const merged = shippedConfig(stack);
  const config = { ...merged.config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[key];
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  Object.assign(config, secrets);
  return {
    config,
    secretKeys: [...merged.secretKeys, ...Object.keys(secrets)],
    projectDefaults: merged.projectDefaults,
  };
}

/** The `jarvis:` values of a shipped stack as a stack file would hold them (objects, not JSON text). */
export function stackValues(stack: string): Record<string, unknown> {
  const { config } = rawConfig(stack);
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith("jarvis:"))
      .map(([k, v]) => [k, parseRawValue(v)]),
  );
}

/**
 * The problems of a shipped stack's config with overrides. The machine's files are those of `host`:
 * by default every path exists, as for the offline plan (the shipped stacks name a clone of the app
 * that this machine does not have).
 */
export function problems(
  stack: string,
  overrides: Overrides = {},
  secrets: Record<string, string> = {},
  host: Host = ANY_PATH,
): ConfigProblem[] {
  const { config, secretKeys, projectDefaults } = rawConfig(stack, overrides, secrets);
  const result = loadStackConfig(config, secretKeys, "jarvis", { host, projectDefaults });
  return result.ok ? [] : [...result.problems];
}

/** The warnings of a shipped stack's config with overrides (which must be valid). */
export function warnings(
  stack: string,
  overrides: Overrides = {},
  secrets: Record<string, string> = {},
): ConfigProblem[] {
  const { config, secretKeys, projectDefaults } = rawConfig(stack, overrides, secrets);
  const result = loadStackConfig(config, secretKeys, "jarvis", { host: ANY_PATH, projectDefaults });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  return [...result.warnings];
}

export function validConfig(
  stack: string,
  overrides: Overrides = {},
  secrets: Record<string, string> = {},
  host: Host = ANY_PATH,
): StackConfig {
  const { config, secretKeys, projectDefaults } = rawConfig(stack, overrides, secrets);
  const result = loadStackConfig(config, secretKeys, "jarvis", { host, projectDefaults });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  return result.config;
}

/** A stack file that is not valid YAML, in a fresh temporary folder. */
export function unparsableStackFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "jarvis-stack-")), "Pulumi.bad.yaml");
  writeFileSync(file, "config: [unclosed");
  return file;
}

/** Writes a stack file in a fresh temporary folder and returns its path. */
export function stackFile(config: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), "jarvis-stack-")), "Pulumi.test.yaml");
  writeFileSync(file, stringify({ config }));
  return file;
}

export interface ParsedPlan {
  resources: Array<
    Record<string, unknown> & {
      urn: string;
      type: string;
      name: string;
      inputs: Record<string, any>;
      dependencies: string[];
    }
  >;
  /** The same resources with secrets revealed, each secret value wrapped as `{ secret: value }`. */
  raw: Array<{
    urn: string;
    type: string;
    name: string;
    inputs: Record<string, any>;
    dependencies: string[];
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
    protect: boolean;
    customTimeouts: Record<string, string>;
    ignoreChanges: string[];
    replaceOnChanges: string[];
  }>;
  outputs: Record<string, any>;
  manifests: string | undefined;
  text: string;
  files: PlanFiles;
}

const shippedPlans = new Map<string, Promise<ParsedPlan>>();
/** Frozen, so that a test that would change a shared plan fails instead of another test. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
/**
 * The plan of a shipped stack, made once per test worker and shared by the files it runs (they read
 * it, never change it); planStack makes a new one.
 */
export function shippedPlan(stack: string): Promise<ParsedPlan> {
  if (!shippedPlans.has(stack)) shippedPlans.set(stack, planStack(stack).then(deepFreeze));
  return shippedPlans.get(stack)!;
}

/** Plans a shipped stack, or the given stack-file content under that stack's name. */
export async function planStack(
  stack: string,
  stackConfig?: Record<string, unknown>,
  custom?: { readonly program: () => unknown; readonly catalogue: Catalogue },
): Promise<ParsedPlan> {
  const result = await plan({
    stack,
    program: main,
    ...custom,
    ...(stackConfig && { configFile: stackFile(stackConfig) }),
  });
  const files = result.files;
  return {
    resources: JSON.parse(files["resources.json"]),
    raw: result.registrations.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, any> })),
    outputs: JSON.parse(files["outputs.json"]),
    manifests: files["manifests.yaml"],
    text: Object.values(files).join("\n"),
    files,
  };
}

export function ofType(plan: Pick<ParsedPlan, "resources">, type: string) {
  return plan.resources.filter((r) => r.type === type);
}

/** Secret signature objects of the engine's wire form, shown as `{ secret: value }`. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  const object = value as Record<string, unknown>;
  if (object[specialSigKey] === specialSecretSig) return { secret: unwrapSecrets(object.value) };
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/** The raw registration of a resource of `type` named `name`. */
export function rawResource(plan: ParsedPlan, type: string, name: string) {
  const found = plan.raw.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} in the plan`);
  return found;
}

/** Model packages of the custom resources a plan may hold, by API group; the rest are core Kubernetes. */
const CUSTOM_RESOURCE_MODELS: Record<string, string> = {
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "traefik.io": "@kubernetes-models/traefik",
};

/**
 * Validates a Kubernetes object against its schema (kubernetes-models, or the CRD fixtures of a group
 * without a model package: tools/crd-validation.ts); throws what is wrong.
 */
export async function validateManifest(object: { apiVersion: string; kind: string }): Promise<void> {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : [undefined, object.apiVersion];
  if (group && hasCrdSchema(group)) return validateCustomResource(object);
  const module =
    group && CUSTOM_RESOURCE_MODELS[group]
      ? `${CUSTOM_RESOURCE_MODELS[group]}/${group}/${version}`
      : `kubernetes-models/${group ? `${group}/` : ""}${version}`;
  const models = await import(module);
  if (!models[object.kind]) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new models[object.kind](object).validate();
}

/** Runs `program` (a component under test) under the plan's engine and returns what it registered. */
export async function underEngine(program: () => void) {
  const engine = await PlanEngine.start("jarvis", "unit", () => {});
  await pulumi.runtime.runInPulumiStack(async () => {
    program();
    return undefined;
  });
  await pulumi.runtime.disconnect();
  const registrations = engine.registrations();
  const ofType = (type: string) => registrations.filter((r) => r.type === type);
  const find = (type: string, name: string): Registration => {
    const found = registrations.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name} registered`);
    return found;
  };
  return { registrations, ofType, find };
}

/** A managed kube-prometheus-stack's settings for a Kubernetes stack's tests (`jarvis:clusterMonitoring.managed`). */
export const MANAGED_MONITORING = {
  namespace: "cluster-monitoring",
  release: "monitoring",
  nodeExporter: false,
  storage: { className: "standard", prometheus: "50Gi", alertmanager: "2Gi", grafana: "5Gi" },
  grafanaHost: "grafana.staging.example.com",
  nodes: ["10.0.0.0/16"],
} as const;

/** Staging's `jarvis:clusterMonitoring` in mode managed, with `overrides` of the managed settings. */
export function managedMonitoringValue(overrides: Record<string, unknown> = {}) {
  return { mode: "managed", managed: { ...MANAGED_MONITORING, ...overrides } };
}

/** An SMTP server for alert e-mails (`jarvis:integrations.smtp`), without its egress. */
export const SMTP_INTEGRATION = {
  host: "smtp.example.com",
  port: 587,
  username: "jarvis",
  from: "jarvis@example.com",
  to: ["ops@example.com"],
};
