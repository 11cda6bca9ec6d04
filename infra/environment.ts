// The environment of every node, for any platform: plain values, and references to the secrets
// that the platform resolves (a secret itself, or a connection URL that carries a password). The
// URLs of a node's edges come from the graph; what else a service reads is its own builder below.
// This module holds no secret value.
import { posix } from "node:path";
import { ENV, type EnvName } from "./catalogue";
import type { StackConfig } from "./config/schema";
import type { GeneratedSecret, WorkloadSecret } from "./secret-names";
import { rateLimitSpec, type Wiring } from "./wiring";

export type SecretSource =
  | { readonly secret: WorkloadSecret }
  /** The connection URL an edge's variable carries, with its password. */
  | { readonly connection: string };

export interface ServiceEnvironment {
  readonly plain: Readonly<Partial<Record<EnvName, string>>>;
  readonly secret: Readonly<Partial<Record<EnvName, SecretSource>>>;
}

interface Context {
  readonly config: StackConfig;
  readonly wiring: Wiring;
  readonly service: string;
  /** The deployment's name (the stack). */
  readonly environment: string;
}

const flag = (on: boolean) => (on ? "true" : "false");

/** The environment of one node; `environment` names the deployment (the stack). */
export function serviceEnvironment(
  config: StackConfig,
  wiring: Wiring,
  service: string,
  environment: string,
): ServiceEnvironment {
  const edges = edgeEnvironment(wiring, service);
  const own = BUILDERS[service]?.({ config, wiring, service, environment }) ?? { plain: {}, secret: {} };
  return { plain: { ...edges.plain, ...own.plain }, secret: { ...edges.secret, ...own.secret } };
}

/** The URLs of a node's edges: plain, or secret where they carry a password. */
function edgeEnvironment(wiring: Wiring, service: string): ServiceEnvironment {
  const plain: Partial<Record<EnvName, string>> = {};
  const secret: Partial<Record<EnvName, SecretSource>> = {};
  for (const edge of wiring.catalogue[service]?.connects ?? []) {
    if (!edge.variable) continue;
    if (edge.variable in wiring.urls) plain[edge.variable] = wiring.urls[edge.variable];
    else secret[edge.variable] = { connection: edge.variable };
  }
  return { plain, secret };
}

/** What every Jarvis service gets: its name, its log level and the port it must listen on. */
function appBase({ config, wiring, service }: Context): Partial<Record<EnvName, string>> {
  const name = wiring.catalogue[service]?.serviceName;
  return {
    ...(name && { [ENV.serviceName]: name }),
    [ENV.port]: String(config.ports[service]!.http),
    [ENV.logLevel]: config.backend.logLevel,
  };
}

const port = ({ config, service }: Context, name: string) => String(config.ports[service]![name]);
const dataPath = ({ wiring, service }: Context, name: string) => wiring.catalogue[service]!.dataPaths[name]!;

type Builder = (context: Context) => ServiceEnvironment;

/** The generated secret a PostgreSQL service's URL names as its password. */
function databasePassword({ wiring, service }: Context): GeneratedSecret {
  const url = wiring.catalogue[service]!.url;
  if (url?.scheme !== "postgresql") throw new Error(`${service} is not a PostgreSQL service in the catalogue`);
  return url.password;
}

const database: Builder = (context) => {
  const account = context.config.databases[context.service]!;
  return {
    plain: {
      [ENV.postgresDb]: account.name,
      [ENV.postgresUser]: account.user,
      // The server listens on PGPORT, and pg_isready checks it.
      [ENV.pgPort]: port(context, "postgres"),
    },
    secret: { [ENV.postgresPassword]: { secret: databasePassword(context) } },
  };
};

/** The service an exporter serves the metrics of, and how it is reached: inside the pod for a sidecar. */
function exported({ config, wiring, service }: Context) {
  const spec = wiring.catalogue[service]!;
  const target = spec.exports!.service;
  const edge = spec.connects.find((e) => e.to === target)!;
  const host = spec.sidecar && config.platform === "kubernetes" ? "localhost" : wiring.hosts[target];
  return { target, address: `${host}:${config.ports[target]![edge.port]}` };
}

/** postgres_exporter: the database it watches, as its user (the password from the environment, secret). */
const postgresExporter: Builder = (context) => {
  const { target, address } = exported(context);
  const account = context.config.databases[target]!;
  return {
    plain: {
      [ENV.postgresExporterUri]: `${address}/${account.name}?sslmode=disable`,
      [ENV.postgresExporterUser]: account.user,
    },
    secret: { [ENV.postgresExporterPassword]: { secret: databasePassword({ ...context, service: target }) } },
  };
};

/** redis_exporter: the server it watches, its password from the environment. */
const redisExporter: Builder = (context) => {
  const { target, address } = exported(context);
  const url = context.wiring.catalogue[target]!.url;
  if (url?.scheme !== "redis") throw new Error(`${target} is not a Redis service in the catalogue`);
  return {
    plain: { [ENV.redisExporterAddress]: `redis://${address}`, [ENV.redisExporterListen]: `:${port(context, "http")}` },
    secret: { [ENV.redisPassword]: { secret: url.password } },
  };
};

/** A speech service: where its models are, and which one it uses. */
const speech =
  (pathVariable: EnvName, modelVariable: EnvName, model: (models: StackConfig["models"]) => string): Builder =>
  (context) => ({
    plain: {
      ...appBase(context),
      [pathVariable]: dataPath(context, "models"),
      [modelVariable]: model(context.config.models),
    },
    secret: {},
  });

/** Grafana's admin account (its password is the generated secret `grafana`), on both platforms. */
export const GRAFANA_ADMIN_USER = "admin";

/** What each service reads beyond the URLs of its edges. */
const BUILDERS: Readonly<Record<string, Builder>> = {
  stt: speech(ENV.sttModelPath, ENV.whisperModel, (models) => models.whisper),
  tts: speech(ENV.ttsModelPath, ENV.piperModel, (models) => models.piper),
  ollama: (context) => ({
    plain: {
      // Listen on the container's own address (Docker) or every interface (empty host).
      [ENV.ollamaHost]: `${context.wiring.addresses?.[context.service] ?? ""}:${port(context, "http")}`,
      [ENV.ollamaOrigins]: context.wiring.corsOrigins.join(","),
      [ENV.ollamaKeepAlive]: context.config.models.keepAlive,
      [ENV.ollamaModels]: dataPath(context, "models"),
      [ENV.home]: dataPath(context, "home"),
    },
    secret: {},
  }),
  backend: backendEnvironment,
  "postgres-exporter": postgresExporter,
  "timescale-exporter": postgresExporter,
  "redis-exporter": redisExporter,
  interface: (context) => ({
    plain: {
      ...appBase(context),
      [ENV.websocketPort]: port(context, "websocket"),
      [ENV.browserApiUrl]: context.wiring.browser.api,
      [ENV.browserWsUrl]: context.wiring.browser.websocket,
    },
    secret: {},
  }),
  postgres: database,
  timescale: (context) => {
    const base = database(context);
    return { plain: { ...base.plain, [ENV.timescaleTelemetry]: "off" }, secret: base.secret };
  },
  // The password reaches redis-server through the environment, and redis-cli (the health check)
  // authenticates with REDISCLI_AUTH.
  redis: () => ({
    plain: {},
    secret: { [ENV.redisPassword]: { secret: "redis" }, [ENV.redisCliAuth]: { secret: "redis" } },
  }),
  qdrant: (context) => ({
    plain: {
      [ENV.qdrantHttpPort]: port(context, "http"),
      [ENV.qdrantGrpcPort]: port(context, "grpc"),
      [ENV.qdrantSearchThreads]: String(context.config.qdrant.maxSearchThreads),
      [ENV.qdrantSnapshotsPath]: dataPath(context, "snapshots"),
      // Only the backend talks to Qdrant; browsers never do.
      [ENV.qdrantEnableCors]: "false",
      [ENV.qdrantTelemetryDisabled]: "true",
      // Out of the working directory, which is read-only on Kubernetes.
      [ENV.qdrantInitFile]: posix.join(context.wiring.catalogue[context.service]!.writable[0]!, ".qdrant-initialized"),
    },
    secret: { [ENV.qdrantServiceApiKey]: { secret: "qdrant" } },
  }),
  grafana: (context) => ({
    plain: {
      [ENV.grafanaAdminUser]: GRAFANA_ADMIN_USER,
      [ENV.grafanaAllowSignUp]: "false",
      [ENV.grafanaAnonymous]: "false",
      [ENV.grafanaHttpPort]: port(context, "http"),
    },
    secret: { [ENV.grafanaAdminPassword]: { secret: "grafana" } },
  }),
};

function backendEnvironment(context: Context): ServiceEnvironment {
  const { config, wiring, environment } = context;
  const { features, integrations, backend } = config;
  const plain: Partial<Record<EnvName, string>> = {
    ...appBase(context),
    [ENV.environment]: environment,
    [ENV.appName]: backend.appName,
    [ENV.debug]: flag(backend.debug),
    [ENV.ollamaModel]: config.models.defaultLlm,
    [ENV.corsOrigins]: wiring.corsOrigins.join(","),
    [ENV.rateLimit]: rateLimitSpec(config),
    [ENV.memoryUpdateInterval]: String(backend.memory.updateIntervalSeconds),
    [ENV.memoryRetentionDays]: String(backend.memory.retentionDays),
    [ENV.brainMemoryEnabled]: flag(features.brainMemory),
    [ENV.emotionalAnalysisEnabled]: flag(features.emotionalAnalysis),
    [ENV.autoConsolidationEnabled]: flag(features.autoConsolidation),
  };
  const secret: Partial<Record<EnvName, SecretSource>> = {
    [ENV.secretKey]: { secret: "jwt" },
    [ENV.qdrantApiKey]: { secret: "qdrant" },
  };
  if (features.webBrowsing && integrations.browserbase) {
    plain[ENV.browserbaseProjectId] = integrations.browserbase.projectId;
    secret[ENV.browserbaseApiKey] = { secret: "browserbaseApiKey" };
  }
  if (features.homeAssistant && integrations.homeAssistant) {
    plain[ENV.homeAssistantUrl] = integrations.homeAssistant.url;
    secret[ENV.homeAssistantToken] = { secret: "homeAssistantToken" };
  }
  if (features.mqtt && integrations.mqtt) {
    plain[ENV.mqttBroker] = integrations.mqtt.broker;
    plain[ENV.mqttPort] = String(integrations.mqtt.port);
    plain[ENV.mqttUsername] = integrations.mqtt.username;
    secret[ENV.mqttPassword] = { secret: "mqttPassword" };
  }
  return { plain, secret };
}
