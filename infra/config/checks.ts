// Checks that span several config keys, from every capability module. Each runs only when the keys
// it needs are valid on their own, so that one mistake is reported once, at its own key.
import type { Catalogue } from "../catalogue";
import { runningServices } from "../graph";
import type { Host } from "../host";
import { applicationChecks, type SecretKey } from "./application";
import { edgeChecks } from "./edge";
import { logsChecks } from "./logs";
import { modelPullChecks } from "./model-pull";
import { monitoringChecks } from "./monitoring";
import type { Finding, ModuleChecks, Parsed } from "./module";
import { PLATFORMS, platformChecks, type Platform } from "./platform";
import { keyPath, type ConfigProblem } from "./problems";
import { valueAt } from "./zod-problems";
import { serviceChecks } from "./services";

const MODULE_CHECKS: readonly ModuleChecks[] = [
  platformChecks,
  serviceChecks,
  applicationChecks,
  edgeChecks,
  modelPullChecks,
  monitoringChecks,
  logsChecks,
];

/**
 * The settings of something switched off (`enabled: false`: a GPU, an autoscaler, the backups) have
 * no effect: a warning each, wherever the schema has such a switch.
 */
export function switchedOffFindings(value: unknown, key = "", path: (string | number)[] = []): Finding[] {
  if (typeof value !== "object" || value === null) return [];
  const entries = Object.entries(value);
  const here = key === "" ? undefined : `${[key, ...path].join(".")}.enabled`;
  const off = !Array.isArray(value) && (value as { enabled?: unknown }).enabled === false && here !== undefined;
  return entries.flatMap(([field, child]) => {
    const at =
      key === "" ? { key: field, path: [] } : { key, path: [...path, Array.isArray(value) ? Number(field) : field] };
    return off && field !== "enabled"
      ? [{ ...at, message: `has no effect while ${here} is off`, warning: true }]
      : switchedOffFindings(child, at.key, at.path);
  });
}

/** The per-service maps of config, by key path: an entry of a service the stack does not run does nothing. */
const PER_SERVICE_MAPS: readonly (readonly string[])[] = [
  ["ports"],
  ["images"],
  ["resources"],
  ["healthChecks", "services"],
  ["addresses"],
  ["publish", "ports"],
  ["scheduling"],
  ["egress"],
];

/**
 * Settings of what this stack does not run: a service of the other platform (monitoring runs on
 * Docker only) or one switched off (cAdvisor), and the monitoring settings where no monitoring runs.
 */
function notRunningFindings(parsed: Record<string, unknown>, catalogue: Catalogue, platform: Platform): Finding[] {
  const running = new Set(runningServices(catalogue, { ...parsed, platform }));
  const findings: Finding[] = PER_SERVICE_MAPS.flatMap(([key, ...path]) => {
    const map = valueAt(parsed[key!], path);
    return Object.keys((map as object | undefined) ?? {})
      .filter((service) => catalogue[service] && !running.has(service))
      .map((service) => ({
        key: key!,
        path: [...path, service],
        message: `has no effect: this stack does not run ${service}`,
        warning: true,
      }));
  });
  const monitoring = [...running].some((service) => catalogue[service]!.role === "monitoring");
  if (!monitoring && parsed.monitoring)
    findings.push({
      key: "monitoring",
      path: [],
      message: `has no effect: no monitoring service runs on a ${platform} stack`,
      warning: true,
    });
  return findings;
}

export interface CrossKeyInput {
  /** The chosen platform's keys that parsed, with the defaults of absent optional ones. */
  readonly parsed: Record<string, unknown>;
  /** Every key that parsed, whichever platform reads it. */
  readonly parsedAll: Record<string, unknown>;
  readonly platform: Platform;
  readonly secrets: ReadonlySet<SecretKey>;
  readonly namespace: string;
  readonly catalogue: Catalogue;
  readonly host: Host;
  /** Whether the stack file sets the value at a path: a warning is about what a stack sets. */
  readonly setByStack: (key: string, path: readonly (string | number)[]) => boolean;
  /** Whether a value is set at a path (by the stack file or Pulumi.yaml). */
  readonly isSet: (key: string, path: readonly (string | number)[]) => boolean;
}

/**
 * Problems stop the run; warnings are printed. The chosen platform's checks run on its config; the
 * other platform's checks run too, on every key that parsed, and keep what they find wrong with a
 * value Pulumi.yaml sets (a clash, a bound), which that platform's stacks would refuse. What they
 * find missing is that platform's to require, and what this stack file sets never reaches it.
 */
export function crossKeyFindings(input: CrossKeyInput): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const { catalogue, secrets, host, namespace, platform } = input;
  const context = { catalogue, secrets, host, namespace };
  const chosen = [
    ...MODULE_CHECKS.flatMap((checks) => [
      ...(checks.shared?.(input.parsed as Parsed, context) ?? []),
      ...(checks[platform]?.(input.parsed as Parsed, context) ?? []),
    ]),
    ...switchedOffFindings(input.parsed),
    ...notRunningFindings(input.parsed, catalogue, platform),
  ];
  const others = PLATFORMS.filter((p) => p !== platform).flatMap((other) =>
    MODULE_CHECKS.flatMap((checks) => checks[other]?.(input.parsedAll as Parsed, context) ?? []).filter(
      (f) => !f.warning && input.isSet(f.key, f.path) && !input.setByStack(f.key, f.path),
    ),
  );
  const problem = (f: Finding) => ({ key: keyPath(namespace, f.key, f.path), message: f.message });
  return {
    problems: [...chosen.filter((f) => !f.warning), ...others].map(problem),
    warnings: chosen.filter((f) => f.warning && input.setByStack(f.key, f.path)).map(problem),
  };
}
