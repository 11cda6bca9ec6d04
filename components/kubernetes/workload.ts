// One service on Kubernetes: its ServiceAccount, its settings in an auto-named ConfigMap and its
// secrets in an auto-named Secret (a change of either gets a new name, which rolls the pods), its
// Deployment (stateless) or StatefulSet (with a volume claim), its Service, and a
// PodDisruptionBudget and HorizontalPodAutoscaler where they apply.
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { StatefulSet } from "@pulumi/kubernetes/apps/v1/statefulSet";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";

/** Where secret files are mounted for images that read `*_FILE` variables. */
export const SECRET_FILES_DIR = "/run/secrets/jarvis";

export interface WorkloadArgs {
  readonly namespace: pulumi.Input<string>;
  /** Stable name of the Service (DNS) and of a StatefulSet. */
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly image: string;
  readonly imagePullSecret?: pulumi.Input<string>;
  readonly command?: string[];
  readonly ports: { name: string; containerPort: number }[];
  readonly env: {
    readonly plain: Readonly<Record<string, string>>;
    readonly secret: Readonly<Record<string, pulumi.Input<string>>>;
    /** Secret variables the image reads from a file: variable -> its file variable. */
    readonly files: Readonly<Record<string, string>>;
  };
  readonly probes: Record<string, unknown>;
  readonly resources: Record<string, unknown>;
  readonly podSecurityContext: Record<string, unknown>;
  readonly securityContext: Record<string, unknown>;
  readonly scratch: { name: string; mountPath: string }[];
  /**
   * Files the image reads (e.g. database init scripts), from a ConfigMap, each mounted read-only
   * into the directory without hiding what the image already has there.
   */
  readonly files?: { readonly directory: string; readonly contents: Readonly<Record<string, string>> };
  readonly graceSeconds: number;
  readonly scheduling?: {
    nodeSelector?: Record<string, string>;
    tolerations?: Record<string, unknown>[];
    runtimeClassName?: string;
  };
  /** Stateless: a Deployment with these replicas (absent under an autoscaler). */
  readonly deployment?: {
    readonly replicas?: number;
    readonly maxSurge: number;
    readonly progressDeadlineSeconds: number;
    readonly autoscaling?: {
      readonly minReplicas: number;
      readonly maxReplicas: number;
      readonly cpuUtilization: number;
      readonly memoryUtilization: number;
      readonly scaleUpStabilizationSeconds: number;
      readonly scaleDownStabilizationSeconds: number;
      readonly scaleDownPodsPerMinute: number;
    };
  };
  /** Stateful: a StatefulSet with a volume claim. */
  readonly statefulSet?: {
    readonly storageClassName: string;
    readonly size: string;
    readonly mountPath: string;
    readonly subPath: string;
    /** How long Pulumi waits for it to become ready (Ollama loads models). */
    readonly awaitMinutes?: number;
  };
  readonly disruptionMaxUnavailable: number;
}

export class Workload extends pulumi.ComponentResource {
  readonly workload: Deployment | StatefulSet;
  readonly service: Service;

  constructor(name: string, args: WorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    // Secrets are in args.env: nothing goes to super().
    super("jarvis:kubernetes:Workload", name, {}, opts);
    // Protection is for the data, and only the StatefulSet holds it: the auto-named settings and
    // secrets are replaced on every change, which a protected resource would refuse.
    const child = { parent: this, protect: false };
    const metadata = { namespace: args.namespace, labels: args.labels };
    const account = new ServiceAccount(
      name,
      { metadata: { ...metadata, name: args.name }, automountServiceAccountToken: false },
      child,
    );
    const settings =
      Object.keys(args.env.plain).length > 0
        ? new ConfigMap(`${name}-settings`, { metadata, data: args.env.plain }, child)
        : undefined;
    const secretNames = Object.keys(args.env.secret).sort();
    const secret =
      secretNames.length > 0
        ? new Secret(
            `${name}-secrets`,
            {
              metadata,
              type: "Opaque",
              data: Object.fromEntries(
                secretNames.map((key) => [
                  key,
                  pulumi.output(args.env.secret[key]!).apply((v) => Buffer.from(v).toString("base64")),
                ]),
              ),
            },
            child,
          )
        : undefined;

    // Auto-named: a change of content rolls the pods.
    const files = args.files && new ConfigMap(`${name}-files`, { metadata, data: args.files.contents }, child);
    const fileSecrets = secretNames.filter((key) => key in args.env.files);
    const envSecrets = secretNames.filter((key) => !(key in args.env.files));
    const volumes = [
      ...args.scratch.map((s) => ({ name: s.name, emptyDir: {} })),
      ...(files ? [{ name: "files", configMap: { name: files.metadata.name } }] : []),
      ...(secret && fileSecrets.length > 0
        ? [
            {
              name: "secret-files",
              secret: {
                secretName: secret.metadata.name,
                items: fileSecrets.map((key) => ({ key, path: key })),
                defaultMode: 0o400,
              },
            },
          ]
        : []),
    ];
    const container = {
      name: name,
      image: args.image,
      imagePullPolicy: "IfNotPresent",
      ...(args.command && { command: args.command }),
      ports: args.ports.map((p) => ({ ...p, protocol: "TCP" })),
      ...(settings && { envFrom: [{ configMapRef: { name: settings.metadata.name } }] }),
      env: [
        ...envSecrets.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret!.metadata.name, key } } })),
        ...fileSecrets.map((key) => ({ name: args.env.files[key]!, value: `${SECRET_FILES_DIR}/${key}` })),
      ],
      ...args.probes,
      resources: args.resources,
      securityContext: args.securityContext,
      volumeMounts: [
        ...args.scratch.map((s) => ({ name: s.name, mountPath: s.mountPath })),
        ...Object.keys(args.files?.contents ?? {}).map((file) => ({
          name: "files",
          mountPath: posix.join(args.files!.directory, file),
          subPath: file,
          readOnly: true,
        })),
        ...(fileSecrets.length > 0 ? [{ name: "secret-files", mountPath: SECRET_FILES_DIR, readOnly: true }] : []),
        ...(args.statefulSet
          ? [{ name: "data", mountPath: args.statefulSet.mountPath, subPath: args.statefulSet.subPath }]
          : []),
      ],
    };
    const template = {
      metadata: { labels: { ...args.labels, ...args.selector } },
      spec: {
        serviceAccountName: account.metadata.name,
        automountServiceAccountToken: false,
        securityContext: args.podSecurityContext,
        terminationGracePeriodSeconds: args.graceSeconds,
        ...(args.imagePullSecret && { imagePullSecrets: [{ name: args.imagePullSecret }] }),
        // Spread the replicas of a service over nodes.
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: args.selector },
          },
        ],
        ...args.scheduling,
        containers: [container],
        volumes,
      },
    };

    const servicePorts = args.ports.map((p) => ({
      name: p.name,
      port: p.containerPort,
      targetPort: p.name,
      protocol: "TCP",
    }));
    if (args.statefulSet) {
      // A StatefulSet keeps a fixed name: an auto-named one that got replaced would start on empty volumes.
      const { storageClassName, size } = args.statefulSet;
      this.service = new Service(
        name,
        {
          metadata: { ...metadata, name: args.name },
          spec: { clusterIP: "None", selector: args.selector, ports: servicePorts },
        },
        child,
      );
      this.workload = new StatefulSet(
        name,
        {
          metadata: { ...metadata, name: args.name },
          spec: {
            serviceName: this.service.metadata.name,
            replicas: 1,
            selector: { matchLabels: args.selector },
            template,
            updateStrategy: { type: "RollingUpdate" },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            volumeClaimTemplates: [
              {
                metadata: { name: "data", labels: args.labels },
                spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: size } } },
              },
            ],
          },
        },
        {
          parent: this,
          protect: opts?.protect,
          // The SDK does not pass retainOnDelete on to children: the StatefulSet gets it explicitly.
          ...(opts?.retainOnDelete !== undefined && { retainOnDelete: opts.retainOnDelete }),
          ...(args.statefulSet.awaitMinutes && {
            customTimeouts: {
              create: `${args.statefulSet.awaitMinutes}m`,
              update: `${args.statefulSet.awaitMinutes}m`,
            },
          }),
        },
      );
    } else {
      const deployment = args.deployment!;
      this.service = new Service(
        name,
        {
          metadata: { ...metadata, name: args.name },
          spec: { type: "ClusterIP", selector: args.selector, ports: servicePorts },
        },
        child,
      );
      // Auto-named: a replacement creates the new Deployment before deleting the old one.
      const created = new Deployment(
        name,
        {
          metadata,
          spec: {
            ...(deployment.replicas !== undefined && { replicas: deployment.replicas }),
            selector: { matchLabels: args.selector },
            progressDeadlineSeconds: deployment.progressDeadlineSeconds,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: deployment.maxSurge } },
            template,
          },
        },
        child,
      );
      this.workload = created;
      const autoscaling = deployment.autoscaling;
      if (autoscaling) {
        new HorizontalPodAutoscaler(
          name,
          {
            metadata,
            spec: {
              scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: created.metadata.name },
              minReplicas: autoscaling.minReplicas,
              maxReplicas: autoscaling.maxReplicas,
              metrics: [
                {
                  type: "Resource",
                  resource: {
                    name: "cpu",
                    target: { type: "Utilization", averageUtilization: autoscaling.cpuUtilization },
                  },
                },
                {
                  type: "Resource",
                  resource: {
                    name: "memory",
                    target: { type: "Utilization", averageUtilization: autoscaling.memoryUtilization },
                  },
                },
              ],
              behavior: {
                scaleUp: { stabilizationWindowSeconds: autoscaling.scaleUpStabilizationSeconds },
                scaleDown: {
                  stabilizationWindowSeconds: autoscaling.scaleDownStabilizationSeconds,
                  policies: [{ type: "Pods", value: autoscaling.scaleDownPodsPerMinute, periodSeconds: 60 }],
                },
              },
            },
          },
          child,
        );
      }
      if (autoscaling || (deployment.replicas ?? 1) > 1) {
        new PodDisruptionBudget(
          name,
          {
            metadata,
            spec: { maxUnavailable: args.disruptionMaxUnavailable, selector: { matchLabels: args.selector } },
          },
          child,
        );
      }
    }
    this.registerOutputs({});
  }
}
