// Monitoring on Docker, as the dev plan registers it: Prometheus, Alertmanager, Grafana, the
// exporters and the prober as containers on the Jarvis network, their configuration generated and
// written into them, their secrets only in secret values.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { standIns } from "../../tools/plan/engine";
import { secureStandIn } from "../../tools/plan/merged-config";
import {
  planStack,
  rawResource,
  shippedPlan,
  SMTP_INTEGRATION,
  stackValues,
  type ParsedPlan,
} from "../../tools/test-support";

const CONTAINER = "docker:index/container:Container";
const PASSWORD = "random:index/randomPassword:RandomPassword";
/** The stand-in the plan's engine gives the generated secret `secret` (tools/plan/engine.ts standIns). */
function password(secret: string): string {
  const { urn, inputs } = rawResource(dev, PASSWORD, `secrets-${secret}`);
  return String(standIns(PASSWORD, `secrets-${secret}`, urn, inputs).result);
}
const MONITORING = [
  "prometheus",
  "alertmanager",
  "grafana",
  "postgres-exporter",
  "timescale-exporter",
  "redis-exporter",
  "blackbox",
  "loki",
  "alloy",
];

let dev: ParsedPlan;
beforeAll(async () => {
  dev = await shippedPlan("dev");
});

/** A container's uploaded files by path, as the engine gets them: secret ones as `{ secret }`. */
const uploads = (plan: ParsedPlan, container: string) =>
  Object.fromEntries(
    ((rawResource(plan, CONTAINER, container).inputs.uploads ?? []) as { file: string; content: unknown }[]).map(
      (u) => [u.file, u.content],
    ),
  );
const yamlUpload = (plan: ParsedPlan, container: string, file: string) =>
  parse(uploads(plan, container)[file] as string);

describe("monitoring on Docker", () => {
  it("runs every monitoring service as a container, with its data in a named volume", () => {
    const containers = dev.raw.filter((r) => r.type === CONTAINER).map((r) => r.name);
    expect(containers).toEqual(expect.arrayContaining(MONITORING));
    for (const service of ["prometheus", "alertmanager", "grafana"]) {
      const mounts = rawResource(dev, CONTAINER, service).inputs.mounts as { type: string; source: string }[];
      expect(mounts, service).toContainEqual(
        expect.objectContaining({ type: "volume", source: `jarvis-${service}-data` }),
      );
    }
  });

  it("scrapes every service by container name: its own metrics, an exporter's, or a probe of its health", () => {
    const { scrape_configs: scrapes } = yamlUpload(dev, "prometheus", "/etc/prometheus/prometheus.yml");
    const target = (job: string) => scrapes.find((s: { job_name: string }) => s.job_name === job);
    expect(target("backend").static_configs).toEqual([
      { targets: ["jarvis-backend:8000"], labels: { service: "backend" } },
    ]);
    expect(target("postgres").static_configs[0].targets).toEqual(["jarvis-postgres-exporter:9187"]);
    expect(target("redis").static_configs[0].targets).toEqual(["jarvis-redis-exporter:9121"]);
    expect(target("ollama").static_configs[0].targets).toEqual(["http://jarvis-ollama:11434/api/version"]);
    expect(target("ollama").relabel_configs.at(-1)).toEqual({
      target_label: "__address__",
      replacement: "jarvis-blackbox:9115",
    });
    // Qdrant's metrics need its API key: from a secret file, never inline.
    expect(target("qdrant").authorization).toEqual({
      type: "Bearer",
      credentials_file: "/etc/prometheus/secrets/qdrant",
    });
    expect(uploads(dev, "prometheus")["/etc/prometheus/secrets/qdrant"]).toEqual({ secret: password("qdrant") });
    // The original scraped Postgres and Redis on their protocol ports: no target is a datastore's own port.
    const all = scrapes.flatMap((s: { static_configs: { targets: string[] }[] }) => s.static_configs[0]!.targets);
    expect(all).not.toContain("jarvis-postgres:5432");
    expect(all).not.toContain("jarvis-redis:6379");
  });

  it("follows a service's port from the stack file to its scrape target", async () => {
    const moved = await planStack("dev", { ...stackValues("dev"), "jarvis:ports": { backend: { http: 9000 } } });
    const { scrape_configs: scrapes } = yamlUpload(moved, "prometheus", "/etc/prometheus/prometheus.yml");
    expect(scrapes.find((s: { job_name: string }) => s.job_name === "backend").static_configs[0].targets).toEqual([
      "jarvis-backend:9000",
    ]);
  });

  it("hands the exporters the datastores' passwords as secret environment entries only", () => {
    const envs = rawResource(dev, CONTAINER, "postgres-exporter").inputs.envs as unknown[];
    expect(envs).toContainEqual({ secret: `DATA_SOURCE_PASS=${password("postgres")}` });
    expect(envs).toContain("DATA_SOURCE_URI=jarvis-postgres:5432/jarvis_db?sslmode=disable");
    const redis = rawResource(dev, CONTAINER, "redis-exporter").inputs.envs as unknown[];
    expect(redis).toContainEqual({ secret: `REDIS_PASSWORD=${password("redis")}` });
    expect(redis).toContain("REDIS_ADDR=redis://jarvis-redis:6379");
  });

  it("routes alerts to nothing while alert e-mails are off; the rules and the UI still work", () => {
    const config = yamlUpload(dev, "alertmanager", "/etc/alertmanager/alertmanager.yml");
    expect(config.receivers).toEqual([{ name: "none" }]);
    expect(config.global).toBeUndefined();
    expect(Object.keys(uploads(dev, "alertmanager"))).toEqual(["/etc/alertmanager/alertmanager.yml"]);
  });

  it("e-mails alerts with the SMTP password from a secret file, never inline", async () => {
    const smtp = SMTP_INTEGRATION;
    const planned = await planStack("dev", {
      ...stackValues("dev"),
      "jarvis:features": { alertEmail: true },
      "jarvis:integrations": { smtp },
      "jarvis:smtpPassword": { secure: "v1:cipher" },
    });
    const config = yamlUpload(planned, "alertmanager", "/etc/alertmanager/alertmanager.yml");
    expect(config.global).toEqual({
      smtp_smarthost: "smtp.example.com:587",
      smtp_from: "jarvis@example.com",
      smtp_auth_username: "jarvis",
      smtp_auth_password_file: "/etc/alertmanager/secrets/smtp-password",
      smtp_require_tls: true,
    });
    expect(config.route.routes).toEqual([
      { receiver: "email", matchers: ['severity="critical"'], repeat_interval: "1h" },
    ]);
    expect(uploads(planned, "alertmanager")["/etc/alertmanager/secrets/smtp-password"]).toEqual({
      secret: secureStandIn("smtpPassword", "v1:cipher"),
    });
    expect(planned.text).not.toContain("PLAN-SECRET-");
  });

  it("publishes Grafana on the loopback interface, with its admin password secret and sign-up and anonymous access off", () => {
    const grafana = rawResource(dev, CONTAINER, "grafana").inputs;
    expect(grafana.ports).toEqual([{ internal: 3000, external: 3001, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(grafana.envs).toContainEqual({ secret: `GF_SECURITY_ADMIN_PASSWORD=${password("grafana")}` });
    expect(grafana.envs).toEqual(
      expect.arrayContaining(["GF_USERS_ALLOW_SIGN_UP=false", "GF_AUTH_ANONYMOUS_ENABLED=false"]),
    );
    const datasources = yamlUpload(dev, "grafana", "/etc/grafana/provisioning/datasources/jarvis.yml");
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ uid: "prometheus", type: "prometheus", url: "http://jarvis-prometheus:9090" }),
      // The logs' store, from Grafana's edge to it.
      expect.objectContaining({ uid: "loki", type: "loki", url: "http://jarvis-loki:3100" }),
    ]);
  });

  it("hardens the monitoring containers like the others", () => {
    for (const service of MONITORING) {
      const inputs = rawResource(dev, CONTAINER, service).inputs;
      expect(inputs.capabilities, service).toEqual({ drops: ["ALL"] });
      expect(inputs.securityOpts, service).toEqual(["no-new-privileges:true"]);
      expect(inputs.ports ?? [], service).toEqual(service === "grafana" ? expect.any(Array) : []);
    }
  });

  it("runs cAdvisor only when switched on: privileged, with the host's paths read-only, the one exception", async () => {
    expect(dev.raw.some((r) => r.type === CONTAINER && r.name === "cadvisor")).toBe(false);
    const on = await planStack("dev", { ...stackValues("dev"), "jarvis:monitoring": { cadvisor: true } });
    const cadvisor = rawResource(on, CONTAINER, "cadvisor").inputs;
    expect(cadvisor.privileged).toBe(true);
    expect(cadvisor.capabilities).toBeUndefined();
    expect(cadvisor.devices).toEqual([{ hostPath: "/dev/kmsg", containerPath: "/dev/kmsg" }]);
    const mounts = cadvisor.mounts as { type: string; source: string; target: string; readOnly: boolean }[];
    expect(mounts).toContainEqual({
      type: "bind",
      source: "/var/lib/docker",
      target: "/var/lib/docker",
      readOnly: true,
    });
    expect(mounts.every((m) => m.type === "bind" && m.readOnly)).toBe(true);
    const { scrape_configs: scrapes } = yamlUpload(on, "prometheus", "/etc/prometheus/prometheus.yml");
    expect(scrapes.map((s: { job_name: string }) => s.job_name)).toContain("cadvisor");
    const dashboard = JSON.parse(uploads(on, "grafana")["/etc/grafana/dashboards/jarvis.json"] as string);
    expect(JSON.stringify(dashboard)).toContain("container_memory_working_set_bytes");
    expect(uploads(dev, "grafana")["/etc/grafana/dashboards/jarvis.json"]).not.toContain(
      "container_memory_working_set_bytes",
    );
  });
});
