// podTemplate is a plain function: the pod template it returns for a container, a pod and the
// settings a WorkloadSettings created.
import { describe, expect, it } from "vitest";
import { podTemplate, SECRET_FILES_DIR, type ContainerSpec, type PodSpec, type Settings } from "./pod-template";

const CONTAINER: ContainerSpec = {
  name: "api",
  image: "jarvis/api:1.4.0",
  ports: [{ name: "http", containerPort: 8000 }],
  probes: { readinessProbe: { httpGet: { path: "/ready", port: "http" } } },
  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  scratch: [],
};
const POD: PodSpec = {
  labels: { "app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "jarvis" },
  selector: { "jarvis.service": "api" },
  serviceAccountName: "api",
  apiToken: false,
  securityContext: { runAsNonRoot: true },
  graceSeconds: 30,
};
const SETTINGS: Settings = { secretKeys: [], secretAsFile: {} };

const template = (
  container: Partial<ContainerSpec> = {},
  pod: Partial<PodSpec> = {},
  settings: Partial<Settings> = {},
) => podTemplate({ ...CONTAINER, ...container }, { ...POD, ...pod }, { ...SETTINGS, ...settings });
const spec = (...args: Parameters<typeof template>) => template(...args).spec as any;
const container = (...args: Parameters<typeof template>) => spec(...args).containers[0];

describe("podTemplate", () => {
  it("labels the pods with the labels and the selector, and runs one container of the image", () => {
    const t = template();
    expect(t.metadata).toEqual({
      labels: { "app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "jarvis", "jarvis.service": "api" },
    });
    const c = container();
    expect(spec().containers).toHaveLength(1);
    expect(c.name).toBe("api");
    expect(c.image).toBe("jarvis/api:1.4.0");
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(c.ports).toEqual([{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    expect(c.readinessProbe).toEqual({ httpGet: { path: "/ready", port: "http" } });
    expect(c.resources).toEqual(CONTAINER.resources);
    expect(c.securityContext).toEqual(CONTAINER.securityContext);
    // The image's entrypoint stays: the catalogue's command is its arguments, as Docker's CMD.
    expect(c).not.toHaveProperty("command");
    expect(c).not.toHaveProperty("args");
    expect(container({ args: ["serve"] })).toMatchObject({ args: ["serve"] });
    expect(container({ args: ["serve"] })).not.toHaveProperty("command");
  });

  it("runs under the service account without its token, with the pod's security context and grace period", () => {
    const s = spec();
    expect(s.serviceAccountName).toBe("api");
    expect(s.automountServiceAccountToken).toBe(false);
    expect(s.securityContext).toEqual({ runAsNonRoot: true });
    expect(s.terminationGracePeriodSeconds).toBe(30);
  });

  it("spreads the replicas over nodes, and adds the scheduling given", () => {
    expect(spec().topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "jarvis.service": "api" } },
      },
    ]);
    expect(spec()).not.toHaveProperty("nodeSelector");
    const scheduling = {
      nodeSelector: { gpu: "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      runtimeClassName: "nvidia",
    };
    expect(spec({}, { scheduling })).toMatchObject(scheduling);
  });

  it("pulls with a pull secret only when one is given", () => {
    expect(spec()).not.toHaveProperty("imagePullSecrets");
    expect(spec({}, { imagePullSecret: "registry-login" }).imagePullSecrets).toEqual([{ name: "registry-login" }]);
  });

  it("takes plain settings from the settings ConfigMap only when there is one", () => {
    expect(container()).not.toHaveProperty("envFrom");
    expect(container({}, {}, { settingsName: "api-settings-1234" }).envFrom).toEqual([
      { configMapRef: { name: "api-settings-1234" } },
    ]);
  });

  it("gives secret variables as secretKeyRef env, except those the image reads from a file", () => {
    const settings = {
      secretName: "api-secrets-1234",
      secretKeys: ["API_KEY", "DB_PASSWORD", "JWT_SECRET"],
      secretAsFile: { DB_PASSWORD: "DB_PASSWORD_FILE" },
    };
    const c = container({}, {}, settings);
    expect(c.env).toEqual([
      { name: "API_KEY", valueFrom: { secretKeyRef: { name: "api-secrets-1234", key: "API_KEY" } } },
      { name: "JWT_SECRET", valueFrom: { secretKeyRef: { name: "api-secrets-1234", key: "JWT_SECRET" } } },
      { name: "DB_PASSWORD_FILE", value: `${SECRET_FILES_DIR}/DB_PASSWORD` },
    ]);
    expect(c.env.map((e: any) => e.name)).not.toContain("DB_PASSWORD");
  });

  it("mounts the secrets read from files, and only those, read-only under /run/secrets/jarvis", () => {
    expect(SECRET_FILES_DIR).toBe("/run/secrets/jarvis");
    const settings = {
      secretName: "api-secrets-1234",
      secretKeys: ["API_KEY", "DB_PASSWORD", "REDIS_PASSWORD"],
      secretAsFile: { DB_PASSWORD: "DB_PASSWORD_FILE", REDIS_PASSWORD: "REDIS_PASSWORD_FILE" },
    };
    const s = spec({}, {}, settings);
    expect(s.volumes).toEqual([
      {
        name: "secret-files",
        secret: {
          secretName: "api-secrets-1234",
          items: [
            { key: "DB_PASSWORD", path: "DB_PASSWORD" },
            { key: "REDIS_PASSWORD", path: "REDIS_PASSWORD" },
          ],
          defaultMode: 0o400,
        },
      },
    ]);
    expect(s.containers[0].volumeMounts).toEqual([
      { name: "secret-files", mountPath: "/run/secrets/jarvis", readOnly: true },
    ]);
  });

  it("has no secret files volume when no secret is read from a file", () => {
    const s = spec({}, {}, { secretName: "api-secrets-1234", secretKeys: ["API_KEY"], secretAsFile: {} });
    expect(s.volumes).toEqual([]);
    expect(s.containers[0].volumeMounts).toEqual([]);
    expect(s.containers[0].env).toHaveLength(1);
  });

  it("mounts each file on its own, read-only by subPath, without hiding the folder", () => {
    const s = spec(
      {},
      {},
      {
        filesName: "api-files-1234",
        files: { directory: "/etc/api", contents: { "config.yaml": "a", "rules.json": "b" } },
        secretFilesName: "api-secret-files-1234",
        secretFiles: { directory: "/run/api", contents: { "key.pem": "k" } },
      },
    );
    expect(s.volumes).toEqual([
      { name: "files", configMap: { name: "api-files-1234" } },
      { name: "generated-secret-files", secret: { secretName: "api-secret-files-1234", defaultMode: 0o400 } },
    ]);
    expect(s.containers[0].volumeMounts).toEqual([
      { name: "files", mountPath: "/etc/api/config.yaml", subPath: "config.yaml", readOnly: true },
      { name: "files", mountPath: "/etc/api/rules.json", subPath: "rules.json", readOnly: true },
      { name: "generated-secret-files", mountPath: "/run/api/key.pem", subPath: "key.pem", readOnly: true },
    ]);
  });

  it("gives each scratch folder an emptyDir, under a read-only root", () => {
    const s = spec({
      scratch: [
        { name: "tmp", mountPath: "/tmp" },
        { name: "cache", mountPath: "/home/app/.cache" },
      ],
    });
    expect(s.volumes).toEqual([
      { name: "tmp", emptyDir: {} },
      { name: "cache", emptyDir: {} },
    ]);
    expect(s.containers[0].volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "cache", mountPath: "/home/app/.cache" },
    ]);
  });

  it("mounts the data volume of a StatefulSet last, by its subPath", () => {
    const mounts = container({
      scratch: [{ name: "tmp", mountPath: "/tmp" }],
      data: { mountPath: "/data", subPath: "pgdata" },
    }).volumeMounts;
    expect(mounts.at(-1)).toEqual({ name: "data", mountPath: "/data", subPath: "pgdata" });
    expect(container().volumeMounts.map((m: any) => m.name)).not.toContain("data");
  });
});
