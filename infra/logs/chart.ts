// The Loki chart's values on Kubernetes, generated from the typed model: one process (Monolithic)
// with the defaults that assume a large cluster overridden (the read, write and backend replicas, the
// replication factor, the caches' memory), storage on its claim, the schema of Docker's store,
// retention from `jarvis:logs`, its ruler's rules from a ConfigMap mounted in its tenant's folder,
// the canary and the tests off. Checked against the chart's values.schema.json and, as that schema
// allows unknown keys, against the keys of its values.yaml (chart.test.ts).
import { posix } from "node:path";
import type { KubernetesConfig } from "../config/schema";
import { schemaConfig } from "./store";

/** The chart of `jarvis:logStore.chart`. */
export const LOKI_CHART = "loki";
/** Where the single process reads its rules (local storage), and the rules' folder of its tenant. */
const RULES = "/rules";
export const LOKI_TENANT = "fake";

export function lokiChartValues(
  config: KubernetesConfig,
  wiring: { readonly alertmanagerUrl: string; readonly rulesConfigMap: string },
): Record<string, unknown> {
  const store = config.logStore;
  const retainClaim = config.dataProtection.retainOnDelete ? "Retain" : "Delete";
  return {
    deploymentMode: "Monolithic",
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: "filesystem" },
      schemaConfig: schemaConfig(),
      limits_config: { retention_period: `${config.logs.retentionDays * 24}h` },
      compactor: { retention_enabled: true, delete_request_store: "filesystem" },
      rulerConfig: {
        alertmanager_url: wiring.alertmanagerUrl,
        enable_api: true,
        storage: { type: "local", local: { directory: RULES } },
      },
    },
    singleBinary: {
      replicas: 1,
      resources: store.resources,
      persistence: {
        enabled: true,
        size: store.size,
        storageClass: config.storage.className,
        whenDeleted: retainClaim,
        whenScaled: retainClaim,
      },
      // The ruler's rules, in its tenant's folder: the chart's own rule mounts exist in Distributed mode only.
      extraVolumes: [{ name: "rules", configMap: { name: wiring.rulesConfigMap } }],
      extraVolumeMounts: [{ name: "rules", mountPath: posix.join(RULES, LOKI_TENANT), readOnly: true }],
    },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    chunksCache: { enabled: true, allocatedMemory: store.chunksCacheMb },
    resultsCache: { enabled: false },
    sidecar: { rules: { enabled: false } },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    gateway: { enabled: false },
    minio: { enabled: false },
    rbac: { namespaced: true },
  };
}
