// The Docker platform (dev): everything on the local engine, on one bridge network with static IPs.
import { Network } from "@pulumi/docker/network";
import type { Secrets } from "../components/secrets";
import type { DockerConfig } from "../infra/config/schema";
import type { Wiring } from "../infra/wiring";

export function deployDocker(config: DockerConfig, wiring: Wiring, _secrets: Secrets) {
  const { network } = config;
  const { subnet, gateway } = wiring.network!;
  const jarvisNetwork = new Network(
    "network",
    {
      name: network.name,
      driver: "bridge",
      ipamConfigs: [{ subnet: subnet.cidr, gateway }],
      options: {
        "com.docker.network.bridge.name": network.bridge.name,
        "com.docker.network.bridge.enable_icc": String(network.bridge.enableIcc),
        "com.docker.network.bridge.enable_ip_masquerade": String(network.bridge.enableIpMasquerade),
        "com.docker.network.driver.mtu": String(network.bridge.mtu),
      },
    },
    // A fixed name and subnet cannot exist twice: replace by deleting first.
    { deleteBeforeReplace: true },
  );
  return {
    platform: config.platform,
    urls: wiring.browser,
    network: { name: jarvisNetwork.name, subnet: subnet.cidr },
  };
}
