// Derived wiring: from the validated config, where every service is reached inside the platform and
// the URLs the others are given. On Docker a service is reached by container name on the Jarvis
// network (its IP stays static, from config); on Kubernetes by its Service's DNS name. This module
// holds no secret: URLs that carry a password are given as parts, and `connectionUrl` assembles
// them once the platform has the password (inside a secret Output).
import { ENV, SERVICE_NAMES, WEBSOCKET_PATH, type ServiceName } from "./catalogue";
import type { DockerConfig, KubernetesConfig, StackConfig } from "./config/schema";
import { parseSubnet, resolveAddress, type Subnet } from "./network";

export interface ConnectionParts {
  readonly scheme: "postgresql" | "redis";
  readonly username?: string;
  readonly host: string;
  readonly port: number;
  /** Database name, or Redis database number. */
  readonly database: string;
}

export interface BrowserUrls {
  readonly interface: string;
  readonly api: string;
  readonly websocket: string;
}

export interface Wiring {
  /** Container name (Docker) or Service name (Kubernetes) of every service. */
  readonly names: Readonly<Record<ServiceName, string>>;
  /** The host name other services use to reach it. */
  readonly hosts: Readonly<Record<ServiceName, string>>;
  /** Static IPv4 address on the Docker network; absent on Kubernetes. */
  readonly addresses?: Readonly<Record<ServiceName, string>>;
  /** The Docker network's subnet and gateway address; absent on Kubernetes. */
  readonly network?: { readonly subnet: Subnet; readonly gateway: string };
  /** Plain service URLs by the environment variable that carries them. */
  readonly urls: Readonly<Record<(typeof PLAIN_URLS)[number][0], string>>;
  /** URLs that need a password, as parts. */
  readonly connections: Readonly<Record<(typeof CONNECTIONS)[number], ConnectionParts>>;
  readonly browser: BrowserUrls;
  readonly corsOrigins: readonly string[];
}

const PLAIN_URLS = [
  [ENV.ollamaBaseUrl, "ollama", "http", "http"],
  [ENV.sttApiUrl, "stt", "http", "http"],
  [ENV.ttsApiUrl, "tts", "http", "http"],
  [ENV.qdrantUrl, "qdrant", "http", "http"],
  [ENV.backendApiUrl, "backend", "http", "http"],
  // The backend talks to the interface's server on its WebSocket port (as the original compose file).
  [ENV.interfaceUrl, "interface", "websocket", "http"],
  [ENV.websocketUrl, "interface", "websocket", "ws", WEBSOCKET_PATH],
] as const satisfies readonly (readonly [string, ServiceName, string, string, string?])[];
const CONNECTIONS = [ENV.databaseUrl, ENV.timescaleUrl, ENV.redisUrl, ENV.rateLimitStorageUrl] as const;

/** Redis database numbers: application cache, and the rate limiter's counters shared by all replicas. */
const REDIS_DATABASES = { cache: "0", rateLimit: "1" } as const;

export function deriveWiring(config: StackConfig): Wiring {
  const names = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `${config.namePrefix}-${s}`])) as Record<
    ServiceName,
    string
  >;
  const platform = config.platform === "docker" ? dockerPlacement(config, names) : kubernetesPlacement(config, names);
  const { hosts } = platform;
  const port = (service: ServiceName, name: string) => config.ports[service][name]!;
  const urls = Object.fromEntries(
    PLAIN_URLS.map(([env, service, portName, scheme, path = ""]) => [
      env,
      `${scheme}://${hosts[service]}:${port(service, portName)}${path}`,
    ]),
  ) as Wiring["urls"];
  const postgres = (service: "postgres" | "timescale"): ConnectionParts => ({
    scheme: "postgresql",
    username: config.databases[service].user,
    host: hosts[service],
    port: port(service, "postgres"),
    database: config.databases[service].name,
  });
  const redis = (database: string): ConnectionParts => ({
    scheme: "redis",
    host: hosts.redis,
    port: port("redis", "redis"),
    database,
  });
  return {
    names,
    ...platform,
    urls,
    connections: {
      [ENV.databaseUrl]: postgres("postgres"),
      [ENV.timescaleUrl]: postgres("timescale"),
      [ENV.redisUrl]: redis(REDIS_DATABASES.cache),
      [ENV.rateLimitStorageUrl]: redis(REDIS_DATABASES.rateLimit),
    },
    corsOrigins: config.backend.corsOrigins ?? [new URL(platform.browser.interface).origin],
  };
}

function dockerPlacement(config: DockerConfig, names: Record<ServiceName, string>) {
  const subnet = parseSubnet(config.network.subnet);
  const addresses = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, resolveAddress(subnet, config.addresses[s])]),
  ) as Record<ServiceName, string>;
  const gateway = resolveAddress(subnet, config.network.gateway);
  const published = publishedPorts(config.publish);
  const hostUrl = (scheme: string, service: ServiceName, port: string) => {
    const entry = published.find((p) => p.service === service && p.port === port)!;
    return `${scheme}://${config.publish.publicHost}:${entry.hostPort}`;
  };
  return {
    hosts: names,
    addresses,
    network: { subnet, gateway },
    browser: {
      interface: hostUrl("http", "interface", "http"),
      api: hostUrl("http", "backend", "http"),
      websocket: hostUrl("ws", "interface", "websocket"),
    },
  };
}

function kubernetesPlacement(config: KubernetesConfig, names: Record<ServiceName, string>) {
  const hosts = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `${names[s]}.${config.namespace.name}.svc`])) as Record<
    ServiceName,
    string
  >;
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

export interface PublishedPort {
  readonly service: ServiceName;
  readonly port: string;
  readonly hostPort: number;
  readonly bindAddress: string;
}

/** Every published host port with the interface it binds, in catalogue order. */
export function publishedPorts(publish: DockerConfig["publish"]): PublishedPort[] {
  return SERVICE_NAMES.flatMap((service) =>
    Object.entries(publish.ports[service] ?? {}).flatMap(([port, value]) =>
      value === undefined
        ? []
        : [
            typeof value === "number"
              ? { service, port, hostPort: value, bindAddress: publish.bindAddress }
              : { service, port, hostPort: value.hostPort, bindAddress: value.bindAddress },
          ],
    ),
  );
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
