// The Loki chart's values from staging's config: one process with the large-cluster defaults
// overridden (each override asserted), valid against the chart's values.schema.json, and made only
// of keys its values.yaml has, but for Loki's own configuration, which the chart passes on.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { KubernetesConfig } from "../config/schema";
import { unknownValuesKeys } from "../../tools/chart-values";
import { PROJECT_DIR } from "../../tools/plan/cli";
import { validConfig } from "../../tools/test-support";
import { lokiChartValues } from "./chart";

const fixture = (file: string) => readFileSync(join(PROJECT_DIR, "test/fixtures/loki-chart", file), "utf8");
const config = validConfig("staging") as KubernetesConfig;
const values = lokiChartValues(config, {
  alertmanagerUrl: "http://alertmanager.monitoring.svc:9093",
  rulesConfigMap: "loki-rules",
}) as Record<string, any>;

describe("the Loki chart's values", () => {
  it("run one process, with the replicas and replication a large cluster's defaults assume set for one", () => {
    expect(values.deploymentMode).toBe("Monolithic");
    expect(values.singleBinary.replicas).toBe(1);
    for (const component of ["read", "write", "backend"]) expect(values[component]).toEqual({ replicas: 0 });
    expect(values.loki.commonConfig).toEqual({ replication_factor: 1 });
    expect(values.chunksCache).toEqual({ enabled: true, allocatedMemory: config.logStore.chunksCacheMb });
    for (const off of ["lokiCanary", "test", "gateway", "minio", "resultsCache"])
      expect(values[off].enabled).toBe(false);
  });

  it("store on its claim with the schema and retention of Docker's store, kept per dataProtection", () => {
    expect(values.loki.storage).toEqual({ type: "filesystem" });
    expect(values.loki.schemaConfig.configs[0]).toMatchObject({
      store: "tsdb",
      schema: "v13",
      index: { period: "24h" },
    });
    expect(values.loki.limits_config).toEqual({ retention_period: `${config.logs.retentionDays * 24}h` });
    expect(values.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: "filesystem" });
    expect(values.singleBinary.persistence).toMatchObject({
      size: config.logStore.size,
      storageClass: config.storage.className,
      whenDeleted: "Retain",
    });
  });

  it("mount the ruler's rules in its tenant's folder and send its alerts to the Alertmanager given", () => {
    expect(values.loki.rulerConfig).toEqual({
      alertmanager_url: "http://alertmanager.monitoring.svc:9093",
      enable_api: true,
      storage: { type: "local", local: { directory: "/rules" } },
    });
    expect(values.singleBinary.extraVolumeMounts).toEqual([
      { name: "rules", mountPath: "/rules/fake", readOnly: true },
    ]);
    expect(values.singleBinary.extraVolumes).toEqual([{ name: "rules", configMap: { name: "loki-rules" } }]);
  });

  it("are valid against the chart's values.schema.json", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fixture("values.schema.json")));
    expect(validate(values), ajv.errorsText(validate.errors)).toBe(true);
    // The schema does refuse a wrong type.
    expect(validate({ ...values, singleBinary: { ...values.singleBinary, replicas: "1" } })).toBe(false);
  });

  it("use only keys of the chart's values.yaml, Loki's own configuration aside", () => {
    // The chart passes these on to Loki as they are (its config's keys, not the chart's).
    const loki = ["loki.schemaConfig", "loki.limits_config", "loki.compactor", "loki.rulerConfig"];
    expect(unknownValuesKeys(values, { values: parse(fixture("values.yaml")) }, loki)).toEqual([]);
    expect(unknownValuesKeys({ singleBinary: { replica: 1 } }, { values: parse(fixture("values.yaml")) }, [])).toEqual([
      "singleBinary.replica",
    ]);
  });
});
