// Health-check timing of a service: the defaults of `jarvis:healthChecks` with its own overrides.
import type { Catalogue } from "./catalogue";
import type { StackConfig } from "./config/schema";

export function healthTimingOf(config: StackConfig, service: string) {
  return { ...config.healthChecks, ...config.healthChecks.services?.[service] };
}

/**
 * The health command of a datastore whose image has its own client, for any platform (Docker's
 * in-container test, Kubernetes's exec probe); undefined for a service checked over HTTP or TCP.
 */
export function clientHealthCommand(config: StackConfig, catalogue: Catalogue, service: string): string[] | undefined {
  const spec = catalogue[service]!;
  const port = String(config.ports[service]![spec.ports[0]!]);
  switch (spec.health?.kind) {
    case "postgres": {
      const database = config.databases[service]!;
      // Over TCP: during first start the image runs a socket-only server while its init scripts run.
      const target = ["--username", database.user, "--dbname", database.name, "--port", port];
      return ["pg_isready", "--host", "localhost", ...target];
    }
    case "redis":
      // -e: a refused AUTH or PING fails the check (REDISCLI_AUTH carries the password).
      return ["redis-cli", "-e", "-p", port, "ping"];
    default:
      return undefined;
  }
}
