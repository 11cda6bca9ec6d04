// The Loki chart's values from staging's config: one process with the large-cluster defaults
// overridden (each override asserted), valid against the chart's values.schema.json, and made only
// of keys its values.yaml has, but for Loki's own configuration, which the chart passes on.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { KubernetesConfig } from "../config/schema";
import { LOKI_COMMENTED_KEYS, lokiValuesProblems } from "../../tools/chart-values";
import { PROJECT_DIR } from "../../tools/plan/cli";
import { validConfig } from "../../tools/test-support";
import { CATALOGUE } from "../catalogue";
import { valueAt } from "../config/zod-problems";
import { chartStore, lokiChartValues, OBJECT_STORE_KEY_VARIABLE, objectStoreSecret } from "./chart";

const fixture = (file: string) => readFileSync(join(PROJECT_DIR, "test/fixtures/loki-chart", file), "utf8");
const config = validConfig("staging") as KubernetesConfig;
const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const values = lokiChartValues(config, {
  node: "loki",
  serviceName: "jarvis-loki",
  alertmanagerUrl: "http://alertmanager.monitoring.svc:9093",
  rulesConfigMap: "loki-rules",
  resources,
}) as Record<string, any>;

describe("the Loki chart's values", () => {
  it("run one process, with the replicas and replication a large cluster's defaults assume set for one", () => {
    expect(values.deploymentMode).toBe("Monolithic");
    expect(values.singleBinary.replicas).toBe(1);
    for (const component of ["read", "write", "backend"]) expect(values[component]).toEqual({ replicas: 0 });
    // Its rings in memory, as Docker's store: no peers to gossip with.
    expect(values.loki.commonConfig).toEqual({ replication_factor: 1, ring: { kvstore: { store: "inmemory" } } });
    expect(values.chunksCache).toEqual({
      enabled: true,
      allocatedMemory: config.logStore.chunksCache.memoryMb,
      port: config.logStore.chunksCache.port,
    });
    for (const off of ["lokiCanary", "test", "gateway", "minio", "resultsCache", "memcachedExporter"])
      expect(values[off].enabled).toBe(false);
    expect(values.singleBinary.resources).toEqual(resources);
  });

  it("name its pods and Service as the stack's node, and listen on the node's port", () => {
    // The chart's selector labels are its name and release: the release is the stack's instance.
    expect(values.nameOverride).toBe("loki");
    expect(values.fullnameOverride).toBe("jarvis-loki");
    expect(values.loki.server).toEqual({ http_listen_port: config.ports.loki!.http });
    // Loki reads no API: no token in its pods.
    expect(values.serviceAccount).toEqual({ automountServiceAccountToken: false });
  });

  it("run the Loki that Docker runs: the chart's appVersion is the tag of jarvis:images.loki", () => {
    const { appVersion } = parse(fixture("Chart.yaml"));
    expect(config.images.loki).toBe(`grafana/loki:${appVersion}`);
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
      size: config.storage.sizes.loki,
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

  it("give its pods the labels and ports the stack's policies and monitors select (the chart's templates)", () => {
    const template = (file: string) => fixture(`templates/${file}`);
    const chart = CATALOGUE.loki!.chart!;
    // Selector labels: the name (nameOverride, the node) and the release (the stack's instance).
    expect(template("_helpers.tpl")).toContain(
      'app.kubernetes.io/name: {{ include "loki.name" . }}\napp.kubernetes.io/instance: {{ .Release.Name }}',
    );
    expect(template("_helpers.tpl")).toContain("{{- $name = (tpl .Values.nameOverride $) }}");
    // The single binary's pods: their component, the metrics port's name, on Loki's port of the values.
    expect(template("monolithic-service.yaml")).toContain('"target" "single-binary"');
    expect(template("monolithic-service.yaml")).toContain('"name" (include "loki.fullname" .)');
    expect(template("_pod.tpl")).toContain("    app.kubernetes.io/component: {{ $target }}");
    expect(template("_pod.tpl")).toContain(
      `- name: ${chart.metricsPort}\n          containerPort: {{ .Values.loki.server.http_listen_port }}`,
    );
    expect(chart.component).toBe("single-binary");
    // The chunks cache's pods: memcached-<component>, on the port of the values.
    const [cache] = chart.companions as [(typeof chart.companions)[number]];
    expect(template("chunks-cache-statefulset.yaml")).toContain(`"component" "${cache.name}"`);
    expect(template("_memcached-statefulset.tpl")).toContain(
      'app.kubernetes.io/component: "memcached-{{ $.component }}{{ include "loki.memcached.suffix" .suffix }}"',
    );
    expect(template("_memcached-statefulset.tpl")).toContain("- containerPort: {{ .port }}");
    expect(cache.component).toBe(`memcached-${cache.name}`);
    expect(values.chunksCache.port).toBe(valueAt(config, cache.portAt.split(".")));
  });

  it("are for the catalogue's one chart node, Loki: a chart of another node would run nowhere", () => {
    expect(chartStore(CATALOGUE)).toBe("loki");
    const { loki: _store, ...withoutLoki } = CATALOGUE;
    expect(chartStore(withoutLoki)).toBeUndefined();
    const qdrant = { ...CATALOGUE.qdrant!, chart: CATALOGUE.loki!.chart! };
    expect(() => chartStore({ ...CATALOGUE, qdrant })).toThrow(
      "a chart runs only Loki on Kubernetes, not qdrant, loki: no capability installs the others",
    );
  });

  it("pass the chart's own validation (its validate.yaml): one process on a filesystem, no distributed target", () => {
    const validate = fixture("templates/validate.yaml");
    expect(validate).toContain('fail "Cannot run more than 1 Monolithic replica without an object storage backend."');
    expect(values.singleBinary.replicas).toBe(1);
    // Its distributed targets start at 0 replicas, which the values leave alone.
    expect(validate).toContain("(gt (int .Values.ingester.replicas) 0)");
    const defaults = parse(fixture("values.yaml"));
    const distributed = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway"];
    for (const target of [...distributed, "compactor", "ruler"]) {
      expect(defaults[target].replicas, target).toBe(0);
      expect(values[target], target).toBeUndefined();
    }
    // A schema of its own, not the chart's test schema.
    expect(defaults.loki.useTestSchema).toBe(false);
    expect(values.loki.schemaConfig.configs).toHaveLength(1);
  });

  it("take an object store's secret key from the pods' environment, which Loki expands (the chart's templates)", () => {
    const withBucket = lokiChartValues(
      {
        ...config,
        logStore: {
          ...config.logStore,
          objectStore: { bucket: "logs", region: "eu-west-1", forcePathStyle: false, accessKeyId: "loki" },
        },
      },
      { node: "loki", serviceName: "jarvis-loki", alertmanagerUrl: "http://a", rulesConfigMap: "r", resources },
    ) as Record<string, any>;
    const key = withBucket.loki.storage.s3.secretAccessKey;
    expect(key).toBe(`\${${OBJECT_STORE_KEY_VARIABLE}}`);
    expect(withBucket.singleBinary.extraEnvFrom).toEqual([{ secretRef: { name: objectStoreSecret("jarvis-loki") } }]);
    // The chart writes the value as it is into Loki's config, and starts Loki expanding variables.
    expect(fixture("templates/_helpers.tpl")).toContain("{{- with .secretAccessKey }}\nsecret_access_key: {{ . }}");
    expect(fixture("templates/_pod.tpl")).toContain("- -config.expand-env=true");
    expect(fixture("templates/_pod.tpl")).toContain("$component.extraEnvFrom");
    // Its chunks' bucket, the one bucket name the chart requires while the ruler's rules are local.
    expect(fixture("templates/_helpers.tpl")).toContain('required "Please define loki.storage.bucketNames.chunks"');
    expect(withBucket.loki.storage.bucketNames).toEqual({ chunks: "logs" });
    expect(withBucket.loki.storage.s3).not.toHaveProperty("endpoint");
  });

  it("leave the chart's pods with its restricted security contexts (its values.yaml), which Jarvis's namespace enforces", () => {
    const defaults = parse(fixture("values.yaml"));
    for (const section of ["loki", "memcached"]) {
      const pod = defaults[section].podSecurityContext;
      expect(pod, section).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.runAsUser, section).toBeGreaterThanOrEqual(10001);
      expect(pod.runAsGroup, section).toBeGreaterThanOrEqual(10001);
      expect(defaults[section].containerSecurityContext, section).toMatchObject({
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        allowPrivilegeEscalation: false,
      });
      expect(values[section]?.podSecurityContext, section).toBeUndefined();
      expect(values[section]?.containerSecurityContext, section).toBeUndefined();
    }
  });

  it("store on the filesystem of the claim without an object store", () => {
    expect(values.loki.schemaConfig.configs[0].object_store).toBe("filesystem");
    expect(values.singleBinary.extraEnvFrom).toBeUndefined();
  });

  it("are valid against the chart's values.schema.json and made of its values.yaml's keys", () => {
    expect(lokiValuesProblems(values)).toEqual({ schema: undefined, unknownKeys: [] });
    // The schema does refuse a wrong type, and the keys' check a misspelt key.
    expect(lokiValuesProblems({ ...values, singleBinary: { ...values.singleBinary, replicas: "1" } }).schema).toMatch(
      /singleBinary\/replicas must be integer/,
    );
    expect(lokiValuesProblems({ singleBinary: { replica: 1 } }).unknownKeys).toEqual(["singleBinary.replica"]);
    // The keys values.yaml documents as comments only are there, as comments.
    for (const comment of Object.values(LOKI_COMMENTED_KEYS)) expect(fixture("values.yaml")).toContain(comment);
  });
});
