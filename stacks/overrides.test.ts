// The README's `pulumi config set` examples (the commands under one comment make one edit), each written
// into its stack file the way the Pulumi CLI writes it (under the key's value in the stack file, the
// project's default not copied: pulumi/pulumi#13176), then planned: each plans, and the config the
// program uses changes at exactly the paths the edit names.
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

/** One `pulumi config set` command: a value at a key path, or a secret. */
interface Command {
  readonly key: string;
  readonly path: (string | number)[];
  readonly value: string;
  readonly secret: boolean;
}
/** The commands under one comment of the README: one edit, made of one or more commands. */
interface Example {
  readonly title: string;
  readonly stack: string;
  readonly commands: readonly Command[];
}

/**
 * The README's `pulumi config set --stack <s> [--path|--secret] <key> <value>` commands, grouped by
 * the comment line above them (or one each, in running text).
 */
function readmeExamples(): Example[] {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  const examples: { title: string; stack: string; commands: Command[] }[] = [];
  let title = "";
  let grouped = false;
  for (const line of readme.split("\n")) {
    if (line.startsWith("```")) [title, grouped] = ["", false];
    if (/^# /.test(line)) [title, grouped] = [line.slice(2), false];
    const command = /pulumi config set ([^`\n#]+)/.exec(line);
    if (!command) {
      if (!line.startsWith("pulumi ")) grouped = grouped && /^# /.test(line);
      continue;
    }
    const words = command[1]!
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/^'(.*)'$/, "$1"));
    if (!words.includes("--stack")) continue;
    const stack = words[words.indexOf("--stack") + 1]!;
    const [keyPath, value] = words.filter((w, i) => !w.startsWith("--") && words[i - 1] !== "--stack");
    const [key, ...path] = words.includes("--path") ? parsePath(keyPath!) : [keyPath!];
    const parsed = { key: key as string, path, value: value!, secret: words.includes("--secret") };
    const last = examples.at(-1);
    if (grouped && last?.stack === stack) last.commands.push(parsed);
    else examples.push({ title: title || `${keyPath} ${value}`, stack, commands: [parsed] });
    // Commands under one comment make one edit; one in running text stands alone.
    grouped = line.startsWith("pulumi ") && title !== "";
  }
  return examples;
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
    const named = examples.flatMap((e) => e.commands.map((c) => `${c.key}.${c.path.join(".")}`));
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

  it.each(examples.map((e) => [`${e.stack}: ${e.title}`, e] as const))(
    "%s plans and changes exactly what it names",
    async (_name, example) => {
      const shipped = join(PROJECT_DIR, `Pulumi.${example.stack}.yaml`);
      let edited = parse(readFileSync(shipped, "utf8")).config as Record<string, unknown>;
      for (const command of example.commands)
        edited = command.secret
          ? { ...edited, [command.key]: { secure: "v1:ciphertext" } }
          : setPath(edited, command.key, command.path, cliValue(command.value));
      const before = loaded(example.stack, shipped);
      const after = loaded(example.stack, stackFile(edited));
      // The fields it names, or the keys that held nothing before (an absent rotation counter).
      const fields = example.commands
        .filter((c) => !c.secret)
        .map((c) => [c.key.replace(/^jarvis:/, ""), ...c.path].join("."));
      const changed = differences(before.config, after.config);
      expect(changed).toHaveLength(fields.length);
      for (const path of changed)
        expect(
          fields.some((field) => `${field}.`.startsWith(`${path}.`)),
          `${path} for ${fields.join(", ")}`,
        ).toBe(true);
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
