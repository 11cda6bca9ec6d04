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

/**
 * `NAME=value` entries, sorted by name, each its own input: only the entries with a secret value are
 * secret, so that a plan or a preview shows the others. (The engine still stores the provider's
 * answer for the whole list as a secret: an array output is secret when any of its inputs is,
 * pulumi/pulumi pkg/resource/plugin/provider_plugin.go annotateSecrets.)
 */
export function envList(environment: ServiceEnvironment, secrets: Secrets, wiring: Wiring): pulumi.Input<string>[] {
  const plain = Object.entries(environment.plain).map(([name, value]) => ({ name, entry: `${name}=${value}` }));
  const secret = Object.entries(environment.secret).map(([name, source]) => ({
    name,
    entry: pulumi.interpolate`${name}=${secrets.resolve(source!, wiring.connections)}`,
  }));
  // Names hold no "=": ordering by `NAME=` orders the entries as sorting their text would.
  const key = (name: string) => `${name}=`;
  return [...plain, ...secret].sort((a, b) => (key(a.name) < key(b.name) ? -1 : 1)).map(({ entry }) => entry);
}
