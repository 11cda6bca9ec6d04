// Backup under the plan engine (the SDK's mocks, recording each registration whole): the claim,
// the Secret and the CronJob it registers, and the script of its first step (databasesScript).
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { type Registration } from "../../tools/plan/engine";
import { Backup, BACKUP_DIR, databasesScript, type BackupArgs } from "./backup";
import { underEngine } from "../../tools/test-support";

const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
const SECRET = "kubernetes:core/v1:Secret";
const CRON_JOB = "kubernetes:batch/v1:CronJob";
const COMPONENT = "jarvis:kubernetes:Backup";

/** A value the engine receives as secret (wire form). */
const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
const base64 = (text: string) => Buffer.from(text).toString("base64");
const generatedName = (r: Registration) => (r.state as any).metadata.name as string;

const DATABASES: BackupArgs["databases"] = [
  {
    prefix: "JARVIS",
    file: "jarvis.dump",
    host: "postgres",
    port: 5432,
    user: "jarvis",
    name: "jarvis_db",
    password: pulumi.secret("jarvis-pw"),
  },
  {
    prefix: "LANGFUSE",
    file: "langfuse.dump",
    host: "langfuse-db",
    port: 5433,
    user: "langfuse",
    name: "langfuse",
    password: pulumi.secret("langfuse-pw"),
  },
];

const ARGS: BackupArgs = {
  namespace: "jarvis",
  labels: { "app.kubernetes.io/name": "backup" },
  podLabels: { "jarvis.service": "backup" },
  image: "postgres:16-alpine",
  httpImage: "curlimages/curl:8.10.1",
  cronJobName: "jarvis-backup",
  schedule: "0 3 * * *",
  timeZone: "Europe/Berlin",
  keepDays: 14,
  deadlineMinutes: 30,
  storage: { className: "standard", size: "50Gi", claimName: "jarvis-backups" },
  databases: DATABASES,
  snapshot: { url: "http://qdrant:6333", apiKey: pulumi.secret("qdrant-key") },
  pod: {
    securityContext: { runAsNonRoot: true, runAsUser: 70 },
    containerSecurityContext: { readOnlyRootFilesystem: true },
    resources: { limits: { memory: "256Mi" } },
  },
};

async function backup(opts?: pulumi.ComponentResourceOptions) {
  const run = await underEngine(() => {
    new Backup("backup", ARGS, opts);
  });
  const job = run.find(CRON_JOB, "backup");
  return { ...run, job: job.inputs as any, pod: (job.inputs as any).spec.jobTemplate.spec.template.spec };
}

describe("databasesScript", () => {
  it("dumps each database once, from its own variables, into its file in a new dated folder", () => {
    const lines = databasesScript(DATABASES).split("\n");
    expect(lines.slice(0, 3)).toEqual(["set -eu", `dir=${BACKUP_DIR}/$(date +%Y-%m-%d-%H%M)`, 'mkdir -p "$dir"']);
    const dumps = lines.filter((line) => line.includes("pg_dump"));
    expect(dumps).toEqual([
      'PGPASSWORD="$JARVIS_PASSWORD" pg_dump --host "$JARVIS_HOST" --port "$JARVIS_PORT" --username "$JARVIS_USER" --format custom --file "$dir/jarvis.dump" "$JARVIS_DB"',
      'PGPASSWORD="$LANGFUSE_PASSWORD" pg_dump --host "$LANGFUSE_HOST" --port "$LANGFUSE_PORT" --username "$LANGFUSE_USER" --format custom --file "$dir/langfuse.dump" "$LANGFUSE_DB"',
    ]);
    expect(lines.at(-1)).toBe('echo "$dir" > /tmp/backup-dir');
  });

  it("has no dump without databases, and still tells the next step its folder", () => {
    const script = databasesScript([]);
    expect(script).not.toContain("pg_dump");
    expect(script.split("\n")).toEqual([
      "set -eu",
      "dir=/backups/$(date +%Y-%m-%d-%H%M)",
      'mkdir -p "$dir"',
      'echo "$dir" > /tmp/backup-dir',
    ]);
  });

  it("holds no secret: passwords are read from the environment", () => {
    expect(databasesScript(DATABASES)).not.toMatch(/jarvis-pw|langfuse-pw/);
  });
});

describe("the Backup component", () => {
  it("writes to a claim of the configured name, class and size", async () => {
    const { find } = await backup();
    const claim = find(CLAIM, "backup").inputs as any;
    expect(claim.metadata).toEqual({
      namespace: "jarvis",
      labels: { "app.kubernetes.io/name": "backup" },
      name: "jarvis-backups",
    });
    expect(claim.spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "standard",
      resources: { requests: { storage: "50Gi" } },
    });
  });

  it("keeps the claim's protect and retainOnDelete from the component's options, and only the claim's", async () => {
    const { find } = await backup({ protect: true, retainOnDelete: true });
    expect(find(CLAIM, "backup").protect).toBe(true);
    expect(find(CLAIM, "backup").retainOnDelete).toBe(true);
    for (const type of [SECRET, CRON_JOB]) {
      expect(find(type, "backup").protect).toBe(false);
      expect(find(type, "backup").retainOnDelete).toBe(false);
    }
  });

  it("neither protects nor retains the claim when the component is not", async () => {
    const { find } = await backup();
    expect(find(CLAIM, "backup").protect).toBe(false);
    expect(find(CLAIM, "backup").retainOnDelete).toBe(false);
  });

  it("keeps each database's password and the Qdrant API key in a secret Secret", async () => {
    const { find } = await backup();
    const secret = find(SECRET, "backup").inputs as any;
    expect(secret.type).toBe("Opaque");
    expect(isSecret(secret.data)).toBe(true);
    expect(secret.data.value).toEqual({
      JARVIS_PASSWORD: base64("jarvis-pw"),
      LANGFUSE_PASSWORD: base64("langfuse-pw"),
      QDRANT_API_KEY: base64("qdrant-key"),
    });
  });

  it("names its CronJob as given (its alert selects it by name), deleted before a replacement", async () => {
    const { find } = await backup();
    const cronJob = find(CRON_JOB, "backup");
    expect((cronJob.inputs as any).metadata.name).toBe("jarvis-backup");
    expect(cronJob.deleteBeforeReplace).toBe(true);
  });

  it("runs on the schedule in its time zone, one run at a time, within the deadline", async () => {
    const { job } = await backup();
    expect(job.spec).toMatchObject({
      schedule: "0 3 * * *",
      timeZone: "Europe/Berlin",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 1800,
    });
    expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(1800);
    expect(job.spec.jobTemplate.spec.template.metadata.labels).toEqual({
      "app.kubernetes.io/name": "backup",
      "jarvis.service": "backup",
    });
  });

  it("dumps the databases first, with only their settings and passwords in the step's environment", async () => {
    const { pod, find } = await backup();
    const secretName = generatedName(find(SECRET, "backup"));
    expect(pod.initContainers).toHaveLength(1);
    const step = pod.initContainers[0];
    expect(step.name).toBe("databases");
    expect(step.image).toBe("postgres:16-alpine");
    expect(step.command).toEqual(["/bin/sh", "-c", databasesScript(DATABASES)]);
    expect(step.env).toEqual([
      { name: "JARVIS_HOST", value: "postgres" },
      { name: "JARVIS_PORT", value: "5432" },
      { name: "JARVIS_USER", value: "jarvis" },
      { name: "JARVIS_DB", value: "jarvis_db" },
      { name: "LANGFUSE_HOST", value: "langfuse-db" },
      { name: "LANGFUSE_PORT", value: "5433" },
      { name: "LANGFUSE_USER", value: "langfuse" },
      { name: "LANGFUSE_DB", value: "langfuse" },
      { name: "JARVIS_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "JARVIS_PASSWORD" } } },
      { name: "LANGFUSE_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "LANGFUSE_PASSWORD" } } },
    ]);
  });

  it("snapshots Qdrant second, with only the API key among the secrets in the step's environment", async () => {
    const { pod, find } = await backup();
    expect(pod.containers).toHaveLength(1);
    const step = pod.containers[0];
    expect(step.name).toBe("qdrant");
    expect(step.image).toBe("curlimages/curl:8.10.1");
    expect(step.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(step.command[2]).toContain("$QDRANT_URL/snapshots");
    expect(step.env).toEqual([
      { name: "QDRANT_URL", value: "http://qdrant:6333" },
      { name: "KEEP_DAYS", value: "14" },
      {
        name: "QDRANT_API_KEY",
        valueFrom: { secretKeyRef: { name: generatedName(find(SECRET, "backup")), key: "QDRANT_API_KEY" } },
      },
    ]);
  });

  it("mounts the claim and a shared scratch folder in both steps, hardened alike", async () => {
    const { pod, find } = await backup();
    expect(pod.volumes).toEqual([
      { name: "backups", persistentVolumeClaim: { claimName: generatedName(find(CLAIM, "backup")) } },
      { name: "tmp", emptyDir: {} },
    ]);
    expect(pod.restartPolicy).toBe("OnFailure");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 70 });
    for (const step of [pod.initContainers[0], pod.containers[0]]) {
      expect(step.volumeMounts).toEqual([
        { name: "backups", mountPath: "/backups" },
        { name: "tmp", mountPath: "/tmp" },
      ]);
      expect(step.securityContext).toEqual({ readOnlyRootFilesystem: true });
      expect(step.resources).toEqual({ limits: { memory: "256Mi" } });
    }
  });

  it("exposes the claim's name, and none of its passwords as inputs", async () => {
    const { find } = await backup();
    expect(find(COMPONENT, "backup").outputs).toEqual({ claimName: "jarvis-backups" });
    expect(find(COMPONENT, "backup").inputs).toEqual({});
  });
});
