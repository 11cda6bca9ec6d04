// What Prometheus watches, derived from the service graph: every deployed service's own metrics
// endpoint; an exporter's, for a service that has none; a probe of the health endpoint, through the
// prober, for a service with neither. A new service in the catalogue is watched with no code here.
import type { Catalogue, Exports } from "../catalogue";
import type { GeneratedSecret } from "../secret-names";

type Ports = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** A metrics endpoint of a deployed service. */
export interface ScrapeTarget {
  readonly service: string;
  readonly port: number;
  readonly path: string;
}

/** The metrics endpoints the scraper reaches (what Kubernetes lets it reach): the nodes of the scrapes. */
export function scrapeTargets(catalogue: Catalogue, ports: Ports, services: readonly string[]): ScrapeTarget[] {
  return watches(catalogue, ports, services).flatMap((w) =>
    w.kind === "scrape" ? [{ service: w.node, port: w.port, path: w.path }] : [],
  );
}

/** How a service is watched. */
export type Watch =
  /** Its own endpoint, or its exporter's (`node`); `apiKey`: the secret its endpoint requires. */
  | {
      readonly kind: "scrape";
      readonly service: string;
      readonly node: string;
      readonly port: number;
      readonly path: string;
      readonly app: boolean;
      readonly apiKey?: GeneratedSecret;
      /** The exporter's series that says whether the service itself is up. */
      readonly exported?: Exports;
    }
  /** A probe of its health endpoint, through the prober `node`. */
  | {
      readonly kind: "probe";
      readonly service: string;
      readonly node: string;
      readonly port: number;
      readonly healthPath: string;
      readonly healthPort: number;
    };

/**
 * How each deployed service is watched. Exporters are watched as the service they export; the
 * prober, as itself. A service with no way to be watched is left out: `unwatched` names them.
 */
export function watches(catalogue: Catalogue, ports: Ports, deployed: readonly string[]): Watch[] {
  const exporterOf = new Map(
    deployed.flatMap((node) => {
      const exported = catalogue[node]!.exports;
      return exported ? [[exported.service, node] as const] : [];
    }),
  );
  const prober = deployed.find((node) => catalogue[node]!.prober);
  return deployed.flatMap((service): Watch[] => {
    const spec = catalogue[service]!;
    if (spec.exports) return [];
    if (spec.metrics) {
      const apiKey = spec.metrics.apiKey && spec.url?.scheme === "http" ? spec.url.apiKey : undefined;
      if (spec.metrics.apiKey && !apiKey)
        throw new Error(`${service}'s metrics need its API key, but its url names none in the catalogue`);
      return [
        {
          kind: "scrape",
          service,
          node: service,
          port: ports[service]![spec.metrics.port]!,
          path: spec.metrics.path,
          app: spec.metrics.app === true,
          ...(apiKey && { apiKey }),
        },
      ];
    }
    const exporter = exporterOf.get(service);
    const metrics = exporter ? catalogue[exporter]!.metrics : undefined;
    if (exporter && metrics)
      return [
        {
          kind: "scrape",
          service,
          node: exporter,
          port: ports[exporter]![metrics.port]!,
          path: metrics.path,
          app: false,
          exported: catalogue[exporter]!.exports!,
        },
      ];
    if (prober && spec.health?.kind === "http")
      return [
        {
          kind: "probe",
          service,
          node: prober,
          port: ports[prober]![catalogue[prober]!.metrics?.port ?? "http"]!,
          healthPath: spec.health.path,
          healthPort: ports[service]![spec.health.port]!,
        },
      ];
    return [];
  });
}

/** The deployed services that nothing watches (no metrics, no exporter, no HTTP health check to probe). */
export function unwatched(catalogue: Catalogue, ports: Ports, deployed: readonly string[]): string[] {
  const watched = new Set(watches(catalogue, ports, deployed).map((w) => w.service));
  return deployed.filter((service) => !watched.has(service) && !catalogue[service]!.exports);
}

/** The API key each scraped endpoint requires, by watched service. */
export function scrapeApiKeys(watched: readonly Watch[]): [service: string, key: GeneratedSecret][] {
  return watched.flatMap((w): [string, GeneratedSecret][] =>
    w.kind === "scrape" && w.apiKey ? [[w.service, w.apiKey]] : [],
  );
}
