// What the Prometheus operator is given for one stack, in its namespace: a ServiceMonitor or
// PodMonitor per scraped service, the API keys some of them send, one PrometheusRule with every rule
// group, and the dashboard as a ConfigMap that Grafana's sidecar loads. Monitors and rules carry the
// labels the Prometheus selects them by.
import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import type { Monitor } from "../../infra/monitoring/operator";
import type { RuleGroup } from "../../infra/monitoring/rules";
import { namedSecret } from "./named-secret";

export const MONITORING_API = "monitoring.coreos.com/v1";

export interface MonitorsArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  /** The labels the Prometheus selects monitors and rules by. */
  readonly selectedBy: Record<string, string>;
  readonly monitors: readonly Monitor[];
  /** The Secret the monitors read API keys from: its fixed name, and each service's key. */
  readonly credentials?: {
    readonly name: string;
    readonly keys: Readonly<Record<string, pulumi.Input<string>>>;
  };
  readonly rules: readonly RuleGroup[];
  /** What installs the CRDs, when this stack does (the managed chart): every custom resource waits for it. */
  readonly crdsFrom?: pulumi.Resource;
  readonly dashboard: {
    readonly namespace: pulumi.Input<string>;
    /** The label Grafana's sidecar watches. */
    readonly labels: Record<string, string>;
    readonly file: string;
    readonly json: pulumi.Input<string>;
  };
}

export class Monitors extends pulumi.ComponentResource {
  /** The ConfigMap of the dashboard. */
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: MonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    // API keys are in args: nothing goes to super().
    super("jarvis:kubernetes:Monitors", name, {}, opts);
    // The CRDs may arrive with a chart in the same run (pulumi-kubernetes#1712).
    const crds = args.crdsFrom ? [args.crdsFrom] : [];
    const metadata = { namespace: args.namespace, labels: { ...args.labels, ...args.selectedBy } };
    const credentials =
      args.credentials &&
      namedSecret(
        `${name}-credentials`,
        { namespace: args.namespace, labels: args.labels, ...args.credentials },
        {
          parent: this,
        },
      );
    for (const monitor of args.monitors)
      new CustomResource(
        `${name}-${monitor.service}`,
        { apiVersion: MONITORING_API, kind: monitor.kind, metadata, spec: monitor.spec },
        { parent: this, dependsOn: [...crds, ...(credentials ? [credentials] : [])] },
      );
    new CustomResource(
      `${name}-rules`,
      { apiVersion: MONITORING_API, kind: "PrometheusRule", metadata, spec: { groups: args.rules } },
      { parent: this, dependsOn: crds },
    );
    this.dashboardName = new ConfigMap(
      `${name}-dashboard`,
      {
        metadata: { namespace: args.dashboard.namespace, labels: { ...args.labels, ...args.dashboard.labels } },
        data: { [args.dashboard.file]: args.dashboard.json },
      },
      // Its namespace may be the chart's.
      { parent: this, dependsOn: crds },
    ).metadata.name;
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}
