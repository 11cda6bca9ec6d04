// Checks that span several config keys, from every capability module. Each runs only when the keys
// it needs are valid on their own, so that one mistake is reported once, at its own key.
import type { Catalogue } from "../catalogue";
import type { Host } from "../host";
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

/** Problems stop the run; warnings are printed. */
export function crossKeyFindings(
  parsed: Record<string, unknown>,
  secrets: ReadonlySet<SecretKey>,
  namespace: string,
  catalogue: Catalogue,
  host: Host,
  /** Whether the stack file sets the value at a path: a warning is about what a stack sets. */
  setByStack: (key: string, path: readonly (string | number)[]) => boolean = () => true,
): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const config = parsed as Parsed;
  const context = { catalogue, secrets, host, namespace };
  const platform = config.platform === "docker" || config.platform === "kubernetes" ? config.platform : undefined;
  const findings = MODULE_CHECKS.flatMap((checks) => [
    ...(checks.shared?.(config, context) ?? []),
    ...((platform && checks[platform]?.(config, context)) || []),
  ]);
  const problem = (f: (typeof findings)[number]) => ({ key: keyPath(namespace, f.key, f.path), message: f.message });
  return {
    problems: findings.filter((f) => !f.warning).map(problem),
    warnings: findings.filter((f) => f.warning && setByStack(f.key, f.path)).map(problem),
  };
}
