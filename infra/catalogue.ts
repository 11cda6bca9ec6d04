// The service catalogue: the one place that knows every Jarvis service, its named ports, how its
// health is checked, where it keeps data inside the container and which environment variables it
// reads. Port numbers, addresses and images are not here: they come from stack config.

export const SERVICE_NAMES = [
  "stt",
  "tts",
  "ollama",
  "backend",
  "interface",
  "postgres",
  "redis",
  "qdrant",
  "timescale",
  "prometheus",
  "grafana",
  "alertmanager",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Services built from Jarvis's own sources; the others run pinned public images. */
export const APP_SERVICES = ["stt", "tts", "backend", "interface"] as const satisfies readonly ServiceName[];
export type AppService = (typeof APP_SERVICES)[number];
export const PUBLIC_IMAGE_SERVICES = SERVICE_NAMES.filter(
  (s): s is Exclude<ServiceName, AppService> => !(APP_SERVICES as readonly string[]).includes(s),
);
export type PublicImageService = Exclude<ServiceName, AppService>;
export const isAppService = (service: ServiceName): service is AppService =>
  (APP_SERVICES as readonly string[]).includes(service);

/** Stateless services that the Kubernetes platform runs as Deployments with replicas. */
export const SCALABLE_SERVICES = APP_SERVICES;
/** Services with state, run with a volume of their own (a StatefulSet on Kubernetes). */
export const STATEFUL_SERVICES = [
  "postgres",
  "timescale",
  "redis",
  "qdrant",
  "ollama",
] as const satisfies readonly ServiceName[];
export type StatefulService = (typeof STATEFUL_SERVICES)[number];

/** Environment variable names, as the original compose file and manifests use them. */
export const ENV = {
  serviceName: "SERVICE_NAME",
  /** The port Jarvis's own images listen on (and the interface's WebSocket port). */
  port: "PORT",
  websocketPort: "WS_PORT",
  pgPort: "PGPORT",
  environment: "ENVIRONMENT",
  appName: "APP_NAME",
  debug: "DEBUG",
  logLevel: "LOG_LEVEL",
  databaseUrl: "DATABASE_URL",
  redisUrl: "REDIS_URL",
  ollamaBaseUrl: "OLLAMA_BASE_URL",
  sttApiUrl: "STT_API_URL",
  ttsApiUrl: "TTS_API_URL",
  qdrantUrl: "QDRANT_URL",
  qdrantApiKey: "QDRANT_API_KEY",
  timescaleUrl: "TIMESCALE_URL",
  backendApiUrl: "BACKEND_API_URL",
  interfaceUrl: "INTERFACE_URL",
  websocketUrl: "WEBSOCKET_URL",
  browserApiUrl: "REACT_APP_API_URL",
  browserWsUrl: "REACT_APP_WS_URL",
  secretKey: "JARVIS_SECRET_KEY",
  corsOrigins: "CORS_ORIGINS",
  rateLimit: "RATE_LIMIT",
  rateLimitStorageUrl: "RATE_LIMIT_STORAGE_URL",
  ollamaModel: "OLLAMA_MODEL",
  whisperModel: "WHISPER_MODEL",
  piperModel: "PIPER_MODEL",
  sttModelPath: "STT_MODEL_PATH",
  ttsModelPath: "TTS_MODEL_PATH",
  memoryUpdateInterval: "MEMORY_UPDATE_INTERVAL",
  memoryRetentionDays: "MEMORY_RETENTION_DAYS",
  brainMemoryEnabled: "BRAIN_MEMORY_ENABLED",
  emotionalAnalysisEnabled: "EMOTIONAL_ANALYSIS_ENABLED",
  autoConsolidationEnabled: "AUTO_CONSOLIDATION_ENABLED",
  browserbaseApiKey: "BROWSERBASE_API_KEY",
  browserbaseProjectId: "BROWSERBASE_PROJECT_ID",
  homeAssistantUrl: "HOME_ASSISTANT_URL",
  homeAssistantToken: "HOME_ASSISTANT_TOKEN",
  mqttBroker: "MQTT_BROKER",
  mqttPort: "MQTT_PORT",
  mqttUsername: "MQTT_USERNAME",
  mqttPassword: "MQTT_PASSWORD",
  ollamaHost: "OLLAMA_HOST",
  ollamaOrigins: "OLLAMA_ORIGINS",
  ollamaKeepAlive: "OLLAMA_KEEP_ALIVE",
  ollamaModels: "OLLAMA_MODELS",
  home: "HOME",
  postgresDb: "POSTGRES_DB",
  postgresUser: "POSTGRES_USER",
  postgresPassword: "POSTGRES_PASSWORD",
  timescalePassword: "TIMESCALE_PASSWORD",
  smtpPassword: "SMTP_PASSWORD",
  pgData: "PGDATA",
  timescaleTelemetry: "TIMESCALEDB_TELEMETRY",
  redisPassword: "REDIS_PASSWORD",
  redisCliAuth: "REDISCLI_AUTH",
  qdrantHttpPort: "QDRANT__SERVICE__HTTP_PORT",
  qdrantGrpcPort: "QDRANT__SERVICE__GRPC_PORT",
  qdrantServiceApiKey: "QDRANT__SERVICE__API_KEY",
  qdrantSearchThreads: "QDRANT__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS",
  qdrantEnableCors: "QDRANT__SERVICE__ENABLE_CORS",
  qdrantTelemetryDisabled: "QDRANT__TELEMETRY_DISABLED",
  qdrantInitFile: "QDRANT_INIT_FILE_PATH",
  grafanaAdminUser: "GF_SECURITY_ADMIN_USER",
  grafanaAdminPassword: "GF_SECURITY_ADMIN_PASSWORD",
  grafanaAllowSignUp: "GF_USERS_ALLOW_SIGN_UP",
  grafanaHttpPort: "GF_SERVER_HTTP_PORT",
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Where the interface serves its WebSocket, as the original manifests address it. */
export const WEBSOCKET_PATH = "/ws";

/** How a service's health is checked: an HTTP path on one of its ports, or a client in its image. */
export type HealthCheck =
  | { readonly kind: "http"; readonly port: string; readonly path: string }
  | { readonly kind: "postgres" }
  | { readonly kind: "redis" };

/**
 * The health client an image contains: Jarvis's images have curl (the original checks use it); the
 * Ollama and Qdrant images have neither curl nor wget, so Ollama asks its own CLI and Qdrant's port
 * is probed with bash.
 */
export type ProbeClient = "curl" | "wget" | "bash-tcp" | "ollama" | "pg_isready" | "redis-cli";

export interface ServiceSpec {
  readonly title: string;
  readonly role: "app" | "llm" | "datastore" | "monitoring";
  /** What the service reports as SERVICE_NAME (Jarvis's own services). */
  readonly serviceName?: string;
  /** Services that must be healthy before this one starts (the original `depends_on`). */
  readonly needs?: readonly ServiceName[];
  /** The health client inside the image (Docker's in-container check); `health` is the endpoint itself. */
  readonly probe: ProbeClient;
  /** A non-root user the image supports; absent: the image's own user. */
  readonly user?: string;
  /** Paths the process writes besides its data volume: scratch space under a read-only root. */
  readonly writable: readonly string[];
  /** Secret variables the image can read from a file instead: variable -> its file variable. */
  readonly secretFiles?: Readonly<Partial<Record<EnvName, string>>>;
  /** Named ports, primary first. Their numbers come from `jarvis:ports.<service>.<name>`. */
  readonly ports: readonly string[];
  readonly health: HealthCheck;
  /** Paths inside the container that hold state or mounted data. */
  readonly dataPaths: Readonly<Record<string, string>>;
  /** The environment variables the service reads. */
  readonly reads: readonly EnvName[];
  /** A Prometheus metrics endpoint, if the service has one. */
  readonly metrics?: { readonly port: string; readonly path: string };
}

const appLogs = { logs: "/app/logs" };

export const CATALOGUE: Readonly<Record<ServiceName, ServiceSpec>> = {
  stt: {
    title: "STT API (speech-to-text)",
    role: "app",
    serviceName: "stt-api",
    probe: "curl",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: { models: "/app/models/stt", ...appLogs },
    writable: ["/tmp", "/app/logs", "/app/models"],
    reads: [ENV.serviceName, ENV.port, ENV.sttModelPath, ENV.whisperModel, ENV.backendApiUrl, ENV.logLevel],
    metrics: { port: "http", path: "/metrics" },
  },
  tts: {
    title: "TTS API (text-to-speech)",
    role: "app",
    serviceName: "tts-api",
    probe: "curl",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: { models: "/app/models/tts", ...appLogs },
    writable: ["/tmp", "/app/logs", "/app/models"],
    reads: [ENV.serviceName, ENV.port, ENV.ttsModelPath, ENV.piperModel, ENV.backendApiUrl, ENV.logLevel],
    metrics: { port: "http", path: "/metrics" },
  },
  ollama: {
    title: "Ollama (LLM runtime)",
    role: "llm",
    probe: "ollama",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/api/version" },
    // Models and the key pair out of /root, so that Ollama runs as any user.
    dataPaths: { models: "/models", home: "/home/ollama" },
    writable: ["/tmp", "/home/ollama"],
    reads: [ENV.ollamaHost, ENV.ollamaOrigins, ENV.ollamaKeepAlive, ENV.ollamaModels, ENV.home],
  },
  backend: {
    title: "Backend API",
    role: "app",
    serviceName: "backend-api",
    needs: ["postgres", "redis", "ollama", "qdrant", "timescale"],
    probe: "curl",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: { models: "/app/models", data: "/app/data", ...appLogs },
    writable: ["/tmp", "/app/logs", "/app/data", "/app/models"],
    reads: [
      ENV.serviceName,
      ENV.port,
      ENV.environment,
      ENV.appName,
      ENV.debug,
      ENV.logLevel,
      ENV.databaseUrl,
      ENV.redisUrl,
      ENV.ollamaBaseUrl,
      ENV.ollamaModel,
      ENV.sttApiUrl,
      ENV.ttsApiUrl,
      ENV.qdrantUrl,
      ENV.qdrantApiKey,
      ENV.timescaleUrl,
      ENV.interfaceUrl,
      ENV.secretKey,
      ENV.corsOrigins,
      ENV.rateLimit,
      ENV.rateLimitStorageUrl,
      ENV.memoryUpdateInterval,
      ENV.memoryRetentionDays,
      ENV.brainMemoryEnabled,
      ENV.emotionalAnalysisEnabled,
      ENV.autoConsolidationEnabled,
      ENV.browserbaseApiKey,
      ENV.browserbaseProjectId,
      ENV.homeAssistantUrl,
      ENV.homeAssistantToken,
      ENV.mqttBroker,
      ENV.mqttPort,
      ENV.mqttUsername,
      ENV.mqttPassword,
    ],
    metrics: { port: "http", path: "/metrics" },
  },
  interface: {
    title: "Web interface (HTTP and WebSocket)",
    role: "app",
    serviceName: "interface",
    needs: ["backend", "tts", "stt"],
    probe: "curl",
    ports: ["http", "websocket"],
    health: { kind: "http", port: "websocket", path: "/health" },
    dataPaths: {},
    writable: ["/tmp"],
    reads: [
      ENV.serviceName,
      ENV.port,
      ENV.websocketPort,
      ENV.browserApiUrl,
      ENV.browserWsUrl,
      ENV.backendApiUrl,
      ENV.sttApiUrl,
      ENV.ttsApiUrl,
      ENV.logLevel,
    ],
    metrics: { port: "websocket", path: "/metrics" },
  },
  postgres: {
    title: "PostgreSQL",
    role: "datastore",
    probe: "pg_isready",
    user: "postgres",
    ports: ["postgres"],
    health: { kind: "postgres" },
    dataPaths: { data: "/var/lib/postgresql/data", init: "/docker-entrypoint-initdb.d" },
    writable: ["/tmp", "/var/run/postgresql"],
    secretFiles: { [ENV.postgresPassword]: "POSTGRES_PASSWORD_FILE" },
    reads: [ENV.postgresDb, ENV.postgresUser, ENV.postgresPassword, ENV.pgData, ENV.pgPort],
  },
  redis: {
    title: "Redis",
    role: "datastore",
    probe: "redis-cli",
    user: "redis",
    ports: ["redis"],
    health: { kind: "redis" },
    dataPaths: { data: "/data" },
    writable: ["/tmp"],
    reads: [ENV.redisPassword, ENV.redisCliAuth],
  },
  qdrant: {
    title: "Qdrant (vector database)",
    role: "datastore",
    probe: "bash-tcp",
    ports: ["http", "grpc"],
    health: { kind: "http", port: "http", path: "/healthz" },
    dataPaths: { data: "/qdrant/storage", snapshots: "/qdrant/snapshots", config: "/qdrant/config" },
    writable: ["/tmp", "/qdrant/snapshots"],
    reads: [
      ENV.qdrantHttpPort,
      ENV.qdrantGrpcPort,
      ENV.qdrantServiceApiKey,
      ENV.qdrantSearchThreads,
      ENV.qdrantEnableCors,
      ENV.qdrantTelemetryDisabled,
      ENV.qdrantInitFile,
    ],
    metrics: { port: "http", path: "/metrics" },
  },
  timescale: {
    title: "TimescaleDB",
    role: "datastore",
    probe: "pg_isready",
    user: "postgres",
    ports: ["postgres"],
    health: { kind: "postgres" },
    dataPaths: { data: "/var/lib/postgresql/data", init: "/docker-entrypoint-initdb.d" },
    writable: ["/tmp", "/var/run/postgresql"],
    secretFiles: { [ENV.postgresPassword]: "POSTGRES_PASSWORD_FILE" },
    reads: [ENV.postgresDb, ENV.postgresUser, ENV.postgresPassword, ENV.pgData, ENV.pgPort, ENV.timescaleTelemetry],
  },
  prometheus: {
    title: "Prometheus",
    role: "monitoring",
    probe: "wget",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/-/healthy" },
    dataPaths: { data: "/prometheus", config: "/etc/prometheus" },
    writable: ["/tmp"],
    reads: [],
    metrics: { port: "http", path: "/metrics" },
  },
  grafana: {
    title: "Grafana",
    role: "monitoring",
    probe: "wget",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/api/health" },
    dataPaths: { data: "/var/lib/grafana" },
    writable: ["/tmp"],
    secretFiles: { [ENV.grafanaAdminPassword]: "GF_SECURITY_ADMIN_PASSWORD__FILE" },
    reads: [ENV.grafanaAdminUser, ENV.grafanaAdminPassword, ENV.grafanaAllowSignUp, ENV.grafanaHttpPort],
    metrics: { port: "http", path: "/metrics" },
  },
  alertmanager: {
    title: "Alertmanager",
    role: "monitoring",
    probe: "wget",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/-/healthy" },
    dataPaths: { data: "/alertmanager", config: "/etc/alertmanager" },
    writable: ["/tmp"],
    reads: [],
    metrics: { port: "http", path: "/metrics" },
  },
};

/** The named ports of a service, primary first. */
export function portNames(service: ServiceName): readonly string[] {
  return CATALOGUE[service].ports;
}
