// One container with the hardening every Jarvis container gets: no new privileges, every
// capability dropped, json-file logs with rotation, memory and CPU limits, a restart policy, a
// health check that Pulumi waits for. Fixed names, static addresses and host ports cannot exist
// twice, so a replacement deletes the old container first.
import * as pulumi from "@pulumi/pulumi";
import { Container } from "@pulumi/docker/container";
import type { ContainerDeviceRequest, ContainerPort } from "@pulumi/docker/types/input";

export interface HealthTiming {
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly startPeriod: string;
  /** Needs Docker Engine 25; absent, Docker probes at `interval` during the start period too. */
  readonly startInterval?: string;
  /** How long Pulumi waits for the container to turn healthy. */
  readonly waitSeconds: number;
}

export type MountSpec =
  | {
      readonly type: "volume";
      readonly source: pulumi.Input<string>;
      readonly target: string;
      readonly readOnly: boolean;
    }
  | { readonly type: "bind"; readonly source: string; readonly target: string; readonly readOnly: boolean };

export interface ContainerFile {
  /** Absolute path inside the container. */
  readonly path: string;
  readonly content: pulumi.Input<string>;
  readonly executable?: boolean;
}

export interface ServiceContainerArgs {
  readonly containerName: string;
  readonly image: pulumi.Input<string>;
  readonly network: { readonly name: pulumi.Input<string>; readonly ipv4Address?: string; readonly aliases: string[] };
  /** `NAME=value` entries, each its own input: a secret entry leaves the others readable. */
  readonly env: readonly pulumi.Input<string>[];
  /** The ports the service listens on inside the container, by name, published or not. */
  readonly listens: Readonly<Record<string, number>>;
  /** The published ones: host interface and port to a container port. */
  readonly ports: readonly ContainerPort[];
  readonly mounts: MountSpec[];
  /** Files written into the container before it starts (generated config, scripts); secret content stays secret. */
  readonly files?: readonly ContainerFile[];
  readonly health?: { readonly test: string[]; readonly timing: HealthTiming };
  readonly entrypoint?: string[];
  readonly command?: pulumi.Input<string[]>;
  readonly user?: string;
  readonly limits: { readonly memory: number; readonly memoryReservation: number; readonly cpus: string };
  readonly deviceRequests: readonly ContainerDeviceRequest[];
  /**
   * Every privilege and these host devices, for what reads the engine's host (cAdvisor): the one
   * exception to the dropped capabilities.
   */
  readonly hostSystem?: { readonly devices: readonly string[] };
  /** json-file rotation, and the container labels each line carries (`attrs`). */
  readonly logging: { readonly maxSize: string; readonly maxFile: number; readonly labels?: readonly string[] };
  /** Seconds a stopping container gets before it is killed (datastores flush their data). */
  readonly stopGraceSeconds: number;
  readonly labels: Record<string, string>;
  /** A one-shot job: started once, never restarted or kept running, not waited for. */
  readonly oneShot?: boolean;
}

export class ServiceContainer extends pulumi.ComponentResource {
  readonly container: Container;
  /** The container's name, once it exists. */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: ServiceContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    // The arguments carry secrets in `env`: only the listened ports go to super(), which records them
    // in the component's state (the plan's summary reads them there), as a list to keep their order;
    // a component has no provider, so they change nothing where the container runs.
    const listens = Object.entries(args.listens).map(([portName, port]) => ({ name: portName, port }));
    super("jarvis:docker:ServiceContainer", name, { listens }, opts);
    const { health, oneShot = false } = args;
    this.container = new Container(
      name,
      {
        name: args.containerName,
        image: args.image,
        networksAdvanced: [
          {
            name: args.network.name,
            aliases: args.network.aliases,
            ...(args.network.ipv4Address && { ipv4Address: args.network.ipv4Address }),
          },
        ],
        envs: [...args.env],
        ports: [...args.ports],
        mounts: args.mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly })),
        ...(args.files &&
          args.files.length > 0 && {
            uploads: args.files.map((f) => ({ file: f.path, content: f.content, executable: f.executable ?? false })),
          }),
        ...(args.entrypoint && { entrypoints: args.entrypoint }),
        ...(args.command && { command: args.command }),
        ...(args.user && { user: args.user }),
        ...(health && {
          healthcheck: {
            tests: health.test,
            interval: health.timing.interval,
            timeout: health.timing.timeout,
            retries: health.timing.retries,
            startPeriod: health.timing.startPeriod,
            ...(health.timing.startInterval && { startInterval: health.timing.startInterval }),
          },
          wait: true,
          waitTimeout: health.timing.waitSeconds,
        }),
        memory: args.limits.memory,
        memoryReservation: args.limits.memoryReservation,
        cpus: args.limits.cpus,
        deviceRequests: [...args.deviceRequests],
        securityOpts: ["no-new-privileges:true"],
        ...(args.hostSystem
          ? {
              privileged: true,
              devices: args.hostSystem.devices.map((device) => ({ hostPath: device, containerPath: device })),
            }
          : { capabilities: { drops: ["ALL"] } }),
        logDriver: "json-file",
        logOpts: {
          "max-size": args.logging.maxSize,
          "max-file": String(args.logging.maxFile),
          ...(args.logging.labels && { labels: args.logging.labels.join(",") }),
        },
        restart: oneShot ? "no" : "unless-stopped",
        // Stopped, not killed, on replacement and deletion too (the provider would otherwise force-remove).
        stopTimeout: args.stopGraceSeconds,
        destroyGraceSeconds: args.stopGraceSeconds,
        mustRun: !oneShot,
        labels: Object.entries(args.labels).map(([label, value]) => ({ label, value })),
      },
      {
        parent: this,
        deleteBeforeReplace: true,
        // The provider's update applies no health-check change (resourceDockerContainerUpdate of
        // terraform-provider-docker v4.5.0 updates restart policy and resources only), and the
        // field is not ForceNew: a changed check reaches the engine only by a new container.
        replaceOnChanges: ["healthcheck"],
        // dependsOn is not inherited by children: the container itself must wait for what it needs.
        ...(opts?.dependsOn && { dependsOn: opts.dependsOn }),
      },
    );
    this.name = this.container.name;
    this.registerOutputs({ name: this.name });
  }
}
