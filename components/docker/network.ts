// The Jarvis bridge network: subnet, gateway and bridge options from config.
import * as pulumi from "@pulumi/pulumi";
import { Network } from "@pulumi/docker/network";
import type { DockerConfig } from "../../infra/config/schema";

export interface JarvisNetworkArgs {
  readonly settings: DockerConfig["network"];
  readonly subnet: string;
  readonly gateway: string;
  readonly labels: Record<string, string>;
}

export class JarvisNetwork extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: JarvisNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jarvis:docker:Network", name, {}, opts);
    const { settings } = args;
    const network = new Network(
      name,
      {
        name: settings.name,
        driver: "bridge",
        ipamConfigs: [{ subnet: args.subnet, gateway: args.gateway }],
        options: {
          "com.docker.network.bridge.name": settings.bridge.name,
          "com.docker.network.bridge.enable_icc": String(settings.bridge.enableIcc),
          "com.docker.network.bridge.enable_ip_masquerade": String(settings.bridge.enableIpMasquerade),
          "com.docker.network.driver.mtu": String(settings.bridge.mtu),
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
