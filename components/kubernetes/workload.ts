// One service on Kubernetes: its ServiceAccount, its settings and secrets (WorkloadSettings), its
// pods (podTemplate) run by a Deployment (stateless, with an autoscaler where it has one) or a
// StatefulSet (with a volume claim), its Service, and a PodDisruptionBudget where more than one pod
// serves.
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "@pulumi/kubernetes/apps/v1/deployment";
import { StatefulSet } from "@pulumi/kubernetes/apps/v1/statefulSet";
import { PersistentVolumeClaimPatch } from "@pulumi/kubernetes/core/v1/persistentVolumeClaimPatch";
import { Service } from "@pulumi/kubernetes/core/v1/service";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1/serviceAccount";
import { Role } from "@pulumi/kubernetes/rbac/v1/role";
import { RoleBinding } from "@pulumi/kubernetes/rbac/v1/roleBinding";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1/podDisruptionBudget";
import { Autoscaling, type AutoscalingPolicy } from "./autoscaling";
import { DATA_VOLUME, podTemplate, type ContainerSpec, type PodSpec } from "./pod-template";
import type { ApiRule } from "../../infra/catalogue";
import type { FileSet } from "../../infra/files";
import { WorkloadSettings } from "./workload-settings";

/** Stateless: a Deployment, with fixed replicas or under an autoscaler. */
export interface DeploymentController {
  readonly kind: "deployment";
  readonly scale: { readonly replicas: number } | { readonly autoscaling: AutoscalingPolicy };
  /** How new pods replace the old: rolling, never below the replicas; or the old one first, for a singleton. */
  readonly rollout: { readonly maxSurge: number } | "recreate";
  readonly progressDeadlineSeconds: number;
}

/** Stateful: a StatefulSet with a volume claim of its own. */
export interface StatefulSetController {
  readonly kind: "statefulSet";
  readonly storageClassName: string;
  readonly size: string;
  readonly mountPath: string;
  readonly subPath: string;
  /** How long Pulumi waits for it to become ready (Ollama loads models). */
  readonly awaitMinutes?: number;
}

export interface WorkloadArgs {
  readonly namespace: pulumi.Input<string>;
  /** Stable name of the Service (DNS) and of a StatefulSet. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly container: Omit<ContainerSpec, "name" | "data">;
  readonly pod: Omit<PodSpec, "labels" | "selector" | "serviceAccountName" | "apiToken">;
  readonly env: {
    readonly plain: Readonly<Record<string, string>>;
    readonly secret: Readonly<Record<string, pulumi.Input<string>>>;
    /** Secret variables the image reads from a file: variable -> its file variable. */
    readonly asFile: Readonly<Record<string, string>>;
  };
  readonly files?: FileSet<string>;
  readonly secretFiles?: FileSet<pulumi.Input<string>>;
  readonly controller: DeploymentController | StatefulSetController;
  readonly disruptionMaxUnavailable: number;
  /** Containers beside the main one (exporters), with their own plain and secret variables. */
  readonly sidecars?: readonly Sidecar[];
  /** What it reads of the API in its namespace: a Role bound to its ServiceAccount, whose token its pods then mount. */
  readonly apiAccess?: readonly ApiRule[];
}

export interface Sidecar {
  readonly container: Omit<ContainerSpec, "data">;
  readonly env: {
    readonly plain: Readonly<Record<string, string>>;
    readonly secret: Readonly<Record<string, pulumi.Input<string>>>;
  };
}

/** A sidecar's secret variable in the workload's Secret, apart from the main container's. */
const sidecarKey = (sidecar: string, variable: string) => `${sidecar}.${variable}`;

export class Workload extends pulumi.ComponentResource {
  readonly workload: Deployment | StatefulSet;
  readonly service: Service;
  /** The Service's name: what other pods resolve. */
  readonly serviceName: pulumi.Output<string>;

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
    if (args.apiAccess) {
      // Auto-named: a replaced Role changes roleRef, which replaces the binding (a forceNew field), new one first.
      const role = new Role(
        name,
        {
          metadata,
          rules: args.apiAccess.map((rule) => ({
            apiGroups: [...rule.apiGroups],
            resources: [...rule.resources],
            verbs: [...rule.verbs],
          })),
        },
        child,
      );
      new RoleBinding(
        name,
        {
          metadata,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        },
        child,
      );
    }
    const sidecars = args.sidecars ?? [];
    const sidecarSecrets = Object.fromEntries(
      sidecars.flatMap((c) =>
        Object.entries(c.env.secret).map(([variable, value]) => [sidecarKey(c.container.name, variable), value]),
      ),
    );
    const settings = new WorkloadSettings(
      name,
      {
        ...metadata,
        plain: args.env.plain,
        secret: { ...args.env.secret, ...sidecarSecrets },
        ...(args.files && { files: args.files }),
        ...(args.secretFiles && { secretFiles: args.secretFiles }),
      },
      child,
    );
    const { controller } = args;
    const template = podTemplate(
      {
        ...args.container,
        name,
        ...(controller.kind === "statefulSet" && {
          data: { mountPath: controller.mountPath, subPath: controller.subPath },
        }),
      },
      {
        ...args.pod,
        labels: args.labels,
        selector: args.selector,
        serviceAccountName: account.metadata.name,
        apiToken: args.apiAccess !== undefined,
      },
      {
        ...settings,
        secretKeys: Object.keys(args.env.secret).sort(),
        secretAsFile: args.env.asFile,
        ...(args.files && { files: args.files }),
        ...(args.secretFiles && { secretFiles: args.secretFiles }),
      },
      sidecars.map((c) => ({
        ...c.container,
        plain: c.env.plain,
        secretKeys: Object.fromEntries(
          Object.keys(c.env.secret).map((variable) => [variable, sidecarKey(c.container.name, variable)]),
        ),
      })),
    );
    const servicePorts = args.container.ports.map((p) => ({
      name: p.name,
      port: p.containerPort,
      targetPort: p.name,
      protocol: "TCP",
    }));
    // The selector labels too: a ServiceMonitor selects the Service by them.
    const serviceMetadata = { ...metadata, labels: { ...args.labels, ...args.selector }, name: args.name };
    if (controller.kind === "statefulSet") {
      // A StatefulSet keeps a fixed name: an auto-named one that got replaced would start on empty volumes.
      this.service = new Service(
        name,
        { metadata: serviceMetadata, spec: { clusterIP: "None", selector: args.selector, ports: servicePorts } },
        child,
      );
      this.workload = new StatefulSet(
        name,
        {
          metadata: serviceMetadata,
          spec: {
            serviceName: this.service.metadata.name,
            replicas: 1,
            selector: { matchLabels: args.selector },
            template,
            updateStrategy: { type: "RollingUpdate" },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            volumeClaimTemplates: [
              {
                metadata: { name: DATA_VOLUME, labels: args.labels },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  storageClassName: controller.storageClassName,
                  resources: { requests: { storage: controller.size } },
                },
              },
            ],
          },
        },
        {
          parent: this,
          protect: opts?.protect,
          // pulumi-kubernetes replaces a StatefulSet whose volumeClaimTemplates change (its forceNew
          // properties, provider/pkg/provider/diff.go `statefulSet`): the template applies to new
          // claims only, so it is left as created and the claims are resized in place below.
          ignoreChanges: ["spec.volumeClaimTemplates"],
          // The SDK does not pass retainOnDelete on to children: the StatefulSet gets it explicitly.
          ...(opts?.retainOnDelete !== undefined && { retainOnDelete: opts.retainOnDelete }),
          ...(controller.awaitMinutes && {
            customTimeouts: { create: `${controller.awaitMinutes}m`, update: `${controller.awaitMinutes}m` },
          }),
        },
      );
      // The StatefulSet controller creates claim `data-<statefulset>-<ordinal>` for its one replica;
      // the patch resizes it once the StatefulSet is ready (on the first deploy the claim does not
      // exist before). The controller owns the claim's fields, hence the forced server-side apply.
      new PersistentVolumeClaimPatch(
        `${name}-data`,
        {
          metadata: {
            namespace: args.namespace,
            name: `${DATA_VOLUME}-${args.name}-0`,
            annotations: { "pulumi.com/patchForce": "true" },
          },
          spec: { resources: { requests: { storage: controller.size } } },
        },
        { parent: this, protect: false, dependsOn: [this.workload] },
      );
    } else {
      this.service = new Service(
        name,
        { metadata: serviceMetadata, spec: { type: "ClusterIP", selector: args.selector, ports: servicePorts } },
        child,
      );
      const { scale } = controller;
      // Auto-named: a replacement creates the new Deployment before deleting the old one.
      const deployment = new Deployment(
        name,
        {
          metadata,
          spec: {
            // Under an autoscaler the Deployment leaves its replicas to it.
            ...("replicas" in scale && { replicas: scale.replicas }),
            selector: { matchLabels: args.selector },
            progressDeadlineSeconds: controller.progressDeadlineSeconds,
            strategy:
              controller.rollout === "recreate"
                ? { type: "Recreate" }
                : {
                    type: "RollingUpdate",
                    rollingUpdate: { maxUnavailable: 0, maxSurge: controller.rollout.maxSurge },
                  },
            template,
          },
        },
        child,
      );
      this.workload = deployment;
      if ("autoscaling" in scale)
        new Autoscaling(
          name,
          { ...metadata, deploymentName: deployment.metadata.name, policy: scale.autoscaling },
          child,
        );
      if ("autoscaling" in scale || scale.replicas > 1)
        new PodDisruptionBudget(
          name,
          {
            metadata,
            spec: { maxUnavailable: args.disruptionMaxUnavailable, selector: { matchLabels: args.selector } },
          },
          child,
        );
    }
    this.serviceName = this.service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
