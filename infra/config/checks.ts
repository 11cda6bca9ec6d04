// Checks that span several config keys, from every capability module. Each runs only when the keys
// it needs are valid on their own, so that one mistake is reported once, at its own key.
import type { Catalogue } from "../catalogue";
import { applicationChecks, type SecretKey } from "./application";
import { edgeChecks } from "./edge";
import { modelPullChecks } from "./model-pull";
import type { ModuleChecks, Parsed } from "./module";
import { platformChecks } from "./platform";
import { keyPath, type ConfigProblem } from "./problems";
import { serviceChecks } from "./services";

const MODULE_CHECKS: readonly ModuleChecks[] = [
  platformChecks,
  serviceChecks,
  applicationChecks,
  edgeChecks,
  modelPullChecks,
];

export function crossKeyProblems(
  parsed: Record<string, unknown>,
  secrets: ReadonlySet<SecretKey>,
  namespace: string,
  catalogue: Catalogue,
): ConfigProblem[] {
  const config = parsed as Parsed;
  const context = { catalogue, secrets };
  const platform = config.platform === "docker" || config.platform === "kubernetes" ? config.platform : undefined;
  return MODULE_CHECKS.flatMap((checks) => [
    ...(checks.shared?.(config, context) ?? []),
    ...((platform && checks[platform]?.(config, context)) || []),
  ]).map((f) => ({ key: keyPath(namespace, f.key, f.path), message: f.message }));
}
