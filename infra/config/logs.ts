// Config of the logs capability: how long the central store keeps lines, which fields of JSON lines
// never reach it (a voice assistant's lines can hold transcripts and other personal data), and the
// thresholds of the alerts on the backend's security events.
import { z } from "zod";
import { SECURITY_EVENTS, type Catalogue } from "../catalogue";
import { chartStore } from "../logs/chart";
import { absolutePath, objectOf, port } from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a JSON field name such as message");

export const logsKeys = {
  shared: {
    logs: z
      .strictObject({
        retentionDays: z
          .int()
          .min(1)
          .max(3650)
          .describe("How long the store keeps lines (at least a day: its index period)."),
        dropFields: z
          .array(fieldName)
          .describe("Fields removed from every JSON line before it is stored, e.g. a message body or a transcript."),
        securityAlerts: objectOf(SECURITY_EVENTS.events, () =>
          z.strictObject({
            threshold: z.int().min(1).describe("Events within the window that alert."),
            windowMinutes: z.int().min(1).max(1440),
          }),
        ).describe("An alert per security event of the backend: at least `threshold` of them within the window."),
      })
      .describe("Central logs: retention, what is never stored, and the alerts on security events."),
  },
  docker: {
    logCollection: z
      .strictObject({
        dockerSocket: z
          .boolean()
          .describe(
            "Read the logs through the engine's API instead of its json-file logs. Off by default: the socket is root-equivalent, and mounting it read-only does not limit the API calls.",
          ),
        socket: absolutePath.describe("The engine's socket, where dockerSocket reads it."),
      })
      .describe("How the collector reads the containers' logs on Docker."),
  },
  kubernetes: {
    logStore: z
      .strictObject({
        chart: z
          .strictObject({
            repository: z.url({ protocol: /^(https|oci)$/ }),
            version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be an exact chart version such as 18.11.0"),
          })
          .describe("The Loki chart (grafana-community/helm-charts charts/loki), pinned."),
        chunksCache: z
          .strictObject({
            memoryMb: z.int().min(64).describe("Its memory, in MB (the chart's `allocatedMemory`)."),
            port: port.describe("Where Loki reaches it."),
          })
          .describe("Loki's chunks cache (memcached), a pod of the chart."),
        objectStore: z
          .strictObject({
            bucket: z.string().min(3).describe("The bucket of its chunks and index."),
            region: z.string().min(1),
            endpoint: z
              .url({ protocol: /^https?$/ })
              .optional()
              .describe("An S3-compatible service's endpoint (MinIO, Ceph, Garage); absent: AWS's for the region."),
            forcePathStyle: z
              .boolean()
              .describe("The bucket in the URL's path, as most S3-compatible services need, rather than its host."),
            accessKeyId: z
              .string()
              .min(1)
              .describe("Its access key's id; its secret key is the secret `jarvis:logStoreSecretKey`."),
          })
          .optional()
          .describe(
            "S3 (or S3-compatible) object storage for the chunks and index; absent: the filesystem of its claim. The claim stays for the write-ahead log and caches.",
          ),
      })
      .describe(
        "Loki on Kubernetes: the chart in one process (Monolithic) in Jarvis's namespace; its claim's size is `jarvis:storage.sizes.loki`, its resources `jarvis:resources.loki`.",
      ),
  },
} satisfies ModuleKeys;

function logsFindings(config: Parsed): Finding[] {
  const { logs } = config;
  if (!logs) return [];
  const labelled = Object.values(SECURITY_EVENTS.fields) as string[];
  return logs.dropFields.flatMap((field, i) =>
    labelled.includes(field)
      ? [
          {
            key: "logs",
            path: ["dropFields", i],
            message: `must not be ${field}: the security events' alerts read it (their logger and event)`,
          },
        ]
      : [],
  );
}

/** The store on object storage reaches its bucket, which the network policies must allow. */
function objectStoreEgressFindings(config: Parsed, { catalogue }: { catalogue: Catalogue }): Finding[] {
  const store = chartStore(catalogue);
  if (!store || !config.logStore?.objectStore || config.egress?.[store]?.length) return [];
  return [
    {
      key: "egress",
      path: [store],
      message:
        "is required while logStore.objectStore is set: the addresses and port of its bucket, which Loki reaches",
    },
  ];
}

export const logsChecks: ModuleChecks = { shared: logsFindings, kubernetes: objectStoreEgressFindings };
