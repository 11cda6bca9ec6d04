import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { main } from "../../program";
import { checkStacks } from "../stack-checks";
import { plan, PROJECT_DIR } from "./cli";
import { discoverStacks, parseStackReference, stackFileName } from "./stacks";

/** A copy of the project's Pulumi.yaml (the program itself is handed to the plan), with no stack yet. */
function emptyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "jarvis-project-"));
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  return dir;
}

/** The shipped Pulumi.<from>.yaml as Pulumi.<to>.yaml of `dir`, in another namespace. */
function addStack(dir: string, from: string, to: string, namespace: string): void {
  const document = parseDocument(readFileSync(join(PROJECT_DIR, stackFileName(from)), "utf8"));
  document.setIn(["config", "jarvis:namespace", "name"], namespace);
  writeFileSync(join(dir, stackFileName(to)), document.toString());
}

describe("finding the stacks", () => {
  it("takes one stack per Pulumi.<stack>.yaml, sorted, and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "jarvis-stacks-"));
    for (const file of ["Pulumi.yaml", "Pulumi.b.yaml", "Pulumi.a-1.yaml", "Pulumi.yml", "notes.yaml", "Pulumi..yaml"])
      writeFileSync(join(dir, file), "");
    writeFileSync(join(dir, "Pulumi.bad name.yaml"), "");
    expect(discoverStacks(dir)).toEqual(["a-1", "b"]);
  });

  it("finds the shipped stacks", () => {
    expect(discoverStacks(PROJECT_DIR)).toEqual(expect.arrayContaining(["dev", "prod", "staging"]));
  });

  it("is what CI plans: .ci/run's loop plans each stack file of the folder, naming none", () => {
    const loop = /^for file in .*?^done$/ms.exec(readFileSync(join(PROJECT_DIR, ".ci/run"), "utf8"))?.[0];
    expect(loop).toContain("npm run plan");
    const dir = mkdtempSync(join(tmpdir(), "jarvis-ci-"));
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.qa.yaml"]) writeFileSync(join(dir, file), "");
    // npm stands in for itself: the loop's commands are printed, not run.
    const result = spawnSync("bash", ["-c", `npm() { echo "npm $*"; }\nout=/o\n${loop}`], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(result.stdout.trim().split("\n")).toEqual([
      "npm run plan -- --stack dev --out /o/dev",
      "npm run plan -- --stack qa --out /o/qa",
    ]);
  });
});

describe("a stack name as the Pulumi CLI takes it", () => {
  it("is <stack>, <org>/<stack> or <org>/<project>/<stack>, whose stack file is named after the last part", () => {
    expect(parseStackReference("dev")).toEqual({ stack: "dev" });
    expect(parseStackReference("acme/dev")).toEqual({ stack: "dev" });
    expect(parseStackReference("acme/jarvis/dev")).toEqual({ stack: "dev", project: "jarvis" });
  });

  it("is refused with more parts, an empty part or a character the CLI refuses", () => {
    expect(() => parseStackReference("a/b/c/d")).toThrow("takes <stack>, <org>/<stack> or <org>/<project>/<stack>");
    expect(() => parseStackReference("acme//dev")).toThrow("'' is not a name");
    expect(() => parseStackReference("../dev")).toThrow("'..' is not a name");
    expect(() => parseStackReference("de v")).toThrow("only letters, digits");
  });
});

describe("a stack file added to the project", () => {
  it("is found, planned and checked by the code that checks the shipped stacks", async () => {
    const dir = emptyProject();
    addStack(dir, "staging", "qa", "jarvis-qa");
    expect(await checkStacks(dir)).toEqual({ qa: [] });
    const namespaces = (await plan({ stack: "qa", program: main, projectDir: dir })).registrations.filter(
      (r) => r.type === "kubernetes:core/v1:Namespace",
    );
    expect(namespaces.map((r) => (r.inputs.metadata as { name: string }).name)).toEqual(["jarvis-qa"]);
  });

  it("fails those checks when it cannot be planned", async () => {
    const dir = emptyProject();
    addStack(dir, "staging", "broken", "Not A Namespace");
    const checked = await checkStacks(dir);
    expect(Object.keys(checked)).toEqual(["broken"]);
    expect(checked.broken).toEqual([expect.stringMatching(/^not planned: .*jarvis:namespace\.name/s)]);
  });
});
