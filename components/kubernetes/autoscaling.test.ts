// Autoscaling under the plan engine (the SDK's mocks, recording each registration whole): the
// HorizontalPodAutoscaler it registers, its targets and behaviour, and the alias that keeps it the
// resource it was as the workload's own child.
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { identity, urnType } from "../../tools/plan/engine";
import { Autoscaling, type AutoscalingPolicy } from "./autoscaling";
import { underEngine } from "../../tools/test-support";

const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const COMPONENT = "jarvis:kubernetes:Autoscaling";
const WORKLOAD = "jarvis:kubernetes:Workload";

const POLICY: AutoscalingPolicy = {
  minReplicas: 2,
  maxReplicas: 6,
  cpuUtilization: 70,
  memoryUtilization: 80,
  scaleUpStabilizationSeconds: 15,
  scaleDownStabilizationSeconds: 300,
  scaleDownPodsPerMinute: 1,
};

/** The autoscaler of a workload named "api", under a Workload component unless `parent` is false. */
async function autoscaling(options: { parent?: boolean; protect?: boolean } = {}) {
  const { parent = true, protect } = options;
  const run = await underEngine(() => {
    const workload = parent ? new pulumi.ComponentResource(WORKLOAD, "api", {}, { protect }) : undefined;
    new Autoscaling(
      "api",
      {
        namespace: "jarvis",
        labels: { "app.kubernetes.io/name": "api" },
        deploymentName: pulumi.output("api-1a2b3c4d"),
        policy: POLICY,
      },
      { ...(workload && { parent: workload }), protect },
    );
  });
  const registration = run.find(HPA, "api");
  return { ...run, registration, spec: (registration.inputs as any).spec };
}

describe("the Autoscaling component", () => {
  it("targets the workload's Deployment by name, in the namespace with the labels", async () => {
    const { registration, spec } = await autoscaling();
    expect(spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "api-1a2b3c4d" });
    expect((registration.inputs as any).metadata).toEqual({
      namespace: "jarvis",
      labels: { "app.kubernetes.io/name": "api" },
    });
  });

  it("scales between the policy's bounds on CPU and memory utilisation", async () => {
    const { spec } = await autoscaling();
    expect(spec.minReplicas).toBe(2);
    expect(spec.maxReplicas).toBe(6);
    expect(spec.metrics).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
    ]);
  });

  it("scales up and down as fast as the policy says", async () => {
    const { spec } = await autoscaling();
    expect(spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 15 },
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
    });
  });

  it("aliases the autoscaler to the component's parent, where it was before", async () => {
    const { registration, find } = await autoscaling();
    expect(registration.parent).toBe(find(COMPONENT, "api").urn);
    // The program's alias comes first; the Kubernetes SDK adds one per older API version.
    expect(registration.aliases[0]).toBe(`urn:pulumi:unit::jarvis::${WORKLOAD}$${HPA}::api`);
  });

  it("an autoscaler deployed as the workload's child keeps its identity and generated name", async () => {
    const before = await underEngine(() => {
      const workload = new pulumi.ComponentResource(WORKLOAD, "api", {}, {});
      // In the same namespace: another would be another object, with another name.
      new HorizontalPodAutoscaler(
        "api",
        {
          metadata: { namespace: "jarvis" },
          spec: { scaleTargetRef: { kind: "Deployment", name: "api" }, maxReplicas: 6 },
        },
        { parent: workload },
      );
    });
    const after = await autoscaling();
    const old = before.find(HPA, "api");
    expect(after.registration.urn).not.toBe(old.urn);
    expect(identity(after.registration)).toBe(old.urn);
    expect((after.registration.state as any).metadata.name).toBe((old.state as any).metadata.name);
  });

  it("has only the Kubernetes SDK's own aliases, to older API versions, without a parent", async () => {
    const { registration } = await autoscaling({ parent: false });
    expect(registration.aliases.map(urnType)).not.toContain(HPA);
    expect(identity(registration)).toBe(registration.urn);
  });

  it("is never protected, even under a protected parent", async () => {
    const { registration } = await autoscaling({ protect: true });
    expect(registration.protect).toBe(false);
  });

  it("exposes the autoscaler's generated name", async () => {
    const { registration, find } = await autoscaling();
    const name = (registration.state as any).metadata.name;
    expect(name).toMatch(/^api-[0-9a-f]{8}$/);
    expect(find(COMPONENT, "api").outputs).toEqual({ autoscalerName: name });
  });
});
