// A Deployment's HorizontalPodAutoscaler: CPU and memory utilisation targets, and how fast it
// scales up and down.
import * as pulumi from "@pulumi/pulumi";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";

export interface AutoscalingPolicy {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization: number;
  readonly scaleUpStabilizationSeconds: number;
  readonly scaleDownStabilizationSeconds: number;
  readonly scaleDownPodsPerMinute: number;
}

export interface AutoscalingArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly deploymentName: pulumi.Input<string>;
  readonly policy: AutoscalingPolicy;
}

export class Autoscaling extends pulumi.ComponentResource {
  readonly autoscalerName: pulumi.Output<string>;

  constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jarvis:kubernetes:Autoscaling", name, {}, opts);
    const { policy } = args;
    const metric = (resource: "cpu" | "memory", averageUtilization: number) => ({
      type: "Resource",
      resource: { name: resource, target: { type: "Utilization", averageUtilization } },
    });
    const autoscaler = new HorizontalPodAutoscaler(
      name,
      {
        metadata: { namespace: args.namespace, labels: args.labels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
          minReplicas: policy.minReplicas,
          maxReplicas: policy.maxReplicas,
          metrics: [metric("cpu", policy.cpuUtilization), metric("memory", policy.memoryUtilization)],
          behavior: {
            scaleUp: { stabilizationWindowSeconds: policy.scaleUpStabilizationSeconds },
            scaleDown: {
              stabilizationWindowSeconds: policy.scaleDownStabilizationSeconds,
              policies: [{ type: "Pods", value: policy.scaleDownPodsPerMinute, periodSeconds: 60 }],
            },
          },
        },
      },
      // It used to be the workload's own child: the alias keeps it the same resource.
      { parent: this, protect: false, aliases: opts?.parent ? [{ parent: opts.parent }] : [] },
    );
    this.autoscalerName = autoscaler.metadata.name;
    this.registerOutputs({ autoscalerName: this.autoscalerName });
  }
}
