// The backup capability on Kubernetes: a CronJob that saves every service the backup job connects
// to (pg_dump of the databases, a snapshot of Qdrant) into a volume protected like the data.
import { Backup, type Database } from "../../components/kubernetes/backup";
import { backupTargets, BACKUP_JOB } from "../../infra/backup";
import { imageRef } from "../../infra/images";
import type { GeneratedSecret } from "../../infra/secret-names";
import { dataProtection, type KubernetesContext } from "./context";
import { containerSecurityContext, podSecurityContext, selectorLabels } from "./pods";

export function backups(context: KubernetesContext) {
  const { config, wiring, secrets } = context;
  const { catalogue } = wiring;
  const targets = backupTargets(catalogue);
  const databases: Database[] = targets
    .filter((t) => t.method === "pg_dump")
    .map((t) => {
      const account = config.databases[t.service as keyof typeof config.databases];
      return {
        // The script's variables: POSTGRES_HOST, TIMESCALE_HOST, ...
        prefix: t.service.toUpperCase(),
        file: `${t.service}.dump`,
        host: wiring.hosts[t.service]!,
        port: config.ports[t.service]![t.port]!,
        user: account.user,
        name: account.name,
        password: secrets.generated[(catalogue[t.service]!.url as { password: GeneratedSecret }).password],
      };
    });
  const snapshots = targets
    .filter((t) => t.method === "snapshot")
    .map((t) => ({
      url: `http://${wiring.hosts[t.service]}:${config.ports[t.service]![t.port]}`,
      apiKey: secrets.generated[(catalogue[t.service]!.url as { apiKey: GeneratedSecret }).apiKey],
    }));
  const { limits } = config.backup;
  const quantities = { cpu: limits.cpu, memory: limits.memory, "ephemeral-storage": limits.ephemeralStorage };
  return new Backup(
    BACKUP_JOB,
    {
      namespace: context.namespace,
      labels: context.labels,
      podLabels: selectorLabels(BACKUP_JOB, context.instance),
      image: imageRef(config, catalogue, BACKUP_JOB),
      httpImage: config.backup.httpImage,
      schedule: config.backup.schedule,
      timeZone: config.backup.timeZone,
      keepDays: config.backup.keepDays,
      deadlineMinutes: config.backup.deadlineMinutes,
      storage: {
        className: config.storage.className,
        size: config.storage.backup,
        claimName: `${config.namePrefix}-backups`,
      },
      databases,
      snapshot: snapshots[0]!,
      pod: {
        securityContext: podSecurityContext(),
        containerSecurityContext: containerSecurityContext(),
        resources: { requests: quantities, limits: quantities },
      },
    },
    { ...context.opts, ...dataProtection(config) },
  );
}
