// The whole policy pack over every shipped stack's offline plan, with the settings the CLI would
// give it from that stack's config: no violation. And a stack with a deliberate violation, which
// the pack reports by policy and resource name.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { packSettings } from "../policy/context";
import { TYPES } from "../policy/invariants";
import { jarvisPolicies } from "../policy/policies";
import { resourceArgs, stackArgs, validate } from "../tools/policy-args";
import { discoverStacks } from "../tools/plan/stacks";
import { PROJECT_DIR } from "../tools/plan/cli";
import { rawConfig, shippedPlan, type ParsedPlan } from "../tools/test-support";

const STACKS = discoverStacks(PROJECT_DIR);

/** The plan's inputs as a policy sees them: secrets revealed (@pulumi/policy's deserialize.ts unpacks them). */
function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === "secret") return revealed(entries[0]![1]);
  return Object.fromEntries(entries.map(([k, v]) => [k, revealed(v)]));
}

const subjects = (plan: ParsedPlan) =>
  plan.raw.map((r) => ({
    type: r.type,
    name: r.name,
    props: revealed(r.inputs) as Record<string, unknown>,
    protect: r.protect,
    ...((r as { parent?: string }).parent && { parent: (r as { parent?: string }).parent }),
  }));

/** Every violation the pack reports on a plan, as `<policy>: <message>`, with the pack's settings for the stack. */
async function packViolations(stack: string, plan: ParsedPlan): Promise<string[]> {
  const settings = packSettings(rawConfig(stack).config);
  const found: string[] = [];
  for (const policy of jarvisPolicies(settings)) {
    const report = (message: string) => void found.push(`${policy.name}: ${message}`);
    if ("validateStack" in policy)
      await (policy as StackValidationPolicy).validateStack(stackArgs(subjects(plan)), report);
    else
      for (const subject of subjects(plan))
        await validate(policy as ResourceValidationPolicy, resourceArgs(subject), report);
  }
  return found;
}

const plans: Record<string, ParsedPlan> = {};
beforeAll(async () => {
  for (const stack of STACKS) plans[stack] = await shippedPlan(stack);
});

describe("the policy pack's folder", () => {
  const read = (file: string) => JSON.parse(readFileSync(join(PROJECT_DIR, file), "utf8"));

  it("is self-contained: its dependencies pinned as the project's, in its own lockfile, and a nodejs pack", () => {
    const pack = read("policy/package.json");
    const root = read("package.json");
    expect(pack.dependencies["@pulumi/policy"]).toBe("1.21.0");
    expect(pack.dependencies["@pulumi/policy"]).toBe(root.devDependencies["@pulumi/policy"]);
    expect(pack.dependencies["@pulumi/pulumi"]).toBe(root.dependencies["@pulumi/pulumi"]);
    expect(pack.dependencies["ipaddr.js"]).toBe(root.dependencies["ipaddr.js"]);
    const lock = read("policy/package-lock.json");
    expect(lock.packages["node_modules/@pulumi/policy"].version).toBe("1.21.0");
    expect(lock.packages["node_modules/@pulumi/pulumi"].version).toBe(root.dependencies["@pulumi/pulumi"]);
    expect(parse(readFileSync(join(PROJECT_DIR, "policy/PulumiPolicy.yaml"), "utf8"))).toMatchObject({
      runtime: "nodejs",
    });
    expect(pack.main).toBe("index.ts");
  });
});

describe("the policy pack on the shipped stacks", () => {
  it("covers every stack file", () => {
    expect(STACKS).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
  });

  it.each(STACKS)("finds no violation in %s", async (stack) => {
    expect(await packViolations(stack, plans[stack]!)).toEqual([]);
  });

  it("is mandatory for staging and prod and advisory for dev, from their config", () => {
    expect(STACKS.map((s) => [s, packSettings(rawConfig(s).config).enforcement])).toEqual(
      expect.arrayContaining([
        ["dev", "advisory"],
        ["staging", "mandatory"],
        ["prod", "mandatory"],
      ]),
    );
  });

  it("leaves a chart's objects, as a real preview registers them under the Chart, to the chart", async () => {
    const prod = plans.prod!;
    const chart = prod.raw.find((r) => r.type === TYPES.chart)!;
    // The Loki chart's own objects (they are not in the offline plan): what its templates leave unset
    // for the stack (probes, limits, protect) must not stop a deploy.
    const child = (type: string, name: string, inputs: Record<string, unknown>) => ({
      ...chart,
      type,
      name,
      inputs,
      protect: false,
      parent: chart.urn,
    });
    const pod = { containers: [{ name: "loki", image: "docker.io/grafana/loki:3.7.6" }] };
    const children = [
      child(TYPES.statefulSet, "jarvis-loki", { metadata: { namespace: "jarvis" }, spec: { template: { spec: pod } } }),
      child(TYPES.statefulSet, "jarvis-loki-chunks-cache", {
        metadata: { namespace: "jarvis" },
        spec: { template: { spec: {} } },
      }),
      child(TYPES.configMap, "jarvis-loki", {
        data: { "config.yaml": "secret_access_key: ${LOKI_S3_SECRET_ACCESS_KEY}" },
      }),
    ];
    expect(await packViolations("prod", { ...prod, raw: [...prod.raw, ...children] })).toEqual([]);
    // The same objects as the stack's own are not let through.
    const own = children.map((c) => ({ ...c, parent: prod.raw.find((r) => r.type === "pulumi:pulumi:Stack")!.urn }));
    expect((await packViolations("prod", { ...prod, raw: [...prod.raw, ...own] })).length).toBeGreaterThan(5);
    // A Chart parented to the stack itself: its children's parent URN names the Chart last.
    const topLevel = children.map((c) => ({
      ...c,
      parent: "urn:pulumi:prod::jarvis::kubernetes:helm.sh/v4:Chart::logs",
    }));
    expect(await packViolations("prod", { ...prod, raw: [...prod.raw, ...topLevel] })).toEqual([]);
  });

  it("reports a deliberate violation by policy and resource name", async () => {
    const prod = plans.prod!;
    const nodePort = {
      ...prod.raw.find((r) => r.type === TYPES.service)!,
      name: "debug-node-port",
      inputs: { metadata: { namespace: "jarvis" }, spec: { type: "NodePort", ports: [{ port: 1 }] } },
    };
    const unprotected = { ...prod.raw.find((r) => r.type === TYPES.statefulSet)!, protect: false };
    const withViolations = {
      ...prod,
      raw: [
        ...prod.raw.filter((r) => r.name !== unprotected.name || r.type !== unprotected.type),
        nodePort,
        unprotected,
      ],
    };
    expect(await packViolations("prod", withViolations)).toEqual([
      "internal-services: debug-node-port: a Service of type NodePort is reachable from outside",
      `protected-state: ${unprotected.name}: holds data but is not protected (jarvis:dataProtection.protect is on)`,
    ]);
  });
});
