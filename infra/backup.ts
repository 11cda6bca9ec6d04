// What the backups save: every service the backup job connects to, by the method its catalogue
// entry names (pg_dump for the databases, a snapshot over HTTP for Qdrant).
import type { Catalogue } from "./catalogue";

export const BACKUP_JOB = "backup";

export interface BackupTarget {
  readonly service: string;
  readonly method: "pg_dump" | "snapshot";
  /** The named port the job reaches it on. */
  readonly port: string;
}

export function backupTargets(catalogue: Catalogue): BackupTarget[] {
  return (catalogue[BACKUP_JOB]?.connects ?? []).map((edge) => {
    const method = catalogue[edge.to]?.backup;
    if (!method) throw new Error(`the backup job connects to ${edge.to}, which names no backup method`);
    return { service: edge.to, method, port: edge.port };
  });
}
