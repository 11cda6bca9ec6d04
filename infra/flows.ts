// Who talks to whom, derived from the wiring rather than written per service: a service reaches
// every service whose address appears in its environment, on that port. The network policies of
// the Kubernetes platform are generated from these flows.
import { CATALOGUE, SERVICE_NAMES, type ServiceName } from "./catalogue";
import type { StackConfig } from "./config/schema";
import { serviceEnvironment } from "./environment";
import type { Wiring } from "./wiring";

export interface Flow {
  readonly from: ServiceName;
  readonly to: ServiceName;
  readonly port: number;
}

/** The service a URL points at, with its port, if it is one of ours. */
function target(wiring: Wiring, url: string): { service: ServiceName; port: number } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const service = SERVICE_NAMES.find((s) => wiring.hosts[s] === parsed.hostname);
  return service && parsed.port ? { service, port: Number(parsed.port) } : undefined;
}

export function serviceFlows(config: StackConfig, wiring: Wiring, services: readonly ServiceName[]): Flow[] {
  const flows = new Map<string, Flow>();
  for (const from of services) {
    const { plain, secret } = serviceEnvironment(config, wiring, from, "");
    const urls = [
      ...Object.values(plain),
      ...Object.values(secret).flatMap((source) => {
        if (!source || !("connection" in source)) return [];
        const parts = wiring.connections[source.connection];
        return [`${parts.scheme}://${parts.host}:${parts.port}`];
      }),
    ];
    for (const url of urls) {
      const to = url && target(wiring, url);
      if (to && to.service !== from && services.includes(to.service))
        flows.set(`${from}>${to.service}:${to.port}`, { from, to: to.service, port: to.port });
    }
  }
  return [...flows.values()].sort((a, b) => `${a.from}${a.to}${a.port}`.localeCompare(`${b.from}${b.to}${b.port}`));
}

/** The metrics endpoint of each service that has one. */
export function metricsPorts(
  config: StackConfig,
  services: readonly ServiceName[],
): { service: ServiceName; port: number }[] {
  return services.flatMap((service) => {
    const metrics = CATALOGUE[service].metrics;
    return metrics ? [{ service, port: config.ports[service][metrics.port]! }] : [];
  });
}
