// --compare on real plans: the shipped stacks against the same stacks with one setting changed,
// and against copies of their resources.json edited where no setting makes the change.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ofType, planStack, shippedPlan, stackValues, type ParsedPlan } from "../test-support";
import { comparePlans, differences, NotAPlanError } from "./compare";
import type { PlanFiles, ResourceEntry } from "./files";

type Entry = ParsedPlan["resources"][number];

/** A folder holding `resources` (and outputs) as an earlier plan's resources.json. */
function planDir(resources: readonly unknown[], outputs: unknown = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "jarvis-earlier-plan-"));
  writeFileSync(join(dir, "resources.json"), JSON.stringify(resources));
  writeFileSync(join(dir, "outputs.json"), JSON.stringify(outputs));
  return dir;
}

const filesOf = (resources: readonly unknown[], outputs: unknown = {}): PlanFiles => ({
  "resources.json": JSON.stringify(resources),
  "outputs.json": JSON.stringify(outputs),
  "summary.md": "",
});

/** The plan's resources with `edit` applied to a deep copy of the one of `type` named `name`. */
function edited(plan: ParsedPlan, type: string, name: string, edit: (entry: Entry) => void): Entry[] {
  const copy: Entry[] = structuredClone(plan.resources) as Entry[];
  const entry = copy.find((r) => r.type === type && r.name === name);
  if (!entry) throw new Error(`no ${type} ${name}`);
  edit(entry);
  return copy;
}

/** The `### <type> <name>: <verdict>` headings of changes.md: the changed resources. */
const changedHeadings = (markdown: string) =>
  [...markdown.matchAll(/^### `([^`]+)` `([^`]+)`: (.+)$/gm)].map(
    ([, type, name, verdict]) => `${type} ${name}: ${verdict}`,
  );

const VOLUME = "docker:index/volume:Volume";
const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
const CLAIM_PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
/** The URN of the plan's one explicit provider. */
const PROVIDER_URN = (plan: ParsedPlan) => plan.resources.find((r) => r.type.startsWith("pulumi:providers:"))!.urn;

let dev: ParsedPlan;
let prod: ParsedPlan;
let devChanged: ParsedPlan;
let prodStorageClass: ParsedPlan;
let devOtherDatabase: ParsedPlan;
let devRotated: ParsedPlan;
let prodDebug: ParsedPlan;
beforeAll(async () => {
  dev = await shippedPlan("dev");
  prod = await shippedPlan("prod");
  const devValues = stackValues("dev") as Record<string, any>;
  devChanged = await planStack("dev", {
    ...devValues,
    "jarvis:volumes": { ...devValues["jarvis:volumes"], postgres: "jarvis-postgres-data-v2" },
    "jarvis:images": { ...devValues["jarvis:images"], redis: "redis:7.4.6-alpine" },
  });
  const prodValues = stackValues("prod") as Record<string, any>;
  prodStorageClass = await planStack("prod", {
    ...prodValues,
    "jarvis:storage": { ...prodValues["jarvis:storage"], className: "standard" },
  });
  // Merge patches of Pulumi.yaml's defaults, as a stack file writes them.
  devOtherDatabase = await planStack("dev", { ...devValues, "jarvis:databases": { postgres: { name: "other_db" } } });
  devRotated = await planStack("dev", { ...devValues, "jarvis:rotation": { postgres: 1 } });
  prodDebug = await planStack("prod", { ...prodValues, "jarvis:backend": { logLevel: "DEBUG" } });
});

const PASSWORD = "random:index/randomPassword:RandomPassword";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const JOB = "kubernetes:batch/v1:Job";
const compared = (earlier: ParsedPlan, now: ParsedPlan) =>
  comparePlans(planDir(earlier.resources, earlier.outputs), filesOf(now.resources, now.outputs));

describe("comparing a plan with itself", () => {
  it("finds nothing", () => {
    const { markdown, summary } = comparePlans(
      planDir(dev.resources, dev.outputs),
      filesOf(dev.resources, dev.outputs),
    );
    expect(summary).toEqual([expect.stringMatching(/: 0 added, 0 removed, 0 changed \(0 replaced\)$/)]);
    expect(markdown).not.toContain("## ");
  });
});

describe("a dev plan with the Postgres volume renamed and a new Redis tag", () => {
  let comparison: ReturnType<typeof comparePlans>;
  beforeAll(() => {
    comparison = comparePlans(planDir(dev.resources, dev.outputs), filesOf(devChanged.resources, devChanged.outputs));
  });

  it("lists exactly the changed resources, each replaced", () => {
    expect(changedHeadings(comparison.markdown).sort()).toEqual([
      `${CONTAINER} postgres: replaced`,
      `${CONTAINER} redis: replaced`,
      `${IMAGE} images-redis: replaced`,
      `${VOLUME} volumes-postgres: replaced`,
    ]);
    expect(comparison.summary[0]).toMatch(/: 0 added, 0 removed, 4 changed \(4 replaced\)$/);
  });

  it("flags the volume's rename as data at risk, the containers' replacement as downtime", () => {
    const { summary, markdown } = comparison;
    expect(summary).toContainEqual(
      expect.stringContaining("this change recreates `jarvis-postgres-data`: data at risk"),
    );
    expect(markdown).toContain("The old one is kept (retainOnDelete)");
    expect(summary).toContainEqual(expect.stringContaining("this change recreates `jarvis-postgres`: downtime"));
    expect(summary).toContainEqual(expect.stringContaining("this change recreates `jarvis-redis`: downtime"));
  });

  it("shows the changed inputs with their old and new values", () => {
    expect(comparison.markdown).toContain(
      '| `name` | `"jarvis-postgres-data"` | `"jarvis-postgres-data-v2"` | replace: ForceNew',
    );
    expect(comparison.markdown).toContain(
      '| `name` | `"redis:7.4.5-alpine"` | `"redis:7.4.6-alpine"` | replace: ForceNew',
    );
  });

  it("gives the container another image ID for the new tag, and names the reference it runs", () => {
    const redis = (plan: ParsedPlan) => plan.resources.find((r) => r.type === CONTAINER && r.name === "redis")!;
    expect(redis(devChanged).inputs.image).not.toBe(redis(dev).inputs.image);
    expect(comparison.markdown).toMatch(/\| `image` \| `"sha256:[0-9a-f]{64}"` \| `"sha256:[0-9a-f]{64}"` \| replace/);
    expect(comparison.markdown).toContain('- option image reference: `"redis:7.4.5-alpine"` → `"redis:7.4.6-alpine"`');
  });
});

describe("a prod plan with another storage class", () => {
  let comparison: ReturnType<typeof comparePlans>;
  beforeAll(() => {
    comparison = comparePlans(planDir(prod.resources), filesOf(prodStorageClass.resources));
  });

  it("notes that the StatefulSets' claim templates reach no existing claim", () => {
    const notes = comparison.markdown.split("\n").filter((line) => line.includes("spec.storageClassName` of"));
    expect(notes).toHaveLength(5);
    expect(notes[0]).toContain("ignoreChanges: spec.volumeClaimTemplates");
    expect(notes[0]).toContain("no existing claim gets it");
    expect(notes[0]).toContain("back it up and restore it");
    expect(changedHeadings(comparison.markdown)).toContain(`${STATEFUL_SET} postgres: no change to the object`);
  });

  it("flags the backup claim, which the class replaces, as data at risk and protected", () => {
    expect(changedHeadings(comparison.markdown)).toContain(`${CLAIM} backup: replaced`);
    expect(comparison.summary).toContainEqual(
      expect.stringContaining("this change recreates `jarvis-backups`: data at risk"),
    );
    expect(comparison.summary).toContainEqual(expect.stringContaining("`jarvis-backups` is protected"));
  });
});

describe("a staging plan pointed at another cluster", () => {
  let staging: ParsedPlan;
  let comparison: ReturnType<typeof comparePlans>;
  beforeAll(async () => {
    staging = await shippedPlan("staging");
    const moved = await planStack("staging", {
      ...stackValues("staging"),
      "jarvis:cluster": { ...(stackValues("staging") as Record<string, any>)["jarvis:cluster"], context: "jarvis-dr" },
    });
    comparison = compared(staging, moved);
  });
  const managed = () => staging.resources.filter((r) => r.provider === PROVIDER_URN(staging));

  it("replaces the provider, and with it every object it manages", () => {
    const headings = changedHeadings(comparison.markdown);
    expect(headings).toContain(`${K8S_PROVIDER} cluster: replaced`);
    expect(managed().length).toBeGreaterThan(10);
    expect(headings.sort()).toEqual(
      [...managed(), staging.resources.find((r) => r.type === K8S_PROVIDER)!]
        .map((r) => `${r.type} ${r.name}: replaced`)
        .sort(),
    );
    expect(comparison.summary[0]).toMatch(
      new RegExp(`: 0 added, 0 removed, ${headings.length} changed \\(${headings.length} replaced\\)$`),
    );
    expect(comparison.markdown).toContain(
      '| `context` | `"jarvis-staging"` | `"jarvis-dr"` | replace: context names the active cluster',
    );
  });

  it("warns that all is recreated on the new cluster, the claims, StatefulSets with claims and namespace at risk", () => {
    const [warning, ...others] = comparison.summary.slice(1);
    expect(others).toEqual([]);
    expect(warning).toContain(`every object it manages (${managed().length}) is created anew where it now points`);
    expect(warning).toContain("and deleted from where it was");
    const dataAtRisk = warning!.slice(warning!.indexOf("data at risk:"), warning!.indexOf("; downtime:"));
    const names = (type: string) => ofType(staging, type).map((r) => r.inputs.metadata.name as string);
    for (const name of [...names(STATEFUL_SET), ...names(CLAIM), ...names(NAMESPACE)])
      expect(dataAtRisk).toContain(`\`${name}\``);
    expect(dataAtRisk).not.toContain("(Service");
    // staging keeps what it deletes (jarvis:dataProtection.retainOnDelete).
    expect(dataAtRisk).toContain("the old one kept: retainOnDelete");
    expect(warning).toContain("Its kubeconfig is no input here");
  });
});

describe("a dev plan pointed at another Docker engine", () => {
  it("updates the provider in place, replaces nothing, and warns that nothing moves, the volumes at risk", async () => {
    const moved = await planStack("dev", {
      ...stackValues("dev"),
      "jarvis:dockerHost": "ssh://deploy@engine.home.arpa",
    });
    const { markdown, summary } = compared(dev, moved);
    expect(changedHeadings(markdown)).toEqual(["pulumi:providers:docker docker: updated"]);
    expect(summary[0]).toMatch(/: 0 added, 0 removed, 1 changed \(0 replaced\)$/);
    const warning = summary[1]!;
    expect(summary).toHaveLength(2);
    const resources = dev.resources.filter((r) => r.provider === PROVIDER_URN(dev));
    expect(warning).toContain(`none of its ${resources.length} resources moves`);
    expect(warning).toContain("pulumi-docker updates the provider in place and replaces nothing");
    const volumes = ofType(dev, VOLUME).map((r) => r.inputs.name as string);
    expect(volumes.length).toBeGreaterThan(0);
    for (const name of volumes) expect(warning).toContain(`\`${name}\` (Volume)`);
    expect(warning).not.toContain("downtime");
  });
});

describe("a prod plan with another Postgres claim size", () => {
  const resized = async (size: string) => {
    const values = stackValues("prod") as Record<string, any>;
    const storage = values["jarvis:storage"] ?? {};
    return compared(
      prod,
      await planStack("prod", {
        ...values,
        "jarvis:storage": { ...storage, sizes: { ...storage.sizes, postgres: size } },
      }),
    );
  };
  const templateNote = (markdown: string) =>
    markdown
      .split("\n")
      .find((line) => line.includes("spec.volumeClaimTemplates[0].spec.resources.requests.storage` of"));

  it("notes that the claim patch expands the existing claim, not a backup and restore", async () => {
    const { markdown, summary } = await resized("60Gi");
    expect(changedHeadings(markdown).sort()).toEqual([
      `${STATEFUL_SET} postgres: no change to the object`,
      `${CLAIM_PATCH} postgres-data: updated`,
    ]);
    const note = templateNote(markdown);
    expect(note).toContain("the claim patches carry it to the existing claims (`data-jarvis-postgres-0`)");
    expect(note).toContain("expands a claim in place if its storage class allows volume expansion");
    expect(note).not.toContain("back it up");
    expect(summary).toHaveLength(1);
  });

  it("warns that a smaller size fails: Kubernetes refuses to shrink a claim", async () => {
    const { summary } = await resized("40Gi");
    expect(summary.slice(1)).toEqual([
      expect.stringContaining('this change shrinks the claim `data-jarvis-postgres-0` (`"50Gi"` → `"40Gi"`)'),
    ]);
    expect(summary[1]).toContain("the update fails");
  });
});

describe("changes that show only through stand-ins", () => {
  it("another database name changes the backend's secret DATABASE_URL: listed, by its digest, and replaced", () => {
    const { markdown, summary } = compared(dev, devOtherDatabase);
    expect(changedHeadings(markdown).sort()).toEqual([
      `${CONTAINER} backend: replaced`,
      // Its exporter connects to the database by name.
      `${CONTAINER} postgres-exporter: replaced`,
      `${CONTAINER} postgres: replaced`,
    ]);
    expect(markdown).toContain(
      '| `envs.DATABASE_URL` | `"DATABASE_URL=[secret]"` | `"DATABASE_URL=[secret] (changed)"` | replace: ForceNew',
    );
    expect(summary).toContainEqual(expect.stringContaining("this change recreates `jarvis-backend`: downtime"));
  });

  it("another ciphertext of a stack file's secure: value lists what reads it, by its digest", async () => {
    const withSmtpPassword = (ciphertext: string) =>
      planStack("dev", {
        ...stackValues("dev"),
        "jarvis:features": { alertEmail: true },
        "jarvis:integrations": {
          smtp: {
            host: "smtp.example.com",
            port: 587,
            username: "jarvis",
            from: "j@example.com",
            to: ["a@example.com"],
          },
        },
        "jarvis:smtpPassword": { secure: ciphertext },
      });
    const [earlier, now] = [await withSmtpPassword("AAAA"), await withSmtpPassword("BBBB")];
    const { markdown } = compared(earlier, now);
    expect(changedHeadings(markdown)).toEqual([`${CONTAINER} alertmanager: replaced`]);
    expect(markdown).toMatch(
      /\| `uploads\[\d+\]\.content` \| `"\[secret\]"` \| `"\[secret\] \(changed\)"` \| replace: ForceNew/,
    );
    expect(markdown).not.toMatch(/AAAA|BBBB/);
  });

  it("records a digest per secret leaf, hex that is neither the stand-in nor its prefix", () => {
    const backend = dev.resources.find((r) => r.type === CONTAINER && r.name === "backend")!;
    const digests = backend.secretDigests as Record<string, string>;
    const envs = backend.inputs.envs as string[];
    expect(Object.keys(digests).map((path) => envs[Number(/\[(\d+)\]$/.exec(path)![1])])).toEqual(
      envs.filter((e) => e.endsWith("=[secret]")),
    );
    for (const digest of Object.values(digests)) expect(digest).toMatch(/^[0-9a-f]{12}$/);
    expect(dev.text).not.toContain("PLAN-SECRET-");
  });

  it("a rotation replaces the password, and so its database's container and the backend's", () => {
    const { markdown } = compared(dev, devRotated);
    expect(changedHeadings(markdown).sort()).toEqual([
      `${CONTAINER} backend: replaced`,
      `${CONTAINER} postgres-exporter: replaced`,
      `${CONTAINER} postgres: replaced`,
      `${PASSWORD} secrets-postgres: replaced`,
    ]);
    expect(markdown).toContain(
      '| `keepers.rotation` | `"0"` | `"1"` | replace: every input RequiresReplace (terraform-provider-random v3.7.2',
    );
    expect(markdown).toContain('`"POSTGRES_PASSWORD=[secret] (changed)"`');
  });

  it("a replaced auto-named ConfigMap gets a new name, which the Deployments that read it follow", () => {
    const { markdown } = compared(prod, prodDebug);
    const headings = changedHeadings(markdown);
    const replacedMaps = headings.filter((h) => h.startsWith(`${CONFIG_MAP} `) && h.endsWith(": replaced"));
    expect(replacedMaps.length).toBeGreaterThan(0);
    const deployments = headings.filter((h) => h.startsWith(`${DEPLOYMENT} `));
    expect(deployments.map((h) => h.replace(/-settings$/, ""))).toEqual(
      replacedMaps.map((h) => h.replace(CONFIG_MAP, DEPLOYMENT).replace("-settings: replaced", ": updated")),
    );
    expect(markdown).toMatch(
      /\| `spec\.template\.spec\.containers\[0\]\.envFrom\[0\]\.configMapRef\.name` \| `"backend-settings-[0-9a-f]{8}"` \| `"backend-settings-[0-9a-f]{8}"` \| update/,
    );
  });

  it("an auto-named object that is not replaced keeps its name, and what reads it is unchanged", () => {
    const statefulSets = (plan: ParsedPlan) => plan.resources.filter((r) => r.type === STATEFUL_SET);
    // The StatefulSets read ConfigMaps of their own, by auto-name: the log level changes none of them.
    expect(JSON.stringify(statefulSets(prod))).toMatch(/"configMapRef":\{"name":"postgres-settings-[0-9a-f]{8}"/);
    expect(statefulSets(prodDebug)).toEqual(statefulSets(prod));
    expect(changedHeadings(compared(prod, prodDebug).markdown).filter((h) => h.startsWith(STATEFUL_SET))).toEqual([]);
  });
});

describe("changes no setting makes", () => {
  it("an environment that gains and loses entries is listed entry by entry, by NAME", () => {
    const nameOf = (entry: string) => entry.slice(0, entry.indexOf("="));
    const earlier = edited(dev, CONTAINER, "backend", (r) => {
      const envs = r.inputs.envs as string[];
      // The secret entries' digests move with them, as the plan would record them.
      const digests = new Map(
        Object.entries(r.secretDigests as Record<string, string>).map(([path, digest]) => [
          nameOf(envs[Number(/\d+/.exec(path)![0])]!),
          digest,
        ]),
      );
      const shifted = [...envs.filter((e) => !e.startsWith("DEBUG=")), "LEGACY=1"].map((e) =>
        e.startsWith("LOG_LEVEL=") ? "LOG_LEVEL=DEBUG" : e,
      );
      r.inputs.envs = shifted;
      r.secretDigests = Object.fromEntries(
        shifted.flatMap((e, i) => (digests.has(nameOf(e)) ? [[`envs[${i}]`, digests.get(nameOf(e))]] : [])),
      );
    });
    const { markdown } = compared({ ...dev, resources: earlier }, dev);
    const rows = markdown.split("\n").filter((line) => line.startsWith("| `envs"));
    expect(rows).toEqual([
      expect.stringMatching(/^\| `envs\.DEBUG` \| \(absent\) \| `"DEBUG=false"` \| replace/),
      expect.stringMatching(/^\| `envs\.LOG_LEVEL` \| `"LOG_LEVEL=DEBUG"` \| `"LOG_LEVEL=INFO"` \| replace/),
      expect.stringMatching(/^\| `envs\.LEGACY` \| `"LEGACY=1"` \| \(absent\) \| replace/),
    ]);
  });

  it("a replaced Job runs again: a note, not downtime", () => {
    const earlier = edited(prod, JOB, "ollama-pull", (r) => (r.inputs.spec.completions = 2));
    const { markdown, summary } = compared({ ...prod, resources: earlier }, prod);
    expect(changedHeadings(markdown)).toEqual([`${JOB} ollama-pull: replaced`]);
    expect(summary).toHaveLength(1);
    expect(markdown).toMatch(
      /^- this change recreates `[^`]+` \(`kubernetes:batch\/v1:Job` `ollama-pull`; replaced for `spec\.completions`\): it runs again\.$/m,
    );
    expect(markdown).not.toContain("downtime");
  });

  it("a protected component removed with its resources warns once per resource, not for the component", () => {
    const workload = prod.resources.find((r) => r.type === "jarvis:kubernetes:Workload" && r.name === "postgres")!;
    const under = (r: Entry): boolean =>
      r.parent === workload.urn || prod.resources.some((p) => p.urn === r.parent && under(p));
    const now = prod.resources.filter((r) => r !== workload && !under(r));
    const { summary } = compared(prod, { ...prod, resources: now });
    const protectedWarnings = summary.filter((line) => line.includes("is protected"));
    expect(workload.protect).toBe(true);
    expect(protectedWarnings).toEqual([
      expect.stringContaining("`jarvis-postgres` is protected: Pulumi refuses to delete it"),
    ]);
  });

  it("a StatefulSet replaced on a field the provider replaces on is data at risk", () => {
    const earlier = edited(prod, STATEFUL_SET, "postgres", (r) => (r.inputs.spec.serviceName = "jarvis-pg"));
    const { summary, markdown } = comparePlans(planDir(earlier), filesOf(prod.resources));
    expect(changedHeadings(markdown)).toEqual([`${STATEFUL_SET} postgres: replaced`]);
    expect(summary).toContainEqual(expect.stringContaining("this change recreates `jarvis-postgres`: data at risk"));
    expect(markdown).toContain("spec.serviceName (pulumi-kubernetes diff.go)");
  });

  it("a resource moved with an alias to its old URN is the same resource, not one removed and one added", () => {
    const volume = dev.resources.find((r) => r.type === VOLUME && r.name === "volumes-redis")!;
    const oldUrn = volume.urn.replace("jarvis:docker:Volumes$", "");
    const earlier = edited(dev, VOLUME, "volumes-redis", (r) => (r.urn = oldUrn));
    const now = edited(dev, VOLUME, "volumes-redis", (r) => (r.aliases = [oldUrn]));
    const { summary, markdown } = comparePlans(planDir(earlier), filesOf(now));
    expect(summary[0]).toMatch(/: 0 added, 0 removed, 0 changed \(0 replaced\), 1 moved$/);
    expect(markdown).toContain(`- \`${oldUrn}\` → \`${volume.urn}\``);
  });

  it("a removed resource: protected fails the update, retained is kept, a volume is data at risk", () => {
    const volume = dev.resources.find((r) => r.type === VOLUME && r.name === "volumes-redis")!;
    const gone = (name: string, options: Partial<ResourceEntry>) => ({
      ...volume,
      urn: `${volume.urn}-${name}`,
      name,
      inputs: { ...volume.inputs, name },
      ...options,
    });
    const earlier = [
      ...dev.resources,
      gone("locked", { protect: true }),
      gone("kept", { retainOnDelete: true }),
      gone("plain", { retainOnDelete: false }),
    ];
    const { summary, markdown } = comparePlans(planDir(earlier), filesOf(dev.resources));
    expect(summary[0]).toMatch(/: 0 added, 3 removed, 0 changed/);
    expect(summary).toContainEqual(
      expect.stringContaining("`locked` is protected: Pulumi refuses to delete it, the update fails"),
    );
    expect(markdown).toContain(
      "`kept` (`docker:index/volume:Volume` `kept`) leaves the stack but is kept where it runs (retainOnDelete)",
    );
    expect(summary).toContainEqual(expect.stringContaining("this change deletes `plain`: data at risk"));
  });

  it("an added resource and changed options and outputs are listed", () => {
    const extra = { ...dev.resources[0]!, urn: `${dev.resources[0]!.urn}-new`, name: "new" };
    const now = edited(dev, VOLUME, "volumes-redis", (r) => (r.protect = true));
    const { markdown } = comparePlans(
      planDir(dev.resources, { platform: "docker" }),
      filesOf([...now, extra], { platform: "docker", extra: 1 }),
    );
    expect(markdown).toContain(`## Added\n\n- \`${extra.type}\` \`new\``);
    expect(markdown).toContain("- option protect: `false` → `true`");
    expect(markdown).toContain("## Outputs\n\n- `extra`: (absent) → `1`");
  });
});

describe("the differences of two values", () => {
  it("are the paths of the leaves that differ; lists of another length change as a whole", () => {
    expect(differences({ a: { b: 1, c: [1, 2] }, d: [1] }, { a: { b: 2, c: [1, 3] }, d: [1, 2] })).toEqual([
      { path: ["a", "b"], before: 1, after: 2 },
      { path: ["a", "c", 1], before: 2, after: 3 },
      { path: ["d"], before: [1], after: [1, 2] },
    ]);
    expect(differences({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it("take lists of NAME=value entries entry by entry by NAME, unless a NAME repeats or an item is no entry", () => {
    expect(differences({ env: ["A=1", "B=2"] }, { env: ["B=3", "C=4", "A=1"] })).toEqual([
      { path: ["env", "B"], before: "B=2", after: "B=3" },
      { path: ["env", "C"], before: undefined, after: "C=4" },
    ]);
    expect(differences(["A=1"], [])).toEqual([{ path: ["A"], before: "A=1", after: undefined }]);
    expect(differences(["A=1", "A=2"], ["A=1"])).toEqual([{ path: [], before: ["A=1", "A=2"], after: ["A=1"] }]);
    expect(differences(["A=1", "-x"], ["A=1"])).toEqual([{ path: [], before: ["A=1", "-x"], after: ["A=1"] }]);
  });
});

describe("a folder that is not a plan", () => {
  it("is refused with NotAPlanError", () => {
    const empty = mkdtempSync(join(tmpdir(), "jarvis-not-a-plan-"));
    expect(() => comparePlans(empty, filesOf([]))).toThrow(NotAPlanError);
    expect(() => comparePlans(empty, filesOf([]))).toThrow("no resources.json");
    const broken = join(empty, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "resources.json"), "{not json");
    expect(() => comparePlans(broken, filesOf([]))).toThrow(/is not JSON/);
    writeFileSync(join(broken, "resources.json"), JSON.stringify({ urn: "x" }));
    expect(() => comparePlans(broken, filesOf([]))).toThrow(/not a plan's resources.json/);
  });
});
