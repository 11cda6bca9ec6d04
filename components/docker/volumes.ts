// Named volumes for the services' data. They outlive their containers, and Pulumi leaves them in
// place even when it deletes them from the stack, so that no data goes with a program change.
import * as pulumi from "@pulumi/pulumi";
import { Volume } from "@pulumi/docker/volume";

export interface VolumesArgs {
  /** Volume name by the service that keeps its data there. */
  readonly names: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export class Volumes extends pulumi.ComponentResource {
  /** The volume's name by service, resolved once it exists. */
  readonly names: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: VolumesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jarvis:docker:Volumes", name, {}, opts);
    this.names = Object.fromEntries(
      Object.entries(args.names).map(([service, volumeName]) => {
        const volume = new Volume(
          `${name}-${service}`,
          {
            name: volumeName,
            driver: "local",
            labels: Object.entries({ ...args.labels, "jarvis.service": service }).map(([label, value]) => ({
              label,
              value,
            })),
          },
          { parent: this, retainOnDelete: true },
        );
        return [service, volume.name];
      }),
    );
    this.registerOutputs({ names: this.names });
  }
}
