// ServiceContainer under the plan engine (the SDK's mocks, recording each registration whole):
// the hardening, options and inputs of the Container it registers.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { Volume } from "@pulumi/docker/volume";
import { ServiceContainer, type ServiceContainerArgs } from "./container";
import { underEngine } from "../../tools/test-support";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const COMPONENT = "jarvis:docker:ServiceContainer";

/** A value the engine receives as secret (wire form). */
const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;

const args = (overrides: Partial<ServiceContainerArgs> = {}): ServiceContainerArgs => ({
  containerName: "jarvis-api",
  image: "sha256:abc",
  network: { name: "jarvis-net", aliases: ["api"] },
  env: ["LOG_LEVEL=info"],
  listens: { http: 8000 },
  ports: [{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }],
  mounts: [
    { type: "volume", source: "jarvis-data", target: "/data", readOnly: false },
    { type: "bind", source: "/srv/config", target: "/config", readOnly: true },
  ],
  limits: { memory: 512, memoryReservation: 256, cpus: "1.5" },
  deviceRequests: [],
  logging: { maxSize: "10m", maxFile: 3 },
  stopGraceSeconds: 30,
  labels: { "jarvis.service": "api" },
  ...overrides,
});

/** The Container registered for one ServiceContainer named "api". */
async function container(overrides: Partial<ServiceContainerArgs> = {}, opts?: pulumi.ComponentResourceOptions) {
  const run = await underEngine(() => {
    new ServiceContainer("api", args(overrides), opts);
  });
  const registration = run.find(CONTAINER, "api");
  return { ...run, registration, inputs: registration.inputs as any };
}

const HEALTH = {
  test: ["CMD", "curl", "-f", "http://localhost:8000/health"],
  timing: { interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s", startInterval: "2s", waitSeconds: 120 },
};

describe("the ServiceContainer component", () => {
  it("hardens the container: every capability dropped, no new privileges, json-file logs with rotation", async () => {
    const { inputs } = await container();
    expect(inputs.capabilities).toEqual({ drops: ["ALL"] });
    expect(inputs.securityOpts).toEqual(["no-new-privileges:true"]);
    expect(inputs.logDriver).toBe("json-file");
    expect(inputs.logOpts).toEqual({ "max-size": "10m", "max-file": "3" });
    expect(inputs.memory).toBe(512);
    expect(inputs.memoryReservation).toBe(256);
    expect(inputs.cpus).toBe("1.5");
    expect(inputs.stopTimeout).toBe(30);
    expect(inputs.destroyGraceSeconds).toBe(30);
  });

  it("a long-running service restarts unless stopped and must run", async () => {
    const { inputs } = await container();
    expect(inputs.restart).toBe("unless-stopped");
    expect(inputs.mustRun).toBe(true);
  });

  it("a one-shot job is never restarted nor required to keep running", async () => {
    const { inputs } = await container({ oneShot: true });
    expect(inputs.restart).toBe("no");
    expect(inputs.mustRun).toBe(false);
  });

  it("is a child of the component and is deleted before it is replaced", async () => {
    const { registration, find } = await container();
    expect(registration.deleteBeforeReplace).toBe(true);
    expect(registration.parent).toBe(find(COMPONENT, "api").urn);
    expect(find(COMPONENT, "api").deleteBeforeReplace).toBe(false);
  });

  it("passes the component's dependsOn to the container itself", async () => {
    const run = await underEngine(() => {
      const volume = new Volume("data", { name: "jarvis-data" });
      new ServiceContainer("api", args(), { dependsOn: [volume] });
    });
    expect(run.find(CONTAINER, "api").dependencies).toContain(run.find(VOLUME, "data").urn);
  });

  it("registers name, image, network, ports, mounts and labels as given", async () => {
    const { inputs } = await container({
      network: { name: "jarvis-net", ipv4Address: "172.28.0.10", aliases: ["api"] },
    });
    expect(inputs.name).toBe("jarvis-api");
    expect(inputs.image).toBe("sha256:abc");
    expect(inputs.networksAdvanced).toEqual([{ name: "jarvis-net", aliases: ["api"], ipv4Address: "172.28.0.10" }]);
    expect(inputs.ports).toEqual([{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(inputs.mounts).toEqual([
      { type: "volume", source: "jarvis-data", target: "/data", readOnly: false },
      { type: "bind", source: "/srv/config", target: "/config", readOnly: true },
    ]);
    expect(inputs.labels).toEqual([{ label: "jarvis.service", value: "api" }]);
    expect(inputs.envs).toEqual(["LOG_LEVEL=info"]);
  });

  it("leaves out a static address, entrypoint, command, user and uploads that are not given", async () => {
    const { inputs } = await container();
    expect(inputs.networksAdvanced).toEqual([{ name: "jarvis-net", aliases: ["api"] }]);
    for (const key of ["entrypoints", "command", "user", "uploads"]) expect(inputs).not.toHaveProperty(key);
    expect((await container({ files: [] })).inputs).not.toHaveProperty("uploads");
  });

  it("registers the entrypoint, command and user when given", async () => {
    const { inputs } = await container({ entrypoint: ["/bin/sh", "-c"], command: ["exec api"], user: "1000:1000" });
    expect(inputs.entrypoints).toEqual(["/bin/sh", "-c"]);
    expect(inputs.command).toEqual(["exec api"]);
    expect(inputs.user).toBe("1000:1000");
  });

  it("has a health check and is waited for only with `health`", async () => {
    const without = (await container()).inputs;
    for (const key of ["healthcheck", "wait", "waitTimeout"]) expect(without).not.toHaveProperty(key);

    const { inputs } = await container({ health: HEALTH });
    expect(inputs.healthcheck).toEqual({
      tests: HEALTH.test,
      interval: "10s",
      timeout: "5s",
      retries: 5,
      startPeriod: "30s",
      startInterval: "2s",
    });
    expect(inputs.wait).toBe(true);
    expect(inputs.waitTimeout).toBe(120);
  });

  it("leaves the start interval to Docker when the timing has none", async () => {
    const { startInterval: _omitted, ...timing } = HEALTH.timing;
    const { inputs } = await container({ health: { test: HEALTH.test, timing } });
    expect(inputs.healthcheck).not.toHaveProperty("startInterval");
    expect(inputs.healthcheck.startPeriod).toBe("30s");
  });

  it("uploads `files` before start; a secret content stays secret, a plain one plain", async () => {
    const { inputs } = await container({
      files: [
        { path: "/etc/app/config.yaml", content: "level: info" },
        { path: "/etc/app/token", content: pulumi.secret("s3cr3t") },
        { path: "/docker-entrypoint.d/init.sh", content: "#!/bin/sh", executable: true },
      ],
    });
    expect(inputs.uploads).toHaveLength(3);
    expect(inputs.uploads[0]).toEqual({ file: "/etc/app/config.yaml", content: "level: info", executable: false });
    expect(isSecret(inputs.uploads[0].content)).toBe(false);
    expect(inputs.uploads[1].file).toBe("/etc/app/token");
    expect(isSecret(inputs.uploads[1].content)).toBe(true);
    expect(inputs.uploads[1].content.value).toBe("s3cr3t");
    expect(inputs.uploads[1].executable).toBe(false);
    expect(inputs.uploads[2]).toEqual({ file: "/docker-entrypoint.d/init.sh", content: "#!/bin/sh", executable: true });
  });

  it("keeps a secret entry of the environment secret and the plain ones plain", async () => {
    const { inputs } = await container({ env: ["LOG_LEVEL=info", pulumi.secret("TOKEN=s3cr3t")] });
    expect(isSecret(inputs.envs)).toBe(false);
    expect(inputs.envs[0]).toBe("LOG_LEVEL=info");
    expect(isSecret(inputs.envs[1])).toBe(true);
    expect(inputs.envs[1].value).toBe("TOKEN=s3cr3t");
  });

  it("registers the container's name as the component's output, and as its inputs only the ports it listens on", async () => {
    const { find } = await container({
      env: [pulumi.secret("TOKEN=s3cr3t")],
      listens: { http: 8000, metrics: 9100 },
    });
    const component = find(COMPONENT, "api");
    expect(component.outputs).toEqual({ name: "jarvis-api" });
    expect(component.inputs).toEqual({
      listens: [
        { name: "http", port: 8000 },
        { name: "metrics", port: 9100 },
      ],
    });
  });
});
