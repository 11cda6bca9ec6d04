// The logs capability's core, from dev's config and the real catalogue: the security events' rules
// (valid LogQL, selecting only on labels the collector sets), the collector's configuration (the
// service from the container label, the event label for the contract's events only, the dropped
// fields), and the config's checks.
import { describe, expect, it } from "vitest";
import { CATALOGUE, SECURITY_EVENTS } from "../catalogue";
import { collectedLabels, logqlSelectorLabels as selectorLabels } from "../../tools/logql";
import { problems, validConfig } from "../../tools/test-support";
import { alloyValue, dockerCollector, kubernetesCollector, SERVICE_LABEL } from "./collector";
import { eventAlertName, LOG_LABELS, securityRules } from "./rules";

const config = validConfig("dev");
const collector = dockerCollector(CATALOGUE, config.logs, {
  files: "/var/lib/docker/containers/*/*-json.log",
  pushUrl: "http://jarvis-loki:3100/loki/api/v1/push",
  environment: "dev",
});
const group = securityRules(CATALOGUE, config.logs, { [LOG_LABELS.environment]: "dev" });

describe("the security events' rules", () => {
  it("alert on each event of the contract, for the backend, above the configured threshold within the window", () => {
    expect(group.rules.map((r) => ("alert" in r ? r.alert : r.record))).toEqual([
      "RateLimitExceededEvents",
      "UnauthorizedAccessEvents",
      "SystemErrorEvents",
    ]);
    for (const event of SECURITY_EVENTS.events) {
      const rule = group.rules.find((r) => "alert" in r && r.alert === eventAlertName(event))!;
      const { threshold, windowMinutes } = config.logs.securityAlerts[event];
      expect(rule.expr).toBe(
        `sum(count_over_time({environment="dev",service="backend",event="${event}"}[${windowMinutes}m])) >= ${threshold}`,
      );
      expect(rule.labels).toMatchObject({ service: "backend", event, environment: "dev" });
    }
  });

  it("are valid LogQL, selecting only on labels the collector sets", () => {
    const collected = collectedLabels(collector);
    expect([...collected].sort()).toEqual(Object.values(LOG_LABELS).sort());
    for (const rule of group.rules) {
      const { labels, errors } = selectorLabels(rule.expr);
      expect(errors, rule.expr).toBe(0);
      expect(labels.length).toBeGreaterThan(0);
      for (const label of labels) expect(collected, `${label} in ${rule.expr}`).toContain(label);
    }
    // The parse finds errors where there are some.
    expect(selectorLabels("sum(count_over_time({service=}[5m]))").errors).toBeGreaterThan(0);
  });
});

describe("the collector on Docker", () => {
  it("reads the engine's json-file logs and names each line's service from its container label", () => {
    expect(collector).toContain('path_targets = [{__path__ = "/var/lib/docker/containers/*/*-json.log"}]');
    expect(collector).toContain(`expressions = {service = ${JSON.stringify(`attrs."${SERVICE_LABEL}"`)}}`);
    // Before stage.docker, which keeps only the line, its stream and its time.
    expect(collector.indexOf(`attrs.\\"${SERVICE_LABEL}\\"`)).toBeLessThan(collector.indexOf("stage.docker"));
    expect(collector).toContain('url = "http://jarvis-loki:3100/loki/api/v1/push"');
    expect(collector).toContain('selector = "{environment=\\"dev\\",service=\\"\\"}"');
  });

  it("labels only the contract's events, on the security logger's lines of the services that write them", () => {
    const { logger, events } = SECURITY_EVENTS;
    expect(collector).toContain(
      alloyValue(
        `{{ if and (eq .logger "${logger}") (has .event (list ${events.map((e) => `"${e}"`).join(" ")})) }}{{ .event }}{{ end }}`,
      ),
    );
    expect(collector.match(/stage\.match \{\n\s*selector = "\{service=/g)).toHaveLength(1);
    // The fixture line carries what the collector reads.
    const fixture: Readonly<Record<string, unknown>> = SECURITY_EVENTS.fixture;
    expect(fixture[SECURITY_EVENTS.fields.logger]).toBe(logger);
    expect(events).toContain(fixture[SECURITY_EVENTS.fields.event] as string);
  });

  it("removes the configured fields from every JSON line before it is stored", () => {
    expect(collector).toContain(
      alloyValue(`{{ omit (mustFromJson .Entry) ${config.logs.dropFields.map((f) => `"${f}"`).join(" ")} | toJson }}`),
    );
    expect(collector).toContain('stage.output {\n      source = "kept"');
    const none = dockerCollector(
      CATALOGUE,
      { ...config.logs, dropFields: [] },
      {
        files: "/x",
        pushUrl: "http://loki",
        environment: "dev",
      },
    );
    expect(none).not.toContain("omit");
  });

  it("drops a JSON service's line that does not parse, first of its stages: it could hold a dropped field", () => {
    const block = (text: string, service: string) => {
      const start = text.indexOf(`stage.match {\n    selector = "{service=\\"${service}\\"}"`);
      expect(start, service).toBeGreaterThan(0);
      return text.slice(start, text.indexOf("\n  }\n", start));
    };
    const backend = block(collector, "backend");
    expect(backend.indexOf("drop_malformed = true")).toBeGreaterThan(0);
    expect(backend.indexOf("drop_malformed = true")).toBeLessThan(backend.indexOf("omit"));
    // A JSON service without security events: its lines are parsed for the dropped fields alone.
    const catalogue = { ...CATALOGUE, stt: { ...CATALOGUE.stt!, logs: { format: "json" as const } } };
    const stt = block(
      dockerCollector(catalogue, config.logs, { files: "/x", pushUrl: "http://loki", environment: "dev" }),
      "stt",
    );
    expect(stt).toContain(
      `stage.json {\n      expressions = ${alloyValue(Object.fromEntries(config.logs.dropFields.map((f) => [f, f])))}\n      drop_malformed = true`,
    );
    expect(stt).not.toContain("event");
    // Without fields to drop, the security events' reader keeps what does not parse (a traceback).
    const keeping = block(
      dockerCollector(
        CATALOGUE,
        { ...config.logs, dropFields: [] },
        { files: "/x", pushUrl: "http://loki", environment: "dev" },
      ),
      "backend",
    );
    expect(keeping).toContain("stage.json");
    expect(keeping).not.toContain("drop_malformed");
    // Nothing to read, nothing to drop: its lines pass as they are.
    const none = dockerCollector(
      catalogue,
      { ...config.logs, dropFields: [] },
      { files: "/x", pushUrl: "http://loki", environment: "dev" },
    );
    expect(none).not.toContain('selector = "{service=\\"stt\\"}"');
  });

  it("reads the engine's API through its socket instead, where switched on, with the same labels", () => {
    const socket = dockerCollector(CATALOGUE, config.logs, {
      files: "/unused",
      socket: "/var/run/docker.sock",
      pushUrl: "http://jarvis-loki:3100/loki/api/v1/push",
      environment: "dev",
    });
    expect(socket).toContain('discovery.docker "containers" {\n  host = "unix:///var/run/docker.sock"');
    expect(socket).toContain('source_labels = ["__meta_docker_container_label_jarvis_service"]');
    expect(socket).toContain("targets = discovery.relabel.containers.output");
    expect(socket).not.toContain("stage.docker");
    expect(socket).not.toContain("local.file_match");
    expect([...collectedLabels(socket)].sort()).toEqual(Object.values(LOG_LABELS).sort());
  });

  it("writes Alloy's values: quoted keys where they are not identifiers, references bare", () => {
    expect(alloyValue({ a: 1, "b.c": ['x"y', true], r: { ref: "loki.write.store.receiver" } })).toBe(
      '{a = 1, "b.c" = ["x\\"y", true], r = loki.write.store.receiver}',
    );
  });
});

describe("the collector on Kubernetes", () => {
  const text = kubernetesCollector(CATALOGUE, config.logs, {
    namespace: "jarvis-staging",
    pushUrl: "http://loki.jarvis-staging.svc:3100/loki/api/v1/push",
    environment: "staging",
  });

  it("tails the pods of Jarvis's namespace through the API server, each line's service its pod's, a sidecar's its own", () => {
    expect(text).toContain(
      'discovery.kubernetes "pods" {\n  role = "pod"\n  namespaces {\n    names = ["jarvis-staging"]',
    );
    // A job's containers are named after what they save (the backups' qdrant step): the pod's label names the job.
    expect(text).toContain(
      'rule {\n    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]\n    target_label = "service"\n  }\n  rule {\n    source_labels = ["__meta_kubernetes_pod_container_name"]\n    regex = "(postgres-exporter|timescale-exporter|redis-exporter)"\n    target_label = "service"',
    );
    // As a relabel rule runs it (grafana/alloy internal/component/common/relabel/relabel.go): the
    // regex anchored, the value replaced by the first group; a value without a match is left alone.
    const [, regex] = text.match(/regex = "([^"]+)"/)!;
    const relabel = (container: string, service: string) => {
      const match = new RegExp(`^(?:${regex})$`).exec(container);
      return match ? match[1]! : service;
    };
    expect(relabel("postgres-exporter", "postgres")).toBe("postgres-exporter");
    expect(relabel("redis-exporter", "redis")).toBe("redis-exporter");
    expect(relabel("postgres", "postgres")).toBe("postgres");
    expect(relabel("qdrant", "backup")).toBe("backup");
    expect(relabel("postgres-exporter-2", "postgres")).toBe("postgres");
    expect(text).toContain("loki.source.kubernetes");
    expect(text).not.toContain("local.file_match");
  });

  it("sets every label the security events' rules select on", () => {
    const collected = collectedLabels(text);
    const rules = securityRules(CATALOGUE, config.logs, { [LOG_LABELS.environment]: "staging" });
    for (const rule of rules.rules)
      for (const label of selectorLabels(rule.expr).labels) expect(collected).toContain(label);
  });
});

describe("jarvis:logs", () => {
  it("refuses to drop the fields the security events' alerts read", () => {
    expect(problems("dev", { "jarvis:logs": { ...config.logs, dropFields: ["prompt", "event"] } })).toEqual([
      {
        key: "jarvis:logs.dropFields[1]",
        message: "must not be event: the security events' alerts read it (their logger and event)",
      },
    ]);
  });
});
