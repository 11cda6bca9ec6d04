// The backup capability on Kubernetes: a CronJob that saves every service the backup job connects
// to (pg_dump of the databases, a snapshot of Qdrant) into a volume protected like the data.
import { Backup, type Database } from "../../components/kubernetes/backup";
import { BACKUP_JOB, backupTargets, variablePrefix, type BackupTarget, backupCronJobName } from "../../infra/backup";
import { imageRef } from "../../infra/images";
import { dataProtection, type KubernetesContext } from "./context";
import { containerSecurityContext, podSecurityContext, selectorLabels } from "./pods";

export function backups(context: KubernetesContext) {
  const { config, wiring, secrets } = context;
  const { catalogue } = wiring;
  const targets = backupTargets(catalogue);
  const address = (t: BackupTarget) => ({ host: wiring.hosts[t.service]!, port: config.ports[t.service]![t.port]! });
  const databases: Database[] = targets.databases.map((t) => {
    const account = config.databases[t.service]!;
    return {
      prefix: variablePrefix(t.service),
      file: `${t.service}.dump`,
      ...address(t),
      user: account.user,
      name: account.name,
      password: secrets.generated[t.secret],
    };
  });
  const qdrant = address(targets.snapshot);
  const snapshot = { url: `http://${qdrant.host}:${qdrant.port}`, apiKey: secrets.generated[targets.snapshot.secret] };
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
      cronJobName: backupCronJobName(config.namePrefix),
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
      snapshot,
      pod: {
        securityContext: podSecurityContext(),
        containerSecurityContext: containerSecurityContext(),
        resources: { requests: quantities, limits: quantities },
      },
    },
    { ...context.opts, ...dataProtection(config) },
  );
}
