// Every secret Jarvis uses, for every platform: generated ones (RandomPassword, rotated by raising a
// counter in config) and the ones a person provides with `pulumi config set --secret`.
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import type { SecretKey } from "../infra/config/schema";
import { GENERATED_SECRETS, type GeneratedSecret } from "../infra/secret-names";
import type { SecretSource } from "../infra/environment";
import { connectionUrl, type ConnectionParts, type Wiring } from "../infra/wiring";

export interface SecretsArgs {
  /** Rotation counter per generated secret; a change generates that secret anew. Absent means 0. */
  readonly rotation: Partial<Record<GeneratedSecret, number>>;
  /** Person-provided secret keys this stack uses (set, and their feature on). */
  readonly provided: ReadonlySet<SecretKey>;
}

export class Secrets extends pulumi.ComponentResource {
  readonly generated: Readonly<Record<GeneratedSecret, pulumi.Output<string>>>;
  readonly provided: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Nothing secret-bearing goes to super(): component inputs are stored in plain text.
    super("jarvis:secrets:Secrets", name, {}, opts);
    const generated = {} as Record<GeneratedSecret, pulumi.Output<string>>;
    for (const [secret, length] of Object.entries(GENERATED_SECRETS) as [GeneratedSecret, number][]) {
      const password = new RandomPassword(
        `${name}-${secret}`,
        { length, special: false, keepers: { rotation: String(args.rotation[secret] ?? 0) } },
        { parent: this },
      );
      // Secret even where a provider would not honour additionalSecretOutputs.
      generated[secret] = pulumi.secret(password.result);
    }
    this.generated = generated;
    const config = new pulumi.Config();
    this.provided = Object.fromEntries([...args.provided].sort().map((key) => [key, config.requireSecret(key)]));
    // Secret outputs: the engine stores them encrypted.
    this.registerOutputs({ generated: this.generated, provided: this.provided });
  }

  /** The secret a service's environment refers to, as a secret output. */
  resolve(source: SecretSource, connections: Wiring["connections"]): pulumi.Output<string> {
    if ("connection" in source) return this.connectionUrl(connections[source.connection]!);
    const value =
      source.secret in this.generated
        ? this.generated[source.secret as GeneratedSecret]
        : this.provided[source.secret as SecretKey];
    if (!value) throw new Error(`secret ${source.secret} is not provided in this stack`);
    return value;
  }

  /** A connection URL that carries its generated password, as a secret output. */
  connectionUrl(parts: ConnectionParts): pulumi.Output<string> {
    return pulumi.secret(this.generated[parts.password].apply((p) => connectionUrl(parts, p)));
  }
}
