// The environment of every service, for any platform: plain values, and references to the secrets
// that the platform resolves (a secret itself, or a connection URL that carries a password). The
// variable names come from the catalogue; this module holds no secret value.
import { posix } from "node:path";
import { CATALOGUE, ENV, type EnvName, type ServiceName } from "./catalogue";
import type { StackConfig } from "./config/schema";
import type { GeneratedSecret, WorkloadSecret } from "./secret-names";
import { rateLimitSpec, type Wiring } from "./wiring";

export type SecretSource =
  | { readonly secret: WorkloadSecret }
  | { readonly connection: keyof Wiring["connections"]; readonly password: GeneratedSecret };

export interface ServiceEnvironment {
  readonly plain: Readonly<Partial<Record<EnvName, string>>>;
  readonly secret: Readonly<Partial<Record<EnvName, SecretSource>>>;
}

const flag = (on: boolean) => (on ? "true" : "false");

/** What every Jarvis service gets: its name, its log level and the port it must listen on. */
function appBase(config: StackConfig, service: ServiceName): Partial<Record<EnvName, string>> {
  const name = CATALOGUE[service].serviceName;
  return {
    ...(name && { [ENV.serviceName]: name }),
    [ENV.port]: String(config.ports[service].http),
    [ENV.logLevel]: config.backend.logLevel,
  };
}

/** The environment of one service; `environment` names the deployment (the stack). */
export function serviceEnvironment(
  config: StackConfig,
  wiring: Wiring,
  service: ServiceName,
  environment: string,
): ServiceEnvironment {
  const { urls, browser } = wiring;
  const port = (name: string) => String(config.ports[service][name]);
  const paths = CATALOGUE[service].dataPaths;
  switch (service) {
    case "stt":
    case "tts": {
      const isStt = service === "stt";
      return {
        plain: {
          ...appBase(config, service),
          [isStt ? ENV.sttModelPath : ENV.ttsModelPath]: paths.models!,
          [isStt ? ENV.whisperModel : ENV.piperModel]: isStt ? config.models.whisper : config.models.piper,
          [ENV.backendApiUrl]: urls[ENV.backendApiUrl],
        },
        secret: {},
      };
    }
    case "ollama":
      return {
        plain: {
          // Listen on the container's own address (Docker) or every interface (empty host).
          [ENV.ollamaHost]: `${wiring.addresses?.ollama ?? ""}:${port("http")}`,
          [ENV.ollamaOrigins]: wiring.corsOrigins.join(","),
          [ENV.ollamaKeepAlive]: config.models.keepAlive,
          [ENV.ollamaModels]: paths.models!,
          [ENV.home]: paths.home!,
        },
        secret: {},
      };
    case "backend":
      return backendEnvironment(config, wiring, environment);
    case "interface":
      return {
        plain: {
          ...appBase(config, service),
          [ENV.websocketPort]: port("websocket"),
          [ENV.browserApiUrl]: browser.api,
          [ENV.browserWsUrl]: browser.websocket,
          [ENV.backendApiUrl]: urls[ENV.backendApiUrl],
          [ENV.sttApiUrl]: urls[ENV.sttApiUrl],
          [ENV.ttsApiUrl]: urls[ENV.ttsApiUrl],
        },
        secret: {},
      };
    case "postgres":
    case "timescale":
      return {
        plain: {
          [ENV.postgresDb]: config.databases[service].name,
          [ENV.postgresUser]: config.databases[service].user,
          // The server listens on PGPORT, and pg_isready checks it.
          [ENV.pgPort]: port("postgres"),
          ...(service === "timescale" && { [ENV.timescaleTelemetry]: "off" }),
        },
        secret: { [ENV.postgresPassword]: { secret: service } },
      };
    case "redis":
      // The password reaches redis-server through the environment, and redis-cli (the health
      // check) authenticates with REDISCLI_AUTH.
      return {
        plain: {},
        secret: { [ENV.redisPassword]: { secret: "redis" }, [ENV.redisCliAuth]: { secret: "redis" } },
      };
    case "qdrant":
      return {
        plain: {
          [ENV.qdrantHttpPort]: port("http"),
          [ENV.qdrantGrpcPort]: port("grpc"),
          [ENV.qdrantSearchThreads]: String(config.qdrant.maxSearchThreads),
          // Only the backend talks to Qdrant; browsers never do.
          [ENV.qdrantEnableCors]: "false",
          [ENV.qdrantTelemetryDisabled]: "true",
          // Out of the working directory, which is read-only on Kubernetes.
          [ENV.qdrantInitFile]: posix.join(CATALOGUE.qdrant.writable[0]!, ".qdrant-initialized"),
        },
        secret: { [ENV.qdrantServiceApiKey]: { secret: "qdrant" } },
      };
    case "grafana":
      return {
        plain: {
          [ENV.grafanaAdminUser]: "admin",
          [ENV.grafanaAllowSignUp]: "false",
          [ENV.grafanaHttpPort]: port("http"),
        },
        secret: { [ENV.grafanaAdminPassword]: { secret: "grafana" } },
      };
    case "prometheus":
    case "alertmanager":
      return { plain: {}, secret: {} };
  }
}

function backendEnvironment(config: StackConfig, wiring: Wiring, environment: string): ServiceEnvironment {
  const { urls } = wiring;
  const { features, integrations, backend } = config;
  const plain: Partial<Record<EnvName, string>> = {
    ...appBase(config, "backend"),
    [ENV.environment]: environment,
    [ENV.appName]: backend.appName,
    [ENV.debug]: flag(backend.debug),
    [ENV.ollamaBaseUrl]: urls[ENV.ollamaBaseUrl],
    [ENV.ollamaModel]: config.models.defaultLlm,
    [ENV.sttApiUrl]: urls[ENV.sttApiUrl],
    [ENV.ttsApiUrl]: urls[ENV.ttsApiUrl],
    [ENV.qdrantUrl]: urls[ENV.qdrantUrl],
    [ENV.interfaceUrl]: urls[ENV.interfaceUrl],
    [ENV.corsOrigins]: wiring.corsOrigins.join(","),
    [ENV.rateLimit]: rateLimitSpec(config),
    [ENV.memoryUpdateInterval]: String(backend.memory.updateIntervalSeconds),
    [ENV.memoryRetentionDays]: String(backend.memory.retentionDays),
    [ENV.brainMemoryEnabled]: flag(features.brainMemory),
    [ENV.emotionalAnalysisEnabled]: flag(features.emotionalAnalysis),
    [ENV.autoConsolidationEnabled]: flag(features.autoConsolidation),
  };
  const secret: Partial<Record<EnvName, SecretSource>> = {
    [ENV.databaseUrl]: { connection: ENV.databaseUrl, password: "postgres" },
    [ENV.timescaleUrl]: { connection: ENV.timescaleUrl, password: "timescale" },
    [ENV.redisUrl]: { connection: ENV.redisUrl, password: "redis" },
    [ENV.rateLimitStorageUrl]: { connection: ENV.rateLimitStorageUrl, password: "redis" },
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
