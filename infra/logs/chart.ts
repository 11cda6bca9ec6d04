// The Loki chart's values on Kubernetes, generated from the typed model: one process (Monolithic)
// with the defaults that assume a large cluster overridden (the read, write and backend replicas, the
// replication factor, the rings, the caches' memory), storage on its claim, the schema of Docker's
// store, retention from `jarvis:logs`, its ruler's rules from a ConfigMap mounted in its tenant's
// folder, the canary and the tests off. Its pods carry the stack's selector labels (the release is
// the stack's instance, the name its catalogue node) and the component the catalogue names, so that
// the flows' policies and the monitors select them. Checked against the chart's values.schema.json
// and, as that schema allows unknown keys, against the keys of its values.yaml (chart.test.ts).
import { posix } from "node:path";
import { MONITORING_FILES, type Catalogue } from "../catalogue";
import { chartServices } from "../graph";
import type { KubernetesConfig } from "../config/schema";
import { schemaConfig, SINGLE_PROCESS_RING } from "./store";

/** The chart of `jarvis:logStore.chart`. */
export const LOKI_CHART = "loki";
/** Where the single process reads its rules (local storage). */
const RULES = "/rules";
/** The rules' file in its tenant's folder, as Docker's store has it (MONITORING_FILES.lokiRules). */
const [, tenant, file] = MONITORING_FILES.lokiRules.split("/") as [string, string, string];
export const rulesMount = { directory: posix.join(RULES, tenant), file } as const;

/** The variable that holds the object store's secret key in Loki's pods, from objectStoreSecret. */
export const OBJECT_STORE_KEY_VARIABLE = "LOKI_S3_SECRET_ACCESS_KEY";
/** The Secret of the object store's secret key, beside a store's Service. */
export const objectStoreSecret = (serviceName: string) => `${serviceName}-object-store`;

type ObjectStoreConfig = NonNullable<KubernetesConfig["logStore"]["objectStore"]>;

/** The chart's S3 storage: the bucket for chunks (the ruler's rules stay local), the key by reference only. */
function s3Storage(objectStore: ObjectStoreConfig) {
  return {
    type: "s3",
    // Its values.yaml documents this key as a comment only.
    bucketNames: { chunks: objectStore.bucket },
    s3: {
      region: objectStore.region,
      ...(objectStore.endpoint && { endpoint: objectStore.endpoint }),
      accessKeyId: objectStore.accessKeyId,
      secretAccessKey: `\${${OBJECT_STORE_KEY_VARIABLE}}`,
      s3ForcePathStyle: objectStore.forcePathStyle,
    },
  };
}

/**
 * The node whose chart this capability installs on Kubernetes (Loki), if the catalogue has it: any
 * other node with a chart would run nowhere, which the catalogue must not say.
 */
export function chartStore(catalogue: Catalogue): string | undefined {
  const charts = chartServices(catalogue);
  const others = charts.filter((node) => catalogue[node]!.tool !== "loki");
  if (others.length > 0 || charts.length > 1)
    throw new Error(
      `a chart runs only Loki on Kubernetes, not ${charts.join(", ")}: no capability installs the others`,
    );
  return charts[0];
}

export interface LokiChartWiring {
  /** The catalogue's node of the store. */
  readonly node: string;
  /** Its Service's name: what the collector and Grafana resolve. */
  readonly serviceName: string;
  readonly alertmanagerUrl: string;
  readonly rulesConfigMap: string;
  /** Its container's requests and limits. */
  readonly resources: Record<string, unknown>;
}

export function lokiChartValues(config: KubernetesConfig, wiring: LokiChartWiring): Record<string, unknown> {
  const store = config.logStore;
  const retainClaim = config.dataProtection.retainOnDelete ? "Retain" : "Delete";
  const ports = config.ports[wiring.node]!;
  const objectStore = store.objectStore ? "s3" : "filesystem";
  return {
    // The pods' `app.kubernetes.io/name` (their release is the stack's instance).
    nameOverride: wiring.node,
    fullnameOverride: wiring.serviceName,
    deploymentMode: "Monolithic",
    loki: {
      auth_enabled: false,
      server: { http_listen_port: ports.http },
      commonConfig: { replication_factor: 1, ring: SINGLE_PROCESS_RING },
      storage: store.objectStore ? s3Storage(store.objectStore) : { type: "filesystem" },
      schemaConfig: schemaConfig(objectStore),
      limits_config: { retention_period: `${config.logs.retentionDays * 24}h` },
      compactor: { retention_enabled: true, delete_request_store: objectStore },
      rulerConfig: {
        alertmanager_url: wiring.alertmanagerUrl,
        enable_api: true,
        storage: { type: "local", local: { directory: RULES } },
      },
    },
    // Loki reads no API (the rules' sidecar is off): no token in its pods.
    serviceAccount: { automountServiceAccountToken: false },
    singleBinary: {
      replicas: 1,
      resources: wiring.resources,
      // The object store's secret key, which the chart's `-config.expand-env` puts in Loki's config.
      ...(store.objectStore && { extraEnvFrom: [{ secretRef: { name: objectStoreSecret(wiring.serviceName) } }] }),
      persistence: {
        enabled: true,
        size: config.storage.sizes[wiring.node],
        storageClass: config.storage.className,
        whenDeleted: retainClaim,
        whenScaled: retainClaim,
      },
      // The ruler's rules, in its tenant's folder: the chart's own rule mounts exist in Distributed mode only.
      extraVolumes: [{ name: "rules", configMap: { name: wiring.rulesConfigMap } }],
      extraVolumeMounts: [{ name: "rules", mountPath: rulesMount.directory, readOnly: true }],
    },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    chunksCache: { enabled: true, allocatedMemory: store.chunksCache.memoryMb, port: store.chunksCache.port },
    // Nothing scrapes the cache: no exporter beside it.
    memcachedExporter: { enabled: false },
    resultsCache: { enabled: false },
    sidecar: { rules: { enabled: false } },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    gateway: { enabled: false },
    minio: { enabled: false },
    rbac: { namespaced: true },
  };
}
