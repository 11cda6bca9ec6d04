// The store's configuration (Loki 3.7, one process, on its data volume): retention from
// `jarvis:logs` (the compactor deletes what is older; it needs its delete requests' store and a 24h
// index period); the ruler's rules, in its configuration folder under the tenant a store without
// authentication uses (MONITORING_FILES.lokiRules), sent to the Alertmanager of its edge.
import { posix } from "node:path";
import { MONITORING_FILES, type Catalogue } from "../catalogue";
import type { SharedConfig } from "../config/schema";

/** The rules' folder in the configuration folder: the one above the tenant's folder of MONITORING_FILES.lokiRules. */
const RULES_DIRECTORY = MONITORING_FILES.lokiRules.split("/")[0]!;

/** The first day of the schema: before any line this store holds. */
const SCHEMA_FROM = "2026-01-01";

/** Where a store keeps its chunks and index: its filesystem, or S3 (`jarvis:logStore.objectStore`). */
export type ObjectStore = "filesystem" | "s3";

/** Loki's schema on both platforms: tsdb v13, on its object store, a 24h index period (retention needs it). */
export function schemaConfig(objectStore: ObjectStore) {
  return {
    configs: [
      {
        from: SCHEMA_FROM,
        store: "tsdb",
        object_store: objectStore,
        schema: "v13",
        index: { prefix: "index_", period: "24h" },
      },
    ],
  };
}

/** One process: its rings in memory, with no peers to gossip with (on both platforms). */
export const SINGLE_PROCESS_RING = { kvstore: { store: "inmemory" } } as const;

export function lokiConfig(
  catalogue: Catalogue,
  node: string,
  logs: SharedConfig["logs"],
  listen: { readonly http: number },
  alertmanagerUrl: string,
): Record<string, unknown> {
  const { data, config } = catalogue[node]!.dataPaths;
  const at = (folder: string) => posix.join(data!, folder);
  return {
    auth_enabled: false,
    server: { http_listen_port: listen.http },
    common: {
      path_prefix: data!,
      storage: {
        filesystem: { chunks_directory: at("chunks"), rules_directory: posix.join(config!, RULES_DIRECTORY) },
      },
      replication_factor: 1,
      ring: SINGLE_PROCESS_RING,
    },
    schema_config: schemaConfig("filesystem"),
    limits_config: { retention_period: `${logs.retentionDays * 24}h` },
    compactor: { working_directory: at("compactor"), retention_enabled: true, delete_request_store: "filesystem" },
    ruler: { alertmanager_url: alertmanagerUrl, enable_api: true, rule_path: at("rules-temp") },
  };
}
