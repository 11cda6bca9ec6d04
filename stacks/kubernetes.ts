// The Kubernetes platform (staging, prod): an explicit provider whose cluster comes from config,
// the namespace with its quota and defaults, every service as a Workload wired from the derived
// endpoints, the model pull, network policies generated from the flows, and the public entry.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { Job } from "@pulumi/kubernetes/batch/v1/job";
import { LimitRange } from "@pulumi/kubernetes/core/v1/limitRange";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { ResourceQuota } from "@pulumi/kubernetes/core/v1/resourceQuota";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Provider } from "@pulumi/kubernetes/provider";
import { Backup } from "../components/kubernetes/backup";
import { Edge } from "../components/kubernetes/edge";
import { NetworkPolicies, type PodGroupPolicy, type PolicyRule } from "../components/kubernetes/network-policies";
import { Workload } from "../components/kubernetes/workload";
import type { Secrets } from "../components/secrets";
import { CATALOGUE, ENV, isAppService, type ServiceName } from "../infra/catalogue";
import { modelPull, redisCommand } from "../infra/commands";
import type { KubernetesConfig } from "../infra/config/schema";
import { serviceEnvironment } from "../infra/environment";
import { metricsPorts, serviceFlows } from "../infra/flows";
import { imageRef } from "../infra/images";
import type { Wiring } from "../infra/wiring";
import {
  KUBERNETES_SERVICES,
  containerSecurityContext,
  dataMount,
  isStateful,
  platformEnvironment,
  podSecurityContext,
  probes,
  resources,
  scratchVolumes,
  selectorLabels,
} from "./kubernetes-spec";

function commonLabels(config: KubernetesConfig): Record<string, string> {
  // Added explicitly: transforms do not run under the mock engine, so tests would not see them.
  return {
    "app.kubernetes.io/part-of": config.namePrefix,
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/instance": pulumi.getStack(),
  };
}

export function deployKubernetes(config: KubernetesConfig, wiring: Wiring, secrets: Secrets) {
  const instance = pulumi.getStack();
  // The cluster is named by config: a context (looked up, like kubectl does, in $KUBECONFIG or
  // ~/.kube/config), a kubeconfig path, or inline content from secret config. Never the current
  // context by accident. The offline plan hides $KUBECONFIG, so a plan does not depend on it.
  const provider = new Provider("cluster", {
    kubeconfig: secrets.provided.kubeconfig ?? config.cluster.kubeconfigPath,
    context: config.cluster.context,
    namespace: config.namespace.name,
    enableServerSideApply: true,
  });
  const opts = { provider };
  const labels = commonLabels(config);
  const level = config.namespace.podSecurity;
  const namespace = new Namespace(
    "namespace",
    {
      metadata: {
        name: config.namespace.name,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": level,
          // Where `baseline` is enforced, `restricted` still warns and audits.
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    },
    // Deleting the namespace would delete the volume claims in it.
    { ...opts, protect: config.dataProtection.protect, retainOnDelete: config.dataProtection.retainOnDelete },
  );
  const ns = namespace.metadata.name;
  const metadata = { namespace: ns, labels };
  const { quota, containerDefaults } = config.namespace;
  new ResourceQuota(
    "quota",
    {
      metadata,
      spec: {
        hard: {
          "requests.cpu": quota.requests.cpu,
          "requests.memory": quota.requests.memory,
          "limits.cpu": quota.limits.cpu,
          "limits.memory": quota.limits.memory,
          pods: String(quota.pods),
          persistentvolumeclaims: String(quota.persistentVolumeClaims),
        },
      },
    },
    opts,
  );
  new LimitRange(
    "limits",
    {
      metadata,
      spec: {
        limits: [{ type: "Container", default: containerDefaults.limits, defaultRequest: containerDefaults.requests }],
      },
    },
    opts,
  );

  const pullSecret = registryPullSecret(config, secrets, metadata, opts);
  const workloads = new Map<ServiceName, Workload>();
  for (const service of KUBERNETES_SERVICES) {
    const environment = serviceEnvironment(config, wiring, service, instance);
    const stateful = isStateful(service);
    const autoscaling =
      service === "backend" && config.autoscaling.backend.enabled ? config.autoscaling.backend : undefined;
    const replicas = isAppService(service) ? config.replicas[service] : 1;
    workloads.set(
      service,
      new Workload(
        service,
        {
          namespace: ns,
          name: wiring.names[service],
          labels,
          selector: selectorLabels(service, instance),
          image: imageRef(config, service),
          ...(pullSecret && isAppService(service) && { imagePullSecret: pullSecret }),
          ...(service === "redis" && { command: redisCommand(config) }),
          ports: Object.entries(config.ports[service]).map(([name, containerPort]) => ({ name, containerPort })),
          env: {
            plain: { ...(environment.plain as Record<string, string>), ...platformEnvironment(service) },
            secret: Object.fromEntries(
              Object.entries(environment.secret).map(([name, source]) => [
                name,
                secrets.resolve(source!, wiring.connections),
              ]),
            ),
            files: CATALOGUE[service].secretFiles ?? {},
          },
          probes: probes(config, service),
          resources: resources(config, service),
          podSecurityContext: podSecurityContext(),
          securityContext: containerSecurityContext(),
          scratch: scratchVolumes(service),
          ...initFiles(config, service),
          graceSeconds: config.shutdown.graceSeconds,
          ...(service === "ollama" && { scheduling: ollamaScheduling(config) }),
          ...(stateful
            ? {
                statefulSet: {
                  storageClassName: config.storage.className,
                  size: config.storage.sizes[service],
                  ...dataMount(service),
                  ...(service === "ollama" && { awaitMinutes: config.scheduling.ollama.awaitTimeoutMinutes }),
                },
              }
            : {
                deployment: {
                  ...(autoscaling ? { autoscaling } : { replicas }),
                  maxSurge: config.rollout.maxSurge,
                  progressDeadlineSeconds: config.rollout.progressDeadlineSeconds,
                },
              }),
          disruptionMaxUnavailable: config.rollout.disruptionMaxUnavailable,
        },
        {
          ...opts,
          // Data is never lost by a program change.
          ...(stateful && {
            protect: config.dataProtection.protect,
            retainOnDelete: config.dataProtection.retainOnDelete,
          }),
        },
      ),
    );
  }

  const pull = modelPullJob(config, wiring, metadata, opts, workloads.get("ollama")!);
  const backupPods = selectorLabels("backup", instance);
  backups(config, wiring, secrets, { namespace: ns, labels, podLabels: backupPods }, opts);
  const edge = new Edge(
    "edge",
    {
      namespace: ns,
      labels,
      edge: config.edge,
      corsOrigins: wiring.corsOrigins,
      hosts: [
        {
          key: "interface",
          host: config.edge.hosts.interface,
          crossOrigin: false,
          routes: [
            { path: "/", service: wiring.names.interface, port: config.ports.interface.http! },
            {
              path: config.edge.websocketPath,
              service: wiring.names.interface,
              port: config.ports.interface.websocket!,
            },
          ],
        },
        // The interface's pages call the API from their own origin.
        {
          key: "api",
          host: config.edge.hosts.api,
          crossOrigin: true,
          routes: [{ path: "/", service: wiring.names.backend, port: config.ports.backend.http! }],
        },
      ],
    },
    { ...opts, dependsOn: [...workloads.values()] },
  );
  new NetworkPolicies(
    "network",
    {
      namespace: ns,
      labels,
      groups: networkPolicies(config, wiring, instance, { pull: pull.podLabels, backup: backupPods }),
    },
    opts,
  );

  return {
    platform: config.platform,
    urls: wiring.browser,
    namespace: ns,
    entry: edge.address,
  };
}

/** A database's init script of config, where its image runs such scripts on an empty volume. */
function initFiles(config: KubernetesConfig, service: ServiceName) {
  const file = (config.databaseInit as Partial<Record<ServiceName, string>>)[service];
  const mountPath = CATALOGUE[service].dataPaths?.init;
  return file && mountPath
    ? { files: { directory: mountPath, contents: { "init.sql": readFileSync(file, "utf8") } } }
    : {};
}

function ollamaScheduling(config: KubernetesConfig) {
  const { nodeSelector, tolerations, runtimeClassName } = config.scheduling.ollama;
  return { nodeSelector, tolerations, ...(runtimeClassName && { runtimeClassName }) };
}

/** A docker-registry Secret for Jarvis's own images, when their registry needs a login. */
function registryPullSecret(
  config: KubernetesConfig,
  secrets: Secrets,
  metadata: object,
  opts: pulumi.CustomResourceOptions,
) {
  const password = secrets.provided.registryPassword;
  if (!config.registryLogin || !password) return undefined;
  const { address, username } = config.registryLogin;
  const dockerConfig = password.apply((p) =>
    Buffer.from(
      JSON.stringify({
        auths: { [address]: { username, password: p, auth: Buffer.from(`${username}:${p}`).toString("base64") } },
      }),
    ).toString("base64"),
  );
  return new Secret(
    "registry",
    { metadata, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": dockerConfig } },
    opts,
  ).metadata.name;
}

/**
 * Pulls the model list once through Ollama's API. Its name follows the list, so a new list runs a
 * new Job; it is not deleted when it finishes (Pulumi would create it again), and `pulumi up` does
 * not wait for a multi-GB pull.
 */
function modelPullJob(
  config: KubernetesConfig,
  wiring: Wiring,
  metadata: { labels: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
  ollama: Workload,
) {
  const pull = modelPull(config);
  const podLabels = selectorLabels("ollama-pull", pulumi.getStack());
  const { cpu, memory } = config.models.pullLimits;
  new Job(
    "ollama-pull",
    {
      metadata: { ...metadata, name: pull.name, annotations: { "pulumi.com/skipAwait": "true" } },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: { ...metadata.labels, ...podLabels } },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(),
            containers: [
              {
                name: "pull",
                image: imageRef(config, "ollama"),
                command: ["/bin/sh", "-c", pull.script],
                env: [
                  { name: ENV.ollamaHost, value: wiring.urls[ENV.ollamaBaseUrl] },
                  { name: ENV.home, value: CATALOGUE.ollama.dataPaths.home! },
                ],
                resources: { requests: { cpu, memory }, limits: { cpu, memory } },
                securityContext: containerSecurityContext(),
                volumeMounts: scratchVolumes("ollama").map((s) => ({ name: s.name, mountPath: s.mountPath })),
              },
            ],
            volumes: scratchVolumes("ollama").map((s) => ({ name: s.name, emptyDir: {} })),
          },
        },
      },
    },
    { ...opts, dependsOn: [ollama] },
  );
  return { podLabels };
}

/** Backups of both databases and Qdrant, into a volume that is protected like the data itself. */
function backups(
  config: KubernetesConfig,
  wiring: Wiring,
  secrets: Secrets,
  where: { namespace: pulumi.Input<string>; labels: Record<string, string>; podLabels: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
) {
  const database = (service: "postgres" | "timescale") => ({
    host: wiring.hosts[service],
    port: config.ports[service].postgres!,
    user: config.databases[service].user,
    name: config.databases[service].name,
    password: secrets.generated[service],
  });
  const { limits } = config.backup;
  const quantities = { cpu: limits.cpu, memory: limits.memory, "ephemeral-storage": limits.ephemeralStorage };
  new Backup(
    "backup",
    {
      ...where,
      // Its pg_dump matches both servers' major version.
      image: imageRef(config, "timescale"),
      httpImage: config.backup.httpImage,
      schedule: config.backup.schedule,
      timeZone: config.backup.timeZone,
      keepDays: config.backup.keepDays,
      deadlineMinutes: config.backup.deadlineMinutes,
      storage: {
        className: config.storage.className,
        size: config.storage.backup,
        claimName: `${config.namePrefix}-backups`,
      },
      postgres: database("postgres"),
      timescale: database("timescale"),
      qdrant: { url: wiring.urls[ENV.qdrantUrl], apiKey: secrets.generated.qdrant },
      pod: {
        securityContext: podSecurityContext(),
        containerSecurityContext: containerSecurityContext(),
        resources: { requests: quantities, limits: quantities },
      },
    },
    { ...opts, protect: config.dataProtection.protect, retainOnDelete: config.dataProtection.retainOnDelete },
  );
}

/** Pods that are not services: the model pull and the backups. */
interface JobPods {
  readonly pull: Record<string, string>;
  readonly backup: Record<string, string>;
}

/** The policy of every pod group, generated from the flows of the wiring. */
export function networkPolicies(
  config: KubernetesConfig,
  wiring: Wiring,
  instance: string,
  jobs: JobPods,
): Record<string, PodGroupPolicy> {
  const pods = (service: string) => selectorLabels(service, instance);
  const flows = serviceFlows(config, wiring, KUBERNETES_SERVICES);
  const dns: PolicyRule = {
    peer: { namespace: config.clusterDns.namespace, pods: config.clusterDns.podLabels },
    ports: [
      { port: config.clusterDns.port, protocol: "UDP" },
      { port: config.clusterDns.port, protocol: "TCP" },
    ],
  };
  const controller = { namespace: config.edge.controller.namespace, pods: config.edge.controller.podLabels };
  const published: Partial<Record<ServiceName, number[]>> = {
    interface: [config.ports.interface.http!, config.ports.interface.websocket!],
    backend: [config.ports.backend.http!],
  };
  const metrics = metricsPorts(config, KUBERNETES_SERVICES);
  const backedUp: { service: ServiceName; port: number }[] = [
    { service: "postgres", port: config.ports.postgres.postgres! },
    { service: "timescale", port: config.ports.timescale.postgres! },
    { service: "qdrant", port: config.ports.qdrant.http! },
  ];
  const external = (service: ServiceName): PolicyRule[] =>
    (config.egress[service] ?? []).map((d) => ({
      peer: { cidr: d.cidr, ...(d.except && { except: d.except }) },
      ports: d.ports.map((port) => ({ port })),
    }));

  const groups: Record<string, PodGroupPolicy> = {};
  for (const service of KUBERNETES_SERVICES) {
    const inbound = flows.filter((f) => f.to === service);
    const outbound = flows.filter((f) => f.from === service);
    const ingress: PolicyRule[] = [
      ...inbound.map((f) => ({ peer: { pods: pods(f.from) }, ports: [{ port: f.port }] })),
      ...(published[service] ? [{ peer: controller, ports: published[service]!.map((port) => ({ port })) }] : []),
      ...metrics
        .filter((m) => m.service === service)
        .map((m) => ({
          peer: { namespace: config.monitoringSource.namespace, pods: config.monitoringSource.podLabels },
          ports: [{ port: m.port }],
        })),
      ...(service === "ollama" ? [{ peer: { pods: jobs.pull }, ports: [{ port: config.ports.ollama.http! }] }] : []),
      ...backedUp
        .filter((b) => b.service === service)
        .map((b) => ({ peer: { pods: jobs.backup }, ports: [{ port: b.port }] })),
    ];
    const egress: PolicyRule[] = [
      ...outbound.map((f) => ({ peer: { pods: pods(f.to) }, ports: [{ port: f.port }] })),
      dns,
      ...external(service),
    ];
    groups[service] = { pods: pods(service), ingress, egress };
  }
  groups["ollama-pull"] = {
    pods: jobs.pull,
    ingress: [],
    egress: [{ peer: { pods: pods("ollama") }, ports: [{ port: config.ports.ollama.http! }] }, dns],
  };
  groups.backup = {
    pods: jobs.backup,
    ingress: [],
    egress: [...backedUp.map((b) => ({ peer: { pods: pods(b.service) }, ports: [{ port: b.port }] })), dns],
  };
  if (config.edge.tls.http01) {
    // cert-manager's HTTP-01 solver pods answer the ACME challenge through the edge.
    groups["acme-solver"] = {
      pods: { "acme.cert-manager.io/http01-solver": "true" },
      ingress: [{ peer: controller, ports: [{ port: config.edge.tls.solverPort }] }],
      egress: [],
    };
  }
  return groups;
}
