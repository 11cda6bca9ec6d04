// Each policy of the pack on a resource that holds, one that breaks it, and one whose values a
// preview does not know yet, called as the CLI calls them (validateResource / validateStack with the
// arguments @pulumi/policy builds; no PolicyPack, whose constructor starts the analyzer's server).
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import { describe, expect, it } from "vitest";
import { packSettings, type PackSettings } from "./context";
import { TYPES, UNKNOWN_VALUES, type StackFacts } from "./invariants";
import { jarvisPolicies } from "./policies";
import { proxy, resourceArgs, stackArgs, validate, type TestResource } from "../tools/policy-args";

const FACTS: StackFacts = {
  chartNamespaces: ["cluster-monitoring"],
  protectData: true,
  socketAllowed: false,
  socket: "/var/run/docker.sock",
  monitored: true,
};
const SETTINGS: PackSettings = { enforcement: "mandatory", facts: FACTS };

const POLICIES = jarvisPolicies(SETTINGS);
const policy = (name: string) => POLICIES.find((p) => p.name === name)!;

async function violations(name: string, subject: TestResource | readonly TestResource[], config: object = {}) {
  const found: string[] = [];
  const report = (message: string) => void found.push(message);
  const p = policy(name);
  if ("validateStack" in p)
    await (p as StackValidationPolicy).validateStack(stackArgs([subject].flat(), config), report);
  else await validate(p as ResourceValidationPolicy, resourceArgs(subject as TestResource, config), report);
  return found;
}

const UNKNOWN = proxy.unknownStringValue;
const restrictedContainer = {
  name: "app",
  image: "registry.example.com/app:1.0",
  securityContext: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  },
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
  livenessProbe: { httpGet: { path: "/", port: "http" } },
  readinessProbe: { httpGet: { path: "/", port: "http" } },
  env: [{ name: "MODE", value: "production" }],
};
const restrictedPod = {
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    seccompProfile: { type: "RuntimeDefault" },
  },
  containers: [restrictedContainer],
};
const deployment = (pod: object, namespace = "jarvis"): TestResource => ({
  type: TYPES.deployment,
  props: { metadata: { namespace }, spec: { template: { spec: pod } } },
});
const withContainer = (change: object) =>
  deployment({ ...restrictedPod, containers: [{ ...restrictedContainer, ...change }] });
const container = (props: Record<string, unknown>): TestResource => ({ type: TYPES.container, props });

/**
 * Per policy: a resource that holds, one that breaks it (with the problem's words), and that one with
 * the value that breaks it unknown, as a preview hands it (which must then pass).
 */
const UNKNOWN_OBJECT = proxy.unknownObjectValue;
const CASES: Record<
  string,
  {
    pass: TestResource | TestResource[];
    fail: TestResource | TestResource[];
    says: RegExp;
    unknown: TestResource | TestResource[];
  }
> = {
  "restricted-pods": {
    pass: deployment(restrictedPod),
    fail: deployment({ ...restrictedPod, securityContext: { runAsUser: 1000 } }),
    says: /runAsUser is not >= 10001/,
    unknown: deployment({ ...restrictedPod, securityContext: UNKNOWN_OBJECT }),
  },
  "resource-bounds": {
    pass: deployment(restrictedPod),
    fail: withContainer({ resources: { requests: { cpu: "100m", memory: "64Mi" } } }),
    says: /container app has no cpu limit/,
    unknown: withContainer({ resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: UNKNOWN_OBJECT } }),
  },
  probes: {
    pass: deployment(restrictedPod),
    fail: withContainer({ readinessProbe: undefined }),
    says: /container app has no readiness probe/,
    unknown: deployment({ ...restrictedPod, containers: proxy.unknownArrayValue }),
  },
  "pinned-images": {
    pass: { type: TYPES.remoteImage, props: { name: "prom/prometheus:v3.5.0" } },
    fail: { type: TYPES.remoteImage, props: { name: "prom/prometheus:latest" } },
    says: /uses the moving tag latest/,
    unknown: { type: TYPES.remoteImage, props: { name: UNKNOWN } },
  },
  "internal-services": {
    pass: { type: TYPES.service, props: { spec: { type: "ClusterIP" } } },
    fail: { type: TYPES.service, props: { spec: { type: "NodePort" } } },
    says: /type NodePort is reachable from outside/,
    unknown: { type: TYPES.service, props: { spec: UNKNOWN_OBJECT } },
  },
  "no-plain-secrets": {
    pass: {
      type: TYPES.configMap,
      props: { data: { POSTGRES_PASSWORD_FILE: "/run/secrets/jarvis/POSTGRES_PASSWORD", "token-usage.json": "{}" } },
    },
    fail: { type: TYPES.configMap, props: { data: { DATABASE_URL: "postgresql://jarvis:hunter2@db:5432/jarvis" } } },
    says: /ConfigMap key DATABASE_URL looks like a secret/,
    unknown: { type: TYPES.configMap, props: { data: { DATABASE_URL: UNKNOWN } } },
  },
  "strict-cors": {
    pass: {
      type: TYPES.middleware,
      props: { spec: { headers: { accessControlAllowOriginList: ["https://jarvis.example.com"] } } },
    },
    fail: { type: TYPES.middleware, props: { spec: { headers: { accessControlAllowOriginList: ["*"] } } } },
    says: /allows every origin/,
    unknown: { type: TYPES.middleware, props: { spec: { headers: UNKNOWN_OBJECT } } },
  },
  "protected-state": {
    pass: { type: TYPES.statefulSet, props: {}, protect: true },
    fail: { type: TYPES.claim, props: { metadata: { name: "jarvis-backups" } } },
    says: /holds data but is not protected/,
    // protect is an option, which a preview knows: an unknown input changes nothing.
    unknown: { type: TYPES.claim, props: { metadata: UNKNOWN_OBJECT }, protect: true },
  },
  "autoscaler-minimum": {
    pass: { type: TYPES.autoscaler, props: { spec: { minReplicas: 2 } } },
    fail: { type: TYPES.autoscaler, props: { spec: { minReplicas: 1 } } },
    says: /minReplicas 1 is below 2/,
    unknown: { type: TYPES.autoscaler, props: { spec: UNKNOWN_OBJECT } },
  },
  "local-ports": {
    pass: container({ ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1" }] }),
    fail: container({ ports: [{ internal: 5432, external: 5432 }] }),
    says: /port 5432 is published on all interfaces/,
    unknown: container({ ports: [{ internal: 5432, external: 5432, ip: UNKNOWN }] }),
  },
  "no-docker-socket": {
    pass: container({ mounts: [{ type: "bind", source: "/var/lib/docker/containers", target: "/logs" }] }),
    fail: container({ mounts: [{ type: "bind", source: "/run", target: "/var/run" }] }),
    says: /mounts \/run, which holds the Docker socket/,
    unknown: container({ mounts: [{ type: "bind", source: UNKNOWN, target: "/var/run" }] }),
  },
  "tls-entry": {
    pass: {
      type: TYPES.ingress,
      props: { spec: { rules: [{ host: "jarvis.example.com" }], tls: [{ hosts: ["jarvis.example.com"] }] } },
    },
    fail: { type: TYPES.ingress, props: { spec: { rules: [{ host: "jarvis.example.com" }], tls: [{ hosts: [] }] } } },
    says: /host jarvis.example.com has no TLS certificate/,
    unknown: {
      type: TYPES.ingress,
      props: { spec: { rules: [{ host: "jarvis.example.com" }], tls: [{ hosts: proxy.unknownArrayValue }] } },
    },
  },
  "default-deny": {
    pass: [
      deployment(restrictedPod),
      {
        type: TYPES.networkPolicy,
        props: { metadata: { namespace: "jarvis" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
      },
    ],
    fail: [
      deployment(restrictedPod),
      {
        type: TYPES.networkPolicy,
        props: { metadata: { namespace: "other" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
      },
    ],
    says: /namespace jarvis has no default-deny NetworkPolicy/,
    unknown: [
      deployment(restrictedPod),
      {
        type: TYPES.networkPolicy,
        props: { metadata: { namespace: UNKNOWN }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
      },
    ],
  },
  monitored: {
    pass: [
      { type: TYPES.serviceMonitor, props: {} },
      { type: TYPES.prometheusRule, props: { spec: { groups: [{ name: "g", rules: [{ alert: "Down" }] }] } } },
    ],
    fail: [
      { type: TYPES.serviceMonitor, props: {} },
      { type: TYPES.prometheusRule, props: { spec: { groups: [] } } },
    ],
    says: /no PrometheusRule alerts on the stack/,
    unknown: [
      { type: TYPES.serviceMonitor, props: {} },
      { type: TYPES.prometheusRule, props: { spec: { groups: proxy.unknownArrayValue } } },
    ],
  },
};

describe("the pack's policies", () => {
  it("are the cases' policies, each with a passing, a violating and an unknown case", () => {
    expect(POLICIES.map((p) => p.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))("%s passes, fails with its reason, and lets unknown values pass", async (name, c) => {
    expect(await violations(name, c.pass)).toEqual([]);
    const found = await violations(name, c.fail);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join("\n")).toMatch(c.says);
    expect(await violations(name, c.unknown)).toEqual([]);
  });

  // A stack's monitoring is one fact, not a resource's: the pack's config disables that policy instead.
  const resourceCases = Object.entries(CASES).filter(([name]) => name !== "monitored");
  it.each(resourceCases)("%s makes an exception of the resources its config names", async (name, c) => {
    const failing = [c.fail].flat();
    const exempt = failing.map((r, i) => r.name ?? (failing.length > 1 || Array.isArray(c.fail) ? `r${i}` : "subject"));
    expect(await violations(name, c.fail, { exempt })).toEqual([]);
  });

  it("knows a preview's unknown values as @pulumi/policy writes them", () => {
    const sentinels = Object.entries(proxyModule)
      .filter(([key]) => /^unknown.*Value$/.test(key))
      .map(([, value]) => value);
    expect(new Set(sentinels)).toEqual(UNKNOWN_VALUES);
  });

  it("leaves pods of a managed installation's namespace and of a chart to their chart", async () => {
    const root = deployment({ ...restrictedPod, securityContext: {} }, "cluster-monitoring");
    expect(await violations("restricted-pods", root)).toEqual([]);
    const chartChild = {
      ...deployment({ securityContext: {}, containers: [{ name: "x" }] }),
      parent: `urn:pulumi:test::jarvis::jarvis:kubernetes:LogStore$${TYPES.chart}::logs`,
    };
    for (const name of ["restricted-pods", "resource-bounds", "probes"])
      expect(await violations(name, chartChild), name).toEqual([]);
  });

  it("needs a readiness probe on a pod's main container only, and none on a Job's", async () => {
    const sidecar = { ...restrictedContainer, name: "exporter", readinessProbe: undefined };
    expect(
      await violations("probes", deployment({ ...restrictedPod, containers: [restrictedContainer, sidecar] })),
    ).toEqual([]);
    const job = {
      type: TYPES.job,
      props: {
        spec: {
          template: {
            spec: {
              ...restrictedPod,
              containers: [{ ...restrictedContainer, livenessProbe: undefined, readinessProbe: undefined }],
            },
          },
        },
      },
    };
    expect(await violations("probes", job)).toEqual([]);
  });

  it("allows the Docker socket where config switches it on", async () => {
    const allowed = jarvisPolicies({ ...SETTINGS, facts: { ...FACTS, socketAllowed: true } });
    const found: string[] = [];
    const p = allowed.find((x) => x.name === "no-docker-socket") as ResourceValidationPolicy;
    await validate(p, resourceArgs(CASES["no-docker-socket"]!.fail as TestResource), (m: string) => found.push(m));
    expect(found).toEqual([]);
  });
});

describe("the pack's settings", () => {
  it("come from the stack's config as the CLI hands it: advisory where it says so, mandatory otherwise", () => {
    expect(packSettings({ "jarvis:policyEnforcement": "advisory" }).enforcement).toBe("advisory");
    expect(packSettings({ "jarvis:policyEnforcement": "mandatory" }).enforcement).toBe("mandatory");
    expect(packSettings({}).enforcement).toBe("mandatory");
    const managed = packSettings({
      "jarvis:platform": "kubernetes",
      "jarvis:clusterMonitoring": JSON.stringify({ mode: "managed", managed: { namespace: "cluster-monitoring" } }),
      "jarvis:dataProtection": JSON.stringify({ protect: true }),
    });
    expect(managed.facts).toMatchObject({
      chartNamespaces: ["cluster-monitoring"],
      protectData: true,
      monitored: true,
    });
    const dev = packSettings({
      "jarvis:platform": "docker",
      "jarvis:logCollection": JSON.stringify({ dockerSocket: false, socket: "/run/docker.sock" }),
      "jarvis:monitoring": JSON.stringify({ cadvisor: true }),
    });
    expect(dev.facts).toMatchObject({
      chartNamespaces: [],
      socketAllowed: true,
      socket: "/run/docker.sock",
      monitored: false,
    });
  });
});
