// The logs' store on Kubernetes: Loki's chart in the stack's namespace, the ConfigMap of its ruler's
// rules and the Secret of its object store's key that its values name, and its datasource as a
// ConfigMap that Grafana's sidecar loads.
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import { namedSecret } from "./named-secret";
import { Chart } from "@pulumi/kubernetes/helm/v4/chart";
import { chartSource, type PinnedChart } from "./chart-source";

export interface LogStoreArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly chart: PinnedChart;
  readonly release: string;
  readonly values: Record<string, unknown>;
  /** The ruler's rule files, in the ConfigMap of this fixed name that the values mount. */
  readonly rules: { readonly name: string; readonly files: Readonly<Record<string, string>> };
  /** A Secret of this fixed name that the values name (the object store's key), with its keys. */
  readonly credentials?: { readonly name: string; readonly keys: Readonly<Record<string, pulumi.Input<string>>> };
  readonly datasource: {
    readonly namespace: pulumi.Input<string>;
    /** The labels Grafana's datasource sidecar watches. */
    readonly labels: Readonly<Record<string, string>>;
    readonly file: string;
    readonly content: string;
  };
}

export class LogStore extends pulumi.ComponentResource {
  readonly chart: Chart;
  /** The ConfigMap of the datasource. */
  readonly datasourceName: pulumi.Output<string>;

  constructor(name: string, args: LogStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    // The credentials are in args: nothing goes to super().
    super("jarvis:kubernetes:LogStore", name, {}, opts);
    const child = { parent: this };
    const rules = new ConfigMap(
      `${name}-rules`,
      {
        metadata: { namespace: args.namespace, labels: args.labels, name: args.rules.name },
        data: { ...args.rules.files },
      },
      // The values name it: a replacement deletes the old ConfigMap first.
      { ...child, deleteBeforeReplace: true },
    );
    const credentials =
      args.credentials &&
      namedSecret(
        `${name}-credentials`,
        { namespace: args.namespace, labels: args.labels, ...args.credentials },
        child,
      );
    this.chart = new Chart(
      name,
      { ...chartSource(args.chart), name: args.release, namespace: args.namespace, values: args.values },
      { parent: this, dependsOn: [rules, ...(credentials ? [credentials] : [])] },
    );
    this.datasourceName = new ConfigMap(
      `${name}-datasource`,
      {
        metadata: { namespace: args.datasource.namespace, labels: { ...args.labels, ...args.datasource.labels } },
        data: { [args.datasource.file]: args.datasource.content },
      },
      child,
    ).metadata.name;
    this.registerOutputs({ datasourceName: this.datasourceName });
  }
}
