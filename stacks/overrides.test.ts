// The README's `pulumi config set --path` examples, each written into its stack file the way the
// Pulumi CLI writes it (under the key's value in the stack file, the project's default not copied:
// pulumi/pulumi#13176), then planned: each plans, and the config the program uses changes at exactly
// the path the example names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadStackConfig } from "../infra/config/load";
import { ANY_PATH } from "../infra/host";
import { PROJECT_DIR } from "../tools/plan/cli";
import { differences as valueDifferences } from "../tools/plan/compare";
import { formatPath, parsePath } from "../tools/plan/replace-rules";
import { mergeStackConfig } from "../tools/plan/stack-files";
import { ofType, planStack, stackFile } from "../tools/test-support";

interface Example {
  readonly stack: string;
  readonly key: string;
  readonly path: (string | number)[];
  readonly value: string;
}

/** The README's `pulumi config set --stack <s> --path <key path> <value>` commands. */
function readmeExamples(): Example[] {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  return [...readme.matchAll(/pulumi config set ([^`\n#]+)/g)].flatMap(([, args]) => {
    const words = args!
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/^'(.*)'$/, "$1"));
    if (!words.includes("--path")) return [];
    const stack = words[words.indexOf("--stack") + 1]!;
    const [keyPath, value] = words.filter((w, i) => !w.startsWith("--") && words[i - 1] !== "--stack");
    const [key, ...path] = parsePath(keyPath!);
    return [{ stack, key: key as string, path, value: value! }];
  });
}

/** What the CLI stores under `--path`: booleans, integers without a leading zero, else strings (#18285). */
export function cliValue(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  return /^(0|-?[1-9]\d*)$/.test(text) ? Number(text) : text;
}

/** `pulumi config set --path`: sets the value inside the stack file's own value of the key. */
export function setPath(config: Record<string, unknown>, key: string, path: (string | number)[], value: unknown) {
  if (path.length === 0) return { ...config, [key]: value };
  const root = structuredClone(config[key] ?? (typeof path[0] === "number" ? [] : {})) as Record<string, unknown>;
  let node: Record<string | number, unknown> = root;
  path.slice(0, -1).forEach((segment, i) => {
    node[segment] ??= typeof path[i + 1] === "number" ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
  node[path.at(-1)!] = value;
  return { ...config, [key]: root };
}

/** The config the program uses for a stack file. */
function loaded(stack: string, file: string) {
  const merged = mergeStackConfig(join(PROJECT_DIR, "Pulumi.yaml"), file);
  const result = loadStackConfig(merged.config, merged.secretKeys, merged.project, {
    host: ANY_PATH,
    projectDefaults: merged.projectDefaults,
  });
  if (!result.ok) throw new Error(`${stack}: ${result.problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
  return result;
}

/** The paths at which two configs differ. */
const differences = (a: unknown, b: unknown) => valueDifferences(a, b).map((change) => formatPath(change.path));

const examples = readmeExamples();

describe("the README's single-field edits", () => {
  it("are there: a port, the dev subnet, one replica count, one image, and more", () => {
    const named = examples.map((e) => `${e.key}.${e.path.join(".")}`);
    expect(named).toEqual(
      expect.arrayContaining([
        "jarvis:network.subnet",
        "jarvis:ports.backend.http",
        "jarvis:replicas.interface",
        "jarvis:images.redis",
      ]),
    );
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples.map((e) => [`${e.stack}: ${e.key}.${e.path.join(".")} ${e.value}`, e] as const))(
    "%s plans and changes exactly that field",
    async (_name, example) => {
      const shipped = join(PROJECT_DIR, `Pulumi.${example.stack}.yaml`);
      const stackConfig = parse(readFileSync(shipped, "utf8")).config as Record<string, unknown>;
      const edited = setPath(stackConfig, example.key, example.path, cliValue(example.value));
      const file = stackFile(edited);
      const before = loaded(example.stack, shipped);
      const after = loaded(example.stack, file);
      const field = [example.key.replace(/^jarvis:/, ""), ...example.path].join(".");
      // One difference: the field, or the key that held nothing before (an absent rotation counter).
      const changed = differences(before.config, after.config);
      expect(changed).toHaveLength(1);
      expect(`${field}.`.startsWith(`${changed[0]}.`), `${changed[0]} for ${field}`).toBe(true);
      expect(after.warnings).toEqual([]);
      await expect(planStack(example.stack, edited)).resolves.toBeDefined();
    },
  );
});

describe("the CLI's way of writing a path, as the tests emulate it", () => {
  it("types values as the CLI does: 0.5 and 08 stay strings", () => {
    expect([cliValue("true"), cliValue("9000"), cliValue("0"), cliValue("-3")]).toEqual([true, 9000, 0, -3]);
    expect([cliValue("0.5"), cliValue("08"), cliValue("redis:7")]).toEqual(["0.5", "08", "redis:7"]);
  });

  it("writes inside the stack's own value only", () => {
    expect(setPath({ "jarvis:x": { keep: 1 } }, "jarvis:x", ["a", 0], 2)).toEqual({ "jarvis:x": { keep: 1, a: [2] } });
    expect(setPath({}, "jarvis:ports", ["backend", "http"], 9000)).toEqual({
      "jarvis:ports": { backend: { http: 9000 } },
    });
  });

  it("hands the program the stack's value in place of the project's, which the program patches", () => {
    const shipped = join(PROJECT_DIR, "Pulumi.dev.yaml");
    const stackConfig = parse(readFileSync(shipped, "utf8")).config as Record<string, unknown>;
    const file = stackFile(setPath(stackConfig, "jarvis:ports", ["backend", "http"], 9000));
    const merged = mergeStackConfig(join(PROJECT_DIR, "Pulumi.yaml"), file);
    // What the CLI hands over: the stack's value alone.
    expect(JSON.parse(merged.config["jarvis:ports"]!)).toEqual({ backend: { http: 9000 } });
    const { ports } = loaded("dev", file).config;
    expect(ports).toEqual({ ...(merged.projectDefaults.get("jarvis:ports") as object), backend: { http: 9000 } });
  });

  it("leaves the program, handed the CLI's replaced value, every other field of Pulumi.yaml's", async () => {
    const shipped = parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")).config;
    const planned = await planStack("dev", setPath(shipped, "jarvis:ports", ["backend", "http"], 9000));
    const health = Object.fromEntries(
      ofType(planned, "docker:index/container:Container").map((c) => [c.name, c.inputs.healthcheck?.tests.join(" ")]),
    );
    expect(health.backend).toContain("http://localhost:9000/health");
    expect(health.redis).toContain("-p 6379");
    expect(health.stt).toContain("http://localhost:8003/health");
  });
});
