// WorkloadSettings under the plan engine (the SDK's mocks, recording each registration whole): the
// ConfigMaps and Secrets it registers for a workload, and the aliases that keep them the same
// resources they were as the workload's own children.
import { ConfigMap } from "@pulumi/kubernetes/core/v1/configMap";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { identity } from "../../tools/plan/engine";
import { WorkloadSettings, type WorkloadSettingsArgs } from "./workload-settings";
import { underEngine } from "../../tools/test-support";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const COMPONENT = "jarvis:kubernetes:WorkloadSettings";
const WORKLOAD = "jarvis:kubernetes:Workload";

/** A value the engine receives as secret (wire form). */
const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
const base64 = (text: string) => Buffer.from(text).toString("base64");

const BASE: WorkloadSettingsArgs = {
  namespace: "jarvis",
  labels: { "app.kubernetes.io/name": "api" },
  plain: {},
  secret: {},
};

/** The settings of a workload named "api", under a Workload component unless `parent` is false. */
async function settings(
  overrides: Partial<WorkloadSettingsArgs>,
  options: { parent?: boolean; protect?: boolean } = {},
) {
  return underEngine(() => {
    const { parent = true, protect } = options;
    const workload = parent ? new pulumi.ComponentResource(WORKLOAD, "api", {}, { protect }) : undefined;
    new WorkloadSettings("api", { ...BASE, ...overrides }, { ...(workload && { parent: workload }), protect });
  });
}

describe("the WorkloadSettings component", () => {
  it("puts plain values in a ConfigMap and registers no Secret without secrets", async () => {
    const { ofType, find } = await settings({ plain: { LOG_LEVEL: "info", PORT: "8000" } });
    expect(ofType(SECRET)).toEqual([]);
    expect(ofType(CONFIG_MAP).map((r) => r.name)).toEqual(["api-settings"]);
    const inputs = find(CONFIG_MAP, "api-settings").inputs as any;
    expect(inputs.data).toEqual({ LOG_LEVEL: "info", PORT: "8000" });
    expect(inputs.metadata).toEqual({ namespace: "jarvis", labels: { "app.kubernetes.io/name": "api" } });
    const outputs = find(COMPONENT, "api").outputs!;
    expect(outputs.settingsName).toBe((find(CONFIG_MAP, "api-settings").state as any).metadata.name);
    expect(outputs).not.toHaveProperty("secretName");
  });

  it("puts secrets, base64-encoded and secret, in an Opaque Secret and registers no ConfigMap without plain values", async () => {
    const { ofType, find } = await settings({ secret: { TOKEN: pulumi.secret("t0ken"), DB_PASSWORD: "pa55" } });
    expect(ofType(CONFIG_MAP)).toEqual([]);
    expect(ofType(SECRET).map((r) => r.name)).toEqual(["api-secrets"]);
    const inputs = find(SECRET, "api-secrets").inputs as any;
    expect(inputs.type).toBe("Opaque");
    expect(isSecret(inputs.data)).toBe(true);
    expect(inputs.data.value).toEqual({ DB_PASSWORD: base64("pa55"), TOKEN: base64("t0ken") });
    expect(Object.keys(inputs.data.value)).toEqual(["DB_PASSWORD", "TOKEN"]);
    const outputs = find(COMPONENT, "api").outputs!;
    expect(outputs.secretName).toBe((find(SECRET, "api-secrets").state as any).metadata.name);
    expect(outputs).not.toHaveProperty("settingsName");
  });

  it("registers nothing for a workload without settings, secrets or files", async () => {
    const { ofType, find } = await settings({});
    expect([...ofType(CONFIG_MAP), ...ofType(SECRET)]).toEqual([]);
    expect(find(COMPONENT, "api").outputs).toEqual({});
  });

  it("puts plain files in a ConfigMap of their own, by file name", async () => {
    const { ofType, find } = await settings({
      plain: { LOG_LEVEL: "info" },
      files: { directory: "/etc/api", contents: { "config.yaml": "level: info\n", "rules.json": "{}" } },
    });
    expect(
      ofType(CONFIG_MAP)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["api-files", "api-settings"]);
    expect((find(CONFIG_MAP, "api-files").inputs as any).data).toEqual({
      "config.yaml": "level: info\n",
      "rules.json": "{}",
    });
    expect(find(COMPONENT, "api").outputs!.filesName).toBe((find(CONFIG_MAP, "api-files").state as any).metadata.name);
  });

  it("puts secret files, base64-encoded and secret, in a Secret of their own", async () => {
    const { ofType, find } = await settings({
      secretFiles: { directory: "/run/api", contents: { "key.pem": pulumi.secret("-----BEGIN KEY-----") } },
    });
    expect(ofType(SECRET).map((r) => r.name)).toEqual(["api-secret-files"]);
    const inputs = find(SECRET, "api-secret-files").inputs as any;
    expect(inputs.type).toBe("Opaque");
    expect(isSecret(inputs.data)).toBe(true);
    expect(inputs.data.value).toEqual({ "key.pem": base64("-----BEGIN KEY-----") });
    expect(find(COMPONENT, "api").outputs!.secretFilesName).toBe(
      (find(SECRET, "api-secret-files").state as any).metadata.name,
    );
  });

  it("aliases its settings, secrets and files to the component's parent, where they were before", async () => {
    const { find } = await settings({
      plain: { LOG_LEVEL: "info" },
      secret: { TOKEN: "t0ken" },
      files: { directory: "/etc/api", contents: { "config.yaml": "" } },
    });
    const workload = `urn:pulumi:unit::jarvis::${WORKLOAD}`;
    expect(find(CONFIG_MAP, "api-settings").aliases).toEqual([`${workload}$${CONFIG_MAP}::api-settings`]);
    expect(find(SECRET, "api-secrets").aliases).toEqual([`${workload}$${SECRET}::api-secrets`]);
    expect(find(CONFIG_MAP, "api-files").aliases).toEqual([`${workload}$${CONFIG_MAP}::api-files`]);
    expect(find(CONFIG_MAP, "api-settings").parent).toBe(find(COMPONENT, "api").urn);
  });

  it("a ConfigMap deployed as the workload's child keeps its identity and generated name", async () => {
    const before = await underEngine(() => {
      const workload = new pulumi.ComponentResource(WORKLOAD, "api", {}, {});
      new ConfigMap(
        "api-settings",
        { metadata: { namespace: "jarvis" }, data: { LOG_LEVEL: "info" } },
        { parent: workload },
      );
    });
    const after = await settings({ plain: { LOG_LEVEL: "info" } });
    const [old, moved] = [before.find(CONFIG_MAP, "api-settings"), after.find(CONFIG_MAP, "api-settings")];
    expect(moved.urn).not.toBe(old.urn);
    expect(identity(moved)).toBe(old.urn);
    expect((moved.state as any).metadata.name).toBe((old.state as any).metadata.name);
  });

  it("has no aliases without a parent", async () => {
    const { find } = await settings({ plain: { LOG_LEVEL: "info" }, secret: { TOKEN: "t0ken" } }, { parent: false });
    expect(find(CONFIG_MAP, "api-settings").aliases).toEqual([]);
    expect(find(SECRET, "api-secrets").aliases).toEqual([]);
  });

  it("never protects its objects, which are replaced on every change, even under a protected parent", async () => {
    const { registrations } = await settings(
      {
        plain: { LOG_LEVEL: "info" },
        secret: { TOKEN: "t0ken" },
        files: { directory: "/etc/api", contents: { "config.yaml": "" } },
        secretFiles: { directory: "/run/api", contents: { "key.pem": "k" } },
      },
      { protect: true },
    );
    const objects = registrations.filter((r) => r.type === CONFIG_MAP || r.type === SECRET);
    expect(objects).toHaveLength(4);
    for (const r of objects) expect(r.protect).toBe(false);
  });
});
