// Scheduled backups: a CronJob that writes a pg_dump of each database and a Qdrant snapshot into a
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

/** First step, in an image with pg_dump: every database into a new dated folder. */
export function databasesScript(databases: readonly Pick<Database, "prefix" | "file">[]): string {
  const dump = ({ prefix: p, file }: Pick<Database, "prefix" | "file">) =>
    `PGPASSWORD="$${p}_PASSWORD" pg_dump --host "$${p}_HOST" --port "$${p}_PORT" --username "$${p}_USER" --format custom --file "$dir/${file}" "$${p}_DB"`;
  return [
    "set -eu",
    `dir=${BACKUP_DIR}/$(date +%Y-%m-%d-%H%M)`,
    'mkdir -p "$dir"',
    ...databases.map(dump),
    `echo "$dir" > ${RUN_DIR_FILE}`,
  ].join("\n");
}

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
  /** Prefix of the variables the script reads it from (`<prefix>_HOST`, `<prefix>_PASSWORD`, ...). */
  readonly prefix: string;
  /** The dump's file name in the backup folder. */
  readonly file: string;
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
  /** The CronJob's name: fixed, so that its alert selects it (kube-state-metrics' `cronjob` label). */
  readonly cronJobName: string;
  readonly schedule: string;
  /** The IANA time zone of the schedule (the controller's local time otherwise). */
  readonly timeZone: string;
  readonly keepDays: number;
  readonly deadlineMinutes: number;
  readonly storage: { readonly className: string; readonly size: string; readonly claimName: string };
  readonly databases: readonly Database[];
  /** The Qdrant API the snapshot is taken from. */
  readonly snapshot: { readonly url: string; readonly apiKey: pulumi.Input<string> };
  readonly pod: {
    readonly securityContext: k8s.types.input.core.v1.PodSecurityContext;
    readonly containerSecurityContext: k8s.types.input.core.v1.SecurityContext;
    readonly resources: k8s.types.input.core.v1.ResourceRequirements;
  };
}

export class Backup extends pulumi.ComponentResource {
  /** The claim the backups are written to. */
  readonly claimName: pulumi.Output<string>;

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
          ...Object.fromEntries(args.databases.map((db) => [`${db.prefix}_PASSWORD`, base64(db.password)])),
          QDRANT_API_KEY: base64(args.snapshot.apiKey),
        },
      },
      // Only the claim holds data; the auto-named Secret is replaced when a password rotates.
      { parent: this, protect: false },
    );
    const database = (db: Database) => [
      { name: `${db.prefix}_HOST`, value: db.host },
      { name: `${db.prefix}_PORT`, value: String(db.port) },
      { name: `${db.prefix}_USER`, value: db.user },
      { name: `${db.prefix}_DB`, value: db.name },
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
        metadata: { ...metadata, name: args.cronJobName },
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
                    step("databases", args.image, databasesScript(args.databases), [
                      ...args.databases.flatMap(database),
                      ...args.databases.map((db) => fromSecret(`${db.prefix}_PASSWORD`)),
                    ]),
                  ],
                  containers: [
                    step("qdrant", args.httpImage, QDRANT_SCRIPT, [
                      { name: "QDRANT_URL", value: args.snapshot.url },
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
      // A fixed name: a replacement must delete the old CronJob first.
      { parent: this, protect: false, deleteBeforeReplace: true },
    );
    this.claimName = claim.metadata.name;
    this.registerOutputs({ claimName: this.claimName });
  }
}
