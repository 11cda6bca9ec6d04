// Each replace rule, one row per rule: what a change at a path does to the existing object.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./cli";
import { DOCKER_RULES, effectOf, formatPath, parsePath, type Effect } from "./replace-rules";

const plain = (type: string) => ({ type, ignoreChanges: [], replaceOnChanges: [] });
const CONTAINER = "docker:index/container:Container";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

/** Each rule's expected effect, written out from the providers' sources. */
const ROWS: [type: string, path: string, effect: Effect][] = [
  // Docker container: ForceNew inputs replace.
  [CONTAINER, "image", "replace"],
  [CONTAINER, "name", "replace"],
  [CONTAINER, "envs[3]", "replace"],
  [CONTAINER, "cpus", "replace"],
  [CONTAINER, "ports[0].external", "replace"],
  [CONTAINER, "mounts[0].source", "replace"],
  [CONTAINER, "labels[2].value", "replace"],
  [CONTAINER, "networksAdvanced[0].ipv4Address", "replace"],
  [CONTAINER, "deviceCgroupRules", "replace"],
  [CONTAINER, "command", "replace"],
  [CONTAINER, "user", "replace"],
  [CONTAINER, "stopTimeout", "replace"],
  [CONTAINER, "logOpts.max-size", "replace"],
  [CONTAINER, "uploads[0].content", "replace"],
  // terraform-provider-docker v4.5.0 resource_docker_container_funcs.go resourceDockerContainerUpdate:
  // the attributes it hands ContainerUpdate, and must_run (it starts the container).
  [CONTAINER, "restart", "update"],
  [CONTAINER, "maxRetryCount", "update"],
  [CONTAINER, "cpuShares", "update"],
  [CONTAINER, "memory", "update"],
  [CONTAINER, "memoryReservation", "update"],
  [CONTAINER, "cpuSet", "update"],
  [CONTAINER, "memorySwap", "update"],
  [CONTAINER, "deviceReadBps[0].rate", "update"],
  [CONTAINER, "deviceReadIops", "update"],
  [CONTAINER, "deviceWriteBps", "update"],
  [CONTAINER, "deviceWriteIops", "update"],
  [CONTAINER, "mustRun", "update"],
  // Not ForceNew in resource_docker_container.go, and settings of the provider's own handling.
  [CONTAINER, "rm", "update"],
  [CONTAINER, "start", "update"],
  [CONTAINER, "wait", "update"],
  [CONTAINER, "waitTimeout", "update"],
  [CONTAINER, "attach", "update"],
  [CONTAINER, "logs", "update"],
  [CONTAINER, "removeVolumes", "update"],
  [CONTAINER, "destroyGraceSeconds", "update"],
  [CONTAINER, "containerReadRefreshTimeoutMilliseconds", "update"],
  // Not ForceNew, and not among the attributes the update reads: no existing container gets them.
  [CONTAINER, "tmpfs", "no effect"],
  [CONTAINER, "healthcheck.retries", "no effect"],
  [CONTAINER, "init", "no effect"],
  [CONTAINER, "cpuPeriod", "no effect"],
  [CONTAINER, "cpuQuota", "no effect"],
  ["docker:index/volume:Volume", "name", "replace"],
  ["docker:index/volume:Volume", "labels[0].value", "replace"],
  ["docker:index/volume:Volume", "driverOpts.type", "replace"],
  ["docker:index/volume:Volume", "cluster.availability", "update"],
  ["docker:index/network:Network", "ipamConfigs[0].subnet", "replace"],
  ["docker:index/network:Network", "name", "replace"],
  ["docker:index/remoteImage:RemoteImage", "name", "replace"],
  ["docker:index/remoteImage:RemoteImage", "build.context", "replace"],
  ["docker:index/remoteImage:RemoteImage", "build.tags[0]", "no effect"],
  ["docker:index/remoteImage:RemoteImage", "keepLocally", "update"],
  // pulumi-kubernetes diff.go and provider.go.
  ["kubernetes:apps/v1:StatefulSet", "spec.volumeClaimTemplates[0].spec.storageClassName", "replace"],
  ["kubernetes:apps/v1:StatefulSet", "spec.serviceName", "replace"],
  ["kubernetes:apps/v1:StatefulSet", "spec.podManagementPolicy", "replace"],
  ["kubernetes:apps/v1:StatefulSet", "spec.revisionHistoryLimit", "replace"],
  ["kubernetes:apps/v1:StatefulSet", 'spec.selector.matchLabels["app.kubernetes.io/name"]', "replace"],
  ["kubernetes:apps/v1:StatefulSet", "spec.template.spec.containers[0].image", "update"],
  ["kubernetes:apps/v1:StatefulSet", "spec.replicas", "update"],
  ["kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app", "replace"],
  ["kubernetes:apps/v1:Deployment", "spec.template.spec.containers[0].image", "update"],
  ["kubernetes:apps/v1:DaemonSet", "spec.selector", "replace"],
  ["kubernetes:core/v1:Service", "spec.clusterIP", "replace"],
  ["kubernetes:core/v1:Service", "spec.type", "update"],
  ["kubernetes:core/v1:Service", "spec.ports[0].port", "update"],
  ["kubernetes:core/v1:PersistentVolumeClaim", "spec.storageClassName", "replace"],
  ["kubernetes:core/v1:PersistentVolumeClaim", "spec.accessModes[0]", "replace"],
  ["kubernetes:core/v1:PersistentVolumeClaim", "spec.volumeName", "replace"],
  ["kubernetes:core/v1:PersistentVolumeClaim", "spec.selector.matchLabels.tier", "replace"],
  ["kubernetes:core/v1:PersistentVolumeClaim", "spec.resources.requests.storage", "update"],
  ["kubernetes:core/v1:PersistentVolumeClaimPatch", "spec.resources.requests.storage", "update"],
  ["kubernetes:core/v1:PersistentVolumeClaimPatch", "metadata.name", "replace"],
  ["kubernetes:core/v1:PersistentVolume", "spec.csi.volumeHandle", "replace"],
  ["kubernetes:core/v1:Pod", "spec.containers[1].image", "replace"],
  ["kubernetes:core/v1:Pod", "spec.volumes", "replace"],
  ["kubernetes:core/v1:ResourceQuota", "spec.scopes", "replace"],
  ["kubernetes:core/v1:ResourceQuota", "spec.hard.pods", "update"],
  ["kubernetes:core/v1:Secret", "data.PASSWORD", "replace"],
  ["kubernetes:core/v1:Secret", "stringData.PASSWORD", "replace"],
  ["kubernetes:core/v1:Secret", "type", "replace"],
  ["kubernetes:core/v1:ConfigMap", "data.LOG_LEVEL", "replace"],
  ["kubernetes:core/v1:ConfigMap", "metadata.labels.team", "update"],
  ["kubernetes:core/v1:Namespace", "metadata.name", "replace"],
  ["kubernetes:core/v1:Namespace", "metadata.labels.team", "update"],
  ["kubernetes:batch/v1:Job", "spec.template.spec.containers[0].args", "replace"],
  ["kubernetes:batch/v1:Job", "spec.completions", "replace"],
  ["kubernetes:batch/v1:Job", "spec.parallelism", "replace"],
  ["kubernetes:batch/v1:Job", "spec.backoffLimit", "update"],
  ["kubernetes:batch/v1:CronJob", "spec.jobTemplate.spec.template", "update"],
  ["kubernetes:policy/v1beta1:PodDisruptionBudget", "spec.minAvailable", "replace"],
  ["kubernetes:policy/v1:PodDisruptionBudget", "spec.minAvailable", "update"],
  ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "roleRef.name", "replace"],
  ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "roleRef.name", "replace"],
  ["kubernetes:storage.k8s.io/v1:StorageClass", "provisioner", "replace"],
  ["kubernetes:storage.k8s.io/v1:StorageClass", "allowVolumeExpansion", "update"],
  ["kubernetes:networking.k8s.io/v1:Ingress", "metadata.namespace", "replace"],
  ["kubernetes:networking.k8s.io/v1:Ingress", "spec.rules[0].host", "update"],
  // terraform-provider-random v3.7.2 resource_password.go, resource_string.go: every argument RequiresReplace.
  ["random:index/randomPassword:RandomPassword", "keepers.rotation", "replace"],
  ["random:index/randomPassword:RandomPassword", "length", "replace"],
  ["random:index/randomPassword:RandomPassword", "special", "replace"],
  ["random:index/randomPassword:RandomPassword", "overrideSpecial", "replace"],
  ["random:index/randomString:RandomString", "minUpper", "replace"],
  ["random:index/randomUuid:RandomUuid", "keepers.rotation", "unknown"],
  // pulumi-kubernetes provider.go DiffConfig: the active cluster (kubeconfig, context, cluster) and the
  // render directory replace the provider; its other settings configure it anew.
  [K8S_PROVIDER, "kubeconfig", "replace"],
  [K8S_PROVIDER, "context", "replace"],
  [K8S_PROVIDER, "cluster", "replace"],
  [K8S_PROVIDER, "renderYamlToDirectory", "replace"],
  [K8S_PROVIDER, "clusterIdentifier", "update"],
  [K8S_PROVIDER, "namespace", "update"],
  [K8S_PROVIDER, "enableServerSideApply", "update"],
  [K8S_PROVIDER, "deleteUnreachable", "update"],
  // pulumi-docker marks no config ForcesProviderReplace: the bridge's DiffConfig replaces nothing.
  ["pulumi:providers:docker", "host", "update"],
  ["pulumi:providers:docker", "registryAuth[0].password", "update"],
  ["pulumi:providers:aws", "region", "unknown"],
];

describe.each(ROWS)("a change of %s %s", (type, path, expected) => {
  it(`is ${expected}`, () => {
    expect(effectOf(plain(type), parsePath(path)).effect).toBe(expected);
  });
});

describe("Pulumi's own options", () => {
  it("ignoreChanges drops a change before any rule: it has no effect", () => {
    const statefulSet = { ...plain("kubernetes:apps/v1:StatefulSet"), ignoreChanges: ["spec.volumeClaimTemplates"] };
    const effect = effectOf(statefulSet, parsePath("spec.volumeClaimTemplates[0].spec.resources.requests.storage"));
    expect(effect).toEqual({ effect: "no effect", reason: "ignoreChanges: spec.volumeClaimTemplates", ignored: true });
    expect(effectOf(statefulSet, parsePath("spec.serviceName")).effect).toBe("replace");
  });

  it("replaceOnChanges replaces on what the provider would update", () => {
    const container = { ...plain(CONTAINER), replaceOnChanges: ["healthcheck"] };
    expect(effectOf(container, parsePath("healthcheck.retries"))).toEqual({
      effect: "replace",
      reason: "replaceOnChanges: healthcheck",
    });
  });
});

describe("the Kubernetes provider's clusterIdentifier", () => {
  const provider = (clusterIdentifier?: string) => ({
    ...plain(K8S_PROVIDER),
    inputs: { context: "b", ...(clusterIdentifier && { clusterIdentifier }) },
  });
  const context = parsePath("context");

  it("unchanged, says the cluster is the same: another context does not replace the provider", () => {
    expect(effectOf(provider("prod"), context, { context: "a", clusterIdentifier: "prod" }).effect).toBe("update");
  });

  it("changed, replaces it; set or removed, it does not, and the context replaces as without it", () => {
    const identifier = parsePath("clusterIdentifier");
    expect(effectOf(provider("other"), identifier, { clusterIdentifier: "prod" }).effect).toBe("replace");
    expect(effectOf(provider("prod"), identifier, {}).effect).toBe("update");
    expect(effectOf(provider(), identifier, { clusterIdentifier: "prod" }).effect).toBe("update");
    expect(effectOf(provider("prod"), context, { context: "a" }).effect).toBe("replace");
  });
});

describe("the Docker container's lists", () => {
  /** The inputs of @pulumi/docker 5.2.0's ContainerArgs. */
  const containerArgs = () => {
    const typings = readFileSync(join(PROJECT_DIR, "node_modules/@pulumi/docker/container.d.ts"), "utf8");
    const args = typings.slice(typings.indexOf("export interface ContainerArgs {"));
    return [...args.slice(0, args.indexOf("\n}")).matchAll(/^ {4}(\w+)\?:/gm)].map((m) => m[1]);
  };

  it("name only inputs the SDK has, each once", () => {
    const { updated, notApplied, providerSettings } = DOCKER_RULES[CONTAINER]!;
    const listed = [...updated, ...notApplied, ...providerSettings];
    expect(new Set(listed).size).toBe(listed.length);
    expect(containerArgs()).toEqual(expect.arrayContaining(listed));
    expect(containerArgs().length).toBeGreaterThan(listed.length);
  });

  it("each have a row of the table above, whose effect is written out there", () => {
    const { updated, notApplied, providerSettings } = DOCKER_RULES[CONTAINER]!;
    const rowInputs = ROWS.filter(([type]) => type === CONTAINER).map(([, path]) => String(parsePath(path)[0]));
    expect(rowInputs).toEqual(expect.arrayContaining([...updated, ...notApplied, ...providerSettings]));
  });
});

describe("property paths", () => {
  it("parse and format as Pulumi writes them", () => {
    for (const text of ["spec.template", "a[0].b", 'metadata.labels["app.kubernetes.io/name"]', "logOpts.max-size"])
      expect(formatPath(parsePath(text))).toBe(text);
    expect(parsePath("spec.containers[*].image")).toEqual(["spec", "containers", "*", "image"]);
    expect(parsePath('labels["a.b"]')).toEqual(["labels", "a.b"]);
  });
});
