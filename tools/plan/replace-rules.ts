// What a changed input does to an existing object, by the providers' own rules: replace it (a new
// object, the old one deleted), update it in place, or nothing at all (the provider accepts the
// new value but no existing object gets it). Each list is read from the provider's source:
// - Docker: terraform-provider-docker v4.5.0 (kreuzwerker/terraform-provider-docker, commit
//   5074970c, what @pulumi/docker 5.2.0 is built from), internal/provider/: an input replaces where
//   its schema says ForceNew; of the others, the update applies only what its Update function reads.
// - Kubernetes: pulumi/pulumi-kubernetes provider/pkg/provider/diff.go (forceNew, commit 94977969;
//   the mirror holds no v4.34.2 tag, and the file has not changed since v4.32.0's ancestor eaf47e88)
//   and provider.go's Diff (.metadata.name and .namespace replace every object; a Patch resource
//   only on those; a named object is deleted before its replacement is created).
// - Random: hashicorp/terraform-provider-random v3.7.2 (commit bc2ddb55; unchanged at v3.9.0),
//   internal/provider/resource_password.go (passwordSchemaV3) and resource_string.go
//   (stringSchemaV3): every argument, keepers included, has a RequiresReplace plan modifier.
// - Providers (pulumi:providers:<package>): what their DiffConfig says of a change of their own
//   inputs. A provider whose DiffConfig says replace replaces every resource it manages (pulumi/pulumi
//   pkg/resource/deploy/step_generator.go providerChanged: the new provider's DiffConfig reports a
//   replacement, so the resource's diff is a replacement for "provider"); one it updates replaces none.
// Pulumi's own options come first: ignoreChanges, then replaceOnChanges.

/** "unknown": no rule of its provider is known here. */
export type Effect = "replace" | "update" | "no effect" | "unknown";

/** A path into a resource's inputs: keys and array indexes; `*` in a rule matches any index. */
export type PropertyPath = readonly (string | number)[];

/** Parses a Pulumi property path (`spec.template`, `a[0].b`, `labels["app.kubernetes.io/name"]`, `a[*]`). */
export function parsePath(text: string): PropertyPath {
  const path: (string | number)[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[(\*)\]/g;
  for (const [, key, index, quoted, any] of text.matchAll(pattern))
    path.push(key ?? (index !== undefined ? Number(index) : (any ?? JSON.parse(`"${quoted}"`))));
  return path;
}

/** A path as Pulumi writes it. */
export function formatPath(path: PropertyPath): string {
  return path
    .map((part, i) =>
      typeof part === "number"
        ? `[${part}]`
        : /^[A-Za-z_$][\w$-]*$/.test(part)
          ? `${i === 0 ? "" : "."}${part}`
          : `[${JSON.stringify(part)}]`,
    )
    .join("");
}

/**
 * A rule covers a changed path when one is a prefix of the other: a change inside a replacing
 * field replaces, and so does a change of a whole object that holds one.
 */
export function covers(rule: PropertyPath, path: PropertyPath): boolean {
  const length = Math.min(rule.length, path.length);
  for (let i = 0; i < length; i++) if (rule[i] !== "*" && rule[i] !== path[i]) return false;
  return true;
}

const DOCKER_SOURCE = "terraform-provider-docker v4.5.0";

/** The Docker provider's rules of one resource type: ForceNew inputs replace, the others do `otherwise`. */
interface DockerRules {
  readonly source: string;
  /** Inputs (Pulumi names) whose change the provider's Update applies to the existing object. */
  readonly updated: readonly string[];
  /** Inputs that are not ForceNew and that no Update applies: the existing object never gets them. */
  readonly notApplied: readonly string[];
  /** Inputs that only change how the provider handles the object (waiting, stopping): no replacement. */
  readonly providerSettings: readonly string[];
}

export const DOCKER_RULES: Readonly<Record<string, DockerRules>> = {
  "docker:index/container:Container": {
    // resource_docker_container.go (schema) and resource_docker_container_funcs.go.
    source: `${DOCKER_SOURCE} resource_docker_container.go`,
    // resourceDockerContainerUpdate: ContainerUpdate with these attributes (and starts the container
    // when must_run turns true).
    updated: [
      "restart",
      "maxRetryCount",
      "cpuShares",
      "memory",
      "memoryReservation",
      "cpuSet",
      "memorySwap",
      "deviceReadBps",
      "deviceReadIops",
      "deviceWriteBps",
      "deviceWriteIops",
      "mustRun",
    ],
    // Not ForceNew, and not among the attributes the update reads.
    notApplied: ["tmpfs", "healthcheck", "init", "cpuPeriod", "cpuQuota"],
    providerSettings: [
      "rm",
      "start",
      "wait",
      "waitTimeout",
      "attach",
      "logs",
      "removeVolumes",
      "destroyGraceSeconds",
      "containerReadRefreshTimeoutMilliseconds",
    ],
  },
  "docker:index/volume:Volume": {
    // Every input ForceNew but cluster; resourceDockerVolumeUpdate applies cluster.availability.
    source: `${DOCKER_SOURCE} resource_docker_volume.go`,
    updated: ["cluster"],
    notApplied: [],
    providerSettings: [],
  },
  "docker:index/network:Network": {
    // Every input ForceNew; the resource has no Update.
    source: `${DOCKER_SOURCE} resource_docker_network.go`,
    updated: [],
    notApplied: [],
    providerSettings: [],
  },
  "docker:index/remoteImage:RemoteImage": {
    // name, pull_triggers, triggers, platform and build's fields ForceNew except tag, remove, secrets,
    // label, ulimit, auth_config, additional_contexts; resourceDockerImageUpdate only reads the image again.
    // resource_docker_image.go (schema, buildSchema) and resource_docker_image_funcs.go.
    source: `${DOCKER_SOURCE} resource_docker_image.go`,
    updated: [],
    notApplied: [
      "build.tags",
      "build.remove",
      "build.secrets",
      "build.label",
      "build.ulimits",
      "build.authConfigs",
      "build.additionalContexts",
    ],
    providerSettings: ["keepLocally", "forceRemove"],
  },
};

const KUBERNETES_SOURCE = "pulumi-kubernetes diff.go";

function labelSelector(prefix: string): string[] {
  return [
    prefix,
    `${prefix}.matchExpressions`,
    `${prefix}.matchExpressions.key`,
    `${prefix}.matchExpressions.operator`,
    `${prefix}.matchExpressions.values`,
    `${prefix}.matchLabels`,
  ];
}
const workloadSelector = labelSelector("spec.selector");
const statefulSet = [
  "spec.podManagementPolicy",
  "spec.revisionHistoryLimit",
  "spec.serviceName",
  "spec.volumeClaimTemplates",
  ...workloadSelector,
];
const job = ["spec.completions", "spec.parallelism", "spec.template", ...workloadSelector];
const roleBinding = ["roleRef"];
/** diff.go containerForceNewProperties, for a Pod's containers and init containers. */
const podContainers = ["containers", "initContainers"].flatMap((list) =>
  [
    "args",
    "command",
    "env",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "ports",
    "readinessProbe",
    "resources",
    "securityContext",
    "stdin",
    "stdinOnce",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tty",
    "volumeDevices",
    "volumeMounts",
    "workingDir",
  ].map((field) => `spec.${list}[*].${field}`),
);
const pod = [
  ...[
    "affinity",
    "automountServiceAccountToken",
    "dnsConfig",
    "dnsPolicy",
    "enableServiceLinks",
    "hostAliases",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostname",
    "imagePullSecrets",
    "nodeName",
    "nodeSelector",
    "overhead",
    "preemptionPolicy",
    "priority",
    "priorityClassName",
    "readinessGates",
    "restartPolicy",
    "runtimeClassName",
    "schedulerName",
    "securityContext",
    "serviceAccount",
    "serviceAccountName",
    "shareProcessNamespace",
    "subdomain",
    "terminationGracePeriodSeconds",
    "volumes",
  ].map((field) => `spec.${field}`),
  ...podContainers,
];
const persistentVolume = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "csi",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "glusterfs",
  "hostPath",
  "iscsi",
  "local",
  "nfs",
  "photonPersistentDisk",
  "portworxVolume",
  "quobyte",
  "rbd",
  "scaleIO",
  "storageos",
  "vsphereVolume",
].map((field) => `spec.${field}`);

/** diff.go's forceNew, by `<group>/<version>:<kind>` as the type token writes it (core is "core"). */
export const KUBERNETES_REPLACE_ON: Readonly<Record<string, readonly string[]>> = {
  "apps/v1beta1:StatefulSet": statefulSet,
  "apps/v1beta2:StatefulSet": statefulSet,
  "apps/v1:StatefulSet": statefulSet,
  "apps/v1beta2:DaemonSet": workloadSelector,
  "apps/v1:DaemonSet": workloadSelector,
  "apps/v1beta2:Deployment": workloadSelector,
  "apps/v1:Deployment": workloadSelector,
  "core/v1:PersistentVolume": persistentVolume,
  "core/v1:PersistentVolumeClaim": [
    "spec.accessModes",
    "spec.storageClassName",
    "spec.volumeName",
    ...labelSelector("spec.selector"),
  ],
  "core/v1:Pod": pod,
  "core/v1:ResourceQuota": ["spec.scopes"],
  "core/v1:Service": ["spec.clusterIP"],
  // A Secret replaces on these unless the provider's enableSecretMutable is on (the program leaves it off).
  "core/v1:Secret": ["type", "stringData", "data"],
  // A ConfigMap replaces on these unless enableConfigMapMutable is on (the program leaves it off).
  "core/v1:ConfigMap": ["binaryData", "data"],
  "policy/v1beta1:PodDisruptionBudget": ["spec"],
  "rbac.authorization.k8s.io/v1alpha1:ClusterRoleBinding": roleBinding,
  "rbac.authorization.k8s.io/v1alpha1:RoleBinding": roleBinding,
  "rbac.authorization.k8s.io/v1beta1:ClusterRoleBinding": roleBinding,
  "rbac.authorization.k8s.io/v1beta1:RoleBinding": roleBinding,
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding": roleBinding,
  "rbac.authorization.k8s.io/v1:RoleBinding": roleBinding,
  "storage.k8s.io/v1:StorageClass": ["parameters", "provisioner"],
  "batch/v1beta1:Job": job,
  "batch/v1:Job": job,
  "batch/v2alpha1:Job": job,
};

/**
 * Types of which every input replaces the resource. terraform-provider-random's keepers use
 * RequiresReplaceIfValuesNotNull (a key whose value stays null does not count) and override_special
 * RequiresReplaceUnlessEmptyStringToNull ("" to null does not count); the program sets neither so.
 */
export const REPLACED_ON_EVERY_INPUT: Readonly<Record<string, string>> = {
  "random:index/randomPassword:RandomPassword": "terraform-provider-random v3.7.2 resource_password.go",
  "random:index/randomString:RandomString": "terraform-provider-random v3.7.2 resource_string.go",
};

const KUBERNETES_PROVIDER_SOURCE = "pulumi-kubernetes provider.go DiffConfig, commit 94977969";
const DOCKER_PROVIDER_SOURCE =
  "pulumi-docker provider/resources.go, commit 237b7899, and pulumi-terraform-bridge v3.137.0 configDiffer";

/**
 * The provider inputs that say where its objects are: a change points it at another cluster or
 * Docker engine. `replaces`: whether its DiffConfig then replaces it (and so everything it manages).
 */
export const PROVIDER_TARGETS: Readonly<Record<string, { readonly inputs: readonly string[]; replaces: boolean }>> = {
  // DiffConfig replaces when the active cluster of the kubeconfig (its server and credentials, after
  // the context and cluster overrides) changes: a change of kubeconfig, context or cluster that names
  // another cluster. With clusterIdentifier set and unchanged, nothing replaces.
  "pulumi:providers:kubernetes": { inputs: ["kubeconfig", "context", "cluster"], replaces: true },
  // The bridge replaces a provider only on config marked ForcesProviderReplace, and pulumi-docker marks
  // none (its Config has host and registry_auth with a default only): a new host updates the provider.
  "pulumi:providers:docker": { inputs: ["host"], replaces: false },
};

/** pulumi-kubernetes DiffConfig, per provider input; `previous` are the inputs before, if known. */
function kubernetesProviderEffect(path: PropertyPath, inputs?: Inputs, previous?: Inputs): PathEffect {
  const [key] = path;
  const replace = (why: string): PathEffect => ({
    effect: "replace",
    reason: `${why} (${KUBERNETES_PROVIDER_SOURCE})`,
  });
  const update = (why: string): PathEffect => ({ effect: "update", reason: `${why} (${KUBERNETES_PROVIDER_SOURCE})` });
  if (key === "renderYamlToDirectory") return replace("another render directory renders every manifest anew");
  if (key === "clusterIdentifier")
    return previous?.clusterIdentifier !== undefined && inputs?.clusterIdentifier !== undefined
      ? replace("another clusterIdentifier is another cluster")
      : update("setting or removing clusterIdentifier replaces nothing");
  if (typeof key !== "string" || !PROVIDER_TARGETS["pulumi:providers:kubernetes"]!.inputs.includes(key))
    return update("the provider is configured anew; only the active cluster replaces it");
  const identifier = inputs?.clusterIdentifier;
  if (identifier !== undefined && previous !== undefined && previous.clusterIdentifier === identifier)
    return update(`clusterIdentifier ${JSON.stringify(identifier)} is unchanged: the same cluster`);
  return replace(`${key} names the active cluster: another cluster replaces the provider`);
}

const dockerProviderEffect = (): PathEffect => ({
  effect: "update",
  reason: `no provider input is ForcesProviderReplace: the provider is configured anew (${DOCKER_PROVIDER_SOURCE})`,
});

/** provider.go Diff: the identity of an object replaces it, whatever its kind. */
const KUBERNETES_IDENTITY = ["metadata.name", "metadata.namespace"];

type Inputs = Readonly<Record<string, unknown>>;

/** What resources.json records of a resource that decides what a change does. */
export interface ResourceOptions {
  readonly type: string;
  readonly ignoreChanges: readonly string[];
  readonly replaceOnChanges: readonly string[];
  /** Its inputs, where a rule reads another input than the changed one (a provider's clusterIdentifier). */
  readonly inputs?: Inputs;
}

export interface PathEffect {
  readonly effect: Effect;
  /** Why, with the rule's source in short. */
  readonly reason: string;
  /** The change is dropped by ignoreChanges: the provider never sees it. */
  readonly ignored?: boolean;
}

/** Rules parsed once: the plan's engine asks for every leaf of every object it answers. */
const parsedRules = new Map<string, PropertyPath>();
const parsedRule = (rule: string) => {
  let path = parsedRules.get(rule);
  if (!path) parsedRules.set(rule, (path = parsePath(rule)));
  return path;
};
const matching = (rules: readonly string[], path: PropertyPath) => rules.find((rule) => covers(parsedRule(rule), path));

function dockerEffect(rules: DockerRules, path: PropertyPath): PathEffect {
  const ruleOf = (list: readonly string[]) => matching(list, path);
  if (ruleOf(rules.updated)) return { effect: "update", reason: `updated in place (${rules.source})` };
  if (ruleOf(rules.providerSettings))
    return { effect: "update", reason: `a setting of the provider, not of the object (${rules.source})` };
  if (ruleOf(rules.notApplied))
    return { effect: "no effect", reason: `not ForceNew and not applied by the provider's update (${rules.source})` };
  return { effect: "replace", reason: `ForceNew (${rules.source})` };
}

function kubernetesEffect(type: string, path: PropertyPath): PathEffect {
  const [, groupVersion = "", kind = ""] = type.split(":");
  const identity = matching(KUBERNETES_IDENTITY, path);
  if (identity) return { effect: "replace", reason: `${identity} names the object (pulumi-kubernetes provider.go)` };
  // A Patch resource updates in place whatever else changes (provider.go Diff: kinds.IsPatchResource).
  if (kind.endsWith("Patch")) return { effect: "update", reason: "a patch resource (pulumi-kubernetes provider.go)" };
  const rule = matching(KUBERNETES_REPLACE_ON[`${groupVersion}:${kind}`] ?? [], path);
  return rule
    ? { effect: "replace", reason: `${rule} (${KUBERNETES_SOURCE})` }
    : { effect: "update", reason: `updated in place (no replacing field in ${KUBERNETES_SOURCE})` };
}

/** What a change at `path` of a resource's inputs does to the existing object; `previous`: its inputs before. */
export function effectOf(resource: ResourceOptions, path: PropertyPath, previous?: Inputs): PathEffect {
  const ignored = matching(resource.ignoreChanges, path);
  if (ignored) return { effect: "no effect", reason: `ignoreChanges: ${ignored}`, ignored: true };
  const replaceOn = matching(resource.replaceOnChanges, path);
  if (replaceOn) return { effect: "replace", reason: `replaceOnChanges: ${replaceOn}` };
  const docker = DOCKER_RULES[resource.type];
  if (docker) return dockerEffect(docker, path);
  if (resource.type.startsWith("kubernetes:")) return kubernetesEffect(resource.type, path);
  if (resource.type === "pulumi:providers:kubernetes") return kubernetesProviderEffect(path, resource.inputs, previous);
  if (resource.type === "pulumi:providers:docker") return dockerProviderEffect();
  const everyInput = REPLACED_ON_EVERY_INPUT[resource.type];
  if (everyInput) return { effect: "replace", reason: `every input RequiresReplace (${everyInput})` };
  // Other providers' rules are not read here: say so rather than guess.
  return { effect: "unknown", reason: `no replace rule known for ${resource.type}` };
}
