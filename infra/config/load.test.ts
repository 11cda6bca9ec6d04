import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";
import { PROJECT_DIR } from "../../tools/plan/cli";
import { discoverStacks } from "../../tools/plan/stacks";
import {
  MANAGED_MONITORING,
  managedMonitoringValue,
  problems,
  rawConfig,
  stackValues,
  validConfig,
  warnings,
} from "../../tools/test-support";
import { CATALOGUE } from "../catalogue";
import { ANY_PATH, type Host } from "../host";
import { loadStackConfig } from "./load";
import { overlay } from "./overlay";
import { formatProblems } from "./problems";
import { PLATFORM_KEYS, sharedKeys } from "./schema";
import { knownKeysAt } from "./zod-problems";

/** The backend's autoscaling of Pulumi.yaml with some fields changed. */
const backendScaling = (changes: Record<string, number>) => ({
  "jarvis:autoscaling": {
    backend: {
      enabled: true,
      minReplicas: 2,
      maxReplicas: 10,
      cpuUtilization: 70,
      memoryUtilization: 80,
      scaleUpStabilizationSeconds: 0,
      scaleDownStabilizationSeconds: 300,
      scaleDownPodsPerMinute: 1,
      ...changes,
    },
  },
});

const network = (subnet: string, gateway: string | number = 1) => ({
  name: "jarvis-network",
  subnet,
  gateway,
  bridge: { name: "jarvis-br0", enableIcc: true, enableIpMasquerade: true, mtu: 1500 },
});
const defaultAddresses = validConfig("dev").platform === "docker" ? (validConfig("dev") as any).addresses : {};
const defaultPorts = (validConfig("dev") as any).ports;
const defaultPublish = (validConfig("dev") as any).publish;
const defaultImages = (validConfig("dev") as any).images;

describe("the shipped stacks", () => {
  it.each([
    ["dev", "docker"],
    ["staging", "kubernetes"],
    ["prod", "kubernetes"],
  ])("%s is valid and runs on %s", (stack, platform) => {
    expect(validConfig(stack).platform).toBe(platform);
  });

  it("dev takes every default from Pulumi.yaml", () => {
    const dev = validConfig("dev") as any;
    expect(dev.network.subnet).toBe("172.20.0.0/16");
    expect(dev.addresses.backend).toBe(40);
    expect(dev.publish.bindAddress).toBe("127.0.0.1");
    expect(dev.backend.rateLimit).toEqual({ requests: 10, windowSeconds: 60 });
  });

  it("removes with null what a key without a Pulumi.yaml default names, and answers a misspelt secret key with its name", () => {
    const dev = (validConfig("dev", { "jarvis:hostPaths": { models: null, postgresInit: "/srv/init.sql" } }) as any)
      .hostPaths;
    expect(dev).toEqual({ postgresInit: "/srv/init.sql" });
    expect(problems("dev", {}, { "jarvis:smtpPasword": "x" })).toEqual([
      { key: "jarvis:smtpPasword", message: "unknown configuration key; did you mean smtpPassword?" },
    ]);
  });

  it("refuses a namespace quota or container default whose requests exceed its limits", () => {
    expect(
      problems("prod", {
        "jarvis:namespace": {
          name: "jarvis",
          quota: { requests: { cpu: "64", memory: "48Gi" }, limits: { cpu: "48", memory: "96Gi" }, pods: 60 },
          containerDefaults: { requests: { memory: "2Gi" } },
        },
      }).map((p) => p.key),
    ).toEqual(["jarvis:namespace.containerDefaults.requests.memory", "jarvis:namespace.quota.requests.cpu"]);
  });

  it("replaces a label selector of a stack whole, not merged with Pulumi.yaml's", () => {
    const staging = validConfig("staging", {
      "jarvis:clusterDns": { podLabels: { "app.kubernetes.io/name": "coredns" } },
    });
    expect((staging as any).clusterDns).toEqual({
      namespace: "kube-system",
      podLabels: { "app.kubernetes.io/name": "coredns" },
      port: 53,
    });
  });

  it("prod overrides single fields of replicas and autoscaling, the rest comes from Pulumi.yaml", () => {
    const prod = validConfig("prod") as any;
    expect(prod.replicas).toEqual({ stt: 2, tts: 2, backend: 2, interface: 3 });
    expect(prod.autoscaling.backend).toEqual({
      ...(validConfig("staging") as any).autoscaling.backend,
      minReplicas: 3,
    });
    expect(prod.namespace.name).toBe("jarvis");
  });
});

describe("refused config, each problem at its key path", () => {
  const cases: [string, string, Record<string, unknown>, string, RegExp][] = [
    [
      "an IP outside the subnet",
      "dev",
      { "jarvis:addresses": { ...defaultAddresses, backend: "10.0.0.5" } },
      "jarvis:addresses.backend",
      /outside the subnet 172\.20\.0\.0\/16/,
    ],
    [
      "two services on one IP",
      "dev",
      { "jarvis:addresses": { ...defaultAddresses, tts: 10 } },
      "jarvis:addresses.tts",
      /already taken by stt/,
    ],
    [
      "a service on the gateway",
      "dev",
      { "jarvis:addresses": { ...defaultAddresses, stt: "172.20.0.1" } },
      "jarvis:addresses.stt",
      /taken by the gateway/,
    ],
    [
      "the broadcast address",
      "dev",
      { "jarvis:addresses": { ...defaultAddresses, stt: "172.20.255.255" } },
      "jarvis:addresses.stt",
      /broadcast address/,
    ],
    [
      "the network address",
      "dev",
      { "jarvis:addresses": { ...defaultAddresses, stt: "172.20.0.0" } },
      "jarvis:addresses.stt",
      /network address/,
    ],
    [
      "a host number beyond the subnet",
      "dev",
      { "jarvis:network": network("10.1.2.0/24"), "jarvis:addresses": { ...defaultAddresses, stt: 300 } },
      "jarvis:addresses.stt",
      /outside 10\.1\.2\.0\/24 \(1-254\)/,
    ],
    ["an invalid CIDR", "dev", { "jarvis:network": network("172.20.0.0/33") }, "jarvis:network.subnet", /CIDR/i],
    [
      "a subnet with host bits",
      "dev",
      { "jarvis:network": network("172.20.0.5/16") },
      "jarvis:network.subnet",
      /not a network address/,
    ],
    [
      "a gateway outside the subnet",
      "dev",
      { "jarvis:network": network("172.20.0.0/16", "172.21.0.1") },
      "jarvis:network.gateway",
      /outside the subnet/,
    ],
    [
      "two host ports on one interface",
      "dev",
      { "jarvis:publish": { ...defaultPublish, ports: { ...defaultPublish.ports, backend: { http: 3000 } } } },
      "jarvis:publish.ports.interface.http",
      /host port 3000 on 127\.0\.0\.1 is already published by backend\.http/,
    ],
    [
      "0.0.0.0 overlapping a specific interface",
      "dev",
      {
        "jarvis:publish": {
          ...defaultPublish,
          ports: { ...defaultPublish.ports, grafana: { http: { hostPort: 8000, bindAddress: "0.0.0.0" } } },
        },
      },
      "jarvis:publish.ports.grafana.http",
      /already published by backend\.http/,
    ],
    [
      "a browser-facing port left unpublished",
      "dev",
      // A stack's value is a merge patch of the project's: null removes a key.
      { "jarvis:publish": { ports: { backend: null } } },
      "jarvis:publish.ports.backend.http",
      /browser reaches this port/,
    ],
    [
      "a port of 0",
      "dev",
      { "jarvis:ports": { ...defaultPorts, backend: { http: 0 } } },
      "jarvis:ports.backend.http",
      /expected number to be >=1/,
    ],
    [
      "a port above 65535",
      "staging",
      { "jarvis:ports": { ...defaultPorts, redis: { redis: 65536 } } },
      "jarvis:ports.redis.redis",
      /<=65535/,
    ],
    [
      "one port twice in a service",
      "dev",
      { "jarvis:ports": { ...defaultPorts, interface: { http: 3000, websocket: 3000 } } },
      "jarvis:ports.interface.websocket",
      /already used by interface\.http/,
    ],
    [
      "a latest tag",
      "dev",
      { "jarvis:images": { ...defaultImages, redis: "redis:latest" } },
      "jarvis:images.redis",
      /moving tag 'latest'/,
    ],
    [
      "a latest-* tag",
      "prod",
      { "jarvis:images": { ...defaultImages, timescale: "timescale/timescaledb:latest-pg15" } },
      "jarvis:images.timescale",
      /moving tag 'latest-pg15'/,
    ],
    [
      "an untagged image",
      "dev",
      { "jarvis:images": { ...defaultImages, qdrant: "qdrant/qdrant" } },
      "jarvis:images.qdrant",
      /pinned by a tag or a digest/,
    ],
    [
      "an untagged image on a registry with a port",
      "dev",
      { "jarvis:images": { ...defaultImages, grafana: "registry.local:5000/grafana" } },
      "jarvis:images.grafana",
      /pinned/,
    ],
    ["a moving app version", "prod", { "jarvis:appVersion": "latest" }, "jarvis:appVersion", /moving tag 'latest'/],
    [
      "a malformed app registry",
      "prod",
      { "jarvis:appRegistry": "https://registry.example.com/jarvis" },
      "jarvis:appRegistry",
      /registry and repository prefix/,
    ],
    [
      "a malformed app digest",
      "prod",
      { "jarvis:appDigests": { backend: "sha256:xyz" } },
      "jarvis:appDigests.backend",
      /64 hex digits/,
    ],
    [
      // Docker refuses `jarvis/backend@sha256:...` as the build's tag.
      "a digest for an image that dev builds locally",
      "dev",
      { "jarvis:appDigests": { backend: `sha256:${"b".repeat(64)}` } },
      "jarvis:appDigests.backend",
      /locally built image has no registry digest/,
    ],
    [
      "an app image with neither a registry host nor a build",
      "dev",
      { "jarvis:appBuild": { stt: { context: "/src/stt" } } },
      "jarvis:appBuild.backend.context",
      /names no registry host to pull backend from/,
    ],
    [
      "a multicast subnet",
      "dev",
      { "jarvis:network": network("224.0.0.0/16") },
      "jarvis:network.subnet",
      /multicast range/,
    ],
    [
      "the whole address space",
      "dev",
      { "jarvis:network": network("0.0.0.0/0") },
      "jarvis:network.subnet",
      /unspecified range/,
    ],
    [
      "a public host with a scheme",
      "dev",
      { "jarvis:publish": { ...defaultPublish, publicHost: "http://bad host/" } },
      "jarvis:publish.publicHost",
      /host name or an IPv4 address/,
    ],
    [
      "a broadcast bind address",
      "dev",
      { "jarvis:publish": { ...defaultPublish, bindAddress: "255.255.255.255" } },
      "jarvis:publish.bindAddress",
      /host interface address/,
    ],
    [
      "a CPU quantity in the wrong unit",
      "dev",
      {
        "jarvis:resources": {
          ...(validConfig("dev") as any).resources,
          redis: { requests: { cpu: "500M", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
        },
      },
      "jarvis:resources.redis.requests.cpu",
      /^must be a CPU quantity above zero/,
    ],
    [
      "HPA min above max",
      "prod",
      backendScaling({ minReplicas: 5, maxReplicas: 3 }),
      "jarvis:autoscaling.backend.minReplicas",
      /must not exceed maxReplicas \(3\)/,
    ],
    [
      "a CPU target above 100",
      "prod",
      backendScaling({ maxReplicas: 3, cpuUtilization: 120 }),
      "jarvis:autoscaling.backend.cpuUtilization",
      /<=100/,
    ],
    [
      "an HPA that cannot spare a pod",
      "prod",
      backendScaling({ minReplicas: 1, maxReplicas: 3 }),
      "jarvis:autoscaling.backend.minReplicas",
      /at least 2/,
    ],
    [
      "zero replicas",
      "staging",
      { "jarvis:replicas": { stt: 1, tts: 1, backend: 0, interface: 1 } },
      "jarvis:replicas.backend",
      />=1/,
    ],
    [
      "a relative host path",
      "dev",
      { "jarvis:hostPaths": { models: "./models" } },
      "jarvis:hostPaths.models",
      /absolute path/,
    ],
    [
      "a misspelt key",
      "dev",
      { "jarvis:netwrok": { subnet: "10.0.0.0/8" } },
      "jarvis:netwrok",
      /unknown configuration key/,
    ],
    [
      "a misspelt nested key",
      "dev",
      { "jarvis:network": { ...network("172.20.0.0/16"), subnett: "x" } },
      "jarvis:network.subnett",
      /unknown key/,
    ],
    ["no platform", "dev", { "jarvis:platform": undefined }, "jarvis:platform", /required/],
    ["an unknown platform", "dev", { "jarvis:platform": "nomad" }, "jarvis:platform", /docker|kubernetes/],
    ["a missing required key", "dev", { "jarvis:ports": undefined }, "jarvis:ports", /required/],
    [
      "CORS *",
      "dev",
      {
        "jarvis:backend": {
          appName: "J",
          logLevel: "INFO",
          debug: false,
          corsOrigins: ["*"],
          rateLimit: { requests: 10, windowSeconds: 60 },
          memory: { updateIntervalSeconds: 60, retentionDays: 1 },
        },
      },
      "jarvis:backend.corsOrigins[0]",
      /`\*` is refused/,
    ],
    [
      "an origin with a path",
      "dev",
      {
        "jarvis:backend": {
          appName: "J",
          logLevel: "INFO",
          debug: false,
          corsOrigins: ["https://a.example.com/app"],
          rateLimit: { requests: 10, windowSeconds: 60 },
          memory: { updateIntervalSeconds: 60, retentionDays: 1 },
        },
      },
      "jarvis:backend.corsOrigins[0]",
      /origin/,
    ],
    [
      "a request above its limit",
      "dev",
      {
        "jarvis:resources": {
          ...(validConfig("dev") as any).resources,
          backend: { requests: { cpu: "3", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
        },
      },
      "jarvis:resources.backend.requests.cpu",
      /must not exceed limits\.cpu/,
    ],
    [
      "a health-check timeout as long as the interval",
      "dev",
      {
        "jarvis:healthChecks": {
          intervalSeconds: 10,
          timeoutSeconds: 10,
          retries: 3,
          startPeriodSeconds: 0,
          startIntervalSeconds: 5,
        },
      },
      "jarvis:healthChecks.timeoutSeconds",
      /shorter than the interval/,
    ],
    [
      "a default LLM that is not pulled",
      "dev",
      {
        "jarvis:models": {
          ollama: ["llama3.2:1b"],
          defaultLlm: "mistral:7b",
          whisper: "base",
          piper: "x",
          keepAlive: "1h",
          pullLimits: { cpu: "1", memory: "1Gi", ephemeralStorage: "64Mi" },
        },
      },
      "jarvis:models.defaultLlm",
      /one of the models/,
    ],
    [
      "a model without a tag",
      "dev",
      {
        "jarvis:models": { ollama: ["llama3.2"], defaultLlm: "llama3.2", whisper: "base", piper: "x", keepAlive: "1h" },
      },
      "jarvis:models.ollama[0]",
      /name:tag/,
    ],
    [
      "an ingress host that is not a DNS name",
      "staging",
      { "jarvis:edge": { hosts: { interface: "Jarvis_App", api: "api.example.com" }, websocketPath: "/ws" } },
      "jarvis:edge.hosts.interface",
      /DNS name/,
    ],
    [
      "an edge rate limit of zero",
      "prod",
      {
        "jarvis:edge": {
          ...(stackValues("prod") as any)["jarvis:edge"],
          rateLimit: { requests: 0, windowSeconds: 60, burst: 10, forwardedForDepth: 0 },
        },
      },
      "jarvis:edge.rateLimit.requests",
      />=1/,
    ],
    [
      "an unknown edge implementation",
      "staging",
      { "jarvis:edge": { ...(stackValues("staging") as any)["jarvis:edge"], implementation: "ingress-nginx" } },
      "jarvis:edge.implementation",
      /traefik/,
    ],
    [
      "a GPU with an unknown driver",
      "dev",
      { "jarvis:gpu": { enabled: true, driver: "amd", count: 1, stt: false } },
      "jarvis:gpu.driver",
      /nvidia/,
    ],
    [
      "the default namespace",
      "prod",
      { "jarvis:namespace": { name: "default", podSecurity: "restricted" } },
      "jarvis:namespace.name",
      /system namespace/,
    ],
    [
      "no target cluster",
      "staging",
      { "jarvis:cluster": { apiServer: [{ cidr: "10.0.0.10/32", ports: [6443] }] } },
      "jarvis:cluster",
      /name the target cluster/,
    ],
    [
      "a bridge name too long for Linux",
      "dev",
      {
        "jarvis:network": {
          ...network("172.20.0.0/16"),
          bridge: { name: "jarvis-bridge-0001", enableIcc: true, enableIpMasquerade: true, mtu: 1500 },
        },
      },
      "jarvis:network.bridge.name",
      /15 characters/,
    ],
  ];

  it.each(cases)("refuses %s", (_what, stack, overrides, key, message) => {
    const found = problems(stack, overrides);
    expect(found.map((p) => p.key)).toContain(key);
    expect(found.find((p) => p.key === key)!.message).toMatch(message);
  });

  it("lists every problem at once, sorted by key", () => {
    const found = problems("dev", {
      "jarvis:platform": "docker",
      "jarvis:addresses": { ...defaultAddresses, tts: 10 },
      "jarvis:images": { ...defaultImages, redis: "redis:latest" },
      "jarvis:typo": 1,
    });
    expect(found.map((p) => p.key)).toEqual(["jarvis:addresses.tts", "jarvis:images.redis", "jarvis:typo"]);
    expect(formatProblems(found)).toBe(
      [
        "invalid stack configuration (3 problems):",
        "  jarvis:addresses.tts: 172.20.0.10 is already taken by stt",
        "  jarvis:images.redis: must not use the moving tag 'latest' (got \"redis:latest\")",
        "  jarvis:typo: unknown configuration key",
      ].join("\n"),
    );
  });

  it("reports one message per mistake", () => {
    const resources = {
      ...(validConfig("dev") as any).resources,
      redis: { requests: { cpu: "500M", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
    };
    expect(problems("dev", { "jarvis:resources": resources })).toHaveLength(1);
  });

  it("checks a service's ports even when another service's ports are malformed", () => {
    const found = problems("dev", {
      "jarvis:ports": { ...defaultPorts, stt: { http: "x" }, interface: { http: 3000, websocket: 3000 } },
    });
    expect(found.map((p) => p.key)).toEqual(["jarvis:ports.interface.websocket", "jarvis:ports.stt.http"]);
  });

  it("checks the addresses even when the gateway is wrong", () => {
    const found = problems("dev", {
      "jarvis:network": network("172.20.0.0/16", "10.0.0.1"),
      "jarvis:addresses": { ...defaultAddresses, tts: 10 },
    });
    expect(found.map((p) => p.key)).toEqual(["jarvis:addresses.tts", "jarvis:network.gateway"]);
  });

  it("asks, on Kubernetes only, where a switched-on integration is: its egress", () => {
    const on = (stack: string) =>
      problems(
        stack,
        {
          "jarvis:features": { ...(stackValues(stack)["jarvis:features"] as object), homeAssistant: true },
          "jarvis:integrations": { homeAssistant: { url: "https://ha.home.arpa" } },
        },
        { "jarvis:homeAssistantToken": "x" },
      );
    expect(on("prod")).toEqual([
      {
        key: "jarvis:integrations.homeAssistant.egress",
        message:
          "required on Kubernetes because features.homeAssistant is on: the services that use it may reach only these addresses",
      },
    ]);
    expect(on("dev")).toEqual([]);
  });

  it("accepts upper-case letters in a tag and pins app images by digest", () => {
    expect(problems("dev", { "jarvis:appVersion": "1.4.0-RC1" })).toEqual([]);
    expect(problems("prod", { "jarvis:appDigests": { backend: `sha256:${"b".repeat(64)}` } })).toEqual([]);
  });

  it("accepts the same host port on two distinct interfaces", () => {
    const publish = {
      ...defaultPublish,
      ports: { ...defaultPublish.ports, grafana: { http: { hostPort: 3000, bindAddress: "127.0.0.2" } } },
    };
    expect(problems("dev", { "jarvis:publish": publish })).toEqual([]);
  });

  it("reads a CPU quantity written as a YAML number", () => {
    const resources = {
      ...(validConfig("dev") as any).resources,
      backend: { requests: { cpu: 0.5, memory: "1Gi" }, limits: { cpu: 2, memory: "2Gi" } },
    };
    expect((validConfig("dev", { "jarvis:resources": resources }) as any).resources.backend.limits.cpu).toBe("2");
    expect(
      problems("dev", {
        "jarvis:resources": {
          ...resources,
          backend: { requests: { cpu: -1, memory: "1Gi" }, limits: { cpu: 2, memory: "2Gi" } },
        },
      }).map((p) => p.key),
    ).toContain("jarvis:resources.backend.requests.cpu");
  });

  it("accepts images pinned by digest", () => {
    const digest = `redis@sha256:${"a".repeat(64)}`;
    expect(problems("dev", { "jarvis:images": { ...defaultImages, redis: digest } })).toEqual([]);
  });
});

describe("namespaces and platforms", () => {
  it("passes other namespaces through", () => {
    expect(
      problems("dev", {
        "docker:host": "unix:///var/run/docker.sock",
        "kubernetes:context": "x",
        "random:anything": "y",
      }),
    ).toEqual([]);
  });

  it("validates every key that is set, whichever platform reads it: one Pulumi.yaml serves every stack", () => {
    expect(
      problems("dev", {
        "jarvis:autoscaling": { backend: { minReplicas: 9, maxReplicas: 1 } },
        "jarvis:clusterDns": { port: -1, prot: 53 },
        "jarvis:edge": "nonsense",
      }),
    ).toEqual([
      { key: "jarvis:autoscaling.backend.minReplicas", message: "must not exceed maxReplicas (1) (got 9)" },
      { key: "jarvis:clusterDns.port", message: "Too small: expected number to be >=1 (got -1)" },
      { key: "jarvis:clusterDns.prot", message: "unknown key; did you mean port?" },
      { key: "jarvis:edge", message: 'Invalid input: expected object (got "nonsense")' },
    ]);
    expect(problems("staging", { "jarvis:network": { subnet: "not-a-cidr" } }).map((p) => p.key)).toEqual([
      "jarvis:network.subnet",
    ]);
  });

  /** The problems of a stack whose Pulumi.yaml holds `changes` (merged into its project defaults). */
  function withProjectDefaults(stack: string, changes: Record<string, unknown>) {
    const { config, secretKeys, projectDefaults } = rawConfig(stack);
    const defaults = new Map(projectDefaults);
    for (const [key, change] of Object.entries(changes)) {
      const value = overlay(change, defaults.get(key)).value;
      defaults.set(key, value);
      // The stack file does not set the key: the CLI hands over Pulumi.yaml's value.
      if (!(key in parse(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")).config))
        config[key] = JSON.stringify(value);
    }
    const result = loadStackConfig(config, secretKeys, "jarvis", { host: ANY_PATH, projectDefaults: defaults });
    return result.ok ? [] : result.problems;
  }

  it("refuses, on every stack, a Pulumi.yaml value the other platform's checks refuse", () => {
    expect(withProjectDefaults("dev", { "jarvis:autoscaling": { backend: { minReplicas: 1 } } })).toEqual([
      {
        key: "jarvis:autoscaling.backend.minReplicas",
        message: "must be at least 2 so that one pod can be evicted while another serves",
      },
    ]);
    expect(withProjectDefaults("staging", { "jarvis:addresses": { tts: 10 } })).toEqual([
      { key: "jarvis:addresses.tts", message: "172.20.0.10 is already taken by stt" },
    ]);
  });

  it("leaves to the other platform what it requires, and what only this stack file sets", () => {
    // What Docker requires of a stack (a published browser port) is not asked of staging.
    expect(problems("staging", { "jarvis:publish": { ports: { backend: null } } })).toEqual([]);
    // A GPU count Kubernetes cannot request, in a dev stack file: no Kubernetes stack reads it.
    expect(problems("dev", { "jarvis:gpu": { enabled: true, count: "all" } })).toEqual([]);
    expect(withProjectDefaults("dev", { "jarvis:gpu": { enabled: true, count: "all" } }).map((p) => p.key)).toEqual([
      "jarvis:gpu.count",
    ]);
  });

  it("warns about the other platform's keys a stack file sets, not about Pulumi.yaml's defaults of them", () => {
    const { config, secretKeys, projectDefaults } = rawConfig("staging", {
      "jarvis:publish": { ports: { backend: { http: 8080 } } },
    });
    const result = loadStackConfig(config, secretKeys, "jarvis", { host: ANY_PATH, projectDefaults });
    expect(result.ok && result.warnings).toEqual([
      { key: "jarvis:publish", message: "has no effect on a kubernetes stack: only docker stacks read it" },
    ]);
    const shipped = rawConfig("staging");
    const plain = loadStackConfig(shipped.config, shipped.secretKeys, "jarvis", {
      host: ANY_PATH,
      projectDefaults: shipped.projectDefaults,
    });
    expect(plain.ok && plain.warnings).toEqual([]);
  });

  it("requires the chosen platform's keys", () => {
    expect(problems("staging", { "jarvis:namespace": undefined }).map((p) => p.key)).toEqual(["jarvis:namespace"]);
    expect(problems("dev", { "jarvis:network": undefined }).map((p) => p.key)).toEqual(["jarvis:network"]);
  });

  it("a new stack is a new file: platform comes from config, not from the stack's name", () => {
    const { config, secretKeys } = { config: { "jarvis:platform": "kubernetes" }, secretKeys: [] };
    const result = loadStackConfig(config, secretKeys, "jarvis");
    expect(result.ok).toBe(false);
    // Without project defaults everything the platform needs is reported missing, nothing about the name.
    const found = result.ok ? [] : result.problems;
    expect(found.map((p) => p.key)).toEqual(
      [
        "appRegistry",
        "appVersion",
        "autoscaling",
        "backend",
        "backup",
        "cluster",
        "clusterDns",
        "clusterMonitoring",
        "dataProtection",
        "databases",
        "edge",
        "egress",
        "features",
        "gpu",
        "healthChecks",
        "images",
        "logStore",
        "logs",
        "models",
        "monitoring",
        "namePrefix",
        "namespace",
        "policyEnforcement",
        "ports",
        "qdrant",
        "replicas",
        "resources",
        "rollout",
        "scheduling",
        "shutdown",
        "storage",
      ].map((key) => `jarvis:${key}`),
    );
    for (const p of found) expect(p.message, p.key).toMatch(/^required/);
  });
});

describe("secrets a person provides", () => {
  const features = (on: Record<string, boolean>) => ({
    brainMemory: true,
    emotionalAnalysis: true,
    autoConsolidation: true,
    webBrowsing: false,
    alertEmail: false,
    homeAssistant: false,
    mqtt: false,
    ...on,
  });

  it("are not needed while their feature is off", () => {
    expect(problems("dev")).toEqual([]);
  });

  it("are required, with their settings, once their feature is on", () => {
    const found = problems("dev", { "jarvis:features": features({ webBrowsing: true, alertEmail: true }) });
    expect(found.map((p) => p.key)).toEqual([
      "jarvis:browserbaseApiKey",
      "jarvis:integrations.browserbase",
      "jarvis:integrations.smtp",
      "jarvis:smtpPassword",
    ]);
    expect(found[0]!.message).toBe(
      "required because features.webBrowsing is on: pulumi config set --secret jarvis:browserbaseApiKey <value>",
    );
  });

  it("pass once provided as secrets", () => {
    const found = problems(
      "dev",
      {
        "jarvis:features": features({ webBrowsing: true }),
        "jarvis:integrations": { browserbase: { projectId: "p-1" } },
      },
      { "jarvis:browserbaseApiKey": "bb-key" },
    );
    expect(found).toEqual([]);
  });

  it("are refused in plain text", () => {
    const found = problems("dev", { "jarvis:smtpPassword": "hunter2" });
    expect(found).toEqual([
      {
        key: "jarvis:smtpPassword",
        message: "must be stored encrypted: pulumi config set --secret jarvis:smtpPassword <value>",
      },
    ]);
    expect(JSON.stringify(found)).not.toContain("hunter2");
  });

  it("must be one string, not a map or a list", () => {
    expect(problems("dev", {}, { "jarvis:smtpPassword": '{"inner":"x"}' })).toEqual([
      { key: "jarvis:smtpPassword", message: "must be one encrypted string, not a map or a list" },
    ]);
    expect(problems("dev", {}, { "jarvis:smtpPassword": '["x"]' }).map((p) => p.key)).toEqual(["jarvis:smtpPassword"]);
  });

  it("a settings key that fails does not also report its feature's needs", () => {
    const found = problems(
      "dev",
      { "jarvis:features": features({ alertEmail: true }), "jarvis:integrations": { smtp: { host: "" } } },
      { "jarvis:smtpPassword": "p" },
    );
    expect(found.map((p) => p.key)).toEqual(
      ["from", "host", "port", "to", "username"].map((field) => `jarvis:integrations.smtp.${field}`),
    );
    expect(found.map((p) => p.message)).not.toContain("required because features.alertEmail is on");
  });

  it("are refused when empty", () => {
    expect(problems("dev", {}, { "jarvis:smtpPassword": " " })).toEqual([
      { key: "jarvis:smtpPassword", message: "must not be empty" },
    ]);
  });

  it("do not hide ordinary settings: a non-secret key stored encrypted is refused, once", () => {
    const { config } = { config: { "jarvis:platform": "docker" } };
    const result = loadStackConfig(config, ["jarvis:platform"]);
    expect(!result.ok && result.problems.filter((p) => p.key === "jarvis:platform")).toEqual([
      {
        key: "jarvis:platform",
        message: "holds no secret: set it without --secret so that plans and reviews can read it",
      },
    ]);
  });

  it("are read only when their feature is on, or their platform is the stack's", () => {
    const dev = rawConfig("dev", {}, { "jarvis:smtpPassword": "p", "jarvis:kubeconfig": "k" });
    // The dev stack names files of a clone of the app that this machine does not have.
    const result = loadStackConfig(dev.config, dev.secretKeys, "jarvis", {
      host: ANY_PATH,
      projectDefaults: dev.projectDefaults,
    });
    expect(result.ok && [...result.secrets]).toEqual([]);
    const staging = rawConfig("staging", {}, { "jarvis:kubeconfig": "k" });
    const loaded = loadStackConfig(staging.config, staging.secretKeys, "jarvis", {
      projectDefaults: staging.projectDefaults,
    });
    expect(loaded.ok && [...loaded.secrets]).toEqual(["kubeconfig"]);
  });

  it("checks that the host paths it bind-mounts exist, on the deploying machine", () => {
    const missing = new Set(["/opt/jarvis/Projet-Jarvis/backend/db/init.sql", "/clone/models/stt"]);
    const host: Host = { exists: (path) => !missing.has(path) };
    const hostPaths = { ...(stackValues("dev")["jarvis:hostPaths"] as object), models: "/clone/models" };
    expect(problems("dev", { "jarvis:hostPaths": hostPaths }, {}, host)).toEqual([
      {
        key: "jarvis:hostPaths.models",
        message:
          "no such folder: /clone/models/stt (mounted into stt); create it, or remove the key to keep it in a named volume",
      },
      {
        key: "jarvis:hostPaths.postgresInit",
        message:
          "no such file: /opt/jarvis/Projet-Jarvis/backend/db/init.sql (mounted into postgres); create it, or remove the key",
      },
    ]);
    // A file where a folder is mounted is not one.
    const asked: [string, string][] = [];
    problems(
      "dev",
      { "jarvis:hostPaths": hostPaths },
      {},
      { exists: (path, kind) => (asked.push([path, kind]), true) },
    );
    expect(asked).toContainEqual(["/clone/models/tts", "folder"]);
    expect(asked).toContainEqual(["/opt/jarvis/Projet-Jarvis/config/qdrant_config.yaml", "file"]);
  });

  it("only warns about a missing host path when the engine is another machine's", () => {
    const nothing: Host = { exists: () => false };
    const { config, secretKeys, projectDefaults } = rawConfig("dev", {
      "jarvis:dockerHost": "ssh://deploy@engine.home.arpa",
    });
    const result = loadStackConfig(config, secretKeys, "jarvis", { host: nothing, projectDefaults });
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings.map((w) => w.key)).toEqual([
      "jarvis:hostPaths.postgresInit",
      "jarvis:hostPaths.qdrantConfig",
      "jarvis:hostPaths.timescaleInit",
    ]);
    expect(result.ok && result.warnings[0]!.message).toMatch(/must exist on ssh:\/\/deploy@engine.home.arpa$/);
    expect(problems("dev", { "jarvis:dockerHost": "unix:///var/run/docker.sock" }, {}, nothing)).toHaveLength(3);
  });

  it("the cluster may be given as a secret kubeconfig alone", () => {
    const apiServer = [{ cidr: "10.0.0.10/32", ports: [6443] }];
    expect(problems("staging", { "jarvis:cluster": { apiServer } }, { "jarvis:kubeconfig": "apiVersion: v1" })).toEqual(
      [],
    );
  });
});

describe("settings that have no effect", () => {
  it("are none in the shipped stacks", () => {
    for (const stack of discoverStacks(PROJECT_DIR)) expect(warnings(stack)).toEqual([]);
  });

  it("include a replica count the autoscaler overrides", () => {
    expect(warnings("prod", { "jarvis:replicas": { backend: 4 } })).toEqual([
      {
        key: "jarvis:replicas.backend",
        message: "has no effect while autoscaling.backend is enabled: the autoscaler keeps 3 to 10",
      },
    ]);
    expect(warnings("prod", { "jarvis:replicas": { interface: 4 } })).toEqual([]);
  });

  it("include secrets whose feature is off, whose login is not set, or that the platform does not read", () => {
    const secrets = { "jarvis:smtpPassword": "p", "jarvis:registryPassword": "r", "jarvis:kubeconfig": "k" };
    expect(warnings("dev", {}, secrets)).toEqual([
      { key: "jarvis:kubeconfig", message: "has no effect: only kubernetes stacks use it" },
      { key: "jarvis:registryPassword", message: "has no effect: registryLogin is not set" },
      { key: "jarvis:smtpPassword", message: "has no effect: features.alertEmail is off" },
    ]);
  });

  it("include an integration whose feature is off", () => {
    const mqtt = { broker: "mqtt.home.arpa", port: 1883, username: "jarvis" };
    expect(warnings("dev", { "jarvis:integrations": { mqtt } })).toEqual([
      { key: "jarvis:integrations.mqtt", message: "has no effect while features.mqtt is off" },
    ]);
  });

  it("include the settings of what is switched off: a GPU, an autoscaler, the backups", () => {
    expect(warnings("dev", { "jarvis:gpu": { count: 2 } })).toEqual([
      { key: "jarvis:gpu.count", message: "has no effect while gpu.enabled is off" },
    ]);
    expect(warnings("prod", { "jarvis:autoscaling": { backend: { enabled: false, maxReplicas: 12 } } })).toEqual([
      {
        key: "jarvis:autoscaling.backend.maxReplicas",
        message: "has no effect while autoscaling.backend.enabled is off",
      },
    ]);
    expect(warnings("staging", { "jarvis:backup": { enabled: false } })).toEqual([]);
    expect(warnings("staging", { "jarvis:backup": { enabled: false, keepDays: 3 } })).toEqual([
      { key: "jarvis:backup.keepDays", message: "has no effect while backup.enabled is off" },
    ]);
  });

  it("include a published port of a service the stack does not deploy", () => {
    // A catalogue where Grafana runs on Kubernetes only.
    const catalogue = { ...CATALOGUE, grafana: { ...CATALOGUE.grafana!, platforms: ["kubernetes" as const] } };
    const { config, secretKeys, projectDefaults } = rawConfig("dev");
    const result = loadStackConfig(
      {
        ...config,
        "jarvis:publish": JSON.stringify({ ports: { grafana: { http: 3002 } } }),
        "jarvis:volumes": JSON.stringify({ grafana: null }),
      },
      secretKeys,
      "jarvis",
      { catalogue, host: ANY_PATH, projectDefaults },
    );
    expect(result.ok && result.warnings).toEqual([
      { key: "jarvis:publish.ports.grafana", message: "has no effect: this stack does not run grafana" },
    ]);
  });

  it("include the edge's rate limit where no Traefik applies it; Traefik requires one", () => {
    const edge = stackValues("staging")["jarvis:edge"] as object;
    expect(warnings("staging", { "jarvis:edge": { ...edge, implementation: "other" } })).toEqual([
      {
        key: "jarvis:edge.rateLimit",
        message:
          "has no effect with implementation other: only the backend's own limit (jarvis:backend.rateLimit) applies",
      },
    ]);
    expect(problems("staging", { "jarvis:edge": { ...edge, rateLimit: null } })).toEqual([
      { key: "jarvis:edge.rateLimit", message: "required for implementation traefik" },
    ]);
    expect(warnings("staging", { "jarvis:edge": { ...edge, implementation: "other", rateLimit: null } })).toEqual([]);
  });

  it("include the settings of a service switched off and of the other platform", () => {
    expect(warnings("dev", { "jarvis:publish": { ports: { cadvisor: { http: 8081 } } } })).toEqual([
      { key: "jarvis:publish.ports.cadvisor", message: "has no effect: this stack does not run cadvisor" },
    ]);
    expect(warnings("staging", { "jarvis:images": { grafana: "grafana/grafana:12.1.2" } })).toEqual([
      { key: "jarvis:images.grafana", message: "has no effect: this stack does not run grafana" },
    ]);
  });
});

describe("any jarvis: key, on every stack", () => {
  const schemas: Record<string, z.ZodType> = { ...sharedKeys, ...PLATFORM_KEYS.docker, ...PLATFORM_KEYS.kubernetes };

  it.each(discoverStacks(PROJECT_DIR))("%s refuses a bad value or a misspelt field at its key path", (stack) => {
    for (const [key, schema] of Object.entries(schemas)) {
      expect(
        problems(stack, { [`jarvis:${key}`]: [1] }).map((p) => p.key),
        key,
      ).toContain(`jarvis:${key}`);
      if (knownKeysAt(schema, []).length > 0)
        expect(
          problems(stack, { [`jarvis:${key}`]: { zzzz: 1 } }).map((p) => p.key),
          key,
        ).toContain(`jarvis:${key}.zzzz`);
    }
  });
});

describe("cluster monitoring (Kubernetes)", () => {
  const managed = MANAGED_MONITORING;
  const inManagedMode = (overrides: Record<string, unknown> = {}) => ({
    "jarvis:clusterMonitoring": managedMonitoringValue(overrides),
  });

  it("requires the managed installation's settings in mode managed only", () => {
    expect(problems("staging", { "jarvis:clusterMonitoring": { mode: "managed" } })).toEqual([
      {
        key: "jarvis:clusterMonitoring.managed",
        message: "is required for mode managed: its namespace, storage and the cluster's addresses",
      },
    ]);
    expect(problems("staging", inManagedMode())).toEqual([]);
  });

  it("keeps the managed installation out of Jarvis's namespace", () => {
    expect(problems("staging", inManagedMode({ namespace: "jarvis-staging" })).map((p) => p.key)).toEqual([
      "jarvis:clusterMonitoring.managed.namespace",
    ]);
  });

  it("exposes Grafana only through an Ingress with certificates from a ClusterIssuer", () => {
    const edge = stackValues("staging")["jarvis:edge"] as Record<string, any>;
    const host = { grafanaHost: MANAGED_MONITORING.grafanaHost };
    expect(problems("staging", inManagedMode(host))).toEqual([]);
    expect(
      problems("staging", {
        ...inManagedMode(host),
        "jarvis:edge": { ...edge, tls: { issuer: "letsencrypt", issuerKind: "Issuer", http01: true } },
      }).map((p) => p.message),
    ).toEqual([
      "needs edge.tls.issuerKind ClusterIssuer: an Issuer cannot sign certificates in the monitoring namespace",
    ]);
    expect(
      problems("staging", {
        ...inManagedMode(host),
        "jarvis:edge": {
          ...edge,
          kind: "gateway",
          gateway: { name: "public", namespace: "gateways", sectionName: "https" },
        },
      }).map((p) => p.message),
    ).toContain("needs edge.kind ingress: the chart exposes Grafana with an Ingress of edge.className");
  });

  it("warns of empty selector labels in mode existing: the installation's default selectors would ignore everything", () => {
    // A selector is replaced whole by a stack's value (overlay.ts SELECTOR_FIELDS), so {} empties it.
    expect(
      warnings("staging", { "jarvis:clusterMonitoring": { existing: { selectorLabels: {} } } }).map((w) => w.key),
    ).toEqual(["jarvis:clusterMonitoring.existing.selectorLabels"]);
  });

  it("warns of settings the mode does not use, and of Docker's cAdvisor, when the stack file sets them", () => {
    expect(warnings("staging")).toEqual([]);
    expect(
      warnings("staging", {
        "jarvis:clusterMonitoring": { managed, nodePorts: { kubelet: 10250, nodeExporter: 9100 } },
        "jarvis:monitoring": { retention: { days: 40 }, cadvisor: true },
      }),
    ).toEqual([
      { key: "jarvis:clusterMonitoring.managed", message: "has no effect: mode is existing" },
      { key: "jarvis:clusterMonitoring.nodePorts", message: "has no effect: mode is existing" },
      { key: "jarvis:monitoring.cadvisor", message: "has no effect: cAdvisor runs on Docker only" },
      {
        key: "jarvis:monitoring.retention",
        message: "has no effect: in mode existing the cluster's Prometheus and Alertmanager keep their own",
      },
    ]);
    expect(
      warnings("staging", {
        ...inManagedMode(),
        "jarvis:monitoring": { retention: { days: 40 } },
      }),
    ).toEqual([]);
    expect(
      warnings("staging", {
        "jarvis:clusterMonitoring": {
          ...inManagedMode()["jarvis:clusterMonitoring"],
          existing: { selectorLabels: {} },
        },
      }),
    ).toEqual([{ key: "jarvis:clusterMonitoring.existing", message: "has no effect: mode is managed" }]);
  });
});
