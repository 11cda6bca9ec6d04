// Central logs on Kubernetes, as staging and prod register them: Loki's chart pinned in Jarvis's
// namespace (its values valid against the chart's schema and made of its values.yaml's keys), its
// ruler's rules and its datasource for the cluster's Grafana; Alloy as one pod that reads the API of
// its namespace only; the policies around both. The chart's own objects are Helm's to render: these
// tests read its registered inputs, and chart.test.ts pins what its templates make of them.
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { SECURITY_EVENTS } from "../infra/catalogue";
import { lokiValuesProblems } from "../tools/chart-values";
import { collectedLabels, logqlSelectorLabels } from "../tools/logql";
import {
  MANAGED_MONITORING,
  managedMonitoringValue,
  planStack,
  problems,
  rawResource,
  shippedPlan,
  stackValues,
  type ParsedPlan,
} from "../tools/test-support";

const CHART = "kubernetes:helm.sh/v4:Chart";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const staging = stackValues("staging") as Record<string, any>;
const project = stackValues("dev") as Record<string, any>;

let existing: ParsedPlan;
let prod: ParsedPlan;
let managed: ParsedPlan;
beforeAll(async () => {
  existing = await shippedPlan("staging");
  prod = await shippedPlan("prod");
  managed = await planStack("staging", { ...staging, "jarvis:clusterMonitoring": managedMonitoringValue() });
});

const chart = (plan: ParsedPlan) => rawResource(plan, CHART, "logs").inputs;
const objects = (plan: ParsedPlan) => parseAllDocuments(plan.manifests!).map((d) => d.toJS());
const object = (plan: ParsedPlan, kind: string, name: string) =>
  objects(plan).find((o) => o?.kind === kind && o.metadata.name.startsWith(name))!;
const policy = (plan: ParsedPlan, group: string) => rawResource(plan, POLICY, `network-${group}`).inputs.spec;
const alloyConfig = (plan: ParsedPlan) => rawResource(plan, CONFIG_MAP, "alloy-files").inputs.data["config.alloy"];

describe("the store on Kubernetes", () => {
  it("is Loki's chart, pinned, in Jarvis's namespace, its release the stack's instance", () => {
    const inputs = chart(existing);
    const pinned = staging["jarvis:logStore"]?.chart ?? project["jarvis:logStore"].chart;
    expect(inputs).toMatchObject({
      chart: "loki",
      version: pinned.version,
      repositoryOpts: { repo: pinned.repository },
      namespace: "jarvis-staging",
      name: "staging",
    });
    expect(inputs.values).toMatchObject({ deploymentMode: "Monolithic", fullnameOverride: "jarvis-loki" });
    // It waits for the ConfigMap of rules that its values mount.
    expect(rawResource(existing, CHART, "logs").dependencies).toContain(
      rawResource(existing, CONFIG_MAP, "logs-rules").urn,
    );
  });

  it.each(["staging", "prod", "managed"])("has values valid against the chart's schema and keys (%s)", (which) => {
    const { values } = chart({ staging: existing, prod, managed }[which]!);
    expect(lokiValuesProblems(values)).toEqual({ schema: undefined, unknownKeys: [] });
  });

  it("keeps lines for the retention of config, on a claim of the stack's size, retained in prod", () => {
    // Not protect, which would pass to the chart's ConfigMaps that a config change replaces: the
    // claim outlives the chart by its StatefulSet's retention policy where config retains data.
    expect(rawResource(prod, CHART, "logs").protect).toBe(false);
    expect(chart(prod).values.singleBinary.persistence).toMatchObject({ whenDeleted: "Retain", whenScaled: "Retain" });
    for (const plan of [existing, prod]) {
      const { values } = chart(plan);
      expect(values.loki.limits_config).toEqual({ retention_period: `${project["jarvis:logs"].retentionDays * 24}h` });
      expect(values.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: "filesystem" });
    }
    expect(chart(prod).values.singleBinary.persistence).toMatchObject({ size: "50Gi", whenDeleted: "Retain" });
    expect(chart(existing).values.singleBinary.persistence).toMatchObject({ size: "10Gi", storageClass: "standard" });
  });

  it("sends its alerts to the operator's Alertmanager, the cluster's or the managed one", () => {
    expect(chart(existing).values.loki.rulerConfig.alertmanager_url).toBe(
      "http://alertmanager-operated.monitoring.svc:9093",
    );
    expect(chart(managed).values.loki.rulerConfig.alertmanager_url).toBe(
      `http://alertmanager-operated.${MANAGED_MONITORING.namespace}.svc:9093`,
    );
  });

  it("has an alert rule per security event, in valid LogQL on labels the collector sets", () => {
    const rules = rawResource(existing, CONFIG_MAP, "logs-rules").inputs;
    expect(rules.metadata.name).toBe("jarvis-loki-rules");
    expect(chart(existing).values.singleBinary.extraVolumes).toEqual([
      { name: "rules", configMap: { name: "jarvis-loki-rules" } },
    ]);
    const [group] = parse(rules.data["jarvis.yml"]).groups;
    expect(group.rules.map((r: { labels: { event: string } }) => r.labels.event)).toEqual(SECURITY_EVENTS.events);
    const collected = collectedLabels(alloyConfig(existing));
    for (const rule of group.rules) {
      const { labels, errors } = logqlSelectorLabels(rule.expr);
      expect(errors, rule.expr).toBe(0);
      expect(labels).toContain("environment");
      for (const label of labels) expect(collected, rule.expr).toContain(label);
      expect(rule.labels.environment).toBe("staging");
    }
  });

  it("is a datasource of the cluster's Grafana, with a uid per namespace, which the dashboard's logs panels use", () => {
    const datasource = rawResource(existing, CONFIG_MAP, "logs-datasource").inputs;
    expect(datasource.metadata.labels).toMatchObject({ grafana_datasource: "1" });
    expect(datasource.metadata.namespace).toBe("jarvis-staging");
    expect(parse(datasource.data["loki-jarvis-staging.yml"]).datasources).toEqual([
      {
        name: "Loki (jarvis-staging)",
        uid: "loki-jarvis-staging",
        type: "loki",
        access: "proxy",
        url: "http://jarvis-loki.jarvis-staging.svc:3100",
        editable: false,
      },
    ]);
    const dashboard = JSON.parse(object(existing, "ConfigMap", "monitoring-dashboard").data["jarvis.json"]);
    const logs = dashboard.panels.filter((p: any) => p.datasource?.uid === "loki-jarvis-staging");
    expect(logs.map((p: any) => p.title)).toContain("Security events");
    expect(logs.filter((p: any) => p.title === "Logs").length).toBeGreaterThan(5);
    const collected = collectedLabels(alloyConfig(existing));
    for (const expr of logs.flatMap((p: any) => p.targets.map((t: any) => t.expr as string))) {
      const { labels, errors } = logqlSelectorLabels(expr.replace("$__auto", "1m"));
      expect(errors, expr).toBe(0);
      expect(labels).toContain("namespace");
      for (const label of labels) expect(collected, expr).toContain(label);
    }
  });

  it("lets the managed Grafana find the datasource in every namespace", () => {
    const grafana = rawResource(managed, CHART, "cluster-monitoring").inputs.values.grafana;
    expect(grafana.sidecar.datasources).toMatchObject({
      label: "grafana_datasource",
      labelValue: "1",
      searchNamespace: "ALL",
    });
  });
});

describe("the collector on Kubernetes", () => {
  it("is one pod that mounts its API token, and the only one", () => {
    const alloy = object(existing, "Deployment", "alloy");
    expect(alloy.spec.replicas).toBe(1);
    // Never two, not even during a rollout.
    expect(alloy.spec.strategy).toEqual({ type: "Recreate" });
    expect(alloy.spec.template.spec.automountServiceAccountToken).toBe(true);
    const others = objects(existing).filter(
      (o) => ["Deployment", "StatefulSet"].includes(o?.kind) && o.metadata.name !== alloy.metadata.name,
    );
    expect(others.length).toBeGreaterThan(5);
    for (const o of others) expect(o.spec.template.spec.automountServiceAccountToken, o.metadata.name).toBe(false);
    // No host path anywhere: it reads the logs through the API.
    expect(JSON.stringify(objects(existing))).not.toContain("hostPath");
  });

  it("reads pods and their logs in Jarvis's namespace only, through a Role bound to its ServiceAccount", () => {
    const role = object(existing, "Role", "alloy");
    expect(role.metadata.namespace).toBe("jarvis-staging");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }]);
    const binding = object(existing, "RoleBinding", "alloy");
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "jarvis-alloy", namespace: "jarvis-staging" }]);
    expect(objects(existing).some((o) => ["ClusterRole", "ClusterRoleBinding"].includes(o?.kind))).toBe(false);
  });

  it("tails Jarvis's namespace and pushes to the store's Service, without the fields config drops", () => {
    const text = alloyConfig(existing);
    expect(text).toContain('names = ["jarvis-staging"]');
    expect(text).toContain('url = "http://jarvis-loki.jarvis-staging.svc:3100/loki/api/v1/push"');
    const dropped = project["jarvis:logs"].dropFields as string[];
    expect(dropped.length).toBeGreaterThan(0);
    expect(text).toContain(`omit (mustFromJson .Entry) ${dropped.map((f) => `\\"${f}\\"`).join(" ")} | toJson`);
    // Only the kept line is stored.
    expect(text).toContain('stage.output {\n      source = "kept"');
  });
});

describe("the logs' network policies", () => {
  const peers = (rules: any[], key: "from" | "to") =>
    rules.map((r) => {
      const peer = r[key][0];
      const at = peer.ipBlock?.cidr ?? peer.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? "";
      const pods = peer.podSelector?.matchLabels ?? {};
      const what = pods["app.kubernetes.io/component"] ?? pods["app.kubernetes.io/name"] ?? pods["k8s-app"] ?? "";
      return `${at}/${what}:${r.ports.map((p: any) => p.port).join("+")}`;
    });

  it("let the collector reach the store, DNS and the API server, and the cluster's Prometheus scrape it", () => {
    const alloy = policy(existing, "alloy");
    expect(peers(alloy.egress, "to")).toEqual([
      "/single-binary:3100",
      "kube-system/kube-dns:53+53",
      "10.0.0.10/32/:6443",
    ]);
    expect(peers(alloy.ingress, "from")).toEqual(["monitoring/prometheus:12345"]);
  });

  it("let the store be reached by the collector, Grafana and Prometheus, and reach the Alertmanager and its cache", () => {
    const loki = policy(existing, "loki");
    expect(loki.podSelector.matchLabels).toEqual({
      "app.kubernetes.io/name": "loki",
      "app.kubernetes.io/instance": "staging",
      "app.kubernetes.io/component": "single-binary",
    });
    expect(peers(loki.ingress, "from")).toEqual([
      "/alloy:3100",
      "monitoring/grafana:3100",
      "monitoring/prometheus:3100",
    ]);
    expect(peers(loki.egress, "to")).toEqual([
      "monitoring/alertmanager:9093",
      "/memcached-chunks-cache:11211",
      "kube-system/kube-dns:53+53",
    ]);
    const cache = policy(existing, "loki-chunks-cache");
    expect(peers(cache.ingress, "from")).toEqual(["/single-binary:11211"]);
    expect(cache.egress).toEqual([]);
    // In mode managed, the installation's Alertmanager and Grafana.
    const inManaged = policy(managed, "loki");
    expect(peers(inManaged.egress, "to")[0]).toBe(`${MANAGED_MONITORING.namespace}/alertmanager:9093`);
    expect(peers(inManaged.ingress, "from")[1]).toBe(`${MANAGED_MONITORING.namespace}/grafana:3100`);
  });
});

describe("the store on object storage", () => {
  const objectStore = {
    bucket: "jarvis-logs",
    region: "eu-west-1",
    endpoint: "https://s3.example.com",
    forcePathStyle: true,
    accessKeyId: "jarvis-loki",
  };
  const logStore = { ...project["jarvis:logStore"], objectStore };

  const bucket = [{ cidr: "203.0.113.20/32", ports: [443] }];
  const egress = { ...project["jarvis:egress"], loki: bucket };

  it("is refused without its secret key, which config must hold encrypted, and without its bucket's addresses", () => {
    expect(problems("staging", { "jarvis:logStore": logStore })).toEqual([
      {
        key: "jarvis:egress.loki",
        message:
          "is required while logStore.objectStore is set: the addresses and port of its bucket, which Loki reaches",
      },
      {
        key: "jarvis:logStoreSecretKey",
        message:
          "required because logStore.objectStore is set: pulumi config set --secret jarvis:logStoreSecretKey <value>",
      },
    ]);
    expect(
      problems(
        "staging",
        { "jarvis:logStore": logStore, "jarvis:egress": egress },
        { "jarvis:logStoreSecretKey": "x" },
      ),
    ).toEqual([]);
  });

  it("keeps the chunks and index in the bucket, its secret key in a Secret the pods read, never in the values", async () => {
    const plan = await planStack("staging", {
      ...staging,
      "jarvis:logStore": logStore,
      "jarvis:logStoreSecretKey": { secure: "v1:s3-cipher" },
      "jarvis:egress": egress,
    });
    // Its network policy lets it reach the bucket.
    expect(policy(plan, "loki").egress).toContainEqual({
      to: [{ ipBlock: { cidr: "203.0.113.20/32" } }],
      ports: [{ port: 443, protocol: "TCP" }],
    });
    expect(JSON.stringify(policy(existing, "loki").egress)).not.toContain("203.0.113.20");
    const { values } = chart(plan);
    expect(values.loki.storage).toEqual({
      type: "s3",
      bucketNames: { chunks: "jarvis-logs" },
      s3: {
        region: "eu-west-1",
        endpoint: "https://s3.example.com",
        accessKeyId: "jarvis-loki",
        secretAccessKey: "${LOKI_S3_SECRET_ACCESS_KEY}",
        s3ForcePathStyle: true,
      },
    });
    expect(values.loki.schemaConfig.configs[0].object_store).toBe("s3");
    expect(values.loki.compactor.delete_request_store).toBe("s3");
    expect(values.singleBinary.extraEnvFrom).toEqual([{ secretRef: { name: "jarvis-loki-object-store" } }]);
    expect(lokiValuesProblems(values)).toEqual({ schema: undefined, unknownKeys: [] });
    const secret = rawResource(plan, "kubernetes:core/v1:Secret", "logs-credentials");
    expect(secret.inputs.metadata.name).toBe("jarvis-loki-object-store");
    const key = secret.inputs.stringData.secret.LOKI_S3_SECRET_ACCESS_KEY;
    expect(key).toMatch(/^PLAN-SECRET-logStoreSecretKey-/);
    for (const r of plan.raw.filter((r) => r !== secret)) expect(JSON.stringify(r.inputs), r.name).not.toContain(key);
    expect(rawResource(plan, CHART, "logs").dependencies).toContain(secret.urn);
  });
});

describe("secrets of the logs", () => {
  it("are none: the store and the collector hold no secret input", () => {
    const logs = existing.raw.filter((r) => r.urn.includes("LogStore") || r.urn.includes("::alloy"));
    expect(logs.length).toBeGreaterThan(5);
    for (const r of logs) expect(JSON.stringify(r.inputs), r.name).not.toContain('"secret"');
  });
});
