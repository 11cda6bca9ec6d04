// The edge capability on Docker: browsers reach the services on host ports published on a host
// interface (`jarvis:publish`), loopback by default.
import { publishedPorts } from "../../infra/config/edge";
import type { DockerConfig } from "../../infra/config/schema";
import { dockerPortOrder } from "./provider-forms";

/** A service's published ports, in the order the provider reads them back. */
export function hostPorts(config: DockerConfig, service: string) {
  return dockerPortOrder(
    publishedPorts(config.publish)
      .filter((p) => p.service === service)
      .map((p) => ({
        internal: config.ports[service]![p.port]!,
        external: p.hostPort,
        ip: p.bindAddress,
        protocol: "tcp",
      })),
  );
}
