// The stack configuration schema: one zod schema per top-level `jarvis:` key. Keys are shaped along
// what differs per environment because the Pulumi CLI replaces a project-level key entirely when a
// stack file sets it (no deep merge). Shared keys apply to every platform; each platform's keys are
// required and validated only when that platform is chosen.
import { posix } from "node:path";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import {
  APP_SERVICES,
  PUBLIC_IMAGE_SERVICES,
  SCALABLE_SERVICES,
  STATEFUL_SERVICES,
  SERVICE_NAMES,
  portNames,
  type ServiceName,
} from "../catalogue";
import { imageProblem } from "./image";
import { cpuMillis, memoryBytes } from "./quantity";

// zod's JIT compiles each object schema into a function on its first parse, which pays off only
// over many parses; a run parses the config once or twice. Set before any schema is built.
z.config({ jitless: true });

/** A strict object with one entry per key, so that a missing or misspelt key is reported. */
function objectOf<K extends string, S extends z.ZodType>(keys: readonly K[], value: (key: K) => S) {
  return z.strictObject(Object.fromEntries(keys.map((k) => [k, value(k)])) as Record<K, S>);
}
/** A strict object where every key is optional. */
function partialObjectOf<K extends string, S extends z.ZodType>(keys: readonly K[], value: (key: K) => S) {
  return z.strictObject(Object.fromEntries(keys.map((k) => [k, value(k).optional()])) as Record<K, z.ZodOptional<S>>);
}

const port = z.int().min(1).max(65535).describe("TCP port, 1-65535");
const seconds = z.int().min(1);
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label: lower-case letters, digits and '-'")
  .max(63);
const dnsName = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/,
    "must be a fully qualified DNS name in lower case, e.g. jarvis.example.com",
  );
const absolutePath = z.string().refine((p) => posix.isAbsolute(p), "must be an absolute path");
const image = z
  .string()
  .superRefine((ref, ctx) => {
    const problem = imageProblem(ref);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("image reference pinned by tag or digest; `latest` and `latest-*` are refused");
/** A static address: a full IPv4 address, or a host number counted from the subnet's network address. */
const address = z
  .union([z.ipv4(), z.int().min(1)])
  .describe(
    "IPv4 address, or host number counted from the subnet's network address (so that moving the subnet moves every address)",
  );
/** A CPU quantity; YAML readily writes `cpu: 1` as a number, so numbers are read as quantities too. */
const cpu = z
  .union([z.number().transform(String), z.string()])
  .refine(
    (q) => /^\d+(\.\d+)?m?$/.test(q) && cpuMillis(q) > 0,
    "must be a CPU quantity above zero, such as 500m, 1.5 or 2",
  )
  .describe("CPU quantity: 500m, 1.5, 2");
const memory = z
  .string()
  .refine(
    (q) => /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(q) && memoryBytes(q) > 0,
    "must be a memory quantity above zero, such as 512Mi or 2Gi",
  )
  .describe("memory quantity: 512Mi, 2Gi");
const computeResources = z.strictObject({ cpu, memory });
const serviceResources = z
  .strictObject({
    requests: computeResources,
    limits: computeResources,
    ephemeralStorage: memory.optional().describe("scratch space limit (Kubernetes), e.g. 1Gi"),
  })
  .superRefine((r, ctx) => {
    if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu))
      ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: "must not exceed limits.cpu" });
    if (memoryBytes(r.requests.memory) > memoryBytes(r.limits.memory))
      ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: "must not exceed limits.memory" });
  });
const healthTiming = z.strictObject({
  intervalSeconds: seconds,
  timeoutSeconds: seconds,
  retries: z.int().min(1).max(20),
  startPeriodSeconds: z.int().min(0),
  readinessIntervalSeconds: seconds
    .optional()
    .describe("Readiness probe period on Kubernetes (liveness uses intervalSeconds)."),
  startIntervalSeconds: seconds
    .optional()
    .describe(
      "Probe interval during the start period, so that a healthy service is seen quickly (Docker Engine 25 or newer).",
    ),
});
const origin = z
  .string()
  .refine(
    isOrigin,
    "must be an origin such as https://jarvis.example.com (scheme, host, optional port; no path; `*` is refused)",
  );

/** `scheme://host[:port]` with nothing after it: what a browser sends in the Origin header. */
export function isOrigin(value: string): boolean {
  if (!/^https?:\/\/[^/*]+$/.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** The named ports of one service; two names on one number are refused. */
function servicePorts(service: ServiceName) {
  return objectOf(portNames(service), () => port).superRefine((named, ctx) => {
    const seen = new Map<number, string>();
    for (const [name, value] of Object.entries(named)) {
      const other = seen.get(value);
      if (other !== undefined)
        ctx.addIssue({ code: "custom", path: [name], message: `port ${value} is already used by ${service}.${other}` });
      seen.set(value, name);
    }
  });
}

/** A host interface to bind published ports to: a unicast address, loopback, or every interface. */
const hostInterface = z
  .ipv4()
  .refine(
    (ip) =>
      ["unspecified", "loopback", "private", "unicast", "carrierGradeNat", "linkLocal"].includes(
        ipaddr.IPv4.parse(ip).range(),
      ),
    "must be a host interface address (not multicast, broadcast or reserved)",
  );
/** A host name as a browser types it (`localhost`, `jarvis.home.arpa`) or an IPv4 address. */
const browserHost = z.union(
  [
    z.ipv4(),
    z
      .string()
      .regex(/^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/),
  ],
  {
    error: "must be a host name or an IPv4 address, without scheme, port or path",
  },
);

export const PLATFORMS = ["docker", "kubernetes"] as const;
export type Platform = (typeof PLATFORMS)[number];

// ---------------------------------------------------------------------------------------------
// Keys shared by every platform.
export const sharedKeys = {
  platform: z.enum(PLATFORMS).describe("Where the stack runs: `docker` (local engine) or `kubernetes`."),
  namePrefix: dnsLabel
    .max(20)
    .describe("Prefix of container, volume and Service names, so that two stacks can share one engine."),
  ports: z
    .strictObject(
      Object.fromEntries(SERVICE_NAMES.map((s) => [s, servicePorts(s)])) as Record<
        ServiceName,
        ReturnType<typeof servicePorts>
      >,
    )
    .describe("Container (and Service) ports of every service, by port name."),
  images: objectOf(PUBLIC_IMAGE_SERVICES, () => image).describe("Pinned public images."),
  appRegistry: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
      "must be a registry and repository prefix such as registry.example.com/jarvis",
    )
    .describe("Where Jarvis's own images (stt, tts, backend, interface) live: `<appRegistry>/<service>`."),
  appVersion: z
    .string()
    .superRefine((tag, ctx) => {
      const problem = imageProblem(`jarvis/stt:${tag}`);
      if (problem) ctx.addIssue({ code: "custom", message: problem.replace("a tag or a digest", "a tag") });
    })
    .describe("The tag of Jarvis's own images: one change releases every service."),
  appDigests: partialObjectOf(APP_SERVICES, () =>
    z.string().regex(/^sha256:[a-f0-9]{64}$/, "must be sha256:<64 hex digits>"),
  ).describe("Optional digests that pin Jarvis's own images more strictly than the tag."),
  resources: objectOf(SERVICE_NAMES, () => serviceResources).describe(
    "CPU and memory requests and limits per service (Kubernetes quantities; Docker uses the limits and the memory request as reservation).",
  ),
  healthChecks: healthTiming
    .extend({
      services: partialObjectOf(SERVICE_NAMES, () => healthTiming.partial()).optional(),
    })
    .superRefine((h, ctx) => {
      const check = (t: Partial<z.infer<typeof healthTiming>>, path: (string | number)[]) => {
        const interval = t.intervalSeconds ?? h.intervalSeconds;
        if ((t.timeoutSeconds ?? h.timeoutSeconds) >= interval)
          ctx.addIssue({
            code: "custom",
            path: [...path, "timeoutSeconds"],
            message: `must be shorter than the interval (${interval}s)`,
          });
      };
      check(h, []);
      for (const [service, t] of Object.entries(h.services ?? {})) if (t) check(t, ["services", service]);
    })
    .describe("Health-check timing for every service, with optional per-service overrides under `services`."),
  features: z
    .strictObject({
      brainMemory: z.boolean(),
      emotionalAnalysis: z.boolean(),
      autoConsolidation: z.boolean(),
      webBrowsing: z.boolean().describe("Browserbase web browsing; needs `jarvis:browserbaseApiKey`."),
      alertEmail: z.boolean().describe("Alert e-mails; needs `jarvis:integrations.smtp` and `jarvis:smtpPassword`."),
      homeAssistant: z
        .boolean()
        .describe("Home Assistant; needs `jarvis:integrations.homeAssistant` and `jarvis:homeAssistantToken`."),
      mqtt: z.boolean().describe("MQTT; needs `jarvis:integrations.mqtt` and `jarvis:mqttPassword`."),
    })
    .describe("Feature switches."),
  integrations: z
    .strictObject({
      smtp: z
        .strictObject({
          host: z.string().min(1),
          port,
          username: z.string().min(1),
          from: z.email(),
          to: z.array(z.email()).min(1),
        })
        .optional(),
      browserbase: z.strictObject({ projectId: z.string().min(1) }).optional(),
      homeAssistant: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
      mqtt: z.strictObject({ broker: z.string().min(1), port, username: z.string().min(1) }).optional(),
    })
    .describe("Settings of external integrations; each is required when its feature is on."),
  backend: z
    .strictObject({
      appName: z.string().min(1),
      logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]),
      debug: z.boolean(),
      corsOrigins: z
        .array(origin)
        .optional()
        .describe("Allowed CORS origins; default: the interface's browser-facing origin."),
      rateLimit: z.strictObject({
        requests: z.int().min(1).describe("Requests allowed per client in one window."),
        windowSeconds: seconds,
      }),
      memory: z.strictObject({ updateIntervalSeconds: seconds, retentionDays: z.int().min(1) }),
    })
    .describe("Backend application settings."),
  databases: z
    .strictObject({
      postgres: z.strictObject({ name: dnsLabelUnderscore(), user: dnsLabelUnderscore() }),
      timescale: z.strictObject({ name: dnsLabelUnderscore(), user: dnsLabelUnderscore() }),
    })
    .describe("Database names and users (passwords are generated)."),
  models: z
    .strictObject({
      ollama: z.array(z.string().regex(/^[a-z0-9][\w.\-/]*:[\w.-]+$/, "must be name:tag, e.g. llama3.2:1b")).min(1),
      defaultLlm: z.string().min(1),
      whisper: z.string().min(1),
      piper: z.string().min(1),
      keepAlive: z
        .string()
        .regex(/^\d+[smh]$/, "must be a duration such as 30m or 24h")
        .describe("How long Ollama keeps a model loaded (OLLAMA_KEEP_ALIVE)."),
      pullLimits: computeResources.describe(
        "CPU and memory limits of the one-shot model pull, which only talks to Ollama's API.",
      ),
    })
    .superRefine((m, ctx) => {
      if (!m.ollama.includes(m.defaultLlm))
        ctx.addIssue({ code: "custom", path: ["defaultLlm"], message: "must be one of the models in `ollama`" });
      m.ollama.forEach((name, i) => {
        if (m.ollama.indexOf(name) !== i)
          ctx.addIssue({ code: "custom", path: ["ollama", i], message: `${name} is listed twice` });
      });
    })
    .describe("Models: the Ollama models to pull, the default LLM, the Whisper and Piper voices."),
  gpu: z
    .strictObject({
      enabled: z.boolean(),
      driver: z.enum(["nvidia"]).describe("GPU driver; only NVIDIA is supported by Ollama's images."),
      count: z.union([z.int().min(1), z.literal("all")]),
      stt: z.boolean().describe("Give the STT API a GPU too."),
    })
    .describe("GPU for Ollama (and optionally STT)."),
  shutdown: z
    .strictObject({
      graceSeconds: z.int().min(1).max(3600).describe("How long a service may take to stop before it is killed."),
    })
    .describe("Graceful shutdown of every service (datastores flush their data)."),
  qdrant: z
    .strictObject({ maxSearchThreads: z.int().min(0).describe("Search threads; 0 lets Qdrant choose.") })
    .describe("Qdrant tuning."),
  registryLogin: z
    .strictObject({ address: z.string().min(1), username: z.string().min(1) })
    .describe(
      "Login to the registry of Jarvis's own images, when it needs one; the password is the secret `jarvis:registryPassword`.",
    ),
  rotation: z
    .partialRecord(z.enum(["postgres", "timescale", "redis", "qdrant", "jwt", "grafana"]), z.int().min(0))
    .optional()
    .describe("Rotation counters of generated secrets; raise one to generate that secret anew. Absent means 0."),
};

function dnsLabelUnderscore() {
  return z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be lower-case letters, digits and '_'");
}

// ---------------------------------------------------------------------------------------------
// Keys of the Docker platform.
const hostPort = z.union([port, z.strictObject({ hostPort: port, bindAddress: hostInterface })]);
export const dockerKeys = {
  network: z
    .strictObject({
      name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must be a Docker network name"),
      subnet: z.cidrv4({ error: "must be an IPv4 subnet in CIDR notation (address/prefix length)" }),
      gateway: address,
      bridge: z.strictObject({
        name: z
          .string()
          .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/, "must be an interface name of at most 15 characters"),
        enableIcc: z.boolean().describe("Allow traffic between containers on the bridge."),
        enableIpMasquerade: z.boolean(),
        mtu: z.int().min(68).max(65535),
      }),
    })
    .describe("The Docker bridge network: subnet, gateway and bridge options."),
  addresses: objectOf(SERVICE_NAMES, () => address).describe(
    "Static IPv4 address of every container on the Jarvis network.",
  ),
  publish: z
    .strictObject({
      bindAddress: hostInterface.describe(
        "Host interface that published ports bind to unless a port names its own; the unspecified address means every interface.",
      ),
      publicHost: browserHost.describe("Host name the browser uses to reach published ports (browser URLs, CORS)."),
      ports: z.strictObject(
        Object.fromEntries(
          SERVICE_NAMES.map((s) => [s, partialObjectOf(portNames(s), () => hostPort).optional()]),
        ) as Record<ServiceName, z.ZodOptional<z.ZodObject<Record<string, z.ZodOptional<typeof hostPort>>>>>,
      ),
    })
    .describe("Host ports to publish, by service and port name; a service not listed is not published."),
  volumes: objectOf(["postgres", "redis", "ollama", "qdrant", "timescale"] as const, () =>
    z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, "must be a Docker volume name"),
  ).describe("Names of the named volumes that keep data across container replacements."),
  hostPaths: z
    .strictObject({
      models: absolutePath.optional(),
      logs: absolutePath.optional(),
      data: absolutePath.optional(),
      postgresInit: absolutePath.optional(),
      timescaleInit: absolutePath.optional(),
      qdrantConfig: absolutePath.optional(),
    })
    .describe("Host folders and files bind-mounted into containers; a path not set is not mounted."),
  appBuild: partialObjectOf(APP_SERVICES, () =>
    z.strictObject({ context: absolutePath, dockerfile: z.string().min(1).optional() }),
  ).describe(
    "Build these of Jarvis's own images from a local source folder instead of pulling them (tagged `<appRegistry>/<service>:<appVersion>`).",
  ),
  dockerHost: z
    .string()
    .regex(/^(unix|tcp|ssh|npipe):\/\/\S+$/, "must be a Docker host URL such as unix:///var/run/docker.sock")
    .describe("The Docker engine to deploy to; absent means the local engine (DOCKER_HOST or the default socket)."),
  logging: z
    .strictObject({ maxSize: z.string().regex(/^\d+[kmg]$/, "must be a size such as 10m"), maxFile: z.int().min(1) })
    .describe("json-file log rotation of every container."),
};

// ---------------------------------------------------------------------------------------------
// Keys of the Kubernetes platform.
export const kubernetesKeys = {
  databaseInit: z
    .strictObject({ postgres: absolutePath.optional(), timescale: absolutePath.optional() })
    .describe(
      "SQL files a database runs once, when it starts on an empty volume (the original init scripts); a database not listed starts empty and its schema is the backend's.",
    ),
  cluster: z
    .strictObject({
      context: z.string().min(1).optional().describe("kubeconfig context to deploy to."),
      kubeconfigPath: absolutePath
        .optional()
        .describe("kubeconfig file to read; inline content goes in the secret `jarvis:kubeconfig`."),
    })
    .describe("The target cluster. Give a context, a kubeconfig path, or the secret `jarvis:kubeconfig`."),
  namespace: z
    .strictObject({
      name: dnsLabel.refine(
        (n) => !["default", "kube-system", "kube-public", "kube-node-lease"].includes(n),
        "must not be a system namespace",
      ),
      podSecurity: z
        .enum(["restricted", "baseline"])
        .describe("Pod Security admission level enforced on the namespace (restricted is also warned and audited)."),
      quota: z.strictObject({
        requests: computeResources,
        limits: computeResources,
        pods: z.int().min(1),
        persistentVolumeClaims: z.int().min(1),
      }),
      containerDefaults: z
        .strictObject({ requests: computeResources, limits: computeResources })
        .describe("LimitRange defaults for a container that states no resources."),
    })
    .describe("The namespace Jarvis runs in, its ResourceQuota and LimitRange."),
  storage: z
    .strictObject({
      className: z.string().min(1).describe("StorageClass of every volume claim."),
      sizes: objectOf(STATEFUL_SERVICES, () => memory),
      backup: memory.describe("Size of the volume that backups are written to."),
    })
    .describe("Persistent volumes of the stateful services and of the backups."),
  dataProtection: z
    .strictObject({
      protect: z.boolean().describe("Pulumi refuses to delete or replace the stateful services (prod)."),
      retainOnDelete: z.boolean().describe("Objects holding data stay in the cluster when Pulumi deletes them."),
    })
    .describe("How the resources that hold data are protected from a program change."),
  backup: z
    .strictObject({
      schedule: z.string().regex(/^(\S+\s+){4}\S+$/, "must be a cron schedule of five fields, e.g. 0 3 * * *"),
      timeZone: z
        .string()
        .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, "must be an IANA time zone such as Etc/UTC or Europe/Paris")
        .describe("Time zone of the schedule."),
      keepDays: z.int().min(1),
      deadlineMinutes: z.int().min(1).describe("A backup still running after this long is stopped."),
      httpImage: image.describe("A pinned image with curl and sh, which takes the Qdrant snapshot."),
      limits: computeResources
        .extend({ ephemeralStorage: memory })
        .describe("CPU, memory and scratch space of the backup job."),
    })
    .describe("Scheduled backups: pg_dump of both databases and a Qdrant snapshot."),
  scheduling: z
    .strictObject({
      ollama: z.strictObject({
        nodeSelector: z.record(z.string(), z.string()),
        tolerations: z.array(
          z.strictObject({
            key: z.string().min(1),
            operator: z.enum(["Equal", "Exists"]),
            value: z.string().optional(),
            effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
          }),
        ),
        runtimeClassName: dnsLabel.optional().describe("RuntimeClass for GPU nodes, e.g. nvidia."),
        awaitTimeoutMinutes: z
          .int()
          .min(5)
          .max(240)
          .describe("How long `pulumi up` waits for Ollama to become ready (model loading)."),
      }),
    })
    .describe("Where Ollama runs (GPU nodes): node selector, tolerations, runtime class."),
  egress: partialObjectOf(SERVICE_NAMES, () =>
    z.array(
      z.strictObject({
        cidr: z.cidrv4(),
        except: z
          .array(z.cidrv4())
          .optional()
          .describe("Ranges inside `cidr` that stay closed, e.g. the private ones when `cidr` is every address."),
        ports: z.array(port).min(1),
      }),
    ),
  ).describe(
    "External destinations a service may reach beyond the cluster: e.g. Ollama its model registry, the backend external APIs, STT/TTS their model downloads.",
  ),
  rollout: z
    .strictObject({
      progressDeadlineSeconds: z.int().min(30),
      maxSurge: z.int().min(1),
      disruptionMaxUnavailable: z
        .int()
        .min(1, "0 would block every eviction (node drains and upgrades would hang)")
        .describe("Pods of one workload that a voluntary disruption may take at once (PodDisruptionBudget)."),
    })
    .describe("Zero-downtime rollouts and disruptions."),
  replicas: objectOf(SCALABLE_SERVICES, () => z.int().min(1).max(100)).describe(
    "Replicas of each stateless service (the backend's come from `autoscaling` when it is enabled).",
  ),
  autoscaling: z
    .strictObject({
      backend: z
        .strictObject({
          enabled: z.boolean(),
          minReplicas: z.int().min(1),
          maxReplicas: z.int().min(1),
          cpuUtilization: z.int().min(1).max(100).describe("Target average CPU utilisation, percent of requests."),
          memoryUtilization: z
            .int()
            .min(1)
            .max(100)
            .describe("Target average memory utilisation, percent of requests."),
          scaleUpStabilizationSeconds: z.int().min(0).max(3600),
          scaleDownStabilizationSeconds: z.int().min(0).max(3600),
          scaleDownPodsPerMinute: z.int().min(1),
        })
        .superRefine((a, ctx) => {
          if (a.minReplicas > a.maxReplicas)
            ctx.addIssue({
              code: "custom",
              path: ["minReplicas"],
              message: `must not exceed maxReplicas (${a.maxReplicas})`,
            });
        }),
    })
    .describe("HorizontalPodAutoscaler settings."),
  edge: z
    .strictObject({
      kind: z.enum(["ingress", "gateway"]).describe("An Ingress of `className`, or HTTPRoutes attached to `gateway`."),
      className: z.string().min(1).optional().describe("IngressClass (kind ingress)."),
      gateway: z
        .strictObject({ name: dnsLabel, namespace: dnsLabel, sectionName: dnsLabel.optional() })
        .optional()
        .describe("The Gateway to attach to (kind gateway)."),
      hosts: z.strictObject({ interface: dnsName, api: dnsName }),
      websocketPath: z.string().regex(/^\/[\w\-/]*$/, "must be a URL path starting with /"),
      timeoutSeconds: z
        .int()
        .min(1)
        .max(86400)
        .describe(
          "Request timeout of the HTTPRoutes (kind gateway); long, for WebSockets. An Ingress has no such field: set the controller's own timeouts (for Traefik, its entry point's respondingTimeouts) at least this long.",
        ),
      tls: z.strictObject({
        issuer: dnsLabel,
        issuerKind: z.enum(["ClusterIssuer", "Issuer"]),
        http01: z.boolean().describe("The issuer solves HTTP-01 challenges in this namespace."),
        solverPort: port.describe("Port of cert-manager's HTTP-01 solver pods."),
      }),
      implementation: z
        .enum(["traefik", "other"])
        .describe(
          "The proxy behind the edge. `traefik`: CORS and the per-client-IP rate limit become Traefik Middlewares on the routes. `other`: nothing controller-specific is generated (see `annotations`); the backend enforces CORS and its rate limit either way.",
        ),
      rateLimit: z
        .strictObject({
          requests: z.int().min(1).describe("Requests one client IP may make in a window, on every public route."),
          windowSeconds: seconds,
          burst: z.int().min(1).describe("Requests a client may make at once above the average."),
          forwardedForDepth: z
            .int()
            .min(0)
            .max(10)
            .describe(
              "0: the client is the connection's source address. N: the Nth address from the right of X-Forwarded-For, for N trusted proxies in front of the edge.",
            ),
        })
        .describe("Rate limit per client IP at the edge (implementation traefik)."),
      annotations: z
        .record(z.string(), z.string())
        .optional()
        .describe("Controller-specific annotations of the Ingresses, for an implementation the program does not know."),
      controller: z
        .strictObject({ namespace: dnsLabel, podLabels: z.record(z.string(), z.string()) })
        .describe("Where the edge's proxy pods run: the only source allowed to reach the interface and the backend."),
    })
    .superRefine((edge, ctx) => {
      if (edge.kind === "ingress" && !edge.className)
        ctx.addIssue({ code: "custom", path: ["className"], message: "required for kind ingress" });
      if (edge.kind === "gateway" && !edge.gateway)
        ctx.addIssue({ code: "custom", path: ["gateway"], message: "required for kind gateway" });
    })
    .describe("The public entry: its implementation, host names, WebSocket path, timeouts and TLS."),
  monitoringSource: z
    .strictObject({ namespace: dnsLabel, podLabels: z.record(z.string(), z.string()) })
    .describe("Where the Prometheus that scrapes the metrics ports runs."),
  clusterDns: z
    .strictObject({ namespace: dnsLabel, podLabels: z.record(z.string(), z.string()), port })
    .describe("The cluster's DNS pods, which every pod may query."),
};

/** Secret keys a person provides with `pulumi config set --secret`. */
export const SECRET_KEYS = {
  smtpPassword: { feature: "alertEmail", description: "SMTP password for alert e-mails." },
  browserbaseApiKey: { feature: "webBrowsing", description: "Browserbase API key (BROWSERBASE_API_KEY)." },
  homeAssistantToken: { feature: "homeAssistant", description: "Home Assistant long-lived access token." },
  mqttPassword: { feature: "mqtt", description: "MQTT password." },
  registryPassword: { key: "registryLogin", description: "Password (or token) of `jarvis:registryLogin`." },
  kubeconfig: {
    platform: "kubernetes",
    description: "Inline kubeconfig content (Kubernetes), instead of cluster.context or cluster.kubeconfigPath.",
  },
} as const satisfies Record<
  string,
  { feature?: keyof z.infer<typeof sharedKeys.features>; platform?: Platform; key?: string; description: string }
>;
export type SecretKey = keyof typeof SECRET_KEYS;

const shared = z.strictObject(sharedKeys);
const docker = z.strictObject(dockerKeys);
const kubernetes = z.strictObject(kubernetesKeys);
export type SharedConfig = z.infer<typeof shared>;
export type DockerConfig = SharedConfig & z.infer<typeof docker> & { platform: "docker" };
export type KubernetesConfig = SharedConfig & z.infer<typeof kubernetes> & { platform: "kubernetes" };
export type StackConfig = DockerConfig | KubernetesConfig;

export const PLATFORM_KEYS: Record<Platform, Record<string, z.ZodType>> = {
  docker: dockerKeys,
  kubernetes: kubernetesKeys,
};
/** Keys that may be absent; every other key of the chosen platform is required. */
export const OPTIONAL_KEYS: ReadonlySet<string> = new Set([
  "rotation",
  "integrations",
  "hostPaths",
  "appDigests",
  "appBuild",
  "registryLogin",
  "dockerHost",
  "databaseInit",
]);
/** Optional keys that stay absent (undefined) rather than defaulting to an empty map. */
export const ABSENT_BY_DEFAULT: ReadonlySet<string> = new Set(["rotation", "registryLogin", "dockerHost"]);
