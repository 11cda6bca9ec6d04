// Derived wiring: from the validated config and the catalogue's edges, where every service is
// reached inside the platform and the URLs the others are given. On Docker a service is reached by
// container name on the Jarvis network (its IP stays static, from config); on Kubernetes by its
// Service's DNS name. This module holds no secret: URLs that carry a password are given as parts,
// and `connectionUrl` assembles them once the platform has the password (inside a secret Output).
import { CATALOGUE, type Catalogue, type Connection } from "./catalogue";
import type { DockerConfig, KubernetesConfig, StackConfig } from "./config/schema";
import { publishedPorts } from "./config/edge";
import { BROWSER_ENDPOINTS, browserPort } from "./edge";
import { configuredServices } from "./graph";
import { parseSubnet, resolveAddress, type Subnet } from "./network";
import type { GeneratedSecret } from "./secret-names";

export interface ConnectionParts {
  readonly scheme: "postgresql" | "redis";
  readonly username?: string;
  readonly host: string;
  readonly port: number;
  /** Database name, or Redis database number. */
  readonly database: string;
  /** The generated secret that is the password. */
  readonly password: GeneratedSecret;
}

export interface BrowserUrls {
  readonly interface: string;
  readonly api: string;
  readonly websocket: string;
}

export interface Wiring {
  readonly catalogue: Catalogue;
  /** Container name (Docker) or Service name (Kubernetes) of every service. */
  readonly names: Readonly<Record<string, string>>;
  /** The host name other services use to reach it. */
  readonly hosts: Readonly<Record<string, string>>;
  /** Static IPv4 address on the Docker network; absent on Kubernetes. */
  readonly addresses?: Readonly<Record<string, string>>;
  /** The Docker network's subnet and gateway address; absent on Kubernetes. */
  readonly network?: { readonly subnet: Subnet; readonly gateway: string };
  /** Plain service URLs by the environment variable that carries them. */
  readonly urls: Readonly<Record<string, string>>;
  /** URLs that need a password, as parts, by the environment variable that carries them. */
  readonly connections: Readonly<Record<string, ConnectionParts>>;
  readonly browser: BrowserUrls;
  readonly corsOrigins: readonly string[];
}

export function deriveWiring(config: StackConfig, catalogue: Catalogue = CATALOGUE): Wiring {
  const services = configuredServices(catalogue);
  const names = Object.fromEntries(services.map((s) => [s, `${config.namePrefix}-${s}`]));
  const platform =
    config.platform === "docker" ? dockerPlacement(config, catalogue, names) : kubernetesPlacement(config, names);
  const urls: Record<string, string> = {};
  const connections: Record<string, ConnectionParts> = {};
  for (const edge of Object.values(catalogue).flatMap((spec) => spec.connects)) {
    if (!edge.variable) continue;
    const target = edgeTarget(config, catalogue, platform.hosts, edge);
    const known = urls[edge.variable] ?? connections[edge.variable];
    if (known && JSON.stringify(known) !== JSON.stringify(target))
      throw new Error(`${edge.variable} points at two places in the catalogue`);
    if (typeof target === "string") urls[edge.variable] = target;
    else connections[edge.variable] = target;
  }
  return {
    catalogue,
    names,
    ...platform,
    urls,
    connections,
    corsOrigins: config.backend.corsOrigins ?? [new URL(platform.browser.interface).origin],
  };
}

/** What an edge's variable holds: a plain URL, or the parts of one with a password. */
function edgeTarget(
  config: StackConfig,
  catalogue: Catalogue,
  hosts: Readonly<Record<string, string>>,
  edge: Connection,
): string | ConnectionParts {
  const form = catalogue[edge.to]?.url ?? { scheme: "http" };
  const host = hosts[edge.to]!;
  const port = config.ports[edge.to]![edge.port]!;
  if (form.scheme === "http") return `http://${host}:${port}`;
  const account = form.scheme === "postgresql" ? config.databases[edge.to]! : undefined;
  return {
    scheme: form.scheme,
    ...(account && { username: account.user }),
    host,
    port,
    database: account?.name ?? edge.database ?? "0",
    password: form.password,
  };
}

function dockerPlacement(config: DockerConfig, catalogue: Catalogue, names: Record<string, string>) {
  const subnet = parseSubnet(config.network.subnet);
  const addresses = Object.fromEntries(
    Object.keys(names).map((s) => [s, resolveAddress(subnet, config.addresses[s]!)]),
  );
  const gateway = resolveAddress(subnet, config.network.gateway);
  const published = publishedPorts(config.publish);
  const hostUrl = (endpoint: keyof typeof BROWSER_ENDPOINTS) => {
    const { service, port } = browserPort(catalogue, endpoint);
    const entry = published.find((p) => p.service === service && p.port === port)!;
    return `${BROWSER_ENDPOINTS[endpoint].scheme}://${config.publish.publicHost}:${entry.hostPort}`;
  };
  return {
    hosts: names,
    addresses,
    network: { subnet, gateway },
    browser: { interface: hostUrl("interface"), api: hostUrl("api"), websocket: hostUrl("websocket") },
  };
}

function kubernetesPlacement(config: KubernetesConfig, names: Record<string, string>) {
  const hosts = Object.fromEntries(
    Object.entries(names).map(([s, name]) => [s, `${name}.${config.namespace.name}.svc`]),
  );
  const { interface: interfaceHost, api } = config.edge.hosts;
  return {
    hosts,
    browser: {
      interface: `https://${interfaceHost}`,
      api: `https://${api}`,
      websocket: `wss://${interfaceHost}${config.edge.websocketPath}`,
    },
  };
}

/** Assembles a connection URL; the password (if any) is percent-encoded. */
export function connectionUrl(parts: ConnectionParts, password?: string): string {
  const url = new URL(`${parts.scheme}://${parts.host}`);
  url.port = String(parts.port);
  url.pathname = `/${parts.database}`;
  if (parts.username) url.username = parts.username;
  if (password !== undefined) url.password = password;
  return url.toString();
}

/** The rate limit in the `limits` library's notation, e.g. "10 per 60 seconds". */
export function rateLimitSpec(config: StackConfig): string {
  const { requests, windowSeconds } = config.backend.rateLimit;
  return `${requests} per ${windowSeconds} seconds`;
}
