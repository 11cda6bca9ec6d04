// Config of the services capability: per-service ports, images, sizes and health timing, and what
// each platform needs to run them. Every per-service key is built from the catalogue.
import { posix } from "node:path";
import { z } from "zod";
import type { Catalogue } from "../catalogue";
import { MACHINE } from "../host";
import {
  configuredServices,
  gpuOptInServices,
  ownImageServices,
  publicImageServices,
  scalableServices,
  statefulServices,
} from "../graph";
import {
  absolutePath,
  dnsLabel,
  destinations,
  dnsLabelUnderscore,
  healthTiming,
  image,
  labels,
  labelValue,
  memory,
  objectOf,
  partialObjectOf,
  port,
  serviceResources,
} from "./fields";
import { imageProblem } from "./image";
import type { CheckContext, Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

/** The named ports of one service; two names on one number are refused. */
function servicePorts(service: string, names: readonly string[]) {
  return objectOf(names, () => port).superRefine((named, ctx) => {
    const seen = new Map<number, string>();
    for (const [name, value] of Object.entries(named)) {
      const other = seen.get(value);
      if (other !== undefined)
        ctx.addIssue({ code: "custom", path: [name], message: `port ${value} is already used by ${service}.${other}` });
      seen.set(value, name);
    }
  });
}

const autoscaling = z
  .strictObject({
    enabled: z.boolean(),
    minReplicas: z.int().min(1),
    maxReplicas: z.int().min(1),
    cpuUtilization: z.int().min(1).max(100).describe("Target average CPU utilisation, percent of requests."),
    memoryUtilization: z.int().min(1).max(100).describe("Target average memory utilisation, percent of requests."),
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
  });

const scheduling = z.strictObject({
  nodeSelector: labels,
  tolerations: z.array(
    z.strictObject({
      key: z.string().min(1),
      operator: z.enum(["Equal", "Exists"]),
      value: labelValue.optional(),
      effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    }),
  ),
  runtimeClassName: dnsLabel.optional().describe("RuntimeClass for GPU nodes, e.g. nvidia."),
  awaitTimeoutMinutes: z
    .int()
    .min(5)
    .max(240)
    .describe("How long `pulumi up` waits for the service to become ready (Ollama loads its models)."),
});

export function serviceKeys(catalogue: Catalogue) {
  const services = configuredServices(catalogue);
  const own = ownImageServices(catalogue);
  const dockerStateful = statefulServices(catalogue, "docker");
  const kubernetesStateful = statefulServices(catalogue, "kubernetes");
  return {
    shared: {
      ports: z
        .strictObject(
          Object.fromEntries(services.map((s) => [s, servicePorts(s, catalogue[s]!.ports)])) as Record<
            string,
            ReturnType<typeof servicePorts>
          >,
        )
        .describe("Container (and Service) ports of every service, by port name."),
      images: objectOf(publicImageServices(catalogue), () => image).describe("Pinned public images."),
      appRegistry: z
        .string()
        .regex(
          /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
          "must be a registry and repository prefix such as registry.example.com/jarvis",
        )
        .describe(`Where Jarvis's own images (${own.join(", ")}) live: \`<appRegistry>/<service>\`.`),
      appVersion: z
        .string()
        .superRefine((tag, ctx) => {
          const problem = imageProblem(`jarvis/app:${tag}`);
          if (problem) ctx.addIssue({ code: "custom", message: problem.replace("a tag or a digest", "a tag") });
        })
        .describe("The tag of Jarvis's own images: one change releases every service."),
      appDigests: partialObjectOf(own, () =>
        z.string().regex(/^sha256:[a-f0-9]{64}$/, "must be sha256:<64 hex digits>"),
      ).describe("Optional digests that pin Jarvis's own images more strictly than the tag."),
      resources: objectOf(services, () => serviceResources).describe(
        "CPU and memory requests and limits per service (Kubernetes quantities; Docker uses the limits and the memory request as reservation).",
      ),
      healthChecks: healthTiming
        .extend({
          services: partialObjectOf(services, () => healthTiming.partial()).optional(),
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
      gpu: z
        .strictObject({
          enabled: z.boolean(),
          driver: z.enum(["nvidia"]).describe("GPU driver; only NVIDIA is supported by Ollama's images."),
          count: z.union([z.int().min(1), z.literal("all")]),
          ...Object.fromEntries(
            gpuOptInServices(catalogue).map((s) => [
              s,
              z.boolean().describe(`Give the ${catalogue[s]!.title} a GPU too.`),
            ]),
          ),
        })
        .describe("GPU for the services that use one (Ollama, and optionally others)."),
      shutdown: z
        .strictObject({
          graceSeconds: z.int().min(1).max(3600).describe("How long a service may take to stop before it is killed."),
        })
        .describe("Graceful shutdown of every service (datastores flush their data)."),
      databases: objectOf(
        services.filter((s) => catalogue[s]!.url?.scheme === "postgresql"),
        () => z.strictObject({ name: dnsLabelUnderscore(), user: dnsLabelUnderscore() }),
      ).describe("The database and user of each PostgreSQL service (passwords are generated)."),
      registryLogin: z
        .strictObject({ address: z.string().min(1), username: z.string().min(1) })
        .describe(
          "Login to the registry of Jarvis's own images, when it needs one; the password is the secret `jarvis:registryPassword`.",
        ),
    },
    docker: {
      volumes: objectOf(dockerStateful, () =>
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
        .describe(
          "Host folders and files bind-mounted into containers, which must exist on the engine's host. Models, logs and data without a host folder live in named volumes; an init script or config file not set is not mounted.",
        ),
      appBuild: partialObjectOf(own, () =>
        z.strictObject({ context: absolutePath, dockerfile: z.string().min(1).optional() }),
      ).describe(
        "Build these of Jarvis's own images from a local source folder instead of pulling them (tagged `<appRegistry>/<service>:<appVersion>`).",
      ),
    },
    kubernetes: {
      databaseInit: partialObjectOf(
        services.filter((s) => catalogue[s]!.initDirectory !== undefined),
        () => absolutePath,
      ).describe(
        "SQL files a database runs once, when it starts on an empty volume (the original init scripts); a database not listed starts empty and its schema is the backend's.",
      ),
      storage: z
        .strictObject({
          className: z.string().min(1).describe("StorageClass of every volume claim."),
          sizes: objectOf(kubernetesStateful, () => memory),
          backup: memory.describe("Size of the volume that backups are written to."),
        })
        .describe("Persistent volumes of the stateful services and of the backups."),
      scheduling: partialObjectOf(services, () => scheduling).describe(
        "Where a service runs (Ollama on GPU nodes): node selector, tolerations, runtime class, how long to wait for it.",
      ),
      egress: partialObjectOf(
        services.filter((s) => catalogue[s]!.egress),
        () => destinations,
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
      replicas: objectOf(scalableServices(catalogue), () => z.int().min(1).max(100)).describe(
        "Replicas of each stateless service (those under `autoscaling` take theirs from it when it is enabled).",
      ),
      autoscaling: partialObjectOf(scalableServices(catalogue), () => autoscaling).describe(
        "HorizontalPodAutoscaler settings of the stateless services that have one.",
      ),
    },
  } satisfies ModuleKeys;
}

export const serviceChecks: ModuleChecks = {
  docker: (config, context) => [...appImageFindings(config, context), ...hostPathFindings(config, context)],
  kubernetes: kubernetesFindings,
};

/**
 * Docker refuses to bind-mount a missing path. The paths live on the engine's host: checked on the
 * deploying machine, only a warning when the engine is another machine's (`jarvis:dockerHost`).
 */
function hostPathFindings(config: Parsed, { catalogue, host }: CheckContext): Finding[] {
  if (!config.hostPaths) return [];
  const remote = config.dockerHost !== undefined && !config.dockerHost.startsWith("unix://");
  return configuredServices(catalogue).flatMap((service) =>
    (catalogue[service]!.hostMounts ?? []).flatMap((mount) => {
      const configured = config.hostPaths![mount.hostPath];
      if (!configured) return [];
      const source = posix.join(configured, mount.sub ?? "");
      const kind = mount.file ? "file" : "folder";
      if (host.exists(source, kind)) return [];
      const message = remote
        ? `no such ${kind} here: ${source} (mounted into ${service}); it must exist on ${config.dockerHost}`
        : `no such ${kind}: ${source} (mounted into ${service}); create it, or remove the key${mount.filledByContainer ? " to keep it in a named volume" : ""}`;
      return [{ key: "hostPaths", path: [mount.hostPath], message, ...(remote && { warning: true }) }];
    }),
  );
}

/**
 * On Docker each of Jarvis's own images is built locally, or pulled from a registry host; a local
 * build has no registry digest, and Docker refuses a tag that holds one.
 */
function appImageFindings(config: Parsed, { catalogue }: { catalogue: Catalogue }): Finding[] {
  const digestOfBuild = Object.keys(config.appBuild ?? {})
    .filter((service) => config.appBuild?.[service] && config.appDigests?.[service])
    .map((service) => ({
      key: "appDigests",
      path: [service],
      message: `a locally built image has no registry digest to pin: remove it, or jarvis:appBuild.${service} to pull ${service}`,
    }));
  return [...digestOfBuild, ...registryFindings(config, catalogue)];
}

function registryFindings(config: Parsed, catalogue: Catalogue): Finding[] {
  if (config.appRegistry === undefined || config.appBuild === undefined) return [];
  const host = config.appRegistry.split("/")[0]!;
  if (config.appRegistry.includes("/") && (host.includes(".") || host.includes(":") || host === "localhost")) return [];
  return ownImageServices(catalogue)
    .filter((service) => !config.appBuild![service])
    .map((service) => ({
      key: "appBuild",
      path: [service, "context"],
      message: `required: jarvis:appRegistry (${config.appRegistry}) names no registry host to pull ${service} from, so it is built from its source folder`,
    }));
}

function kubernetesFindings(config: Parsed): Finding[] {
  const findings: Finding[] = [];
  if (config.gpu?.enabled && config.gpu.count === "all")
    findings.push({
      key: "gpu",
      path: ["count"],
      message: "must be a number of GPUs on Kubernetes (a pod requests whole GPUs)",
    });
  for (const [database, file] of Object.entries(config.databaseInit ?? {}))
    // The program reads these files itself (on this machine, the offline plan too).
    if (file && !MACHINE.exists(file, "file"))
      findings.push({ key: "databaseInit", path: [database], message: `no such file: ${file}` });
  for (const [service, scaling] of Object.entries(config.autoscaling ?? {})) {
    if (scaling?.enabled && scaling.minReplicas < 2)
      findings.push({
        key: "autoscaling",
        path: [service, "minReplicas"],
        message: "must be at least 2 so that one pod can be evicted while another serves",
      });
    if (scaling?.enabled && config.replicas?.[service] !== undefined)
      findings.push({
        key: "replicas",
        path: [service],
        message: `has no effect while autoscaling.${service} is enabled: the autoscaler keeps ${scaling.minReplicas} to ${scaling.maxReplicas}`,
        warning: true,
      });
  }
  return findings;
}
