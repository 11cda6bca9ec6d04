// The Docker provider's read-back forms. After a create, the provider (terraform-provider-docker
// v4.5.0, commit 5074970c, the `upstream` of pulumi/pulumi-docker that @pulumi/docker 5.2.0 is built
// from) reads every container back from the engine and stores what it read; an input sent in
// another form than the one read back shows as a diff on every `pulumi up`, and a ForceNew one
// (such as `cpus`) replaces the container every time. So every input is sent in the form the
// provider reads back, or is one the provider does not read back at all. Sources are in
// internal/provider/ of that commit.

/** How the provider treats each input of a resource after it exists. */
export type ReadBack =
  /** Read back from the engine in the form the program sends (the source says where). */
  | { readonly form: "as sent"; readonly source: string }
  /** Read back in a canonical form: the program sends it canonicalised by `canonical`. */
  | { readonly form: "canonical"; readonly source: string; readonly canonical: string }
  /** Kept from the program's inputs: never read back, never a diff. */
  | { readonly form: "not read"; readonly source: string };

const READ = "resource_docker_container_funcs.go resourceDockerContainerRead";

/** Every input the program sends to docker:index/container:Container. */
export const CONTAINER_INPUTS: Readonly<Record<string, ReadBack>> = {
  name: { form: "as sent", source: `${READ}: strings.TrimLeft(container.Name, "/")` },
  image: { form: "as sent", source: `${READ}: container.Image when the input starts with sha256:` },
  networksAdvanced: { form: "not read", source: `${READ}: only set when the state holds none (import)` },
  envs: { form: "not read", source: `${READ}: "We decided not to set the environment variables and labels"` },
  labels: { form: "not read", source: `${READ}: "We decided not to set the environment variables and labels"` },
  ports: {
    form: "canonical",
    source: "resource_docker_container_structures.go flattenContainerPorts: sorted by byPortAndProtocol",
    canonical: "dockerPortOrder",
  },
  mounts: { form: "as sent", source: "getDockerContainerMounts: type, source, target, read_only from the mounts" },
  uploads: { form: "not read", source: `${READ}: "upload" can't be imported` },
  entrypoints: { form: "as sent", source: `${READ}: container.Config.Entrypoint` },
  command: { form: "as sent", source: `${READ}: container.Config.Cmd` },
  user: { form: "as sent", source: `${READ}: container.Config.User` },
  healthcheck: {
    form: "canonical",
    source: `${READ}: Healthcheck.Interval.String() (Go's time.Duration.String), Test and Retries as they are`,
    canonical: "goDuration",
  },
  wait: { form: "not read", source: "resourceDockerContainerCreate only: waits for healthy" },
  waitTimeout: { form: "not read", source: "resourceDockerContainerCreate only" },
  memory: { form: "as sent", source: `${READ}: container.HostConfig.Memory/1024/1024 (MiB, as sent)` },
  memoryReservation: { form: "as sent", source: `${READ}: HostConfig.MemoryReservation/1024/1024 (MiB)` },
  cpus: {
    form: "canonical",
    source: `${READ}: nanoInt64ToDecimalString(container.HostConfig.NanoCPUs) (helpers.go); ForceNew`,
    canonical: "dockerCpus",
  },
  deviceRequests: { form: "as sent", source: `${READ}: flattenDeviceRequests, only when configured` },
  securityOpts: { form: "as sent", source: `${READ}: container.HostConfig.SecurityOpt` },
  capabilities: { form: "as sent", source: `${READ}: HostConfig.CapDrop (the engine keeps ALL as ALL)` },
  logDriver: { form: "as sent", source: `${READ}: container.HostConfig.LogConfig.Type` },
  logOpts: { form: "as sent", source: `${READ}: containerLogOptsForState, the engine's map as given` },
  restart: { form: "as sent", source: `${READ}: container.HostConfig.RestartPolicy.Name` },
  stopTimeout: { form: "as sent", source: `${READ}: container.Config.StopTimeout` },
  destroyGraceSeconds: { form: "not read", source: `${READ}: "destroy_grace_seconds" can't be imported` },
  mustRun: { form: "not read", source: `${READ}: "must_run" can't be imported` },
};

const NETWORK_READ = "resource_docker_network_funcs.go resourceDockerNetworkReadRefreshFunc";
/** Every input the program sends to docker:index/network:Network. */
export const NETWORK_INPUTS: Readonly<Record<string, ReadBack>> = {
  name: { form: "as sent", source: `${NETWORK_READ}: retNetwork.Name` },
  driver: { form: "as sent", source: `${NETWORK_READ}: retNetwork.Driver` },
  ipamConfigs: { form: "as sent", source: `${NETWORK_READ}: flattenIpamConfigSpec (subnet, gateway)` },
  options: { form: "as sent", source: `${NETWORK_READ}: retNetwork.Options (bridge scope)` },
  labels: { form: "as sent", source: `${NETWORK_READ}: mapToLabelSet(retNetwork.Labels)` },
};

const VOLUME_READ = "resource_docker_volume.go resourceDockerVolumeRead";
/** Every input the program sends to docker:index/volume:Volume. */
export const VOLUME_INPUTS: Readonly<Record<string, ReadBack>> = {
  name: { form: "as sent", source: `${VOLUME_READ}: volume.Name` },
  driver: { form: "as sent", source: `${VOLUME_READ}: volume.Driver` },
  labels: { form: "as sent", source: `${VOLUME_READ}: mapToLabelSet(volume.Labels)` },
};

/** Every input the program sends to docker:index/remoteImage:RemoteImage. */
export const IMAGE_INPUTS: Readonly<Record<string, ReadBack>> = {
  name: {
    form: "not read",
    source: "resource_docker_image_funcs.go resourceDockerImageRead: sets image_id, repo_digest",
  },
  keepLocally: { form: "not read", source: "resource_docker_image_funcs.go: used on delete only" },
  build: { form: "not read", source: "resource_docker_image_funcs.go: build settings are not read from the engine" },
};

/**
 * `nanoInt64ToDecimalString` (helpers.go): CPUs as the provider writes them back from NanoCPUs.
 * A whole number of CPUs gets one decimal ("2.0"), others lose their trailing zeros ("1.5"); its
 * count-the-zeros test also gives "0.5" and, for ten or more whole CPUs, a bare point ("10.").
 */
export function dockerCpus(millis: number): string {
  if (!Number.isInteger(millis) || millis < 0) throw new Error(`${millis} is not a whole number of milli-CPUs`);
  if (millis === 0) return "0";
  const nine = `${Math.floor(millis / 1000)}.${String(millis % 1000).padStart(3, "0")}000000`;
  if ([...nine].filter((c) => c === "0").length !== 9) return nine.replace(/0+$/, "");
  // big.Rat's FloatString(1): the nearest tenth, halves away from zero.
  const tenths = Math.floor((millis + 50) / 100);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/** Go's `time.Duration.String()` of whole seconds: "5s", "1m0s", "1m30s", "1h0m0s". */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`${seconds} is not a whole number of seconds`);
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** `byPortAndProtocol` (resource_docker_container_structures.go) orders ports by number alone. */
export function dockerPortOrder<P extends { readonly internal: number }>(ports: readonly P[]): P[] {
  return [...ports].sort((a, b) => a.internal - b.internal);
}
