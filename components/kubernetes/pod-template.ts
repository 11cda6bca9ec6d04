// A workload's pod template: one container running the image, its settings and secrets as
// environment (or, for images that read `*_FILE` variables, as files), its files, scratch space
// under a read-only root, its probes, resources and security contexts.
import { posix } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { core } from "@pulumi/kubernetes/types/input";
import type { FileSet } from "../../infra/files";

/** The data volume of a StatefulSet: its claim template, mounted under this name. */
export const DATA_VOLUME = "data";

/** Where secret files are mounted for images that read `*_FILE` variables. */
export const SECRET_FILES_DIR = "/run/secrets/jarvis";

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  /** Arguments to the image's own entrypoint. */
  readonly args?: string[];
  readonly ports: readonly { readonly name: string; readonly containerPort: number }[];
  readonly probes: Pick<core.v1.Container, "livenessProbe" | "readinessProbe" | "startupProbe">;
  readonly resources: core.v1.ResourceRequirements;
  readonly securityContext: core.v1.SecurityContext;
  readonly scratch: readonly { readonly name: string; readonly mountPath: string }[];
  /** The data volume's mount, for a StatefulSet. */
  readonly data?: { readonly mountPath: string; readonly subPath: string };
}

export interface PodSpec {
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceAccountName: pulumi.Input<string>;
  /** Its pods mount their ServiceAccount's token (it reads the API); no other pod does. */
  readonly apiToken: boolean;
  readonly securityContext: core.v1.PodSecurityContext;
  readonly graceSeconds: number;
  readonly imagePullSecret?: pulumi.Input<string>;
  readonly scheduling?: {
    readonly nodeSelector?: Record<string, string>;
    readonly tolerations?: core.v1.Toleration[];
    readonly runtimeClassName?: string;
  };
}

/** A container beside the main one (an exporter): its plain variables inline, its secret ones from the workload's Secret. */
export interface SidecarContainer extends Omit<ContainerSpec, "data"> {
  readonly plain: Readonly<Record<string, string>>;
  /** Secret variable -> its key in the workload's Secret. */
  readonly secretKeys: Readonly<Record<string, string>>;
}

/** What the settings component created, and the names of the secret variables. */
export interface Settings {
  readonly settingsName?: pulumi.Input<string>;
  readonly secretName?: pulumi.Input<string>;
  readonly secretKeys: readonly string[];
  /** Secret variables the image reads from a file: variable -> its file variable. */
  readonly secretAsFile: Readonly<Record<string, string>>;
  readonly filesName?: pulumi.Input<string>;
  readonly files?: FileSet<string>;
  readonly secretFilesName?: pulumi.Input<string>;
  readonly secretFiles?: FileSet<unknown>;
}

const fileMounts = (volume: string, set: FileSet<unknown> | undefined) =>
  Object.keys(set?.contents ?? {}).map((file) => ({
    name: volume,
    mountPath: posix.join(set!.directory, file),
    subPath: file,
    readOnly: true,
  }));

/** What every container of a pod has: its image, ports, probes, resources and scratch space. */
function containerBase(container: Omit<ContainerSpec, "data">) {
  return {
    name: container.name,
    image: container.image,
    imagePullPolicy: "IfNotPresent",
    ...(container.args && { args: container.args }),
    ports: container.ports.map((p) => ({ ...p, protocol: "TCP" })),
    ...container.probes,
    resources: container.resources,
    securityContext: container.securityContext,
  };
}

const scratchMounts = (container: Omit<ContainerSpec, "data">) =>
  container.scratch.map((s) => ({ name: s.name, mountPath: s.mountPath }));

function sidecar(container: SidecarContainer, secretName: pulumi.Input<string> | undefined) {
  return {
    ...containerBase(container),
    env: [
      ...Object.entries(container.plain).map(([name, value]) => ({ name, value })),
      ...Object.entries(container.secretKeys).map(([name, key]) => ({
        name,
        valueFrom: { secretKeyRef: { name: secretName!, key } },
      })),
    ],
    volumeMounts: scratchMounts(container),
  };
}

export function podTemplate(
  container: ContainerSpec,
  pod: PodSpec,
  settings: Settings,
  sidecars: readonly SidecarContainer[] = [],
): core.v1.PodTemplateSpec {
  const names = [container, ...sidecars].flatMap((c) => c.ports.map((p) => p.name));
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new Error(`${container.name}'s pod would name two ports ${repeated}`);
  const asFile = settings.secretKeys.filter((key) => key in settings.secretAsFile);
  const asEnv = settings.secretKeys.filter((key) => !(key in settings.secretAsFile));
  const volumes = [
    ...[container, ...sidecars].flatMap((c) => c.scratch).map((s) => ({ name: s.name, emptyDir: {} })),
    ...(settings.filesName ? [{ name: "files", configMap: { name: settings.filesName } }] : []),
    ...(settings.secretName && asFile.length > 0
      ? [
          {
            name: "secret-files",
            secret: {
              secretName: settings.secretName,
              items: asFile.map((key) => ({ key, path: key })),
              defaultMode: 0o400,
            },
          },
        ]
      : []),
    ...(settings.secretFilesName
      ? [{ name: "generated-secret-files", secret: { secretName: settings.secretFilesName, defaultMode: 0o400 } }]
      : []),
  ];
  return {
    metadata: { labels: { ...pod.labels, ...pod.selector } },
    spec: {
      serviceAccountName: pod.serviceAccountName,
      automountServiceAccountToken: pod.apiToken,
      securityContext: pod.securityContext,
      terminationGracePeriodSeconds: pod.graceSeconds,
      ...(pod.imagePullSecret && { imagePullSecrets: [{ name: pod.imagePullSecret }] }),
      // Spread the replicas of a service over nodes.
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: pod.selector },
        },
      ],
      ...pod.scheduling,
      containers: [
        {
          ...containerBase(container),
          ...(settings.settingsName && { envFrom: [{ configMapRef: { name: settings.settingsName } }] }),
          env: [
            ...asEnv.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: settings.secretName!, key } } })),
            ...asFile.map((key) => ({ name: settings.secretAsFile[key]!, value: `${SECRET_FILES_DIR}/${key}` })),
          ],
          volumeMounts: [
            ...scratchMounts(container),
            ...fileMounts("files", settings.files),
            ...(asFile.length > 0 ? [{ name: "secret-files", mountPath: SECRET_FILES_DIR, readOnly: true }] : []),
            ...fileMounts("generated-secret-files", settings.secretFiles),
            ...(container.data ? [{ name: DATA_VOLUME, ...container.data }] : []),
          ],
        },
        ...sidecars.map((c) => sidecar(c, settings.secretName)),
      ],
      volumes,
    },
  };
}
