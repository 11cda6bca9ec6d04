// The monitoring model, derived from the catalogue. For now: the scrape targets, every deployed
// service's metrics endpoint.
import type { Catalogue } from "./catalogue";

export interface ScrapeTarget {
  readonly service: string;
  readonly port: number;
  readonly path: string;
}

export function scrapeTargets(
  catalogue: Catalogue,
  ports: Readonly<Record<string, Readonly<Record<string, number>>>>,
  services: readonly string[],
): ScrapeTarget[] {
  return services.flatMap((service) => {
    const metrics = catalogue[service]?.metrics;
    return metrics ? [{ service, port: ports[service]![metrics.port]!, path: metrics.path }] : [];
  });
}
