// infra/ is the Pulumi-free core: it imports no Pulumi package and nothing of the layers built on
// it (components, stacks, the composition root, the tools).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../tools/plan/cli";

const CORE = join(PROJECT_DIR, "infra");
const OUTER_LAYERS = ["components/", "stacks/", "tools/", "program", "index"];

function coreFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return coreFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Every module a file imports, requires or imports dynamically. */
export function importedModules(source: string): string[] {
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
  return [...source.matchAll(pattern)].map((match) => match[1]!);
}

/** What is wrong with one import of a core file, if anything. */
export function boundaryProblem(file: string, module: string): string | undefined {
  if (module.startsWith("@pulumi/")) return `imports the Pulumi package ${module}`;
  if (!module.startsWith(".")) return undefined;
  const target = relative(PROJECT_DIR, resolve(dirname(file), module));
  const layer = OUTER_LAYERS.find((outer) => target.startsWith(outer));
  return layer ? `imports ${target}, of a layer built on the core` : undefined;
}

describe("the core's boundary", () => {
  it("holds: no file of infra/ imports Pulumi, components, stacks, the tools or the composition root", () => {
    const files = coreFiles(CORE);
    expect(files.length).toBeGreaterThan(20);
    const problems = files.flatMap((file) =>
      importedModules(readFileSync(file, "utf8")).flatMap((module) => {
        const problem = boundaryProblem(file, module);
        return problem ? [`${relative(PROJECT_DIR, file)}: ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it("would catch each kind of crossing", () => {
    const file = join(CORE, "wiring.ts");
    expect(
      importedModules('import * as pulumi from "@pulumi/pulumi";\nconst x = require("../stacks/docker");'),
    ).toEqual(["@pulumi/pulumi", "../stacks/docker"]);
    expect(boundaryProblem(file, "@pulumi/pulumi")).toMatch(/Pulumi package/);
    expect(boundaryProblem(file, "../components/secrets")).toMatch(/components\/secrets/);
    expect(boundaryProblem(file, "../stacks/kubernetes")).toMatch(/stacks\/kubernetes/);
    expect(boundaryProblem(file, "../program")).toMatch(/program/);
    expect(boundaryProblem(file, "../tools/plan/cli")).toMatch(/tools/);
    expect(boundaryProblem(file, "./graph")).toBeUndefined();
    expect(boundaryProblem(file, "zod")).toBeUndefined();
  });
});
