// The plan CLI's messages: help, the hint for options npm took, qualified stack names, unknown
// stacks and YAML errors.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../program";
import { helpText, npmTookOptions, PLAN_FILES, PROJECT_DIR, runPlanCli } from "./cli";
import { discoverStacks } from "./stacks";

const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runPlanCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), program: main, env });
  return { status, out: out.join("\n"), err: err.join("\n") };
};

/** `npm run -s plan <args>` in the project, as a user types it, with none of this process's npm settings. */
const npmRunPlan = (...args: string[]) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return spawnSync("npm", ["run", "-s", "plan", ...args], { cwd: PROJECT_DIR, encoding: "utf8", env });
};

const outDir = () => join(mkdtempSync(join(tmpdir(), "jarvis-plan-")), "plan");

describe("--help", () => {
  it.each([["--help"], ["-h"], ["--stack", "dev", "--help"]])(
    "%s prints every option explained, exit 0",
    async (...argv) => {
      const result = await run(argv);
      expect(result.status).toBe(0);
      expect(result.err).toBe("");
      for (const option of ["--stack <name>", "--config <stack file>", "--out <dir>", "--stack-traces", "-h, --help"])
        expect(result.out).toContain(option);
      expect(result.out).toContain("<org>/<project>/<stack>");
      expect(result.out).toContain(`stacks (one per Pulumi.<stack>.yaml): ${discoverStacks(PROJECT_DIR).join(", ")}`);
    },
  );

  it("gives each option a line of its own with its explanation", () => {
    const lines = helpText().split("\n");
    for (const option of ["--stack", "--config", "--out", "--stack-traces", "--help"])
      expect(lines.find((line) => line.match(new RegExp(`^  (-h, )?${option}\\b`)))).toMatch(/ {2}\w.{10,}/);
  });

  it("is pointed at by a usage error", async () => {
    const result = await run(["--bogus"]);
    expect(result.status).toBe(2);
    expect(result.err).toContain("npm run plan -- --help");
  });
});

describe("options given without `--`", () => {
  it("are said to have gone to npm, with the command meant", () => {
    expect(npmTookOptions(["dev"], { npm_config_stack: "true" })).toBe(
      "npm took --stack for itself (it keeps the options before `--`): run `npm run plan -- --stack dev`",
    );
    expect(npmTookOptions([], { npm_config_stack: "dev" })).toContain("run `npm run plan -- --stack dev`");
    expect(npmTookOptions(["dev"], { npm_config_stack: "true", npm_config_stack_traces: "true" })).toContain(
      "run `npm run plan -- --stack dev --stack-traces`",
    );
    // Given after `--`, an option reaches the plan and is kept as it was.
    expect(npmTookOptions(["dev", "--out", "/tmp/p"], { npm_config_stack: "true" })).toContain(
      "run `npm run plan -- --stack dev --out /tmp/p`",
    );
  });

  it("keep a placeholder where npm's bare values cannot be told apart", () => {
    expect(npmTookOptions(["dev", "/tmp/p"], { npm_config_stack: "true", npm_config_out: "true" })).toContain(
      "run `npm run plan -- --stack <name> --out <dir>`",
    );
  });

  it("are not suspected when the plan got them", () => {
    expect(npmTookOptions(["--stack", "dev"], { npm_config_stack: "dev" })).toBeUndefined();
    expect(npmTookOptions(["--stack", "dev"], {})).toBeUndefined();
  });

  it("exit 2 with the hint and plan nothing", async () => {
    const result = await run(["dev"], { npm_config_stack: "true" });
    expect(result.status).toBe(2);
    expect(result.err).toContain("run `npm run plan -- --stack dev`");
    expect(result.out).toBe("");
  });

  it("get the hint from the real npm, in both spellings", () => {
    for (const args of [["--stack", "dev"], ["--stack=dev"]]) {
      const result = npmRunPlan(...args);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toContain("run `npm run plan -- --stack dev`");
    }
    const help = npmRunPlan("--", "--help");
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("--stack-traces");
  });
});

describe("--stack in the Pulumi CLI's forms", () => {
  it("plans org/stack and org/project/stack from the stack file named after the last part", async () => {
    for (const name of ["acme/dev", "acme/jarvis/dev"]) {
      const out = outDir();
      const result = await run(["--stack", name, "--out", out]);
      expect(result.status, result.err).toBe(0);
      expect(result.out).toContain("plan of stack dev:");
      expect(result.out).toContain(`to ${out}`);
    }
  });

  it("refuses a project part that is not Pulumi.yaml's name, naming both", async () => {
    const result = await run(["--stack", "acme/other/dev", "--out", outDir()]);
    expect(result.status).toBe(2);
    expect(result.err).toBe("--stack names the project 'other', but this is project 'jarvis' (Pulumi.yaml's name)");
  });
});

describe("an unknown stack", () => {
  it("lists the stacks that exist", async () => {
    const result = await run(["--stack", "no-such-stack"]);
    expect(result.status).toBe(2);
    expect(result.err).toContain(`no stack file ${join(PROJECT_DIR, "Pulumi.no-such-stack.yaml")}`);
    expect(result.err).toContain(`The stacks of ${PROJECT_DIR}: ${discoverStacks(PROJECT_DIR).join(", ")}.`);
    expect(result.err).toContain("Create Pulumi.no-such-stack.yaml for a new one, or pass --config <stack file>.");
  });

  it("is told apart from a missing --config file", async () => {
    const result = await run(["--stack", "dev", "--config", "/nonexistent/Pulumi.x.yaml"]);
    expect(result.status).toBe(2);
    expect(result.err).toBe("--config /nonexistent/Pulumi.x.yaml: no such file");
  });
});

describe("a stack file that is not YAML", () => {
  it("shows the file, the line, the column and the library's excerpt with its caret", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "jarvis-stack-")), "Pulumi.bad.yaml");
    writeFileSync(file, "config:\n  jarvis:platform: docker\n  jarvis:ports: [1, 2\n  jarvis:appVersion: 1.0.0\n");
    const result = await run(["--stack", "bad", "--config", file]);
    expect(result.status).toBe(2);
    const lines = result.err.split("\n");
    expect(lines[0]).toBe(
      `${file}: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 4, column 3:`,
    );
    expect(lines.slice(1)).toEqual(["", "  jarvis:ports: [1, 2", "  jarvis:appVersion: 1.0.0", "  ^"]);
  });
});

describe("the files a plan folder may hold", () => {
  it("are the plan's own, the summary and the comparison included", () => {
    expect([...PLAN_FILES].sort()).toEqual(
      ["changes.md", "manifests.yaml", "outputs.json", "resources.json", "summary.md"].sort(),
    );
  });
});
