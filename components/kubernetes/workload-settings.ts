// A workload's settings and secrets: its plain environment in an auto-named ConfigMap, its secret
// environment in an auto-named Secret (a change of either gets a new name, which rolls the pods),
// and the files handed to its container: a ConfigMap of plain files, a Secret of secret ones.
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import type { FileSet } from "../../infra/files";

export interface WorkloadSettingsArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly plain: Readonly<Record<string, string>>;
  readonly secret: Readonly<Record<string, pulumi.Input<string>>>;
  readonly files?: FileSet<string>;
  readonly secretFiles?: FileSet<pulumi.Input<string>>;
}

const base64 = (value: pulumi.Input<string>) => pulumi.output(value).apply((v) => Buffer.from(v).toString("base64"));

export class WorkloadSettings extends pulumi.ComponentResource {
  /** The names of the objects that exist (a workload without secrets has no Secret). */
  readonly settingsName?: pulumi.Output<string>;
  readonly secretName?: pulumi.Output<string>;
  readonly filesName?: pulumi.Output<string>;
  readonly secretFilesName?: pulumi.Output<string>;

  constructor(name: string, args: WorkloadSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Secrets are in args: nothing goes to super().
    super("jarvis:kubernetes:WorkloadSettings", name, {}, opts);
    // These objects used to be the workload's own children: the aliases keep them the same
    // resources (and their generated names) for stacks deployed before.
    const child = { parent: this, protect: false, aliases: opts?.parent ? [{ parent: opts.parent }] : [] };
    const metadata = { namespace: args.namespace, labels: args.labels };
    if (Object.keys(args.plain).length > 0)
      this.settingsName = new ConfigMap(`${name}-settings`, { metadata, data: args.plain }, child).metadata.name;
    const secretKeys = Object.keys(args.secret).sort();
    if (secretKeys.length > 0)
      this.secretName = new Secret(
        `${name}-secrets`,
        {
          metadata,
          type: "Opaque",
          data: Object.fromEntries(secretKeys.map((key) => [key, base64(args.secret[key]!)])),
        },
        child,
      ).metadata.name;
    if (args.files)
      this.filesName = new ConfigMap(`${name}-files`, { metadata, data: args.files.contents }, child).metadata.name;
    if (args.secretFiles)
      this.secretFilesName = new Secret(
        `${name}-secret-files`,
        {
          metadata,
          type: "Opaque",
          data: Object.fromEntries(Object.entries(args.secretFiles.contents).map(([file, v]) => [file, base64(v)])),
        },
        child,
      ).metadata.name;
    this.registerOutputs({
      settingsName: this.settingsName,
      secretName: this.secretName,
      filesName: this.filesName,
      secretFilesName: this.secretFilesName,
    });
  }
}
