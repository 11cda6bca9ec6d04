// What every Docker capability gets from the assembly: the config, the wiring, the secrets, and
// what all containers share.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceContainerArgs } from "../../components/docker/container";
import type { Secrets } from "../../components/secrets";
import type { DockerConfig } from "../../infra/config/schema";
import type { ServiceEnvironment } from "../../infra/environment";
import type { Wiring } from "../../infra/wiring";

export interface DockerContext {
  readonly config: DockerConfig;
  readonly wiring: Wiring;
  readonly secrets: Secrets;
  readonly stack: string;
  readonly labels: Record<string, string>;
  /** The Jarvis network's name. */
  readonly network: pulumi.Output<string>;
  /** What every container of the stack shares. */
  readonly common: Pick<ServiceContainerArgs, "logging" | "stopGraceSeconds">;
}

/** `NAME=value` entries, sorted by name; a secret value makes the whole list secret. */
export function envList(environment: ServiceEnvironment, secrets: Secrets, wiring: Wiring): pulumi.Output<string[]> {
  const plain = Object.entries(environment.plain).map(([name, value]) => pulumi.output(`${name}=${value}`));
  const secret = Object.entries(environment.secret).map(
    ([name, source]) => pulumi.interpolate`${name}=${secrets.resolve(source!, wiring.connections)}`,
  );
  return pulumi.all([...plain, ...secret]).apply((entries) => [...entries].sort());
}
