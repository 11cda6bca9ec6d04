// Workload under the plan engine (the SDK's mocks, recording each registration whole): what its
// controller union registers (a Deployment with replicas or an autoscaler, or a StatefulSet with a
// volume claim), its Service, ServiceAccount, settings and PodDisruptionBudget, and their options.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { type Registration } from "../../tools/plan/engine";
import type { AutoscalingPolicy } from "./autoscaling";
import { Workload, type DeploymentController, type StatefulSetController, type WorkloadArgs } from "./workload";
import { underEngine } from "../../tools/test-support";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const SERVICE = "kubernetes:core/v1:Service";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const CLAIM_PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const COMPONENT = "jarvis:kubernetes:Workload";
const SETTINGS = "jarvis:kubernetes:WorkloadSettings";
const AUTOSCALING = "jarvis:kubernetes:Autoscaling";

const generatedName = (r: Registration) => (r.state as any).metadata.name as string;

const POLICY: AutoscalingPolicy = {
  minReplicas: 2,
  maxReplicas: 5,
  cpuUtilization: 70,
  memoryUtilization: 80,
  scaleUpStabilizationSeconds: 0,
  scaleDownStabilizationSeconds: 300,
  scaleDownPodsPerMinute: 1,
};

const deployment = (scale: DeploymentController["scale"]): DeploymentController => ({
  kind: "deployment",
  scale,
  rollout: { maxSurge: 1 },
  progressDeadlineSeconds: 600,
});

const STATEFUL: StatefulSetController = {
  kind: "statefulSet",
  storageClassName: "fast-ssd",
  size: "20Gi",
  mountPath: "/var/lib/postgresql/data",
  subPath: "pgdata",
};

const args = (controller: WorkloadArgs["controller"], overrides: Partial<WorkloadArgs> = {}): WorkloadArgs => ({
  namespace: "jarvis",
  name: "api",
  labels: { "app.kubernetes.io/name": "api" },
  selector: { "jarvis.service": "api" },
  container: {
    image: "jarvis/api:1.4.0",
    ports: [
      { name: "http", containerPort: 8000 },
      { name: "metrics", containerPort: 9100 },
    ],
    probes: {},
    resources: { requests: { cpu: "100m" } },
    securityContext: { readOnlyRootFilesystem: true },
    scratch: [{ name: "tmp", mountPath: "/tmp" }],
  },
  pod: { securityContext: { runAsNonRoot: true }, graceSeconds: 30 },
  env: {
    plain: { LOG_LEVEL: "info" },
    secret: { JWT_SECRET: pulumi.secret("jwt"), DB_PASSWORD: pulumi.secret("db") },
    asFile: { DB_PASSWORD: "DB_PASSWORD_FILE" },
  },
  controller,
  disruptionMaxUnavailable: 1,
  ...overrides,
});

/** One Workload named "api" (the component; its children are named after it). */
async function workload(controller: WorkloadArgs["controller"], opts?: pulumi.ComponentResourceOptions) {
  return underEngine(() => {
    new Workload("api", args(controller), opts);
  });
}

describe("the Workload component, for every controller", () => {
  it("runs its pods under a ServiceAccount of the service's name, without its token", async () => {
    const { find } = await workload(deployment({ replicas: 1 }));
    const account = find(SERVICE_ACCOUNT, "api").inputs as any;
    expect(account.metadata).toEqual({ namespace: "jarvis", labels: { "app.kubernetes.io/name": "api" }, name: "api" });
    expect(account.automountServiceAccountToken).toBe(false);
    const pod = (find(DEPLOYMENT, "api").inputs as any).spec.template.spec;
    expect(pod.serviceAccountName).toBe("api");
  });

  it("reads the API only with its access given: a Role of its rules bound to its ServiceAccount, the token in its pods", async () => {
    const without = await workload(deployment({ replicas: 1 }));
    expect(without.ofType(ROLE)).toEqual([]);
    expect(without.ofType(ROLE_BINDING)).toEqual([]);
    expect((without.find(DEPLOYMENT, "api").inputs as any).spec.template.spec.automountServiceAccountToken).toBe(false);
    const rules = [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }];
    const { find } = await underEngine(() => {
      new Workload("api", { ...args(deployment({ replicas: 1 })), apiAccess: rules });
    });
    const role = find(ROLE, "api").inputs as any;
    expect(role.metadata).toEqual({ namespace: "jarvis", labels: { "app.kubernetes.io/name": "api" } });
    expect(role.rules).toEqual(rules);
    const binding = find(ROLE_BINDING, "api").inputs as any;
    expect(binding.metadata.namespace).toBe("jarvis");
    // Both auto-named: a new Role's name changes roleRef, which replaces the binding (pulumi-kubernetes
    // provider/pkg/provider/diff.go, roleBinding's forceNew `.roleRef`), the new one first.
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: expect.stringMatching(/^api-[0-9a-f]{8}$/),
    });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "api", namespace: "jarvis" }]);
    // The account itself keeps no token: only its pods mount one.
    expect((find(SERVICE_ACCOUNT, "api").inputs as any).automountServiceAccountToken).toBe(false);
    expect((find(DEPLOYMENT, "api").inputs as any).spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  it("puts its settings under WorkloadSettings, aliased to the workload where they were before", async () => {
    const { find } = await workload(deployment({ replicas: 1 }));
    const settings = find(SETTINGS, "api");
    expect(settings.parent).toBe(find(COMPONENT, "api").urn);
    const map = find(CONFIG_MAP, "api-settings");
    expect(map.parent).toBe(settings.urn);
    expect(map.aliases).toEqual([`urn:pulumi:unit::jarvis::${COMPONENT}$${CONFIG_MAP}::api-settings`]);
    expect(find(SECRET, "api-secrets").aliases).toEqual([
      `urn:pulumi:unit::jarvis::${COMPONENT}$${SECRET}::api-secrets`,
    ]);
  });

  it("hands the settings' generated names and the secret variables to the pod template", async () => {
    const { find } = await workload(deployment({ replicas: 1 }));
    const container = (find(DEPLOYMENT, "api").inputs as any).spec.template.spec.containers[0];
    const secretName = generatedName(find(SECRET, "api-secrets"));
    expect(container.envFrom).toEqual([{ configMapRef: { name: generatedName(find(CONFIG_MAP, "api-settings")) } }]);
    expect(container.env).toEqual([
      { name: "JWT_SECRET", valueFrom: { secretKeyRef: { name: secretName, key: "JWT_SECRET" } } },
      { name: "DB_PASSWORD_FILE", value: "/run/secrets/jarvis/DB_PASSWORD" },
    ]);
    expect(container.name).toBe("api");
  });

  it("the Service publishes every container port by name, over TCP", async () => {
    const { find } = await workload(deployment({ replicas: 1 }));
    const service = find(SERVICE, "api").inputs as any;
    expect(service.metadata.name).toBe("api");
    expect(service.spec.selector).toEqual({ "jarvis.service": "api" });
    expect(service.spec.ports).toEqual([
      { name: "http", port: 8000, targetPort: "http", protocol: "TCP" },
      { name: "metrics", port: 9100, targetPort: "metrics", protocol: "TCP" },
    ]);
  });

  it("registers the Service's name as its output, and none of its secrets as inputs", async () => {
    const { find } = await workload(deployment({ replicas: 1 }));
    expect(find(COMPONENT, "api").outputs).toEqual({ serviceName: "api" });
    expect(find(COMPONENT, "api").inputs).toEqual({});
  });
});

describe("the Workload component, as a Deployment", () => {
  it("with fixed replicas: an auto-named Deployment of that many replicas, rolled without unavailability", async () => {
    const { find, ofType } = await workload(deployment({ replicas: 1 }));
    expect(ofType(DEPLOYMENT)).toHaveLength(1);
    expect(ofType(STATEFUL_SET)).toEqual([]);
    const inputs = find(DEPLOYMENT, "api").inputs as any;
    expect(inputs.metadata).not.toHaveProperty("name");
    expect(inputs.spec.replicas).toBe(1);
    expect(inputs.spec.selector).toEqual({ matchLabels: { "jarvis.service": "api" } });
    expect(inputs.spec.progressDeadlineSeconds).toBe(600);
    expect(inputs.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    // A singleton stops its pod before it starts the new one.
    const recreated = await workload({ ...deployment({ replicas: 1 }), rollout: "recreate" });
    expect((recreated.find(DEPLOYMENT, "api").inputs as any).spec.strategy).toEqual({ type: "Recreate" });
    expect(find(SERVICE, "api").inputs).toMatchObject({ spec: { type: "ClusterIP" } });
  });

  it("with one replica: no PodDisruptionBudget and no autoscaler", async () => {
    const { ofType } = await workload(deployment({ replicas: 1 }));
    expect(ofType(PDB)).toEqual([]);
    expect(ofType(HPA)).toEqual([]);
    expect(ofType(AUTOSCALING)).toEqual([]);
  });

  it("with more than one replica: a PodDisruptionBudget over the selector, and no autoscaler", async () => {
    const { find, ofType } = await workload(deployment({ replicas: 3 }));
    expect((find(DEPLOYMENT, "api").inputs as any).spec.replicas).toBe(3);
    expect((find(PDB, "api").inputs as any).spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { "jarvis.service": "api" } },
    });
    expect(ofType(HPA)).toEqual([]);
  });

  it("under an autoscaler: no replicas of its own, an Autoscaling with its HPA on this Deployment, and a PDB", async () => {
    const { find, ofType } = await workload(deployment({ autoscaling: POLICY }));
    const spec = (find(DEPLOYMENT, "api").inputs as any).spec;
    expect(spec).not.toHaveProperty("replicas");
    const autoscaling = find(AUTOSCALING, "api");
    expect(autoscaling.parent).toBe(find(COMPONENT, "api").urn);
    const hpa = find(HPA, "api");
    expect(hpa.parent).toBe(autoscaling.urn);
    expect((hpa.inputs as any).spec.scaleTargetRef.name).toBe(generatedName(find(DEPLOYMENT, "api")));
    expect((hpa.inputs as any).spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
    expect(ofType(PDB)).toHaveLength(1);
  });

  it("protects none of its objects, and sets no timeouts", async () => {
    const { registrations } = await workload(deployment({ autoscaling: POLICY }), { protect: true });
    const custom = registrations.filter((r) => r.custom);
    expect(custom.length).toBeGreaterThanOrEqual(6);
    for (const r of custom) {
      expect(r.protect).toBe(false);
      expect(r.customTimeouts).toEqual({});
    }
  });
});

describe("the Workload component, as a StatefulSet", () => {
  it("has the service's fixed name, one replica and a volume claim template of the size", async () => {
    const { find, ofType } = await workload(STATEFUL);
    expect(ofType(DEPLOYMENT)).toEqual([]);
    const inputs = find(STATEFUL_SET, "api").inputs as any;
    expect(inputs.metadata.name).toBe("api");
    expect(inputs.spec.replicas).toBe(1);
    expect(inputs.spec.serviceName).toBe("api");
    expect(inputs.spec.selector).toEqual({ matchLabels: { "jarvis.service": "api" } });
    expect(inputs.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(inputs.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "data", labels: { "app.kubernetes.io/name": "api" } },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "fast-ssd",
          resources: { requests: { storage: "20Gi" } },
        },
      },
    ]);
  });

  it("is served by a headless Service", async () => {
    const { find } = await workload(STATEFUL);
    const service = find(SERVICE, "api").inputs as any;
    expect(service.spec.clusterIP).toBe("None");
    expect(service.spec).not.toHaveProperty("type");
  });

  it("mounts the data volume in its container", async () => {
    const { find } = await workload(STATEFUL);
    const mounts = (find(STATEFUL_SET, "api").inputs as any).spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toContainEqual({ name: "data", mountPath: "/var/lib/postgresql/data", subPath: "pgdata" });
  });

  it("has no PodDisruptionBudget nor autoscaler", async () => {
    const { ofType } = await workload(STATEFUL);
    expect([...ofType(PDB), ...ofType(HPA)]).toEqual([]);
  });

  it("passes protect and retainOnDelete to the StatefulSet only", async () => {
    const { registrations, find } = await workload(STATEFUL, { protect: true, retainOnDelete: true });
    const set = find(STATEFUL_SET, "api");
    expect(set.protect).toBe(true);
    expect(set.retainOnDelete).toBe(true);
    const others = registrations.filter((r) => r.custom && r.type !== STATEFUL_SET);
    expect(others.map((r) => r.type).sort()).toEqual(
      [CLAIM_PATCH, CONFIG_MAP, SECRET, SERVICE, SERVICE_ACCOUNT].sort(),
    );
    for (const r of others) {
      expect(r.protect).toBe(false);
      expect(r.retainOnDelete).toBe(false);
    }
  });

  it("grows its volume in place: the claim template is left as created, the claim is patched", async () => {
    const { find } = await workload({ ...STATEFUL, size: "50Gi" });
    const set = find(STATEFUL_SET, "api");
    // A change of volumeClaimTemplates would replace the StatefulSet (pulumi-kubernetes diff.go).
    expect(set.ignoreChanges).toEqual(["spec.volumeClaimTemplates"]);
    const patch = find(CLAIM_PATCH, "api-data");
    expect(patch.inputs.metadata).toMatchObject({
      name: `data-${(set.inputs.metadata as any).name}-0`,
      annotations: { "pulumi.com/patchForce": "true" },
    });
    expect(patch.inputs.spec).toEqual({ resources: { requests: { storage: "50Gi" } } });
    // The claim exists only once the StatefulSet has created it.
    expect(patch.dependencies).toContain(set.urn);
  });

  it("is neither protected nor retained when the workload is not", async () => {
    const { find } = await workload(STATEFUL);
    expect(find(STATEFUL_SET, "api").protect).toBe(false);
    expect(find(STATEFUL_SET, "api").retainOnDelete).toBe(false);
  });

  it("waits as long as awaitMinutes says to create and update, and the default without it", async () => {
    const waited = await workload({ ...STATEFUL, awaitMinutes: 20 });
    expect(waited.find(STATEFUL_SET, "api").customTimeouts).toEqual({ create: "20m", update: "20m" });
    const plain = await workload(STATEFUL);
    expect(plain.find(STATEFUL_SET, "api").customTimeouts).toEqual({});
  });
});
