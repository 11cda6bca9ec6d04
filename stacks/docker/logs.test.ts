// Central logs on Docker, as the dev plan registers them: Loki with its retention and its ruler's
// rules, Alloy reading the engine's json-file logs read-only, and every container's lines naming
// its service.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SECURITY_EVENTS } from "../../infra/catalogue";
import { SERVICE_LABEL } from "../../infra/logs/collector";
import {
  planStack,
  rawResource,
  shippedPlan,
  stackValues,
  validConfig,
  type ParsedPlan,
} from "../../tools/test-support";

const CONTAINER = "docker:index/container:Container";

let dev: ParsedPlan;
beforeAll(async () => {
  dev = await shippedPlan("dev");
});

const upload = (container: string, file: string) =>
  (rawResource(dev, CONTAINER, container).inputs.uploads as { file: string; content: string }[]).find(
    (u) => u.file === file,
  )!.content;

describe("central logs on Docker", () => {
  it("keeps lines as long as config says, and deletes what is older", () => {
    const loki = parse(upload("loki", "/etc/loki/loki.yml"));
    const { logs } = validConfig("dev");
    expect(loki.limits_config).toEqual({ retention_period: `${logs.retentionDays * 24}h` });
    expect(loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "filesystem" });
    expect(loki.schema_config.configs[0]).toMatchObject({ store: "tsdb", schema: "v13", index: { period: "24h" } });
    expect(loki.auth_enabled).toBe(false);
    expect(rawResource(dev, CONTAINER, "loki").inputs.mounts).toEqual([
      { type: "volume", source: "jarvis-loki-data", target: "/loki", readOnly: false },
    ]);
  });

  it("alerts on each security event through the Alertmanager, from the rules of its tenant's folder", () => {
    const loki = parse(upload("loki", "/etc/loki/loki.yml"));
    expect(loki.ruler.alertmanager_url).toBe("http://jarvis-alertmanager:9093");
    expect(loki.common.storage.filesystem.rules_directory).toBe("/etc/loki/rules");
    const rules = parse(upload("loki", "/etc/loki/rules/fake/jarvis.yml"));
    expect(rules.groups[0].rules.map((r: { labels: { event: string } }) => r.labels.event)).toEqual([
      ...SECURITY_EVENTS.events,
    ]);
  });

  it("checks Loki's and Alloy's health with what their images have", () => {
    expect(rawResource(dev, CONTAINER, "loki").inputs.healthcheck.tests).toEqual([
      "CMD",
      "/usr/bin/loki",
      "-health",
      "-health.url=http://localhost:3100/ready",
    ]);
    const [, shell, , script] = rawResource(dev, CONTAINER, "alloy").inputs.healthcheck.tests;
    expect(shell).toBe("bash");
    expect(script).toContain("/dev/tcp/localhost/12345");
    expect(script).toContain("GET /-/ready HTTP/1.0");
  });

  it("collects the engine's json-file logs read-only, without the Docker socket or any privilege", () => {
    const alloy = rawResource(dev, CONTAINER, "alloy").inputs;
    expect(alloy.mounts).toContainEqual({
      type: "bind",
      source: "/var/lib/docker/containers",
      target: "/var/lib/docker/containers",
      readOnly: true,
    });
    expect(alloy.mounts.some((m: { source: string }) => m.source.includes("docker.sock"))).toBe(false);
    expect(alloy.privileged).toBeUndefined();
    expect(alloy.capabilities).toEqual({ drops: ["ALL"] });
    const config = upload("alloy", "/etc/alloy/config.alloy");
    expect(config).toContain('url = "http://jarvis-loki:3100/loki/api/v1/push"');
    expect(config).toContain("/var/lib/docker/containers/*/*-json.log");
  });

  it("reads the engine's socket, read-only, only where jarvis:logCollection.dockerSocket is on", async () => {
    const socket = await planStack("dev", {
      ...stackValues("dev"),
      "jarvis:logCollection": { dockerSocket: true, socket: "/var/run/docker.sock" },
    });
    const alloy = rawResource(socket, CONTAINER, "alloy").inputs;
    expect(alloy.mounts).toContainEqual({
      type: "bind",
      source: "/var/run/docker.sock",
      target: "/var/run/docker.sock",
      readOnly: true,
    });
    expect(alloy.mounts.some((m: { source: string }) => m.source === "/var/lib/docker/containers")).toBe(false);
    const config = (alloy.uploads as { file: string; content: string }[])[0]!.content;
    expect(config).toContain("loki.source.docker");
  });

  it("has every container's json-file lines carry its service, which the collector labels them with", () => {
    for (const container of dev.raw.filter((r) => r.type === CONTAINER)) {
      expect(container.inputs.logOpts.labels, container.name).toBe(SERVICE_LABEL);
      expect(container.inputs.labels, container.name).toContainEqual({ label: SERVICE_LABEL, value: container.name });
    }
  });
});
