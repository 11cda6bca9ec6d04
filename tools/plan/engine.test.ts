// The plan engine under the SDK's mocks, on small programs: the URNs aliases stand for, and the
// stand-ins of a resource moved with an alias to its old URN.
import { Deployment } from "@pulumi/kubernetes/apps/v1";
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  engineUrn,
  identity,
  PlanEngine,
  replacingInputsDigest,
  standIns,
  urnName,
  urnType,
  type Registration,
} from "./engine";
import { planEntry } from "./render";

const PROJECT = "proj";
const STACK = "s";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** Runs `program` under the plan engine, as execute.ts does; the registrations and what `program` resolved. */
async function underEngine<T>(program: () => pulumi.Output<T> | void) {
  const engine = await PlanEngine.start(PROJECT, STACK, () => {});
  let resolved: T | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    const output = program();
    if (output) await new Promise<void>((done) => output.apply((value) => ((resolved = value), done())));
    return undefined;
  });
  await pulumi.runtime.disconnect();
  const registrations = engine.registrations();
  const find = (type: string, name: string): Registration => {
    const found = registrations.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name} registered`);
    return found;
  };
  return { registrations, find, resolved };
}

/** Two components of different types: where a resource was, and where it moved to. */
function components() {
  const before = new pulumi.ComponentResource("jarvis:test:Before", "before", {}, {});
  const after = new pulumi.ComponentResource("jarvis:test:After", "after", {}, {});
  return { before, after };
}

/** An auto-named ConfigMap (no metadata.name): its made-up name and its ID, once the engine answered. */
function configMap(opts: pulumi.CustomResourceOptions) {
  const map = new ConfigMap("settings", { data: { LEVEL: "info" } }, opts);
  return pulumi.all([map.metadata.name, map.id]).apply(([name, id]) => ({ name, id }));
}

describe("the aliases a registration records", () => {
  it("an alias to another parent stands for the URN under that parent, with the resource's type and name", async () => {
    const { find } = await underEngine(() => {
      const { before, after } = components();
      configMap({ parent: after, aliases: [{ parent: before }] });
    });
    const moved = find(CONFIG_MAP, "settings");
    expect(moved.urn).toBe(`urn:pulumi:s::proj::jarvis:test:After$${CONFIG_MAP}::settings`);
    expect(moved.aliases).toEqual([`urn:pulumi:s::proj::jarvis:test:Before$${CONFIG_MAP}::settings`]);
  });

  it("a noParent alias (parent: undefined) stands for a root-level URN", async () => {
    const { find } = await underEngine(() => {
      const { after } = components();
      configMap({ parent: after, aliases: [{ parent: undefined }] });
    });
    expect(find(CONFIG_MAP, "settings").aliases).toEqual([`urn:pulumi:s::proj::${CONFIG_MAP}::settings`]);
  });

  it("an alias whose parent is the root stack's URN stands for a URN without the stack's type", async () => {
    const stackUrn = "urn:pulumi:s::proj::pulumi:pulumi:Stack::proj-s";
    const { find } = await underEngine(() => {
      const { after } = components();
      configMap({ parent: after, aliases: [{ parent: stackUrn }] });
    });
    expect(find(CONFIG_MAP, "settings").aliases).toEqual([`urn:pulumi:s::proj::${CONFIG_MAP}::settings`]);
  });

  it("a URN given as a string is kept as it is", async () => {
    const old = "urn:pulumi:elsewhere::other::some:module:Thing$kubernetes:core/v1:ConfigMap::old-settings";
    const { find } = await underEngine(() => {
      configMap({ aliases: [old] });
    });
    expect(find(CONFIG_MAP, "settings").aliases).toEqual([old]);
  });

  it("a spec's name, type, stack and project replace the resource's; what it leaves out stays the resource's", async () => {
    const { find } = await underEngine(() => {
      const { after } = components();
      configMap({
        parent: after,
        aliases: [{ name: "old-settings" }, { type: "jarvis:test:OldMap", stack: "s2", project: "p2" }],
      });
    });
    expect(find(CONFIG_MAP, "settings").aliases).toEqual([
      `urn:pulumi:s::proj::jarvis:test:After$${CONFIG_MAP}::old-settings`,
      "urn:pulumi:s2::p2::jarvis:test:After$jarvis:test:OldMap::settings",
    ]);
  });

  it("a component's own alias follows the same rule as a custom resource's", async () => {
    const { find } = await underEngine(() => {
      const { before } = components();
      new pulumi.ComponentResource(
        "jarvis:test:Group",
        "group",
        {},
        { parent: before, aliases: [{ parent: undefined }] },
      );
    });
    expect(find("jarvis:test:Group", "group").aliases).toEqual(["urn:pulumi:s::proj::jarvis:test:Group::group"]);
  });

  it("is empty without aliases, and resources.json writes it right after the parent", async () => {
    const { registrations, find } = await underEngine(() => {
      const { before } = components();
      configMap({ parent: before });
    });
    for (const r of registrations) expect(r.aliases).toEqual([]);
    const keys = Object.keys(planEntry(find(CONFIG_MAP, "settings")).resource);
    expect(keys.slice(keys.indexOf("parent"), keys.indexOf("parent") + 2)).toEqual(["parent", "aliases"]);
    expect(planEntry(find(CONFIG_MAP, "settings")).resource.aliases).toEqual([]);
  });
});

describe("stand-ins across a move", () => {
  it("an aliased resource keeps the auto-name and ID it had under its old URN", async () => {
    const before = await underEngine(() => configMap({ parent: components().before }));
    const moved = await underEngine(() => {
      const { before: old, after } = components();
      return configMap({ parent: after, aliases: [{ parent: old }] });
    });
    expect(before.resolved!.name).toMatch(/^settings-[0-9a-f]{8}$/);
    expect(moved.resolved).toEqual(before.resolved);
    const state = (run: typeof before) => run.find(CONFIG_MAP, "settings").state as { metadata: { name: string } };
    expect(state(moved).metadata.name).toBe(state(before).metadata.name);
    expect(identity(moved.find(CONFIG_MAP, "settings"))).toBe(before.find(CONFIG_MAP, "settings").urn);
  });

  it("a resource moved without an alias is a new resource, with another auto-name", async () => {
    const before = await underEngine(() => configMap({ parent: components().before }));
    const moved = await underEngine(() => configMap({ parent: components().after }));
    expect(moved.resolved!.name).not.toBe(before.resolved!.name);
    expect(moved.resolved!.id).not.toBe(before.resolved!.id);
  });

  it("a Deployment keeps its auto-name though the Kubernetes SDK aliases it to each older API version", async () => {
    const deployment = (opts: pulumi.CustomResourceOptions) => {
      const labels = { app: "web" };
      const spec = {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "web", image: "web:1" }] } },
      };
      return new Deployment("web", { spec }, opts).metadata.name;
    };
    const before = await underEngine(() => deployment({ parent: components().before }));
    const web = before.find(DEPLOYMENT, "web");
    expect(web.aliases).toContain(`urn:pulumi:s::proj::jarvis:test:Before$kubernetes:apps/v1beta1:Deployment::web`);
    expect(identity(web)).toBe(web.urn);
    const moved = await underEngine(() => {
      const { before: old, after } = components();
      return deployment({ parent: after, aliases: [{ parent: old }] });
    });
    expect(moved.find(DEPLOYMENT, "web").aliases[0]).toBe(web.urn);
    expect(moved.resolved).toBe(before.resolved);
  });

  it("the identity is the first alias of the resource's type, else the URN; its name is the URN's last part", () => {
    const urn = engineUrn("s", "p", undefined, "a:b:C", "x::y");
    const type = "a:b:C";
    expect(urnName(urn)).toBe("x::y");
    expect(urnType(engineUrn("s", "p", urn, "d:e:F", "z"))).toBe("d:e:F");
    expect(identity({ urn, type, aliases: [] })).toBe(urn);
    const [old, older, otherType] = [
      "urn:pulumi:s::p::a:b:C::old",
      "urn:pulumi:s::p::k:l:M$a:b:C::older",
      "urn:pulumi:s::p::a:b:D::x::y",
    ];
    expect(identity({ urn, type, aliases: [old, older] })).toBe(old);
    expect(identity({ urn, type, aliases: [otherType, older] })).toBe(older);
    expect(identity({ urn, type, aliases: [otherType] })).toBe(urn);
  });
});

describe("the stand-in of an image", () => {
  const IMAGE = "docker:index/remoteImage:RemoteImage";
  const URN = `urn:pulumi:s::proj::${IMAGE}::images-redis`;

  it("is another ID for another reference of the same resource, the same ID for the same one", () => {
    const id = (name: string) => standIns(IMAGE, "images-redis", URN, { name }).imageId;
    expect(id("redis:7.4.5-alpine")).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(id("redis:7.4.6-alpine")).not.toBe(id("redis:7.4.5-alpine"));
    expect(id("redis:7.4.5-alpine")).toBe(id("redis:7.4.5-alpine"));
    expect(standIns(IMAGE, "images-redis", URN, { name: "redis:7.4.5-alpine" }).repoDigest).toMatch(
      /^redis:7\.4\.5-alpine@sha256:/,
    );
  });

  it("names the reference a container runs, which the container's entry shows", async () => {
    const { RemoteImage } = await import("@pulumi/docker/remoteImage");
    const { Container } = await import("@pulumi/docker/container");
    const { find } = await underEngine(() => {
      const image = new RemoteImage("image", { name: "redis:7.4.5-alpine" });
      new Container("redis", { image: image.imageId });
    });
    const container = find("docker:index/container:Container", "redis");
    expect(container.imageReference).toBe("redis:7.4.5-alpine");
    expect(planEntry(container).resource.imageReference).toBe("redis:7.4.5-alpine");
    expect(String(container.inputs.image)).toMatch(/^sha256:/);
    expect(find(IMAGE, "image").imageReference).toBeUndefined();
  });
});

describe("what a provider makes anew when it replaces an object", () => {
  const PASSWORD = "random:index/randomPassword:RandomPassword";
  const PASSWORD_URN = `urn:pulumi:s::proj::${PASSWORD}::secrets-postgres`;
  const password = (inputs: Record<string, unknown>) =>
    standIns(PASSWORD, "secrets-postgres", PASSWORD_URN, inputs).result as string;

  it("a password's stand-in follows every input (all replace it): a raised keeper makes another", () => {
    const inputs = { length: 32, special: false, keepers: { rotation: "0" } };
    expect(password(inputs)).toMatch(/^PLAN-SECRET-secrets-postgres-[0-9a-f]{8}$/);
    expect(password(inputs)).toBe(password({ ...inputs }));
    expect(password({ ...inputs, keepers: { rotation: "1" } })).not.toBe(password(inputs));
    expect(password({ ...inputs, length: 40 })).not.toBe(password(inputs));
    expect(standIns(PASSWORD, "secrets-postgres", PASSWORD_URN, inputs).bcryptHash).toBe(`${password(inputs)}-bcrypt`);
  });

  const autoName = (type: string, inputs: Record<string, unknown>, options?: Parameters<typeof standIns>[4]) =>
    (standIns(type, "settings", `urn:pulumi:s::proj::${type}::settings`, inputs, options).metadata as { name: string })
      .name;

  it("a Kubernetes auto-name is new when a replacing input changes, kept when the change is an update", () => {
    const map = { metadata: { labels: { team: "a" } }, data: { LEVEL: "info" } };
    const name = autoName(CONFIG_MAP, map);
    expect(name).toMatch(/^settings-[0-9a-f]{8}$/);
    expect(autoName(CONFIG_MAP, structuredClone(map))).toBe(name);
    expect(autoName(CONFIG_MAP, { ...map, data: { LEVEL: "debug" } })).not.toBe(name);
    expect(autoName(CONFIG_MAP, { ...map, metadata: { labels: { team: "b" } } })).toBe(name);
    expect(autoName(CONFIG_MAP, { ...map, metadata: { ...map.metadata, namespace: "other" } })).not.toBe(name);
    // Pulumi's options count: an ignored change reaches no provider, a replaceOnChanges path replaces.
    const ignoring = { ignoreChanges: ["data"], replaceOnChanges: [] };
    expect(autoName(CONFIG_MAP, { ...map, data: { LEVEL: "debug" } }, ignoring)).toBe(
      autoName(CONFIG_MAP, map, ignoring),
    );
    const replacing = { ignoreChanges: [], replaceOnChanges: ["metadata.labels"] };
    expect(autoName(CONFIG_MAP, { ...map, metadata: { labels: { team: "b" } } }, replacing)).not.toBe(
      autoName(CONFIG_MAP, map, replacing),
    );
  });

  it("a Deployment keeps its auto-name for a new pod template, and gets another for a new selector", () => {
    const deployment = (image: string, app: string) => ({
      spec: { selector: { matchLabels: { app } }, template: { spec: { containers: [{ image }] } } },
    });
    const name = autoName(DEPLOYMENT, deployment("web:1", "web"));
    expect(autoName(DEPLOYMENT, deployment("web:2", "web"))).toBe(name);
    expect(autoName(DEPLOYMENT, deployment("web:1", "site"))).not.toBe(name);
  });

  it("the digest of the replacing inputs counts an emptied list or object as a change", () => {
    const type = { type: CONFIG_MAP, ignoreChanges: [], replaceOnChanges: [] };
    expect(replacingInputsDigest(type, { data: {} })).not.toBe(replacingInputsDigest(type, {}));
    expect(replacingInputsDigest(type, { data: { A: "1" } })).not.toBe(replacingInputsDigest(type, { data: {} }));
    expect(replacingInputsDigest(type, { metadata: { labels: { a: "1" } } })).toBe(replacingInputsDigest(type, {}));
  });

  it("a type whose provider computes nothing the plan needs gets no stand-ins", () => {
    expect(
      standIns("docker:index/network:Network", "net", "urn:pulumi:s::proj::docker:index/network:Network::net", {}),
    ).toEqual({});
  });
});
