import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { PROJECT_DIR } from "../tools/plan/cli";
import {
  planStack,
  rawConfig,
  shippedPlan,
  problems,
  stackValues,
  validateManifest,
  type ParsedPlan,
} from "../tools/test-support";
import { CATALOGUE } from "../infra/catalogue";
import { POSTGRES_PASSWORD_STEP } from "../infra/rotation";
import { workloadServices } from "../infra/graph";
import { packSettings } from "../policy/context";
import { internalServices, restrictedPods } from "../policy/invariants";

// The services a Workload runs (Loki's chart runs the store).
const KUBERNETES_SERVICES = workloadServices(CATALOGUE);

const APPS = ["stt", "tts", "backend", "interface"];
const STATEFUL = ["postgres", "timescale", "redis", "qdrant", "ollama"];
const prodValues = stackValues("prod") as Record<string, any>;
/** What the policy pack knows of prod from its config. */
const PROD_FACTS = packSettings(rawConfig("prod").config).facts;
const STAGING_FACTS = packSettings(rawConfig("staging").config).facts;
let prod: ParsedPlan;
let staging: ParsedPlan;
beforeAll(async () => {
  // One after the other: the SDK's runtime state is global to the process.
  prod = await shippedPlan("prod");
  staging = await shippedPlan("staging");
});

const kind = (plan: ParsedPlan, k: string) =>
  plan.raw.filter((r) => r.type.endsWith(`:${k}`) && r.type.startsWith("kubernetes:"));
const one = (plan: ParsedPlan, k: string, name: string) => kind(plan, k).find((r) => r.name === name)!;
const podSpec = (plan: ParsedPlan, k: "Deployment" | "StatefulSet", name: string) =>
  one(plan, k, name).inputs.spec.template.spec;
const manifests = (plan: ParsedPlan) => parseAllDocuments(plan.manifests!).map((d) => d.toJS());
/** Every pod template of a plan (whatever kind holds it), as [kind/name, pod spec]. */
const podTemplates = (plan: ParsedPlan): [string, any][] =>
  plan.raw.flatMap((r) => {
    const spec = r.inputs.spec;
    const pod = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
    return pod ? [[`${r.type.split(":").pop()}/${r.name}`, pod] as [string, any]] : [];
  });
/** The data keys of the ConfigMap or Secret named `name` in a plan (names only: secret values are redacted). */
function dataKeys(plan: ParsedPlan, name: string): string[] {
  const found = plan.resources.filter(
    (r) => ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"].includes(r.type) && r.name === name,
  );
  expect(found, `one ConfigMap or Secret named ${name}`).toHaveLength(1);
  return Object.keys(found[0]!.inputs.data ?? {});
}

describe("the namespace", () => {
  it("enforces the Pod Security level of config, warns and audits restricted, with a quota and defaults", () => {
    const ns = one(prod, "Namespace", "namespace");
    expect(ns.inputs.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    });
    expect(ns).toMatchObject({ protect: true, retainOnDelete: true });
    expect(one(staging, "Namespace", "namespace")).toMatchObject({ protect: false, retainOnDelete: true });
    expect(one(prod, "ResourceQuota", "quota").inputs.spec.hard).toEqual({
      "requests.cpu": "16",
      "requests.memory": "48Gi",
      "limits.cpu": "48",
      "limits.memory": "96Gi",
      pods: "60",
      persistentvolumeclaims: "10",
    });
    expect(one(prod, "LimitRange", "limits").inputs.spec.limits).toEqual([
      { type: "Container", default: { cpu: "1", memory: "1Gi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } },
    ]);
  });

  it("is reached through an explicit provider whose cluster comes from config", () => {
    const provider = prod.raw.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(provider.inputs).toMatchObject({ context: "jarvis-prod", namespace: "jarvis" });
    for (const r of prod.raw.filter((r) => r.type.startsWith("kubernetes:")))
      expect(prod.resources.find((x) => x.urn === r.urn)!.provider).toBe(provider.urn);
  });
});

describe("stateless workloads", () => {
  it("are auto-named Deployments with the replicas of config, the backend's left to its autoscaler", () => {
    for (const app of APPS) expect(one(prod, "Deployment", app).inputs.metadata.name).toBeUndefined();
    expect(one(prod, "Deployment", "stt").inputs.spec.replicas).toBe(2);
    expect(one(prod, "Deployment", "interface").inputs.spec.replicas).toBe(3);
    expect(one(prod, "Deployment", "backend").inputs.spec.replicas).toBeUndefined();
    expect(one(staging, "Deployment", "stt").inputs.spec.replicas).toBe(1);
  });

  it("roll out without downtime, within a progress deadline", () => {
    for (const app of APPS)
      expect(one(prod, "Deployment", app).inputs.spec).toMatchObject({
        progressDeadlineSeconds: 600,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      });
  });

  it("have liveness (every 60s), readiness and startup probes, liveness and readiness not identical", () => {
    for (const app of APPS) {
      const [container] = podSpec(prod, "Deployment", app).containers;
      expect(container.livenessProbe.periodSeconds).toBe(60);
      // Different checks, not only different timings: liveness does not restart a pod whose dependencies are down.
      expect(container.livenessProbe.tcpSocket).toEqual({ port: "http" });
      expect(container.readinessProbe.tcpSocket).toBeUndefined();
      expect(container.readinessProbe.httpGet.path).toBe("/health");
      expect(container.startupProbe.failureThreshold).toBeGreaterThan(1);
    }
    const postgres = podSpec(prod, "StatefulSet", "postgres").containers[0];
    expect(postgres.livenessProbe.tcpSocket).toEqual({ port: "postgres" });
    expect(postgres.readinessProbe.exec.command[0]).toBe("pg_isready");
    expect(podSpec(prod, "Deployment", "interface").containers[0].readinessProbe.httpGet).toEqual({
      path: "/health",
      port: "websocket",
    });
  });

  it("spread over nodes, with their own service account and no API token", () => {
    for (const app of APPS) {
      const spec = podSpec(prod, "Deployment", app);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.serviceAccountName).toBe(`jarvis-${app}`);
      expect(spec.topologySpreadConstraints[0]).toMatchObject({
        topologyKey: "kubernetes.io/hostname",
        labelSelector: { matchLabels: { "app.kubernetes.io/name": app } },
      });
    }
  });

  it("pull Jarvis's images from the configured registry, with a pull secret when it needs a login", async () => {
    expect(podSpec(prod, "Deployment", "backend").containers[0].image).toBe(
      "registry.example.com/jarvis/backend:1.4.0",
    );
    expect(podSpec(prod, "Deployment", "backend").imagePullSecrets).toBeUndefined();
    const login = await planStack("prod", {
      ...prodValues,
      "jarvis:registryLogin": { address: "registry.example.com", username: "ci" },
      "jarvis:registryPassword": { secure: "v1:x" },
    });
    const registry = one(login, "Secret", "registry");
    expect(registry.inputs.type).toBe("kubernetes.io/dockerconfigjson");
    expect(podSpec(login, "Deployment", "backend").imagePullSecrets).toHaveLength(1);
    expect(podSpec(login, "StatefulSet", "redis").imagePullSecrets).toBeUndefined();
    expect(login.text).not.toContain("PLAN-SECRET-");
  });
});

describe("the exporters' sidecars", () => {
  it("run beside the datastore they export, reach it on localhost, and never take it out of its Service", () => {
    const secrets = one(prod, "Secret", "postgres-secrets").inputs.data;
    for (const [datastore, exporter] of [
      ["postgres", "postgres-exporter"],
      ["timescale", "timescale-exporter"],
      ["redis", "redis-exporter"],
    ]) {
      const containers = podSpec(prod, "StatefulSet", datastore!).containers;
      expect(containers.map((c: any) => c.name)).toEqual([datastore, exporter]);
      const sidecar = containers[1];
      expect(sidecar.readinessProbe, exporter).toBeUndefined();
      expect(sidecar.livenessProbe).toBeDefined();
      expect(sidecar.startupProbe).toBeDefined();
      // The image's own entrypoint, with the arguments of the catalogue's command.
      expect(sidecar.command).toBeUndefined();
      const address = sidecar.env.find((e: any) => ["DATA_SOURCE_URI", "REDIS_ADDR"].includes(e.name)).value;
      expect(address).toMatch(/^(redis:\/\/)?localhost:\d+/);
      const secret = sidecar.env.find((e: any) => e.valueFrom);
      expect(secret.valueFrom.secretKeyRef.key).toBe(`${exporter}.${secret.name}`);
    }
    // The workload's Secret (secret as a whole) holds it under the sidecar's own key.
    expect(Object.keys(secrets.secret)).toContain("postgres-exporter.DATA_SOURCE_PASS");
    expect(podSpec(prod, "StatefulSet", "postgres").containers[1].args).toEqual(["--web.listen-address=:9187"]);
  });
});

describe("every pod", () => {
  it("meets the restricted profile (the policy pack's predicate), with scratch space and bounded ephemeral storage", () => {
    for (const service of KUBERNETES_SERVICES) {
      const kindOf = STATEFUL.includes(service) ? "StatefulSet" : "Deployment";
      const workload = one(prod, kindOf, service);
      // The exporters' sidecars too.
      expect(restrictedPods({ ...workload, props: workload.inputs }, PROD_FACTS), service).toEqual([]);
      const spec = workload.inputs.spec.template.spec;
      for (const container of spec.containers) {
        expect(container.resources.requests).toHaveProperty("ephemeral-storage");
        expect(container.resources.limits).toHaveProperty("ephemeral-storage");
      }
      expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toContain("/tmp");
      for (const volume of spec.volumes)
        expect(
          Object.keys(volume).some((k) => ["emptyDir", "secret", "persistentVolumeClaim", "configMap"].includes(k)),
        ).toBe(true);
    }
  });

  it("runs as a non-root user and group from 10001 up, in the pod and in every container, Job and CronJob included", () => {
    const nonRoot = (context: any, where: string) => {
      expect(context?.runAsNonRoot, `${where} runAsNonRoot`).toBe(true);
      expect(context?.runAsUser, `${where} runAsUser`).toBeGreaterThanOrEqual(10001);
      expect(context?.runAsGroup, `${where} runAsGroup`).toBeGreaterThanOrEqual(10001);
    };
    for (const plan of [prod, staging]) {
      // The pack checks the pods (the predicate it runs at preview); the containers' own contexts too, here.
      for (const r of plan.resources.filter((r) => /:(Deployment|StatefulSet|Job|CronJob)$/.test(r.type)))
        expect(restrictedPods({ ...r, props: r.inputs }, plan === prod ? PROD_FACTS : STAGING_FACTS), r.name).toEqual(
          [],
        );
      const templates = podTemplates(plan);
      expect(templates.map(([name]) => name).sort()).toEqual([
        "CronJob/backup",
        "Deployment/alloy",
        "Deployment/backend",
        "Deployment/interface",
        "Deployment/stt",
        "Deployment/tts",
        "Job/ollama-pull",
        "StatefulSet/ollama",
        "StatefulSet/postgres",
        "StatefulSet/qdrant",
        "StatefulSet/redis",
        "StatefulSet/timescale",
      ]);
      for (const [name, pod] of templates) {
        const containers = [...(pod.initContainers ?? []), ...pod.containers];
        expect(containers.length, name).toBeGreaterThan(0);
        for (const container of containers) nonRoot(container.securityContext, `${name} ${container.name}`);
      }
    }
  });

  it("reads its settings from a ConfigMap and its secrets by reference, as files where the image supports it", () => {
    const backend = podSpec(prod, "Deployment", "backend").containers[0];
    expect(backend.envFrom[0].configMapRef.name).toMatch(/^backend-settings-/);
    expect(backend.env.find((e: any) => e.name === "DATABASE_URL").valueFrom.secretKeyRef.key).toBe("DATABASE_URL");
    const postgres = podSpec(prod, "StatefulSet", "postgres");
    expect(postgres.containers[0].env).toEqual([
      { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/jarvis/POSTGRES_PASSWORD" },
    ]);
    expect(postgres.volumes.find((v: any) => v.name === "secret-files").secret.items).toEqual([
      { key: "POSTGRES_PASSWORD", path: "POSTGRES_PASSWORD" },
    ]);
    for (const cm of kind(prod, "ConfigMap")) expect(JSON.stringify(cm.inputs)).not.toMatch(/PLAN-SECRET|password=/i);
  });
});

describe("the backend's autoscaler and disruption budgets", () => {
  it("scale the backend between the bounds of config on CPU and memory", () => {
    const hpa = one(prod, "HorizontalPodAutoscaler", "backend").inputs.spec;
    expect(hpa).toMatchObject({
      minReplicas: 3,
      maxReplicas: 10,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment" },
    });
    expect(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ["cpu", 70],
      ["memory", 80],
    ]);
    expect(hpa.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(one(prod, "HorizontalPodAutoscaler", "backend").dependencies).toContain(
      prod.raw.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "backend")!.urn,
    );
  });

  it("guard every workload with more than one replica, never blocking every eviction", () => {
    expect(
      kind(prod, "PodDisruptionBudget")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["backend", "interface", "stt", "tts"]);
    expect(
      kind(staging, "PodDisruptionBudget")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["backend", "interface"]);
    for (const pdb of kind(prod, "PodDisruptionBudget"))
      expect(pdb.inputs.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
  });
});

describe("stateful services", () => {
  it("teach each database the password of its mounted secret file at every start: rotation in one up", () => {
    for (const database of ["postgres", "timescale"]) {
      const container = one(prod, "StatefulSet", database).inputs.spec.template.spec.containers[0];
      // The image's entrypoint runs them (it execs what is not a postgres flag), as on Docker.
      expect(container.command, database).toBeUndefined();
      expect(container.args, database).toEqual(["bash", "-c", expect.stringContaining(POSTGRES_PASSWORD_STEP)]);
      expect(container.env, database).toContainEqual({
        name: "POSTGRES_PASSWORD_FILE",
        value: "/run/secrets/jarvis/POSTGRES_PASSWORD",
      });
      expect(container.volumeMounts, database).toContainEqual({
        name: "secret-files",
        mountPath: "/run/secrets/jarvis",
        readOnly: true,
      });
      // No password in the container's environment: only the file holds it.
      expect(
        container.env.some((e: any) => e.name === "POSTGRES_PASSWORD"),
        database,
      ).toBe(false);
    }
    expect(prod.text).not.toContain("PLAN-SECRET-");
  });

  it("grow their volume when its size in config grows: no input that replaces the StatefulSet, every claim patched", async () => {
    const storage = prodValues["jarvis:storage"];
    const grown = await planStack("prod", {
      ...prodValues,
      "jarvis:storage": { ...storage, sizes: { ...storage.sizes, postgres: "100Gi" } },
    });
    const before = one(prod, "StatefulSet", "postgres");
    const after = one(grown, "StatefulSet", "postgres");
    const { volumeClaimTemplates: templateBefore, ...specBefore } = before.inputs.spec;
    const { volumeClaimTemplates: templateAfter, ...specAfter } = after.inputs.spec;
    expect(specAfter).toEqual(specBefore);
    expect(templateAfter).not.toEqual(templateBefore);
    // The only changed input is one the StatefulSet ignores after its creation.
    expect(after.ignoreChanges).toEqual(["spec.volumeClaimTemplates"]);
    for (const service of ["ollama", "postgres", "qdrant", "redis", "timescale"]) {
      const patch = one(grown, "PersistentVolumeClaimPatch", `${service}-data`);
      expect(patch.inputs.metadata.name, service).toBe(`data-jarvis-${service}-0`);
      expect(patch.inputs.spec.resources.requests.storage, service).toBe(
        service === "postgres" ? "100Gi" : storage.sizes[service],
      );
    }
  });

  it("are StatefulSets with fixed names, a headless Service, retained claims of the configured class and size", () => {
    for (const service of STATEFUL) {
      const set = one(prod, "StatefulSet", service).inputs;
      expect(set.metadata.name).toBe(`jarvis-${service}`);
      expect(set.spec.serviceName).toBe(`jarvis-${service}`);
      expect(one(prod, "Service", service).inputs.spec.clusterIP).toBe("None");
      expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
      expect(set.spec.volumeClaimTemplates[0].spec).toMatchObject({
        storageClassName: "fast-ssd",
        accessModes: ["ReadWriteOnce"],
      });
    }
    expect(
      one(prod, "StatefulSet", "postgres").inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage,
    ).toBe("50Gi");
    expect(
      one(staging, "StatefulSet", "postgres").inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage,
    ).toBe("10Gi");
  });

  it("are protected in prod and retained on delete in every Kubernetes stack", () => {
    for (const service of STATEFUL) {
      expect(one(prod, "StatefulSet", service)).toMatchObject({ protect: true, retainOnDelete: true });
      expect(one(staging, "StatefulSet", service)).toMatchObject({ protect: false, retainOnDelete: true });
      // Their settings and secrets are replaced on change (a password rotation): protection would refuse that.
      for (const k of ["ConfigMap", "Secret"])
        for (const r of kind(prod, k).filter((r) => r.name.startsWith(`${service}-`)))
          expect(r.protect, r.name).toBe(false);
    }
    expect(one(prod, "PersistentVolumeClaim", "backup").protect).toBe(true);
    expect(one(prod, "Secret", "backup").protect).toBe(false);
  });

  it("give Ollama its GPU, node selector, tolerations and runtime class from config, and time to load models", async () => {
    expect(one(prod, "StatefulSet", "ollama").customTimeouts).toEqual({ create: "30m", update: "30m" });
    const gpu = await planStack("prod", {
      ...prodValues,
      "jarvis:gpu": { enabled: true, driver: "nvidia", count: 1, stt: false },
      "jarvis:scheduling": {
        ollama: {
          nodeSelector: { gpu: "nvidia" },
          tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
          runtimeClassName: "nvidia",
          awaitTimeoutMinutes: 45,
        },
      },
    });
    const spec = podSpec(gpu, "StatefulSet", "ollama");
    expect(spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(spec).toMatchObject({
      nodeSelector: { gpu: "nvidia" },
      runtimeClassName: "nvidia",
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    });
    expect(one(gpu, "StatefulSet", "ollama").customTimeouts.create).toBe("45m");
  });

  it("run the init scripts of config on an empty database, mounted read-only from an auto-named ConfigMap", async () => {
    const sql = join(mkdtempSync(join(tmpdir(), "jarvis-init-")), "init.sql");
    writeFileSync(sql, "CREATE EXTENSION IF NOT EXISTS vector;\n");
    const withInit = await planStack("prod", { ...prodValues, "jarvis:databaseInit": { postgres: sql } });
    const files = kind(withInit, "ConfigMap").find((c) => c.name === "postgres-files")!;
    expect(files.inputs.data).toEqual({ "init.sql": "CREATE EXTENSION IF NOT EXISTS vector;\n" });
    const spec = podSpec(withInit, "StatefulSet", "postgres");
    expect(spec.volumes).toContainEqual({
      name: "files",
      configMap: { name: expect.stringMatching(/^postgres-files-[0-9a-f]{8}$/) },
    });
    // File by file: the image's own init scripts (TimescaleDB's) stay visible beside it.
    expect(spec.containers[0].volumeMounts).toContainEqual({
      name: "files",
      mountPath: "/docker-entrypoint-initdb.d/init.sql",
      subPath: "init.sql",
      readOnly: true,
    });
    expect(kind(withInit, "ConfigMap").find((c) => c.name === "timescale-files")).toBeUndefined();
    // Without init scripts, only the collector's generated configuration is a file.
    expect(
      kind(prod, "ConfigMap")
        .filter((c) => c.name.endsWith("-files"))
        .map((c) => c.name),
    ).toEqual(["alloy-files"]);
    expect(problems("prod", { "jarvis:databaseInit": { timescale: "/nonexistent/timescale_init.sql" } })).toEqual([
      { key: "jarvis:databaseInit.timescale", message: "no such file: /nonexistent/timescale_init.sql" },
    ]);
  });

  it("keep the Postgres data one folder below the volume's mount, so that initdb owns it", () => {
    for (const db of ["postgres", "timescale"]) {
      expect(kind(prod, "ConfigMap").find((c) => c.name === `${db}-settings`)!.inputs.data.PGDATA).toBe(
        "/var/lib/postgresql/data/pgdata",
      );
      expect(podSpec(prod, "StatefulSet", db).containers[0].volumeMounts).toContainEqual({
        name: "data",
        mountPath: "/var/lib/postgresql/data",
        subPath: db,
      });
    }
    expect(kind(prod, "ConfigMap").find((c) => c.name === "qdrant-settings")!.inputs.data.PGDATA).toBeUndefined();
    // Redis has no plain setting (its password is a secret): no empty ConfigMap.
    expect(kind(prod, "ConfigMap").find((c) => c.name === "redis-settings")).toBeUndefined();
    expect(podSpec(prod, "StatefulSet", "redis").containers[0].envFrom).toBeUndefined();
  });

  it("give Jarvis's own services a writable HOME and model folder under the read-only root", () => {
    for (const app of APPS)
      expect(kind(prod, "ConfigMap").find((c) => c.name === `${app}-settings`)!.inputs.data.HOME).toBe("/tmp");
    for (const speech of ["stt", "tts"]) {
      const mounts = podSpec(prod, "Deployment", speech).containers[0].volumeMounts.map((m: any) => m.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(["/tmp", "/app/models"]));
    }
  });

  it("pull the model list once, in a Job named after the list that pulumi up does not wait for", () => {
    const job = one(prod, "Job", "ollama-pull");
    expect(job.inputs.metadata.name).toMatch(/^jarvis-ollama-pull-[0-9a-f]{8}$/);
    expect(job.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    // Scratch space under its read-only root has a bound too (ephemeral storage).
    const pullLimits = { cpu: "500m", memory: "256Mi", "ephemeral-storage": "64Mi" };
    expect(job.inputs.spec.template.spec.containers[0].resources).toEqual({ requests: pullLimits, limits: pullLimits });
    expect(job.inputs.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.inputs.spec.template.spec.containers[0].command[2]).toBe(
      "set -e\nollama pull llama3.1:8b\nollama pull llama3.2:1b",
    );
  });

  it("are backed up on a schedule into a protected volume: both databases and a Qdrant snapshot", () => {
    const cron = one(prod, "CronJob", "backup").inputs.spec;
    expect(cron).toMatchObject({
      schedule: "0 3 * * *",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
    });
    expect(cron.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    const pod = cron.jobTemplate.spec.template.spec;
    const [databases] = pod.initContainers;
    const [qdrant] = pod.containers;
    expect(databases.image).toBe("timescale/timescaledb:2.21.3-pg15");
    expect(databases.command[2]).toContain('pg_dump --host "$POSTGRES_HOST"');
    expect(databases.command[2]).toContain('pg_dump --host "$TIMESCALE_HOST"');
    expect(qdrant.image).toBe("curlimages/curl:8.15.0");
    // The snapshot is deleted from Qdrant once downloaded: it would fill the volume otherwise.
    expect(qdrant.command[2]).toMatch(
      /-o "\$dir\/qdrant.snapshot"[^\n]*\n[^\n]*-X DELETE "\$QDRANT_URL\/snapshots\/\$name"/,
    );
    // Each step gets only the secrets it uses.
    const secretsOf = (c: any) => c.env.filter((e: any) => e.valueFrom).map((e: any) => e.name);
    expect(secretsOf(databases)).toEqual(["POSTGRES_PASSWORD", "TIMESCALE_PASSWORD"]);
    expect(secretsOf(qdrant)).toEqual(["QDRANT_API_KEY"]);
    expect(one(prod, "PersistentVolumeClaim", "backup")).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("take Qdrant's snapshot on its volume claim, not in scratch space it could outgrow", () => {
    const settings = one(prod, "ConfigMap", "qdrant-settings").inputs.data;
    const snapshots: string = settings.QDRANT__STORAGE__SNAPSHOTS_PATH;
    const pod = one(prod, "StatefulSet", "qdrant").inputs.spec.template.spec;
    const mountOf = (path: string) =>
      pod.containers[0].volumeMounts
        .filter((m: any) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
        .sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
    expect(mountOf(snapshots).name).toBe("data");
    expect(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name)).toEqual(["scratch-tmp"]);
  });

  it("are not made, nor let through the network policies, when switched off", async () => {
    const off = await planStack("prod", {
      ...prodValues,
      "jarvis:backup": { ...prodValues["jarvis:backup"], enabled: false },
    });
    const types = off.resources.filter((r) => r.parent?.toString().includes("jarvis:kubernetes:Backup"));
    expect(types).toEqual([]);
    expect(off.resources.some((r) => r.type === "jarvis:kubernetes:Backup")).toBe(false);
    expect(off.resources.some((r) => r.name === "network-backup")).toBe(false);
    const postgres = one(off, "NetworkPolicy", "network-postgres").inputs.spec;
    expect(postgres.ingress.map((r: any) => r.from[0].podSelector.matchLabels["app.kubernetes.io/name"])).toEqual([
      "backend",
      "prometheus",
    ]);
  });
});

describe("network exposure", () => {
  it("uses ClusterIP and headless Services only: no NodePort, no external IPs", () => {
    for (const svc of kind(prod, "Service")) {
      // No NodePort, LoadBalancer or ExternalName, no external IPs.
      expect(internalServices({ ...svc, props: svc.inputs }), svc.name).toEqual([]);
    }
  });

  it("has one public entry for the interface (HTTP, WebSocket) and the API, over TLS from the configured issuer", () => {
    const ingress = (host: string) => one(prod, "Ingress", `edge-${host}`).inputs;
    expect(
      kind(prod, "Ingress")
        .map((i) => i.name)
        .sort(),
    ).toEqual(["edge-api", "edge-interface"]);
    for (const host of ["interface", "api"]) {
      expect(ingress(host).spec.ingressClassName).toBe("traefik");
      expect(ingress(host).metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt");
    }
    expect(ingress("interface").spec).toMatchObject({
      tls: [{ hosts: ["jarvis.example.com"], secretName: "edge-interface-tls" }],
      rules: [
        {
          host: "jarvis.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "jarvis-interface", port: { number: 3000 } } },
              },
              {
                path: "/ws",
                pathType: "Prefix",
                backend: { service: { name: "jarvis-interface", port: { number: 8001 } } },
              },
            ],
          },
        },
      ],
    });
    expect(ingress("api").spec).toMatchObject({
      tls: [{ hosts: ["api.jarvis.example.com"], secretName: "edge-api-tls" }],
      rules: [
        {
          host: "api.jarvis.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "jarvis-backend", port: { number: 8000 } } },
              },
            ],
          },
        },
      ],
    });
  });

  it("limits each client IP on every host and answers CORS for the configured origins only, on the API, with Traefik", () => {
    const middleware = (role: string) => one(prod, "Middleware", `edge-${role}`).inputs;
    expect(middleware("rate-limit").spec).toEqual({
      rateLimit: { average: 600, period: "60s", burst: 200, sourceCriterion: { ipStrategy: { depth: 0 } } },
    });
    expect(middleware("rate-limit").metadata.name).toBe("edge-rate-limit");
    const cors = middleware("cors").spec.headers;
    expect(cors.accessControlAllowOriginList).toEqual(["https://jarvis.example.com"]);
    expect(cors).toMatchObject({ accessControlAllowCredentials: true, addVaryHeader: true });
    const chain = (host: string) =>
      one(prod, "Ingress", `edge-${host}`).inputs.metadata.annotations[
        "traefik.ingress.kubernetes.io/router.middlewares"
      ];
    expect(chain("interface")).toBe("jarvis-edge-rate-limit@kubernetescrd");
    expect(chain("api")).toBe("jarvis-edge-rate-limit@kubernetescrd,jarvis-edge-cors@kubernetescrd");
    // The backend enforces the same origins and its own rate limit behind the edge.
    const backendConfig = kind(prod, "ConfigMap").find((c) => c.name === "backend-settings")!.inputs.data;
    expect(backendConfig).toMatchObject({
      CORS_ORIGINS: "https://jarvis.example.com",
      RATE_LIMIT: "10 per 60 seconds",
    });
  });

  it("generates nothing controller-specific for another implementation, and passes its annotations through", async () => {
    const edge = {
      ...prodValues["jarvis:edge"],
      implementation: "other",
      className: "haproxy",
      annotations: { "haproxy.org/rate-limit-requests": "600" },
    };
    const other = await planStack("prod", { ...prodValues, "jarvis:edge": edge });
    expect(kind(other, "Middleware")).toEqual([]);
    expect(one(other, "Ingress", "edge-api").inputs.metadata.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "haproxy.org/rate-limit-requests": "600",
    });
  });

  it("can be Gateway API routes attached to a configured Gateway instead, with a certificate it may use", async () => {
    const edge = {
      ...prodValues["jarvis:edge"],
      kind: "gateway",
      className: undefined,
      gateway: { name: "public", namespace: "gateways", sectionName: "https" },
    };
    const gateway = await planStack("prod", { ...prodValues, "jarvis:edge": edge });
    expect(kind(gateway, "Ingress")).toEqual([]);
    const objects = manifests(gateway);
    const route = (host: string) => objects.find((o) => o.kind === "HTTPRoute" && o.spec.hostnames[0] === host);
    expect(objects.filter((o) => o.kind === "HTTPRoute")).toHaveLength(2);
    expect(route("jarvis.example.com").spec.parentRefs).toEqual([
      { name: "public", namespace: "gateways", sectionName: "https" },
    ]);
    expect(route("jarvis.example.com").spec.rules.map((r: any) => [r.matches[0].path.value, r.timeouts])).toEqual([
      ["/", { request: "3600s" }],
      ["/ws", { request: "3600s" }],
    ]);
    const extension = (name: string) => ({
      type: "ExtensionRef",
      extensionRef: { group: "traefik.io", kind: "Middleware", name },
    });
    expect(route("jarvis.example.com").spec.rules[0].filters).toEqual([extension("edge-rate-limit")]);
    expect(route("api.jarvis.example.com").spec.rules[0].filters).toEqual([
      extension("edge-rate-limit"),
      extension("edge-cors"),
    ]);
    const certificate = objects.find((o) => o.kind === "Certificate");
    expect(certificate.spec).toEqual({
      secretName: "edge-tls",
      dnsNames: ["jarvis.example.com", "api.jarvis.example.com"],
      issuerRef: { name: "letsencrypt", kind: "ClusterIssuer" },
    });
    const grant = objects.find((o) => o.kind === "ReferenceGrant");
    expect(grant.spec.from).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateways" }]);
    for (const object of objects)
      await expect(validateManifest(object), `${object.kind} ${object.metadata.name}`).resolves.toBeUndefined();
    expect(gateway.outputs.entry).toBe("gateways/public");
  });

  it("isolates every pod: default deny, then each pod group with both its ingress and egress rules", () => {
    const policies = kind(prod, "NetworkPolicy");
    expect(policies.find((p) => p.name === "network-default-deny")!.inputs.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    const selected = policies
      .map((p) => p.inputs.spec.podSelector.matchLabels?.["app.kubernetes.io/name"])
      .filter(Boolean);
    // Loki's chart's two pod groups (the store, its chunks cache) carry its name.
    expect(selected.sort()).toEqual([...KUBERNETES_SERVICES, "backup", "ollama-pull", "loki", "loki"].sort());
    for (const p of policies) expect(p.inputs.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  });

  it("allows exactly the flows of the wiring, DNS, the edge, monitoring and the backups", () => {
    const policy = (group: string) => one(prod, "NetworkPolicy", `network-${group}`).inputs.spec;
    const peers = (rules: any[], key: "from" | "to") =>
      rules.map(
        (r) =>
          `${r[key][0].podSelector?.matchLabels?.["app.kubernetes.io/name"] ?? r[key][0].ipBlock?.cidr ?? "?"}:${r.ports.map((p: any) => p.port).join("+")}`,
      );
    // The exporter's port, for the cluster's Prometheus (its pods' labels are config's).
    expect(peers(policy("postgres").ingress, "from")).toEqual(["backend:5432", "prometheus:9187", "backup:5432"]);
    expect(policy("postgres").ingress[1].from[0].namespaceSelector).toEqual({
      matchLabels: { "kubernetes.io/metadata.name": "monitoring" },
    });
    expect(peers(policy("backend").egress, "to")).toEqual([
      "interface:8001",
      "ollama:11434",
      "postgres:5432",
      "qdrant:6333",
      "redis:6379",
      "stt:8003",
      "timescale:5432",
      "tts:8002",
      "?:53+53",
    ]);
    const fromEdge = policy("interface").ingress.find((r: any) => r.from[0].namespaceSelector);
    expect(fromEdge.from[0]).toEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } },
      podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
    });
    expect(fromEdge.ports.map((p: any) => p.port)).toEqual([3000, 8001]);
    expect(policy("acme-solver").ingress[0].ports).toEqual([{ port: 8089, protocol: "TCP" }]);
  });

  it("lets a service reach only the external destinations of config: Ollama, STT and TTS their model hubs by default", async () => {
    const publicHttps = {
      to: [
        {
          ipBlock: {
            cidr: "0.0.0.0/0",
            except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"],
          },
        },
      ],
      ports: [{ port: 443, protocol: "TCP" }],
    };
    // They download their models at run time (Ollama's pull, Whisper's and Piper's first use).
    for (const downloader of ["ollama", "stt", "tts"])
      expect(one(prod, "NetworkPolicy", `network-${downloader}`).inputs.spec.egress.at(-1), downloader).toEqual(
        publicHttps,
      );
    // Provided models: the stack closes it.
    const provided = await planStack("prod", {
      ...prodValues,
      "jarvis:egress": { ...prodValues["jarvis:egress"], stt: [], tts: [] },
    });
    for (const closed of ["stt", "tts"])
      expect(
        one(provided, "NetworkPolicy", `network-${closed}`).inputs.spec.egress.some((r: any) => r.to[0].ipBlock),
      ).toBe(false);
    const open = await planStack("prod", {
      ...prodValues,
      "jarvis:egress": { ...prodValues["jarvis:egress"], backend: [{ cidr: "203.0.113.0/24", ports: [443] }] },
    });
    const egress = one(open, "NetworkPolicy", "network-backend").inputs.spec.egress;
    expect(egress.at(-1)).toEqual({
      to: [{ ipBlock: { cidr: "203.0.113.0/24" } }],
      ports: [{ port: 443, protocol: "TCP" }],
    });
    for (const closed of ["interface", "postgres"])
      expect(one(open, "NetworkPolicy", `network-${closed}`).inputs.spec.egress.some((r: any) => r.to[0].ipBlock)).toBe(
        false,
      );
  });

  it("refuses a model list that Ollama could not pull", () => {
    expect(problems("prod", { "jarvis:egress": { ollama: null } }).map((p) => p.key)).toEqual(["jarvis:egress.ollama"]);
  });
});

describe("stack outputs and environments", () => {
  it("give the public URLs, the namespace and the public entry's address", () => {
    expect(prod.outputs).toEqual({
      platform: "kubernetes",
      namespace: "jarvis",
      entry: "edge-interface.plan.invalid",
      urls: {
        interface: "https://jarvis.example.com",
        api: "https://api.jarvis.example.com",
        websocket: "wss://jarvis.example.com/ws",
      },
    });
  });

  it("a third Kubernetes stack is a new file alone", async () => {
    const qa = await planStack("qa", {
      ...prodValues,
      "jarvis:cluster": { ...prodValues["jarvis:cluster"], context: "jarvis-qa" },
      "jarvis:namespace": { ...prodValues["jarvis:namespace"], name: "jarvis-qa" },
      "jarvis:edge": {
        ...prodValues["jarvis:edge"],
        hosts: { interface: "qa.jarvis.example.com", api: "api.qa.jarvis.example.com" },
      },
    });
    expect(qa.outputs.namespace).toBe("jarvis-qa");
    expect(
      kind(qa, "Ingress")
        .map((i) => i.inputs.spec.tls[0].hosts[0])
        .sort(),
    ).toEqual(["api.qa.jarvis.example.com", "qa.jarvis.example.com"]);
    expect(JSON.stringify(qa.raw)).not.toMatch(/["/]jarvis\.example\.com/);
  });
});

describe("bad Kubernetes config", () => {
  const prodKey = (key: string, value: unknown) => problems("prod", { [`jarvis:${key}`]: value });
  it("refuses what would not work, at its key path", () => {
    const hpa = prodValues["jarvis:autoscaling"].backend;
    expect(prodKey("autoscaling", { backend: { ...hpa, cpuUtilization: 0 } }).map((p) => p.key)).toContain(
      "jarvis:autoscaling.backend.cpuUtilization",
    );
    expect(prodKey("rollout", { ...prodValues["jarvis:rollout"], disruptionMaxUnavailable: 0 })).toEqual([
      {
        key: "jarvis:rollout.disruptionMaxUnavailable",
        message: "0 would block every eviction (node drains and upgrades would hang) (got 0)",
      },
    ]);
    expect(prodKey("edge", { ...prodValues["jarvis:edge"], kind: "gateway" }).map((p) => p.key)).toEqual([
      "jarvis:edge.gateway",
    ]);
    expect(prodKey("gpu", { enabled: true, driver: "nvidia", count: "all", stt: false }).map((p) => p.key)).toEqual([
      "jarvis:gpu.count",
    ]);
    expect(
      prodKey("storage", {
        ...prodValues["jarvis:storage"],
        sizes: { ...prodValues["jarvis:storage"].sizes, postgres: "lots" },
      }).map((p) => p.key),
    ).toEqual(["jarvis:storage.sizes.postgres"]);
  });
});

describe("the original Kubernetes manifests, object by object", () => {
  const folder = join(PROJECT_DIR, "test/fixtures/jarvis-before/k8s");
  const documents = readdirSync(folder)
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(folder, file), "utf8")).map((d) => d.toJS()))
    .filter(Boolean);
  const originals = documents.map((o) => `${o.kind}/${o.metadata.name}`);
  const original = (object: string) => documents.find((o) => `${o.kind}/${o.metadata.name}` === object)!;
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  // Each original object: what replaces it here (kind/name in the prod plan), or why it is gone (the README lists the same).
  const ACCOUNT: Record<string, string> = {
    "Namespace/jarvis": "Namespace/namespace",
    "ResourceQuota/jarvis-quota": "ResourceQuota/quota",
    "LimitRange/jarvis-limits": "LimitRange/limits",
    "ConfigMap/jarvis-config": "replaced: a ConfigMap and a Secret per service (checked key by key below)",
    "Secret/jarvis-secrets": "replaced: a ConfigMap and a Secret per service (checked key by key below)",
    "Job/jarvis-ollama-setup": "Job/ollama-pull",
    "Ingress/jarvis-ingress": "Ingress/edge-interface",
    "Certificate/jarvis-tls":
      "dropped: cert-manager issues the certificate from the Ingress annotation (a Certificate in Gateway mode)",
    "ServiceMonitor/jarvis-monitoring":
      "dropped: not a valid object (apiVersion v1); monitoring sources are config (monitoringSource)",
    "ConfigMap/jarvis-postgres-init": "replaced: the file of jarvis:databaseInit.postgres, in an auto-named ConfigMap",
    "ConfigMap/jarvis-timescale-init":
      "replaced: the file of jarvis:databaseInit.timescale, in an auto-named ConfigMap",
    "ConfigMap/jarvis-qdrant-config": "replaced: QDRANT__ environment variables",
    "Deployment/jarvis-prometheus": "dropped: monitoring is deployed by its own change",
    "ConfigMap/prometheus-config": "dropped: monitoring is deployed by its own change",
    "Service/jarvis-prometheus": "dropped: a NodePort; monitoring is deployed by its own change",
    "Deployment/jarvis-grafana": "dropped: monitoring is deployed by its own change",
    "Service/jarvis-grafana": "dropped: a NodePort; monitoring is deployed by its own change",
  };
  const serviceOf = (name: string) => name.replace(/^jarvis-/, "").replace(/-(external|pv|pvc)$/, "");

  it.each(originals)("%s is accounted for", (object) => {
    const [k, name] = object.split("/") as [string, string];
    const service = serviceOf(name);
    if (ACCOUNT[object]?.startsWith("dropped") || ACCOUNT[object]?.startsWith("replaced")) {
      expect(readme).toContain(object);
    } else if (ACCOUNT[object]) {
      const [ourKind, ourName] = ACCOUNT[object]!.split("/") as [string, string];
      expect(one(prod, ourKind, ourName), ACCOUNT[object]).toBeDefined();
    } else if (/-external$/.test(name)) {
      expect(readme).toContain("NodePort");
    } else if (k === "PersistentVolume" || k === "PersistentVolumeClaim") {
      expect(one(prod, "StatefulSet", service).inputs.spec.volumeClaimTemplates).toHaveLength(1);
    } else if (k === "Deployment") {
      expect(
        STATEFUL.includes(service) ? one(prod, "StatefulSet", service) : one(prod, "Deployment", service),
      ).toBeDefined();
    } else if (k === "Service") {
      expect(one(prod, "Service", service).inputs.metadata.name).toBe(name);
    } else {
      throw new Error(`${object} is not accounted for`);
    }
  });

  describe("ConfigMap/jarvis-config and Secret/jarvis-secrets, key by key", () => {
    // Where each key the README keeps ends up: [ConfigMap or Secret of the service that reads it, key there].
    const settings = (key: string, ...services: string[]) => services.map((s) => [`${s}-settings`, key]);
    const secret = (service: string, key: string) => [[`${service}-secrets`, key]];
    const KEPT: Record<string, string[][]> = {
      APP_NAME: settings("APP_NAME", "backend"),
      DEBUG: settings("DEBUG", "backend"),
      ENVIRONMENT: settings("ENVIRONMENT", "backend"),
      LOG_LEVEL: settings("LOG_LEVEL", "backend", "interface", "stt", "tts"),
      DATABASE_URL: secret("backend", "DATABASE_URL"),
      REDIS_URL: secret("backend", "REDIS_URL"),
      OLLAMA_BASE_URL: settings("OLLAMA_BASE_URL", "backend"),
      QDRANT_URL: settings("QDRANT_URL", "backend"),
      TIMESCALE_URL: secret("backend", "TIMESCALE_URL"),
      TTS_API_URL: settings("TTS_API_URL", "backend", "interface"),
      STT_API_URL: settings("STT_API_URL", "backend", "interface"),
      INTERFACE_URL: settings("INTERFACE_URL", "backend"),
      OLLAMA_MODEL: settings("OLLAMA_MODEL", "backend"),
      WHISPER_MODEL: settings("WHISPER_MODEL", "stt"),
      PIPER_MODEL: settings("PIPER_MODEL", "tts"),
      HOME_ASSISTANT_URL: settings("HOME_ASSISTANT_URL", "backend"),
      MQTT_BROKER: settings("MQTT_BROKER", "backend"),
      MQTT_PORT: settings("MQTT_PORT", "backend"),
      MEMORY_UPDATE_INTERVAL: settings("MEMORY_UPDATE_INTERVAL", "backend"),
      MEMORY_RETENTION_DAYS: settings("MEMORY_RETENTION_DAYS", "backend"),
      BRAIN_MEMORY_ENABLED: settings("BRAIN_MEMORY_ENABLED", "backend"),
      EMOTIONAL_ANALYSIS_ENABLED: settings("EMOTIONAL_ANALYSIS_ENABLED", "backend"),
      AUTO_CONSOLIDATION_ENABLED: settings("AUTO_CONSOLIDATION_ENABLED", "backend"),
      CORS_ORIGINS: settings("CORS_ORIGINS", "backend"),
      TTS_MODEL_PATH: settings("TTS_MODEL_PATH", "tts"),
      STT_MODEL_PATH: settings("STT_MODEL_PATH", "stt"),
    };
    // WEBSOCKET_URL: no service of the compose file reads it (the interface's pages get REACT_APP_WS_URL).
    const DROPPED = ["BRAIN_API_URL", "MODELS_PATH", "DATA_PATH", "LOGS_PATH", "LOG_FILE", "WEBSOCKET_URL"];
    const SECRETS: Record<string, string[][]> = {
      POSTGRES_PASSWORD: [...secret("postgres", "POSTGRES_PASSWORD"), ...secret("timescale", "POSTGRES_PASSWORD")],
      SECRET_KEY: secret("backend", "JARVIS_SECRET_KEY"),
      HOME_ASSISTANT_TOKEN: secret("backend", "HOME_ASSISTANT_TOKEN"),
      // A user name is no secret: a setting now.
      MQTT_USERNAME: settings("MQTT_USERNAME", "backend"),
      MQTT_PASSWORD: secret("backend", "MQTT_PASSWORD"),
    };
    /** Read only while their integration is on, which the shipped stacks leave off. */
    const INTEGRATION_KEYS = [
      "HOME_ASSISTANT_URL",
      "MQTT_BROKER",
      "MQTT_PORT",
      "HOME_ASSISTANT_TOKEN",
      "MQTT_USERNAME",
      "MQTT_PASSWORD",
    ];
    let integrated: ParsedPlan;
    beforeAll(async () => {
      integrated = await planStack("prod", {
        ...prodValues,
        "jarvis:features": { ...prodValues["jarvis:features"], homeAssistant: true, mqtt: true },
        "jarvis:integrations": {
          ...prodValues["jarvis:integrations"],
          homeAssistant: { url: "https://ha.home.arpa", egress: [{ cidr: "192.168.1.20/32", ports: [8123] }] },
          mqtt: {
            broker: "mqtt.home.arpa",
            port: 8883,
            username: "jarvis",
            egress: [{ cidr: "192.168.1.21/32", ports: [8883] }],
          },
        },
        "jarvis:homeAssistantToken": { secure: "v1:x" },
        "jarvis:mqttPassword": { secure: "v1:x" },
      });
    });

    it("let the backend reach exactly the configured address and port of each integration that is on", () => {
      const outside = (plan: ParsedPlan, group: string) =>
        one(plan, "NetworkPolicy", `network-${group}`)
          .inputs.spec.egress.filter((r: any) => r.to[0].ipBlock)
          .map((r: any) => ({ ...r.to[0].ipBlock, ports: r.ports.map((p: any) => p.port) }));
      expect(outside(integrated, "backend")).toEqual([
        { cidr: "192.168.1.20/32", ports: [8123] },
        { cidr: "192.168.1.21/32", ports: [8883] },
      ]);
      // Off (prod as shipped): nothing outside for the backend; and no other service gets them.
      expect(outside(prod, "backend")).toEqual([]);
      expect(outside(integrated, "interface")).toEqual([]);
    });

    it("are each kept or dropped, as the README says", () => {
      expect(Object.keys(original("ConfigMap/jarvis-config").data).sort()).toEqual(
        [...Object.keys(KEPT), ...DROPPED].sort(),
      );
      expect(Object.keys(original("Secret/jarvis-secrets").data).sort()).toEqual(Object.keys(SECRETS).sort());
      for (const key of DROPPED) expect(readme).toContain(`\`${key}\``);
    });

    it.each(Object.entries({ ...KEPT, ...SECRETS }))("%s reaches the service that reads it: %j", (key, places) => {
      const plans = INTEGRATION_KEYS.includes(key) ? [integrated] : [prod, staging, integrated];
      for (const plan of plans)
        for (const [holder, ours] of places) expect(dataKeys(plan, holder!), `${key} in ${holder}`).toContain(ours);
      if (INTEGRATION_KEYS.includes(key))
        for (const [holder, ours] of places) expect(dataKeys(prod, holder!), `${holder} in prod`).not.toContain(ours);
    });

    it.each(DROPPED)("%s is in no ConfigMap and no Secret", (key) => {
      for (const plan of [prod, staging, integrated]) {
        const holders = plan.resources.filter((r) => /:(ConfigMap|Secret)$/.test(r.type));
        expect(holders.length).toBeGreaterThan(0);
        for (const r of holders) expect(Object.keys(r.inputs.data ?? {}), r.name).not.toContain(key);
      }
    });
  });
});
