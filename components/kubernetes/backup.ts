// Scheduled backups: a CronJob that writes a pg_dump of both databases and a Qdrant snapshot into a
// volume of its own, and deletes backups older than the configured number of days. The script
// reads every setting and secret from its environment.
import * as pulumi from "@pulumi/pulumi";
import { CronJob } from "@pulumi/kubernetes/batch/v1/cronJob";
import { PersistentVolumeClaim } from "@pulumi/kubernetes/core/v1/persistentVolumeClaim";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import type * as k8s from "@pulumi/kubernetes";

export const BACKUP_DIR = "/backups";
/** Scratch space both steps share (an emptyDir): the root filesystem is read-only. */
const SCRATCH_DIR = "/tmp";
/** Where the first step tells the second which folder this run writes. */
const RUN_DIR_FILE = `${SCRATCH_DIR}/backup-dir`;

/** First step, in an image with pg_dump: both databases into a new dated folder. */
const DATABASES_SCRIPT = [
  "set -eu",
  `dir=${BACKUP_DIR}/$(date +%Y-%m-%d-%H%M)`,
  'mkdir -p "$dir"',
  'PGPASSWORD="$POSTGRES_PASSWORD" pg_dump --host "$POSTGRES_HOST" --port "$POSTGRES_PORT" --username "$POSTGRES_USER" --format custom --file "$dir/postgres.dump" "$POSTGRES_DB"',
  'PGPASSWORD="$TIMESCALE_PASSWORD" pg_dump --host "$TIMESCALE_HOST" --port "$TIMESCALE_PORT" --username "$TIMESCALE_USER" --format custom --file "$dir/timescale.dump" "$TIMESCALE_DB"',
  `echo "$dir" > ${RUN_DIR_FILE}`,
].join("\n");

/**
 * Second step, in an image with curl: a Qdrant snapshot, downloaded next to the dumps and then
 * deleted from Qdrant (its snapshots folder would otherwise fill up), then old backups pruned.
 */
const QDRANT_SCRIPT = [
  "set -eu -o pipefail",
  `dir=$(cat ${RUN_DIR_FILE})`,
  'qdrant() { curl -fsS -H "api-key: $QDRANT_API_KEY" "$@"; }',
  `name=$(qdrant -X POST "$QDRANT_URL/snapshots?wait=true" | sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p')`,
  'test -n "$name"',
  'qdrant -o "$dir/qdrant.snapshot" "$QDRANT_URL/snapshots/$name"',
  'qdrant -X DELETE "$QDRANT_URL/snapshots/$name" > /dev/null',
  `find ${BACKUP_DIR} -mindepth 1 -maxdepth 1 -type d -mtime +"$KEEP_DAYS" -exec rm -rf {} +`,
].join("\n");

export interface Database {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly name: string;
  readonly password: pulumi.Input<string>;
}

export interface BackupArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  readonly podLabels: Record<string, string>;
  /** An image with pg_dump (at least the servers' version) and sh. */
  readonly image: string;
  /** An image with curl and sh, for the Qdrant snapshot. */
  readonly httpImage: string;
  readonly schedule: string;
  /** The IANA time zone of the schedule (the controller's local time otherwise). */
  readonly timeZone: string;
  readonly keepDays: number;
  readonly deadlineMinutes: number;
  readonly storage: { readonly className: string; readonly size: string; readonly claimName: string };
  readonly postgres: Database;
  readonly timescale: Database;
  readonly qdrant: { readonly url: string; readonly apiKey: pulumi.Input<string> };
  readonly pod: {
    readonly securityContext: Record<string, unknown>;
    readonly containerSecurityContext: Record<string, unknown>;
    readonly resources: Record<string, unknown>;
  };
}

export class Backup extends pulumi.ComponentResource {
  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    // Passwords are in args: nothing goes to super().
    super("jarvis:kubernetes:Backup", name, {}, opts);
    const metadata = { namespace: args.namespace, labels: args.labels };
    const claim = new PersistentVolumeClaim(
      name,
      {
        metadata: { ...metadata, name: args.storage.claimName },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storage.className,
          resources: { requests: { storage: args.storage.size } },
        },
      },
      // The SDK does not pass retainOnDelete on to children: the claim holding the backups gets it explicitly.
      {
        parent: this,
        protect: opts?.protect,
        ...(opts?.retainOnDelete !== undefined && { retainOnDelete: opts.retainOnDelete }),
      },
    );
    const base64 = (value: pulumi.Input<string>) =>
      pulumi.output(value).apply((v) => Buffer.from(v).toString("base64"));
    const credentials = new Secret(
      name,
      {
        metadata,
        type: "Opaque",
        data: {
          POSTGRES_PASSWORD: base64(args.postgres.password),
          TIMESCALE_PASSWORD: base64(args.timescale.password),
          QDRANT_API_KEY: base64(args.qdrant.apiKey),
        },
      },
      // Only the claim holds data; the auto-named Secret is replaced when a password rotates.
      { parent: this, protect: false },
    );
    const database = (prefix: string, db: Database) => [
      { name: `${prefix}_HOST`, value: db.host },
      { name: `${prefix}_PORT`, value: String(db.port) },
      { name: `${prefix}_USER`, value: db.user },
      { name: `${prefix}_DB`, value: db.name },
    ];
    const fromSecret = (key: string) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: credentials.metadata.name, key } },
    });
    const step = (stepName: string, image: string, script: string, env: k8s.types.input.core.v1.EnvVar[]) => ({
      name: stepName,
      image,
      command: ["/bin/sh", "-c", script],
      env,
      resources: args.pod.resources,
      securityContext: args.pod.containerSecurityContext,
      volumeMounts: [
        { name: "backups", mountPath: BACKUP_DIR },
        { name: "tmp", mountPath: SCRATCH_DIR },
      ],
    });
    new CronJob(
      name,
      {
        metadata,
        spec: {
          schedule: args.schedule,
          timeZone: args.timeZone,
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: args.deadlineMinutes * 60,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              activeDeadlineSeconds: args.deadlineMinutes * 60,
              backoffLimit: 2,
              template: {
                metadata: { labels: { ...args.labels, ...args.podLabels } },
                spec: {
                  restartPolicy: "OnFailure",
                  automountServiceAccountToken: false,
                  securityContext: args.pod.securityContext,
                  // One step after the other, each with only the secrets it needs.
                  initContainers: [
                    step("databases", args.image, DATABASES_SCRIPT, [
                      ...database("POSTGRES", args.postgres),
                      ...database("TIMESCALE", args.timescale),
                      fromSecret("POSTGRES_PASSWORD"),
                      fromSecret("TIMESCALE_PASSWORD"),
                    ]),
                  ],
                  containers: [
                    step("qdrant", args.httpImage, QDRANT_SCRIPT, [
                      { name: "QDRANT_URL", value: args.qdrant.url },
                      { name: "KEEP_DAYS", value: String(args.keepDays) },
                      fromSecret("QDRANT_API_KEY"),
                    ]),
                  ],
                  volumes: [
                    { name: "backups", persistentVolumeClaim: { claimName: claim.metadata.name } },
                    { name: "tmp", emptyDir: {} },
                  ],
                },
              },
            },
          },
        },
      },
      { parent: this, protect: false },
    );
    this.registerOutputs({});
  }
}
