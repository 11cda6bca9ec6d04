import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { InvalidConfigError, main } from "../../program";
import {
  ofType,
  planStack,
  shippedPlan,
  rawConfig,
  stackFile,
  stackValues,
  unparsableStackFile,
  type ParsedPlan,
} from "../test-support";
import { engineUrn, PlanEngine } from "./engine";
import { inProjectRoot } from "./execute";
import { plan, PROJECT_DIR, runPlanCli, writePlan } from "./cli";
import { assertNoLeak } from "./files";
import { discoverStacks } from "./stacks";
import { stackProblems } from "../stack-checks";

/** The shipped stacks: one per stack file. */
const STACKS = discoverStacks(PROJECT_DIR);
/** How many resources the stacks shipped with the project register; a stack file added later has no count here. */
const RESOURCE_COUNTS: Record<string, number> = { dev: 86, staging: 132, prod: 134 };

/** The plans of the shipped stacks, made once for the tests that only read them. */
const shipped: Record<string, ParsedPlan> = {};
beforeAll(async () => {
  // One after the other: the SDK's runtime state is global to the process.
  for (const stack of STACKS) shipped[stack] = await shippedPlan(stack);
});

describe.each(STACKS)("the plan of %s", (stack) => {
  it("passes the checks every stack must pass: written, byte-identical from one run to the next, no secret, valid", async () => {
    expect(await stackProblems(PROJECT_DIR, stack, shipped[stack]!.files)).toEqual([]);
  });
});

describe("the shipped stacks", () => {
  it("are the stack files, the shipped ones among them", () => {
    expect(STACKS).toEqual(expect.arrayContaining(Object.keys(RESOURCE_COUNTS)));
  });

  it.each(Object.entries(RESOURCE_COUNTS))("%s registers %i resources", (stack, count) => {
    expect(shipped[stack]!.resources).toHaveLength(count);
  });
});

describe("what the engine would form and compute", () => {
  it("forms URNs with the parent's type chain, without the root stack's type", () => {
    const { resources } = shipped.dev!;
    const password = resources.find((r) => r.name === "secrets-postgres")!;
    expect(password.urn).toBe(
      "urn:pulumi:dev::jarvis::jarvis:secrets:Secrets$random:index/randomPassword:RandomPassword::secrets-postgres",
    );
    expect(password.parent).toBe("urn:pulumi:dev::jarvis::jarvis:secrets:Secrets::secrets");
    expect(engineUrn("s", "p", "urn:pulumi:s::p::a:b:C$d:e:F::x", "g:h:I", "y")).toBe(
      "urn:pulumi:s::p::a:b:C$d:e:F$g:h:I::y",
    );
  });

  it("names the explicit provider of Kubernetes objects and what they depend on", () => {
    const { resources } = shipped.staging!;
    const secret = ofType({ resources } as any, "kubernetes:core/v1:Secret").find((s) => s.name === "backend-secrets")!;
    expect(secret.provider).toBe("urn:pulumi:staging::jarvis::pulumi:providers:kubernetes::cluster");
    expect(secret.dependencies).toContain(
      "urn:pulumi:staging::jarvis::jarvis:secrets:Secrets$random:index/randomPassword:RandomPassword::secrets-jwt",
    );
  });

  it("records deleteBeforeReplace where the program asks for it", () => {
    const { resources } = shipped.dev!;
    expect(ofType({ resources } as any, "docker:index/network:Network")[0]!.deleteBeforeReplace).toBe(true);
  });

  it("gives auto-named Kubernetes objects a made-up suffix, as the provider would", () => {
    const { manifests } = shipped.prod!;
    const secrets = parseAllDocuments(manifests!)
      .map((d) => d.toJS())
      .filter((o) => o.kind === "Secret");
    expect(secrets.map((s) => s.metadata.name)).toContainEqual(expect.stringMatching(/^backend-secrets-[0-9a-f]{8}$/));
  });
});

describe("secrets in the plan", () => {
  it("a RandomPassword result and a secure: config value reach the plan only as [secret]", async () => {
    const staging = stackValues("staging") as Record<string, any>;
    const result = await planStack("staging", {
      ...staging,
      "jarvis:features": { ...staging["jarvis:features"], webBrowsing: true },
      "jarvis:integrations": {
        browserbase: { projectId: "proj-1", egress: [{ cidr: "203.0.113.0/24", ports: [443] }] },
      },
      "jarvis:browserbaseApiKey": { secure: "v1:ciphertext" },
    });
    const secret = (name: string) => ofType(result, "kubernetes:core/v1:Secret").find((s) => s.name === name)!;
    expect(secret("backend-secrets").inputs.data).toMatchObject({
      JARVIS_SECRET_KEY: "[secret]",
      BROWSERBASE_API_KEY: "[secret]",
      DATABASE_URL: "[secret]",
      REDIS_URL: "[secret]",
    });
    expect(secret("postgres-secrets").inputs.data).toEqual({
      POSTGRES_PASSWORD: "[secret]",
      "postgres-exporter.DATA_SOURCE_PASS": "[secret]",
    });
    const manifests = parseAllDocuments(result.manifests!)
      .map((d) => d.toJS())
      .filter((o) => o.kind === "Secret");
    const backend = manifests.find((o) => o.metadata.name.startsWith("backend-secrets"));
    expect(Buffer.from(backend.data.BROWSERBASE_API_KEY, "base64").toString()).toBe("[secret]");
    expect(Buffer.from(backend.data.DATABASE_URL, "base64").toString()).toBe("[secret]");
    expect(result.text).not.toContain("PLAN-SECRET-");
  });

  it("the kubeconfig given as a secret reaches the provider only as [secret]", async () => {
    const result = await planStack("prod", {
      ...stackValues("prod"),
      "jarvis:cluster": { apiServer: (stackValues("prod") as Record<string, any>)["jarvis:cluster"].apiServer },
      "jarvis:kubeconfig": { secure: "v1:x" },
    });
    const provider = ofType(result, "pulumi:providers:kubernetes")[0]!;
    expect(provider.inputs.kubeconfig).toBe("[secret]");
    expect(result.text).not.toContain("PLAN-SECRET-");
  });

  it("generated secrets are RandomPasswords rotated through their keepers", async () => {
    const rotated = await planStack("dev", { ...stackValues("dev"), "jarvis:rotation": { postgres: 2 } });
    const passwords = ofType(rotated, "random:index/randomPassword:RandomPassword");
    expect(passwords.map((p) => p.name).sort()).toEqual([
      "secrets-grafana",
      "secrets-jwt",
      "secrets-postgres",
      "secrets-qdrant",
      "secrets-redis",
      "secrets-timescale",
    ]);
    for (const p of passwords) {
      expect(p.inputs.special).toBe(false);
      expect(p.inputs.length).toBeGreaterThanOrEqual(24);
      expect(p.inputs.keepers).toEqual({ rotation: p.name === "secrets-postgres" ? "2" : "0" });
      expect(p.additionalSecretOutputs).toContain("result");
    }
  });

  it("the secrets component registers no input", () => {
    const { resources } = shipped.dev!;
    expect(ofType({ resources } as any, "jarvis:secrets:Secrets")[0]!.inputs).toEqual({});
  });
});

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("the leak check", () => {
  const filesWith = (text: string) => ({ "resources.json": "[]\n", "outputs.json": `{}\n${text}\n` });

  it("refuses a made-up secret in plain text, naming the file and line", () => {
    expect(() => assertNoLeak(filesWith('"password": "PLAN-SECRET-postgres-password"'))).toThrow(
      "secret leak: outputs.json:2 ",
    );
  });

  it("refuses it base64-encoded, whatever bytes surround it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (before, after) => {
        const encoded = Buffer.concat([before, Buffer.from("PLAN-SECRET-redis-password"), after]).toString("base64");
        expect(() => assertNoLeak(filesWith(`  data: ${encoded}`))).toThrow("secret leak: outputs.json:2 ");
      }),
    );
  });

  it("lets redacted secrets and their base64 through", () => {
    expect(() =>
      assertNoLeak(filesWith(`[secret] ${Buffer.from("[secret]").toString("base64")} PLAN-SECRET`)),
    ).not.toThrow();
  });
});

describe("stack outputs", () => {
  it("give the browser-facing URLs and the platform's own entry", () => {
    expect(shipped.dev!.outputs).toEqual({
      platform: "docker",
      urls: { interface: "http://localhost:3000", api: "http://localhost:8000", websocket: "ws://localhost:8001" },
      network: { name: "jarvis-network", subnet: "172.20.0.0/16" },
    });
    expect(shipped.prod!.outputs).toMatchObject({ platform: "kubernetes", namespace: "jarvis" });
  });
});

describe("bad config under the engine", () => {
  /** Runs `work` under the plan's engine with a shipped stack's config, the project's root being `root`. */
  const underEngineWith = (root: string, overrides: Record<string, unknown>, work: () => void) =>
    inProjectRoot(root, async () => {
      const answered: unknown[] = [];
      const engine = await PlanEngine.start("jarvis", "dev", (registration) => answered.push(registration));
      const { config, secretKeys } = rawConfig("dev", overrides);
      pulumi.runtime.setAllConfig(config, secretKeys);
      work();
      await pulumi.runtime.disconnect();
      expect(engine.registrations()).toEqual([]);
      expect(answered).toEqual([]);
    });

  it("throws InvalidConfigError, a RunError (reported without a stack trace), and registers nothing", async () => {
    await underEngineWith(PROJECT_DIR, { "jarvis:addresses": undefined }, () => {
      expect(() => main()).toThrow(InvalidConfigError);
      expect(() => main()).toThrow("jarvis:addresses: required");
      expect(pulumi.RunError.isInstance(catching(main))).toBe(true);
    });
  });

  it("without a Pulumi.yaml in the project's root, says so and registers nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "jarvis-root-"));
    await underEngineWith(root, {}, () => {
      expect(() => main()).toThrow(`${join(root, "Pulumi.yaml")}: not readable`);
    });
  });

  it("is refused by plan() before the engine starts", async () => {
    const file = stackFile({ "jarvis:platform": "docker", "jarvis:ports": { backend: { http: 0 } } });
    await expect(plan({ stack: "dev", configFile: file, program: main })).rejects.toThrow(
      /jarvis:ports\.backend\.http/,
    );
  });
});

describe("npm run plan", () => {
  /** The CLI on the given program, with what it prints collected. */
  const runWith = async (program: unknown, ...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const status = await runPlanCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), program });
    return { status, out: out.join("\n"), err: err.join("\n") };
  };
  const run = (...argv: string[]) => runWith(main, ...argv);

  it("exits 2 on bad usage", async () => {
    expect((await run()).status).toBe(2);
    expect((await run()).err).toContain("--stack is required");
    expect((await run("--stack", "dev", "--bogus")).status).toBe(2);
    expect((await run("--stack", "nosuchstack")).err).toContain("no stack file");
  });

  it("exits 2 on invalid config, prints every problem with its key path, and leaves an existing plan untouched", async () => {
    const out = mkdtempSync(join(tmpdir(), "jarvis-plan-"));
    writeFileSync(join(out, "resources.json"), "previous");
    const file = stackFile({ "jarvis:platform": "docker", "jarvis:addresses": "oops", "jarvis:typo": 1 });
    const result = await run("--stack", "dev", "--config", file, "--out", out);
    expect(result.status).toBe(2);
    expect(result.err).toContain('jarvis:addresses: Invalid input: expected object (got "oops")');
    expect(result.err).toContain("jarvis:typo: unknown configuration key");
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(readdirSync(out)).toEqual(["resources.json"]);
    expect(readFileSync(join(out, "resources.json"), "utf8")).toBe("previous");
  });

  it("prints the warnings the program logs, and still writes the plan", async () => {
    const staging = parse(readFileSync(join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")).config;
    const file = stackFile({ ...staging, "jarvis:publish": { bindAddress: "0.0.0.0" } });
    const out = join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "staging");
    const result = await run("--stack", "staging", "--config", file, "--out", out);
    expect(result.status).toBe(0);
    expect(result.err).toBe("warning: jarvis:publish: has no effect on a kubernetes stack: only docker stacks read it");
    expect(existsSync(join(out, "resources.json"))).toBe(true);
  });

  it("--compare writes changes.md beside the plan and prints its summary, exit 0 with or without changes", async () => {
    const earlier = join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "dev");
    expect((await run("--stack", "dev", "--out", earlier)).status).toBe(0);
    const unchanged = await run("--stack", "dev", "--out", earlier, "--compare", earlier);
    expect(unchanged.status).toBe(0);
    expect(unchanged.out).toContain("changes since");
    expect(readdirSync(earlier)).toContain("changes.md");
    const dev = parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")).config;
    const file = stackFile({ ...dev, "jarvis:volumes": { postgres: "jarvis-pg-data" } });
    const later = join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "dev");
    const changed = await run("--stack", "dev", "--config", file, "--out", later, "--compare", earlier);
    expect(changed.status).toBe(0);
    expect(changed.out).toMatch(/data at risk/);
    expect(readFileSync(join(later, "changes.md"), "utf8")).toContain("jarvis-pg-data");
    const notAPlan = await run("--stack", "dev", "--out", later, "--compare", tmpdir());
    expect(notAPlan.status).toBe(2);
    expect(readdirSync(later)).toContain("changes.md");
  });

  it("exits 2 on a stack name the CLI would refuse, before writing anywhere", async () => {
    const result = await run("--stack", "../../../tmp/escape");
    expect(result.status).toBe(2);
    expect(result.err).toContain("takes <stack>, <org>/<stack> or <org>/<project>/<stack>");
    expect((await run("--stack", "..")).err).toContain("'..' is not a name");
    expect((await run("--stack", "../escape")).status).toBe(2);
  });

  it("exits 2 rather than replace a folder that holds more than a plan", async () => {
    const out = mkdtempSync(join(tmpdir(), "jarvis-plan-"));
    writeFileSync(join(out, "notes.txt"), "mine");
    const result = await run("--stack", "dev", "--out", out);
    expect(result.status).toBe(2);
    expect(result.err).toContain("holds files that are not a plan (notes.txt)");
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine");
    const file = join(out, "notes.txt");
    expect((await run("--stack", "dev", "--out", file)).err).toContain("is not a folder");
  });

  it("hides the machine's provider settings only while it plans", async () => {
    process.env.KUBECONFIG = "/machine/kubeconfig";
    try {
      const result = await planStack("staging");
      expect(result.text).not.toContain("/machine/kubeconfig");
      expect(process.env.KUBECONFIG).toBe("/machine/kubeconfig");
    } finally {
      delete process.env.KUBECONFIG;
    }
  });

  it("exits 2 on a stack file that is not YAML", async () => {
    const result = await run("--stack", "bad", "--config", unparsableStackFile());
    expect(result.status).toBe(2);
    expect(result.err).toContain("not valid YAML");
  });

  it("exits 1 on an internal error", async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "file");
    writeFileSync(blocker, "");
    // A folder inside a file cannot be created: the write fails after a successful plan.
    const result = await run("--stack", "dev", "--out", join(blocker, "sub", "plan"));
    expect(result.status).toBe(1);
    expect(result.err).toContain("internal error");
    // Raised outside the program, it keeps its stack trace: no hint to ask for one.
    expect(result.err).toMatch(/\n\s+at /);
    expect(result.err).not.toContain("re-run with");
  });

  it("exits 1 and writes nothing when the files it would write hold a secret in plain text", async () => {
    const out = mkdtempSync(join(tmpdir(), "jarvis-plan-"));
    writeFileSync(join(out, "resources.json"), "previous");
    const leaky = () => new ConfigMap("leaky", { data: { PASSWORD: "PLAN-SECRET-leaked" } });
    const { status, err } = await runWith(leaky, "--stack", "dev", "--out", out);
    expect(status).toBe(1);
    expect(err).toMatch(/internal error: .*secret leak: resources\.json:\d+ holds a secret value in plain text/);
    expect(readFileSync(join(out, "resources.json"), "utf8")).toBe("previous");
  });

  it("runs the program without stack traces unless asked, and says how to get them", async () => {
    const limit = Error.stackTraceLimit;
    const program = () => {
      throw new Error("the program failed");
    };
    const failing = (...argv: string[]) =>
      runWith(program, "--stack", "dev", "--out", mkdtempSync(join(tmpdir(), "jarvis-plan-")), ...argv);
    const quiet = await failing();
    expect(quiet.status).toBe(1);
    expect(quiet.err).toContain("the program failed");
    expect(quiet.err).not.toMatch(/\n\s+at /);
    expect(quiet.err).toContain("re-run with --stack-traces");
    const traced = await failing("--stack-traces");
    expect(traced.status).toBe(1);
    expect(traced.err).toMatch(/the program failed\n\s+at /);
    expect(traced.err).not.toContain("re-run with");
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe("the SDK internals the offline plan relies on", () => {
  // The SDK is pinned exactly; these fail with a clear message if an upgrade moves them.
  it("are still where the plan finds them", async () => {
    const config = await import("@pulumi/pulumi/runtime/config");
    const rpc = await import("@pulumi/pulumi/runtime/rpc");
    const mocks = await import("@pulumi/pulumi/runtime/mocks");
    expect(typeof (config as any).isConfigSecret).toBe("function");
    expect(
      [rpc.specialSigKey, rpc.specialSecretSig, rpc.specialResourceSig, rpc.unknownValue].every(
        (v) => typeof v === "string",
      ),
    ).toBe(true);
    expect(typeof (mocks.MockMonitor.prototype as any).newUrn).toBe("function");
  });
});

describe("Kubernetes manifests", () => {
  // Each object's validity is one of the checks of every stack (stackProblems).
  it.each(["staging", "prod"])("of %s hold the kinds the platform creates", (stack) => {
    const { manifests } = shipped[stack]!;
    const objects = parseAllDocuments(manifests!).map((d) => d.toJS());
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set([
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Secret",
        "Deployment",
        "StatefulSet",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "CronJob",
        "PersistentVolumeClaim",
        "Ingress",
        "NetworkPolicy",
        "Middleware",
        "ServiceMonitor",
        "PodMonitor",
        "PrometheusRule",
      ]),
    );
  });

  it("quote what YAML 1.1 tooling (kubectl) would read as another type", () => {
    expect(shipped.prod!.manifests).toContain('TIMESCALEDB_TELEMETRY: "off"');
  });
});

describe("writing the plan", () => {
  it("replaces an older plan whole", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "staging");
    const old = { "resources.json": "old", "outputs.json": "old", "summary.md": "old" };
    writePlan(out, { ...old, "manifests.yaml": "old", "changes.md": "old" });
    writePlan(out, (await plan({ stack: "dev", program: main })).files);
    expect(readdirSync(out).sort()).toEqual(["outputs.json", "resources.json", "summary.md"]);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it("runs as the command a user types, through the real entry point", () => {
    const out = join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "prod");
    const result = spawnSync("npm", ["run", "-s", "plan", "--", "--stack", "prod", "--out", out], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      env: { ...process.env, KUBECONFIG: "/machine/kubeconfig", DOCKER_HOST: "tcp://machine" },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("kubernetes:core/v1:Namespace");
    expect(result.stdout).toContain(`wrote resources.json, outputs.json, manifests.yaml, summary.md to ${out}`);
    // The machine's own kubeconfig and Docker host never reach the plan.
    const written = readFileSync(join(out, "resources.json"), "utf8");
    expect(written).not.toContain("/machine/kubeconfig");
    // Another process, the real entry point: the same plan as this one's.
    expect(JSON.parse(written)).toEqual(shipped.prod!.resources);
  });
});
