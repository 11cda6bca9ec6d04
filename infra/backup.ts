// What the backups save: every service the backup job connects to, by the method its catalogue
// entry names: pg_dump for the PostgreSQL databases, a snapshot through its API for Qdrant.
import type { Catalogue } from "./catalogue";
import type { GeneratedSecret } from "./secret-names";

export const BACKUP_JOB = "backup";
/** The backups' CronJob on Kubernetes. */
export const backupCronJobName = (namePrefix: string) => `${namePrefix}-${BACKUP_JOB}`;

export interface BackupTarget {
  readonly service: string;
  /** The named port the job reaches it on. */
  readonly port: string;
  /** The generated secret it authenticates with: the database password, or the API key. */
  readonly secret: GeneratedSecret;
}

export interface BackupTargets {
  readonly databases: readonly BackupTarget[];
  /** The one Qdrant the second step snapshots. */
  readonly snapshot: BackupTarget;
}

export function backupTargets(catalogue: Catalogue): BackupTargets {
  const databases: BackupTarget[] = [];
  const snapshots: BackupTarget[] = [];
  for (const edge of catalogue[BACKUP_JOB]?.connects ?? []) {
    const spec = catalogue[edge.to];
    const target = { service: edge.to, port: edge.port };
    if (spec?.backup === "pg_dump" && spec.url?.scheme === "postgresql")
      databases.push({ ...target, secret: spec.url.password });
    else if (spec?.backup === "qdrant-snapshot" && spec.url?.scheme === "http" && spec.url.apiKey)
      snapshots.push({ ...target, secret: spec.url.apiKey });
    else
      throw new Error(
        `the backup job connects to ${edge.to}, which is neither a PostgreSQL database nor a Qdrant with an API key`,
      );
  }
  if (snapshots.length !== 1) throw new Error(`the backup job snapshots exactly one Qdrant, not ${snapshots.length}`);
  return { databases, snapshot: snapshots[0]! };
}

/** The prefix of a database's variables in the backup script: `POSTGRES_HOST`, `TIMESCALE_HOST`, ... */
export const variablePrefix = (service: string) => service.toUpperCase().replace(/[^A-Z0-9]/g, "_");
