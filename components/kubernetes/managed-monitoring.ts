// A kube-prometheus-stack the stack installs, one per cluster: its namespace (privileged only for
// node-exporter), the Secrets its values name (Grafana's admin, the SMTP password), the chart
// itself, and network policies that limit where its Prometheus and Alertmanager connect.
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Chart } from "@pulumi/kubernetes/helm/v4/chart";
import { chartSource, type PinnedChart } from "./chart-source";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import type { Monitor } from "../../infra/monitoring/operator";
import { MONITORING_API } from "./monitoring";
import { namedSecret } from "./named-secret";
import { NetworkPolicies, type PodGroupPolicy } from "./network-policies";
import { podSecurityLabels } from "./pod-security";

export interface ManagedMonitoringArgs {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The Pod Security level enforced in the namespace. */
  readonly podSecurity: "privileged" | "baseline";
  readonly chart: PinnedChart;
  readonly release: string;
  readonly values: Record<string, unknown>;
  /** The Secrets the values name, each by its fixed name, with their keys. */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;
  /** The egress of the groups of pods whose connections are limited. */
  readonly policies: Readonly<Record<string, PodGroupPolicy>>;
  /** Monitors of what runs outside the stack's namespaces (cert-manager), kept in the installation's namespace. */
  readonly monitors: readonly Monitor[];
}

export class ManagedMonitoring extends pulumi.ComponentResource {
  /** The chart: what the stack's monitors and rules wait for (it brings their CRDs). */
  readonly chart: Chart;
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: ManagedMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    // Secrets are in args: nothing goes to super().
    super("jarvis:kubernetes:ManagedMonitoring", name, {}, opts);
    const namespace = new Namespace(
      name,
      {
        metadata: {
          name: args.namespace,
          labels: { ...args.labels, ...podSecurityLabels(args.podSecurity) },
        },
      },
      { parent: this },
    );
    this.namespace = namespace.metadata.name;
    const secrets = Object.entries(args.secrets).map(([secret, keys]) =>
      // The values name it.
      namedSecret(
        `${name}-${secret}`,
        { namespace: this.namespace, labels: args.labels, name: secret, keys },
        { parent: this },
      ),
    );
    this.chart = new Chart(
      name,
      {
        ...chartSource(args.chart),
        name: args.release,
        namespace: this.namespace,
        values: args.values,
      },
      { parent: this, dependsOn: secrets },
    );
    for (const monitor of args.monitors)
      new CustomResource(
        `${name}-${monitor.service}`,
        {
          apiVersion: MONITORING_API,
          kind: monitor.kind,
          metadata: { namespace: this.namespace, labels: args.labels },
          spec: monitor.spec,
        },
        // Its CRD comes with the chart.
        { parent: this, dependsOn: [this.chart] },
      );
    new NetworkPolicies(
      `${name}-network`,
      { namespace: this.namespace, labels: args.labels, groups: args.policies, defaultDeny: false },
      { parent: this },
    );
    this.registerOutputs({ namespace: this.namespace });
  }
}
