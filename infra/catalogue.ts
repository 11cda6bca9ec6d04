// The service catalogue: one graph of every Jarvis service and job. Each node says once what it is
// (role, image, ports, state, health, files, GPU use) and its edges: the services it connects to,
// on which port and carrying which variable. URLs, the start order, the network flows and the
// scrape targets are derived from it (graph.ts, wiring.ts, flows.ts). Port numbers, addresses and
// images are not here: they come from stack config.
import { ENV, type EnvName } from "./env-names";
import type { Integration } from "./config/application";
import type { Platform } from "./config/platform";
import type { SharedConfig } from "./config/schema";
import { postgresCommand } from "./rotation";
import type { GeneratedSecret } from "./secret-names";

export { ENV, type EnvName } from "./env-names";

/**
 * What a node is: an application service, a datastore, part of monitoring, or a job that runs to
 * completion (the model pull, the backups).
 */
export type Role = "app" | "datastore" | "monitoring" | "job";

/**
 * The metrics every Jarvis service serves (its plan of action's contract), by role; the names
 * follow the app. `requests` counts by method, endpoint and status; `duration` is a histogram with
 * these bucket bounds (a latency objective's threshold must be one of them).
 */
export const APP_METRICS = {
  requests: "jarvis_requests_total",
  duration: "jarvis_request_duration_seconds",
  durationBuckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  activeUsers: "jarvis_active_users",
  memoryOperations: "jarvis_memory_operations_total",
} as const;

/** What a service writes to its standard output: a JSON object per line, or plain text. */
export type LogFormat = "json" | "plain";

/**
 * The backend's security events (its plan of action's contract): JSON lines on their logger, whose
 * `event` field names one of three events. The event becomes a log label (three values or none);
 * the other fields stay in the line.
 */
export const SECURITY_EVENTS = {
  logger: "jarvis.security",
  fields: { logger: "logger", event: "event" },
  events: ["RATE_LIMIT_EXCEEDED", "UNAUTHORIZED_ACCESS", "SYSTEM_ERROR"],
  /** A line as the backend writes it: the fixture of the contract's tests. */
  fixture: {
    created: 1764493964.512,
    level: "WARNING",
    logger: "jarvis.security",
    event: "RATE_LIMIT_EXCEEDED",
    client: "client-7f3a",
    path: "/api/chat",
    message: "rate limit exceeded: 10 per 60 seconds",
  },
} as const;
export type SecurityEvent = (typeof SECURITY_EVENTS.events)[number];

/** A Prometheus metrics endpoint. */
export interface MetricsEndpoint {
  readonly port: string;
  readonly path: string;
  /** It serves the app's metrics (APP_METRICS). */
  readonly app?: boolean;
  /** It requires the service's API key (`url.apiKey`), as a bearer token. */
  readonly apiKey?: boolean;
}

export type MonitoringTool = "prometheus" | "alertmanager" | "blackbox" | "grafana" | "loki" | "alloy";

/** An exporter node: the service whose metrics it serves, and the series that says it is up. */
export interface Exports {
  readonly service: string;
  readonly upMetric: string;
}

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
export type ProbeClient = "curl" | "wget" | "bash-tcp" | "bash-http" | "ollama" | "loki" | "pg_isready" | "redis-cli";

/** How other services address a service: the scheme of its URLs and the secret they carry. */
export type UrlForm =
  /** An HTTP URL; `apiKey`: the generated secret its API requires. */
  | { readonly scheme: "http"; readonly apiKey?: GeneratedSecret }
  /** A database URL with a user and a database name from `jarvis:databases.<service>`. */
  | { readonly scheme: "postgresql"; readonly password: GeneratedSecret }
  | { readonly scheme: "redis"; readonly password: GeneratedSecret };

/** An edge of the graph: this node connects to `to` on its named port `port`. */
export interface Connection {
  readonly to: string;
  readonly port: string;
  /** The environment variable that carries the URL; absent where the job addresses it itself. */
  readonly variable?: EnvName;
  /** Redis database number (the URL's path). */
  readonly database?: string;
  /**
   * `start`: the target must be healthy before this node starts (the original `depends_on`).
   * `runtime`: only used once running, so no start order (it would be a cycle otherwise).
   */
  readonly dependency: "start" | "runtime";
}

/** A host folder or file of `jarvis:hostPaths` bind-mounted into the container (Docker). */
export interface HostMount {
  readonly hostPath: "models" | "logs" | "data" | "postgresInit" | "timescaleInit" | "qdrantConfig";
  /** Sub-path of the host path that is mounted; absent: the whole path. */
  readonly sub?: string;
  /** Mounted at this data path, or at this file inside it. */
  readonly dataPath: string;
  readonly file?: string;
  readonly readOnly: boolean;
  /**
   * What the container fills itself (models it downloads, logs, data): without a host path it lives
   * in a named volume of its own, so that a fresh clone of the app (without those git-ignored
   * folders) deploys.
   */
  readonly filledByContainer?: boolean;
}

export interface ServiceSpec {
  readonly title: string;
  readonly role: Role;
  /** `own`: built from Jarvis's sources (`<appRegistry>/<service>:<appVersion>`); `public`: a pinned image of `jarvis:images`. */
  readonly image: "own" | "public";
  /** What the service reports as SERVICE_NAME (Jarvis's own services). */
  readonly serviceName?: string;
  /** Named ports, primary first. Their numbers come from `jarvis:ports.<service>.<name>`. */
  readonly ports: readonly string[];
  readonly health?: HealthCheck;
  /** The health client inside the image (Docker's in-container check); `health` is the endpoint itself. */
  readonly probe?: ProbeClient;
  /** A non-root user the image supports; absent: the image's own user. */
  readonly user?: string;
  /** Paths the process writes besides its data volume: scratch space under a read-only root. */
  readonly writable: readonly string[];
  /** Secret variables the image can read from a file instead: variable -> its file variable. */
  readonly secretFiles?: Readonly<Partial<Record<EnvName, string>>>;
  /** Paths inside the container that hold state or mounted data. */
  readonly dataPaths: Readonly<Record<string, string>>;
  /**
   * State: which of `dataPaths` its own volume holds (a named volume, or a StatefulSet's claim), on
   * `platforms` (absent: every one); on the others that path is scratch space.
   */
  readonly state?: { readonly dataPath: string; readonly platforms?: readonly Platform[] };
  /** The data path where the image runs SQL init scripts on an empty volume (`jarvis:databaseInit`). */
  readonly initDirectory?: string;
  /** Host paths mounted on Docker. */
  readonly hostMounts?: readonly HostMount[];
  /** GPU use: `always` when `jarvis:gpu.enabled`, `opt-in` when `jarvis:gpu.<service>` is on too. */
  readonly gpu?: "always" | "opt-in";
  /**
   * The command, where the image's own would not do; given the service's port numbers and the
   * config. It is the image's CMD: Docker's command, Kubernetes' args (the image's entrypoint stays).
   */
  readonly command?: (ports: Readonly<Record<string, number>>, config: SharedConfig) => string[];
  /** How other services address it. */
  readonly url?: UrlForm;
  /** The edges of the graph. */
  readonly connects: readonly Connection[];
  /** It may reach the outside destinations of `jarvis:egress.<service>` (Kubernetes). */
  readonly egress?: boolean;
  /** The external integrations it talks to while their feature is on (`jarvis:integrations.<name>.egress`). */
  readonly integrations?: readonly Integration[];
  /** How the backups save it (only datastores). */
  readonly backup?: "pg_dump" | "qdrant-snapshot";
  /** Where the browser reaches it: port name -> browser endpoint (the edge routes these). */
  readonly browser?: Readonly<Record<string, BrowserEndpoint>>;
  /** The environment variables the service reads. */
  readonly reads: readonly EnvName[];
  /** A Prometheus metrics endpoint, if the service has one. */
  readonly metrics?: MetricsEndpoint;
  /** Its log lines; `securityEvents`: it writes SECURITY_EVENTS. Absent: plain text. */
  readonly logs?: { readonly format: LogFormat; readonly securityEvents?: true };
  /** An exporter: the metrics of another service that has none of its own. */
  readonly exports?: Exports;
  /**
   * On Kubernetes it runs as a container in the pod of the service it exports (reaching it on
   * localhost, scraped through a PodMonitor); on Docker, as a container of its own.
   */
  readonly sidecar?: boolean;
  /** The prober: probes the health endpoint of every service without metrics of its own or an exporter. */
  readonly prober?: boolean;
  /** The monitoring software it is, which reads the configuration generated for it (infra/monitoring/files.ts). */
  readonly tool?: MonitoringTool;
  /** The platforms it runs on; absent: every one. */
  readonly platforms?: readonly Platform[];
  /** A job runs in the image of this service. */
  readonly runsImageOf?: string;
  /** An optional node runs only while the config value at this path (`backup.enabled`) is true. */
  readonly enabledBy?: string;
  /**
   * What it reads of the engine's host (Docker): host paths mounted read-only and devices, with
   * every privilege. The one exception to the hardening rules: it must be switched on (`enabledBy`).
   */
  readonly hostSystem?: { readonly mounts: readonly HostSystemMount[]; readonly devices: readonly string[] };
  /** Host paths it reads (Docker), mounted read-only, without any privilege: the engine's log files. */
  readonly hostReads?: readonly HostSystemMount[];
  /**
   * While the config value at this path is true, it reads the engine's API through its socket
   * (`jarvis:logCollection.socket`, mounted read-only) instead of its hostReads.
   */
  readonly engineSocketBy?: string;
  /** It runs one pod on Kubernetes, never scaled: a second would do its work twice (collect every line again). */
  readonly singleton?: true;
  /** What it reads of the Kubernetes API in its own namespace: a Role bound to its service account. */
  readonly kubernetesApi?: readonly ApiRule[];
  /** On Kubernetes a chart runs it, not a Workload (ChartRun). */
  readonly chart?: ChartRun;
}

export interface ApiRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * A service that a chart runs on Kubernetes (its capability installs it): the chart's pods carry
 * the stack's selector labels (release and name set so) and a `component` label; `metricsPort`
 * names the pods' metrics port; `companions` are the chart's other pods that only this service
 * connects to, each on the port at a config path.
 */
export interface ChartRun {
  readonly component: string;
  readonly metricsPort: string;
  readonly companions: readonly { readonly name: string; readonly component: string; readonly portAt: string }[];
}

export interface HostSystemMount {
  readonly source: string;
  readonly target: string;
}

/** What a browser reaches: the interface's pages, its WebSocket, and the backend API. */
export type BrowserEndpoint = "interface" | "websocket" | "api";

export type Catalogue = Readonly<Record<string, ServiceSpec>>;

const appLogs = { logs: "/app/logs" };
const start = "start" as const;
const runtime = "runtime" as const;
const toBackend = { to: "backend", port: "http", variable: ENV.backendApiUrl };

/**
 * Redis reads its password from the environment through a config on standard input, so that it
 * is neither in the container's command nor in the server's process arguments.
 */
function redisCommand(ports: Readonly<Record<string, number>>): string[] {
  const script = [
    `exec redis-server - --port ${ports.redis} --appendonly yes <<EOF`,
    "requirepass $REDIS_PASSWORD",
    "EOF",
  ].join("\n");
  return ["sh", "-c", script];
}

/** The files the monitoring services read, by service (infra/monitoring/files.ts writes them). */
export const MONITORING_FILES = {
  prometheus: "prometheus.yml",
  alertmanager: "alertmanager.yml",
  blackbox: "blackbox.yml",
  loki: "loki.yml",
  // Under the tenant of a store without authentication, `fake`.
  lokiRules: "rules/fake/jarvis.yml",
  alloy: "config.alloy",
} as const;

type Shared = "role" | "image" | "ports" | "metrics";

/**
 * What every monitoring service shares: a pinned public image that runs on Docker (on Kubernetes the
 * cluster's Prometheus operator runs monitoring, and only the exporters run, beside what they
 * export, and the logs' store and collector), one HTTP port that serves its own metrics, a health
 * check with wget.
 */
function monitoringService(spec: Omit<ServiceSpec, Shared>): ServiceSpec {
  return {
    role: "monitoring",
    platforms: spec.exports ? ["docker", "kubernetes"] : ["docker"],
    ...(spec.exports && { sidecar: true }),
    image: "public",
    probe: "wget",
    ports: ["http"],
    metrics: { port: "http", path: "/metrics" },
    ...spec,
  };
}

/** postgres_exporter for one PostgreSQL service. */
function postgresExporter(database: string): ServiceSpec {
  return monitoringService({
    title: `PostgreSQL exporter (${database})`,
    health: { kind: "http", port: "http", path: "/" },
    dataPaths: {},
    writable: [],
    command: (ports) => [`--web.listen-address=:${ports.http}`],
    connects: [{ to: database, port: "postgres", dependency: start }],
    reads: [ENV.postgresExporterUri, ENV.postgresExporterUser, ENV.postgresExporterPassword],
    exports: { service: database, upMetric: "pg_up" },
  });
}

const JARVIS = {
  stt: {
    title: "STT API (speech-to-text)",
    role: "app",
    image: "own",
    serviceName: "stt-api",
    probe: "curl",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: { models: "/app/models/stt", ...appLogs },
    hostMounts: [
      { hostPath: "models", sub: "stt", dataPath: "models", readOnly: true, filledByContainer: true },
      { hostPath: "logs", dataPath: "logs", readOnly: false, filledByContainer: true },
    ],
    writable: ["/tmp", "/app/logs", "/app/models"],
    gpu: "opt-in",
    url: { scheme: "http" },
    connects: [{ ...toBackend, dependency: runtime }],
    // Model downloads.
    egress: true,
    reads: [ENV.serviceName, ENV.port, ENV.sttModelPath, ENV.whisperModel, ENV.backendApiUrl, ENV.logLevel],
    metrics: { port: "http", path: "/metrics", app: true },
  },
  tts: {
    title: "TTS API (text-to-speech)",
    role: "app",
    image: "own",
    serviceName: "tts-api",
    probe: "curl",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: { models: "/app/models/tts", ...appLogs },
    hostMounts: [
      { hostPath: "models", sub: "tts", dataPath: "models", readOnly: true, filledByContainer: true },
      { hostPath: "logs", dataPath: "logs", readOnly: false, filledByContainer: true },
    ],
    writable: ["/tmp", "/app/logs", "/app/models"],
    url: { scheme: "http" },
    connects: [{ ...toBackend, dependency: runtime }],
    egress: true,
    reads: [ENV.serviceName, ENV.port, ENV.ttsModelPath, ENV.piperModel, ENV.backendApiUrl, ENV.logLevel],
    metrics: { port: "http", path: "/metrics", app: true },
  },
  ollama: {
    title: "Ollama (LLM runtime)",
    role: "app",
    image: "public",
    probe: "ollama",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/api/version" },
    // Models and the key pair out of /root, so that Ollama runs as any user.
    dataPaths: { models: "/models", home: "/home/ollama" },
    state: { dataPath: "models" },
    writable: ["/tmp", "/home/ollama"],
    gpu: "always",
    url: { scheme: "http" },
    connects: [],
    // It pulls models from its registry.
    egress: true,
    reads: [ENV.ollamaHost, ENV.ollamaOrigins, ENV.ollamaKeepAlive, ENV.ollamaModels, ENV.home],
  },
  backend: {
    title: "Backend API",
    role: "app",
    image: "own",
    serviceName: "backend-api",
    probe: "curl",
    ports: ["http"],
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: { models: "/app/models", data: "/app/data", ...appLogs },
    hostMounts: [
      { hostPath: "models", dataPath: "models", readOnly: true, filledByContainer: true },
      { hostPath: "logs", dataPath: "logs", readOnly: false, filledByContainer: true },
      { hostPath: "data", dataPath: "data", readOnly: false, filledByContainer: true },
    ],
    writable: ["/tmp", "/app/logs", "/app/data", "/app/models"],
    url: { scheme: "http" },
    connects: [
      { to: "postgres", port: "postgres", variable: ENV.databaseUrl, dependency: start },
      { to: "redis", port: "redis", variable: ENV.redisUrl, database: "0", dependency: start },
      // The rate limiter's counters, shared by every replica.
      { to: "redis", port: "redis", variable: ENV.rateLimitStorageUrl, database: "1", dependency: start },
      { to: "ollama", port: "http", variable: ENV.ollamaBaseUrl, dependency: start },
      { to: "qdrant", port: "http", variable: ENV.qdrantUrl, dependency: start },
      { to: "timescale", port: "postgres", variable: ENV.timescaleUrl, dependency: start },
      { to: "stt", port: "http", variable: ENV.sttApiUrl, dependency: runtime },
      { to: "tts", port: "http", variable: ENV.ttsApiUrl, dependency: runtime },
      // The interface's server on its WebSocket port, as the original compose file has it.
      { to: "interface", port: "websocket", variable: ENV.interfaceUrl, dependency: runtime },
    ],
    egress: true,
    integrations: ["browserbase", "smtp", "homeAssistant", "mqtt"],
    browser: { http: "api" },
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
    metrics: { port: "http", path: "/metrics", app: true },
    logs: { format: "json", securityEvents: true },
  },
  interface: {
    title: "Web interface (HTTP and WebSocket)",
    role: "app",
    image: "own",
    serviceName: "interface",
    probe: "curl",
    ports: ["http", "websocket"],
    health: { kind: "http", port: "websocket", path: "/health" },
    dataPaths: {},
    writable: ["/tmp"],
    url: { scheme: "http" },
    connects: [
      { ...toBackend, dependency: start },
      { to: "stt", port: "http", variable: ENV.sttApiUrl, dependency: start },
      { to: "tts", port: "http", variable: ENV.ttsApiUrl, dependency: start },
    ],
    browser: { http: "interface", websocket: "websocket" },
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
    metrics: { port: "websocket", path: "/metrics", app: true },
  },
  postgres: {
    title: "PostgreSQL",
    role: "datastore",
    image: "public",
    probe: "pg_isready",
    user: "postgres",
    ports: ["postgres"],
    health: { kind: "postgres" },
    dataPaths: { data: "/var/lib/postgresql/data", init: "/docker-entrypoint-initdb.d" },
    state: { dataPath: "data" },
    initDirectory: "init",
    hostMounts: [{ hostPath: "postgresInit", dataPath: "init", file: "init.sql", readOnly: true }],
    writable: ["/tmp", "/var/run/postgresql"],
    secretFiles: { [ENV.postgresPassword]: "POSTGRES_PASSWORD_FILE" },
    // Learns a rotated password at each start (rotation.ts).
    command: postgresCommand,
    url: { scheme: "postgresql", password: "postgres" },
    connects: [],
    backup: "pg_dump",
    reads: [ENV.postgresDb, ENV.postgresUser, ENV.postgresPassword, ENV.pgData, ENV.pgPort],
  },
  redis: {
    title: "Redis",
    role: "datastore",
    image: "public",
    probe: "redis-cli",
    user: "redis",
    ports: ["redis"],
    health: { kind: "redis" },
    dataPaths: { data: "/data" },
    state: { dataPath: "data" },
    writable: ["/tmp"],
    command: redisCommand,
    url: { scheme: "redis", password: "redis" },
    connects: [],
    reads: [ENV.redisPassword, ENV.redisCliAuth],
  },
  qdrant: {
    title: "Qdrant (vector database)",
    role: "datastore",
    image: "public",
    probe: "bash-tcp",
    ports: ["http", "grpc"],
    health: { kind: "http", port: "http", path: "/healthz" },
    // Snapshots on the data volume: a snapshot is as large as the collections, more than scratch space holds.
    dataPaths: { data: "/qdrant/storage", snapshots: "/qdrant/storage/snapshots", config: "/qdrant/config" },
    state: { dataPath: "data" },
    hostMounts: [{ hostPath: "qdrantConfig", dataPath: "config", file: "production.yaml", readOnly: true }],
    writable: ["/tmp"],
    url: { scheme: "http", apiKey: "qdrant" },
    connects: [],
    backup: "qdrant-snapshot",
    reads: [
      ENV.qdrantHttpPort,
      ENV.qdrantGrpcPort,
      ENV.qdrantServiceApiKey,
      ENV.qdrantSearchThreads,
      ENV.qdrantSnapshotsPath,
      ENV.qdrantEnableCors,
      ENV.qdrantTelemetryDisabled,
      ENV.qdrantInitFile,
    ],
    metrics: { port: "http", path: "/metrics", apiKey: true },
  },
  timescale: {
    title: "TimescaleDB",
    role: "datastore",
    image: "public",
    probe: "pg_isready",
    user: "postgres",
    ports: ["postgres"],
    health: { kind: "postgres" },
    dataPaths: { data: "/var/lib/postgresql/data", init: "/docker-entrypoint-initdb.d" },
    state: { dataPath: "data" },
    initDirectory: "init",
    hostMounts: [{ hostPath: "timescaleInit", dataPath: "init", file: "init.sql", readOnly: true }],
    writable: ["/tmp", "/var/run/postgresql"],
    secretFiles: { [ENV.postgresPassword]: "POSTGRES_PASSWORD_FILE" },
    command: postgresCommand,
    url: { scheme: "postgresql", password: "timescale" },
    connects: [],
    backup: "pg_dump",
    reads: [ENV.postgresDb, ENV.postgresUser, ENV.postgresPassword, ENV.pgData, ENV.pgPort, ENV.timescaleTelemetry],
  },
  prometheus: monitoringService({
    title: "Prometheus",
    tool: "prometheus",
    health: { kind: "http", port: "http", path: "/-/healthy" },
    dataPaths: { data: "/prometheus", config: "/etc/prometheus" },
    state: { dataPath: "data" },
    writable: ["/tmp"],
    command: (ports, config) => [
      `--config.file=/etc/prometheus/${MONITORING_FILES.prometheus}`,
      "--storage.tsdb.path=/prometheus",
      `--storage.tsdb.retention.time=${config.monitoring.retention.days}d`,
      `--storage.tsdb.retention.size=${config.monitoring.retention.size}`,
      `--web.listen-address=:${ports.http}`,
    ],
    url: { scheme: "http" },
    connects: [{ to: "alertmanager", port: "http", dependency: start }],
    reads: [],
  }),
  alertmanager: monitoringService({
    title: "Alertmanager",
    tool: "alertmanager",
    health: { kind: "http", port: "http", path: "/-/healthy" },
    dataPaths: { data: "/alertmanager", config: "/etc/alertmanager" },
    state: { dataPath: "data" },
    writable: ["/tmp"],
    command: (ports) => [
      `--config.file=/etc/alertmanager/${MONITORING_FILES.alertmanager}`,
      "--storage.path=/alertmanager",
      `--web.listen-address=:${ports.http}`,
      // One instance: no cluster to gossip with.
      "--cluster.listen-address=",
    ],
    url: { scheme: "http" },
    connects: [],
    // Alert e-mails.
    integrations: ["smtp"],
    reads: [],
  }),
  grafana: monitoringService({
    title: "Grafana",
    tool: "grafana",
    health: { kind: "http", port: "http", path: "/api/health" },
    dataPaths: {
      data: "/var/lib/grafana",
      provisioning: "/etc/grafana/provisioning",
      dashboards: "/etc/grafana/dashboards",
    },
    state: { dataPath: "data" },
    writable: ["/tmp"],
    secretFiles: { [ENV.grafanaAdminPassword]: "GF_SECURITY_ADMIN_PASSWORD__FILE" },
    url: { scheme: "http" },
    connects: [
      { to: "prometheus", port: "http", dependency: start },
      { to: "loki", port: "http", dependency: start },
    ],
    reads: [
      ENV.grafanaAdminUser,
      ENV.grafanaAdminPassword,
      ENV.grafanaAllowSignUp,
      ENV.grafanaAnonymous,
      ENV.grafanaHttpPort,
    ],
  }),
  // Central logs: the store, with its ruler's alerts to Alertmanager, and the collector. On
  // Kubernetes, Loki's chart runs the store (infra/logs/chart.ts), with its chunks cache.
  loki: monitoringService({
    title: "Loki (central logs)",
    tool: "loki",
    platforms: ["docker", "kubernetes"],
    chart: {
      component: "single-binary",
      metricsPort: "http-metrics",
      companions: [{ name: "chunks-cache", component: "memcached-chunks-cache", portAt: "logStore.chunksCache.port" }],
    },
    // Distroless: no shell, no HTTP client, but its own `-health` (Loki 3.7).
    probe: "loki",
    health: { kind: "http", port: "http", path: "/ready" },
    dataPaths: { data: "/loki", config: "/etc/loki" },
    state: { dataPath: "data" },
    writable: ["/tmp"],
    command: () => [`-config.file=/etc/loki/${MONITORING_FILES.loki}`],
    url: { scheme: "http" },
    // An object store's bucket (jarvis:logStore.objectStore).
    egress: true,
    connects: [{ to: "alertmanager", port: "http", dependency: start }],
    reads: [],
  }),
  alloy: monitoringService({
    title: "Alloy (the log collector)",
    tool: "alloy",
    // Ubuntu without curl or wget: bash's /dev/tcp speaks the HTTP request.
    probe: "bash-http",
    health: { kind: "http", port: "http", path: "/-/ready" },
    platforms: ["docker", "kubernetes"],
    // Its read positions in the logs, kept across restarts on Docker. On Kubernetes it is a
    // Deployment: a new pod re-reads what the kubelet still holds, and Loki drops the identical lines.
    dataPaths: { data: "/var/lib/alloy/data", config: "/etc/alloy" },
    state: { dataPath: "data", platforms: ["docker"] },
    writable: ["/tmp"],
    command: (ports) => [
      "run",
      `--server.http.listen-addr=:${ports.http}`,
      "--storage.path=/var/lib/alloy/data",
      `/etc/alloy/${MONITORING_FILES.alloy}`,
    ],
    // The engine's json-file logs: root-owned files, read by the image's root user (no capability).
    hostReads: [{ source: "/var/lib/docker/containers", target: "/var/lib/docker/containers" }],
    engineSocketBy: "logCollection.dockerSocket",
    // On Kubernetes it finds and tails the pods of its namespace through the API server.
    kubernetesApi: [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }],
    singleton: true,
    connects: [{ to: "loki", port: "http", dependency: start }],
    reads: [],
  }),
  // Exporters of the datastores that serve no metrics of their own, and the prober of the rest.
  "postgres-exporter": postgresExporter("postgres"),
  "timescale-exporter": postgresExporter("timescale"),
  "redis-exporter": monitoringService({
    title: "Redis exporter",
    health: { kind: "http", port: "http", path: "/health" },
    dataPaths: {},
    writable: [],
    connects: [{ to: "redis", port: "redis", dependency: start }],
    reads: [ENV.redisExporterAddress, ENV.redisPassword, ENV.redisExporterListen],
    exports: { service: "redis", upMetric: "redis_up" },
  }),
  // Off by default: it reads every container of the engine through its state and the kernel's cgroups.
  cadvisor: monitoringService({
    title: "cAdvisor (the containers' CPU and memory)",
    enabledBy: "monitoring.cadvisor",
    health: { kind: "http", port: "http", path: "/healthz" },
    dataPaths: {},
    writable: [],
    command: (ports) => [`--port=${ports.http}`, "--docker_only=true", "--housekeeping_interval=30s"],
    // As cAdvisor's own instructions run it (google/cadvisor docs/running.md).
    hostSystem: {
      mounts: [
        { source: "/", target: "/rootfs" },
        { source: "/var/run", target: "/var/run" },
        { source: "/sys", target: "/sys" },
        { source: "/var/lib/docker", target: "/var/lib/docker" },
        { source: "/dev/disk", target: "/dev/disk" },
      ],
      devices: ["/dev/kmsg"],
    },
    connects: [],
    reads: [],
  }),
  blackbox: monitoringService({
    title: "Blackbox prober (health endpoints of the services without metrics)",
    health: { kind: "http", port: "http", path: "/-/healthy" },
    dataPaths: { config: "/etc/blackbox" },
    writable: [],
    command: (ports) => [
      `--config.file=/etc/blackbox/${MONITORING_FILES.blackbox}`,
      `--web.listen-address=:${ports.http}`,
    ],
    connects: [],
    reads: [],
    prober: true,
    tool: "blackbox",
  }),
  "ollama-pull": {
    title: "Model pull (the models of jarvis:models.ollama, once per list)",
    role: "job",
    image: "public",
    runsImageOf: "ollama",
    ports: [],
    dataPaths: { home: "/home/ollama" },
    writable: ["/tmp", "/home/ollama"],
    connects: [{ to: "ollama", port: "http", variable: ENV.ollamaHost, dependency: start }],
    reads: [ENV.ollamaHost, ENV.home],
  },
  backup: {
    title: "Backups (pg_dump of the databases, Qdrant snapshots)",
    role: "job",
    image: "public",
    // Its pg_dump matches both servers' major version.
    runsImageOf: "timescale",
    enabledBy: "backup.enabled",
    ports: [],
    dataPaths: {},
    writable: ["/tmp"],
    connects: [
      { to: "postgres", port: "postgres", dependency: runtime },
      { to: "timescale", port: "postgres", dependency: runtime },
      { to: "qdrant", port: "http", variable: ENV.qdrantUrl, dependency: runtime },
    ],
    reads: [],
  },
} as const satisfies Catalogue;

/** Jarvis's catalogue; derivations take a catalogue, so that a test can hand in a larger one. */
export const CATALOGUE: Catalogue = JARVIS;
export type ServiceName = keyof typeof JARVIS;
