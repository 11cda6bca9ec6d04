// The composition root: read and validate the whole config once, derive the wiring from the
// service graph, generate the secrets, then assemble the platform the config names.
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { Secrets } from "./components/secrets";
import { CATALOGUE, type Catalogue } from "./infra/catalogue";
import { loadStackConfig } from "./infra/config/load";
import { formatProblems, type ConfigProblem } from "./infra/config/problems";
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

/** Loads the config the engine handed over, or throws InvalidConfigError before anything is registered. */
export function readStackConfig(catalogue: Catalogue = CATALOGUE) {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(raw).filter(isConfigSecret);
  const result = loadStackConfig(raw, secretKeys, pulumi.getProject(), catalogue);
  if (!result.ok) throw new InvalidConfigError(result.problems);
  return result;
}

/** The program for a catalogue: Jarvis's own, or (in tests) one with more services. */
export function programFor(catalogue: Catalogue) {
  return () => {
    const { config, secrets: provided } = readStackConfig(catalogue);
    const wiring = deriveWiring(config, catalogue);
    const secrets = new Secrets("secrets", { rotation: config.rotation ?? {}, provided });
    return config.platform === "docker"
      ? deployDocker(config, wiring, secrets)
      : deployKubernetes(config, wiring, secrets);
  };
}

export const main = programFor(CATALOGUE);
