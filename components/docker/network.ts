// The Jarvis bridge network: its subnet, gateway and bridge options.
import * as pulumi from "@pulumi/pulumi";
import { Network as DockerNetwork } from "@pulumi/docker/network";

export interface NetworkArgs {
  readonly name: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly bridge: {
    readonly name: string;
    readonly enableIcc: boolean;
    readonly enableIpMasquerade: boolean;
    readonly mtu: number;
  };
  readonly labels: Readonly<Record<string, string>>;
}

export class Network extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jarvis:docker:Network", name, {}, opts);
    const { bridge } = args;
    const network = new DockerNetwork(
      name,
      {
        name: args.name,
        driver: "bridge",
        ipamConfigs: [{ subnet: args.subnet, gateway: args.gateway }],
        options: {
          "com.docker.network.bridge.name": bridge.name,
          "com.docker.network.bridge.enable_icc": String(bridge.enableIcc),
          "com.docker.network.bridge.enable_ip_masquerade": String(bridge.enableIpMasquerade),
          "com.docker.network.driver.mtu": String(bridge.mtu),
        },
        labels: Object.entries(args.labels).map(([label, value]) => ({ label, value })),
      },
      // A fixed name and subnet cannot exist twice: replace by deleting first.
      { parent: this, deleteBeforeReplace: true },
    );
    this.name = network.name;
    this.registerOutputs({ name: this.name });
  }
}
