// The program: read and validate the whole config once, then assemble the chosen platform.
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { Secrets } from "../components/secrets";
import { deployDocker } from "../stacks/docker";
import { deployKubernetes } from "../stacks/kubernetes";
import { loadStackConfig } from "./config/load";
import { formatProblems, type ConfigProblem } from "./config/problems";
import { deriveWiring } from "./wiring";

/** Invalid stack config: reported as a list of key paths, without a stack trace. */
export class InvalidConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
  }
}

// The SDK marks `isConfigSecret` internal (absent from its typings), yet it is the only way to learn
// which keys the engine handed over as secrets; the SDK version is pinned and the plan tests use it.
const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };

/** Loads the config the engine handed over, or throws InvalidConfigError before anything is registered. */
export function readStackConfig() {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(raw).filter(isConfigSecret);
  const result = loadStackConfig(raw, secretKeys, pulumi.getProject());
  if (!result.ok) throw new InvalidConfigError(result.problems);
  return result;
}

export function main() {
  const { config, secrets: provided } = readStackConfig();
  const wiring = deriveWiring(config);
  const secrets = new Secrets("secrets", { rotation: config.rotation ?? {}, provided });
  return config.platform === "docker"
    ? deployDocker(config, wiring, secrets)
    : deployKubernetes(config, wiring, secrets);
}
