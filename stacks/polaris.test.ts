// Polaris's checks (FairwindsOps/polaris v10.2.2, pkg/config/checks, copied into
// test/fixtures/polaris) evaluated with ajv against every object of the prod plan, the way Polaris
// selects their targets: each container, each pod spec, each controller, or objects of one kind.
// Checks whose schema is a Go template over other objects (RBAC bindings, "is there a PDB / a
// NetworkPolicy for it") are left out; the rest must pass but for the deliberate exceptions the
// README lists.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2019 from "ajv/dist/2019";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { PROJECT_DIR } from "../tools/plan/cli";
import { shippedPlan } from "../tools/test-support";

interface Check {
  readonly name: string;
  readonly target: string;
  readonly schemaTarget?: string;
  readonly controllers?: { readonly include?: string[]; readonly exclude?: string[] };
  readonly containers?: { readonly exclude?: string[] };
  readonly schema?: object;
  readonly schemaString?: string;
  readonly additionalSchemaStrings?: unknown;
}

type K8sObject = Record<string, any>;

const CHECKS_DIR = join(PROJECT_DIR, "test/fixtures/polaris");
const CONTROLLERS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/** The only template these checks use on their own object: `{{ .metadata.name }}`. */
function render(text: string, object: K8sObject): string | undefined {
  const rendered = text.replace(/\{\{\s*\.metadata\.name\s*\}\}/g, String(object.metadata?.name ?? ""));
  return rendered.includes("{{") ? undefined : rendered;
}

const podSpecOf = (o: K8sObject): K8sObject | undefined =>
  o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;

/** What a check validates for one object, as Polaris picks it. */
function targets(check: Check, object: K8sObject): K8sObject[] {
  const { include, exclude } = check.controllers ?? {};
  const controller =
    CONTROLLERS.includes(object.kind) && (!include || include.includes(object.kind)) && !exclude?.includes(object.kind);
  const pod = controller ? podSpecOf(object) : undefined;
  switch (check.target) {
    case "Controller":
      return controller ? [object] : [];
    case "PodSpec":
      return pod ? [pod] : [];
    case "PodTemplate":
      return pod ? [object.kind === "CronJob" ? object.spec.jobTemplate.spec.template : object.spec.template] : [];
    case "Container": {
      if (!pod) return [];
      const init = check.containers?.exclude?.includes("initContainer") ? [] : (pod.initContainers ?? []);
      const containers = [...pod.containers, ...init];
      // As Polaris does: the pod spec around this one container, without the others.
      return check.schemaTarget === "PodSpec"
        ? containers.map((c) => ({ ...pod, initContainers: [], containers: [c] }))
        : containers;
    }
    default: {
      const [group, kind] = check.target.split("/");
      const objectGroup = String(object.apiVersion).includes("/") ? String(object.apiVersion).split("/")[0] : "";
      return object.kind === kind && objectGroup === group ? [object] : [];
    }
  }
}

let objects: K8sObject[];
let checks: Check[];
beforeAll(async () => {
  const plan = await shippedPlan("prod");
  objects = parseAllDocuments(plan.manifests!).map((d) => d.toJS() as K8sObject);
  checks = readdirSync(CHECKS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => ({ name: f.replace(/\.yaml$/, ""), ...(parse(readFileSync(join(CHECKS_DIR, f), "utf8")) as object) }))
    .map((c) => c as Check);
});

/** Polaris's patterns are Go regular expressions: `(?i)` is JavaScript's `i` flag. */
const newAjv = () =>
  new Ajv2019({
    strict: false,
    code: {
      regExp: Object.assign(
        (pattern: string, flags: string) =>
          pattern.includes("(?i)")
            ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`)
            : new RegExp(pattern, flags),
        { code: "new RegExp" },
      ),
    },
  });

/** Checks with a schema of their own object (the others compare objects, or are Go code). */
const evaluable = (check: Check) =>
  !check.additionalSchemaStrings && (check.schema ?? check.schemaString) !== undefined;

/** Go's JSON Schema library ignores an empty `required:` (hostPortSet has one); ajv refuses it. */
function withoutEmptyRequired(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyRequired);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) => (k === "required" && v === null ? [] : [[k, withoutEmptyRequired(v)]])),
  );
}

/** Every failing check, with the objects it fails on. */
function failures(): Record<string, string[]> {
  const ajv = newAjv();
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  const failed: Record<string, string[]> = {};
  for (const check of checks.filter(evaluable)) {
    for (const object of objects) {
      const source = check.schemaString ?? JSON.stringify(check.schema);
      const rendered = render(source, object);
      if (rendered === undefined) continue;
      if (!compiled.has(rendered))
        compiled.set(
          rendered,
          ajv.compile(withoutEmptyRequired(check.schemaString ? parse(rendered) : JSON.parse(rendered)) as object),
        );
      const validate = compiled.get(rendered)!;
      for (const target of targets(check, object))
        if (!validate(target)) (failed[check.name] ??= []).push(`${object.kind}/${object.metadata?.name}`);
    }
  }
  return failed;
}

describe("Polaris's checks on the prod plan", () => {
  it("are evaluated, but for those that compare objects or need Go templates beyond the object's name", () => {
    expect(checks.length).toBe(44);
    // Templates over values this evaluation does not render (both pass on the prod plan by hand:
    // seccomp RuntimeDefault and dropped capabilities everywhere, an HPA of 3 to 10).
    const templated = checks.filter(
      (c) => evaluable(c) && render(JSON.stringify(c.schema ?? c.schemaString), {}) === undefined,
    );
    expect(templated.map((c) => c.name).sort()).toEqual(["hpaMaxAvailability", "linuxHardening"]);
    expect(checks.filter(evaluable).length - templated.length).toBe(32);
  });

  it("pass but for the deliberate exceptions the README lists", () => {
    const failed = failures();
    expect(Object.keys(failed).sort()).toEqual([
      // The HPA owns the backend's replicas: the Deployment leaves them unset. The collector is a singleton.
      "deploymentMissingReplicas",
      // The instance label is the stack (prod), the auto-named objects' names carry a suffix.
      "metadataAndInstanceMismatched",
      // Priority classes are the cluster's, not a stack's (README).
      "priorityClassNotSet",
      // Pinned tags and digests: IfNotPresent pulls each once (README).
      "pullPolicyNotAlways",
      // The exporters' sidecars: an exporter's failing health endpoint must not take its datastore out of its Service.
      "readinessProbeMissing",
      // POSTGRES_PASSWORD_FILE names the mounted file that holds the password: a path, no secret.
      "sensitiveContainerEnvVar",
    ]);
    expect(failed.sensitiveContainerEnvVar!.sort()).toEqual([
      "StatefulSet/jarvis-postgres",
      "StatefulSet/jarvis-timescale",
    ]);
    expect(failed.deploymentMissingReplicas!.sort()).toEqual([
      expect.stringMatching(/^Deployment\/alloy-/),
      expect.stringMatching(/^Deployment\/backend-/),
    ]);
    expect(failed.readinessProbeMissing!.sort()).toEqual([
      "StatefulSet/jarvis-postgres",
      "StatefulSet/jarvis-redis",
      "StatefulSet/jarvis-timescale",
    ]);
  });

  it("would catch a container that may run as root or escalate", () => {
    const ajv = newAjv();
    const privileged = ajv.compile(checks.find((c) => c.name === "privilegeEscalationAllowed")!.schema!);
    // Its target is the pod spec around one container.
    expect(privileged({ containers: [{ securityContext: { allowPrivilegeEscalation: true } }] })).toBe(false);
    expect(privileged({ containers: [{ securityContext: { allowPrivilegeEscalation: false } }] })).toBe(true);
    const pods = objects.filter((o) => CONTROLLERS.includes(o.kind));
    expect(pods.length).toBeGreaterThan(9);
  });
});
