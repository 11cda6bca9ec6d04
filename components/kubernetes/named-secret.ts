// A Secret of a fixed name that other objects refer to by that name (a chart's values, monitors):
// a replacement deletes the old one first. Its keys go in stringData, which the provider folds into
// data before it diffs (pulumi-kubernetes provider/pkg/clients/unstructured.go,
// normalizeSecretStringData): no diff on every run.
import type * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";

export interface NamedSecretArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly name: string;
  readonly keys: Readonly<Record<string, pulumi.Input<string>>>;
}

export function namedSecret(resourceName: string, args: NamedSecretArgs, opts: pulumi.CustomResourceOptions): Secret {
  return new Secret(
    resourceName,
    {
      metadata: { namespace: args.namespace, labels: args.labels, name: args.name },
      type: "Opaque",
      stringData: args.keys,
    },
    { ...opts, deleteBeforeReplace: true },
  );
}
