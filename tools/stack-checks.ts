// What every stack's plan must satisfy, whatever its config: one function, run over the stacks found
// from a project's stack files (plan/stacks.ts), by the plan's tests on the shipped stacks and by
// the test that adds a stack file to a copy of the project. A stack's own expectations (how many
// resources, which kinds) stay with the tests that name it.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse, parseAllDocuments } from "yaml";
import { main } from "../program";
import { stackFileSchema } from "./config-docs";
import { plan, PLAN_FILES, PlanInputError, writePlan } from "./plan/cli";
import type { PlanFiles } from "./plan/files";
import { PLAN_SECRET_PREFIX } from "./plan/merged-config";
import { UNKNOWN } from "./plan/render";
import { discoverStacks, stackFileName } from "./plan/stacks";
import { validateManifest } from "./test-support";

/** The keys the engine records for every resource, as resources.json holds them. */
export const RESOURCE_KEYS = [
  "urn",
  "type",
  "name",
  "parent",
  "provider",
  "dependencies",
  "protect",
  "retainOnDelete",
  "deleteBeforeReplace",
  "ignoreChanges",
  "inputs",
];

type Resource = Record<string, unknown> & { urn: string; type: string };

const stackFileValidators = new Map<string, ReturnType<Ajv2020["compile"]>>();
/** The JSON Schema of the project's stack files: merge patches of its own Pulumi.yaml's defaults. */
function validateStackFile(projectDir: string) {
  if (!stackFileValidators.has(projectDir))
    stackFileValidators.set(
      projectDir,
      new Ajv2020({ strict: false, validateFormats: false, allErrors: true }).compile(stackFileSchema(projectDir)),
    );
  return stackFileValidators.get(projectDir)!;
}

function resourceProblems(resources: Resource[], rootUrn: string): string[] {
  const problems: string[] = [];
  for (const resource of resources) {
    const missing = RESOURCE_KEYS.filter((key) => !(key in resource));
    if (missing.length > 0) problems.push(`${resource.urn}: no ${missing.join(", ")}`);
    for (const flag of ["protect", "retainOnDelete", "deleteBeforeReplace"])
      if (typeof resource[flag] !== "boolean") problems.push(`${resource.urn}: ${flag} is not a boolean`);
    for (const list of ["ignoreChanges", "dependencies"])
      if (!Array.isArray(resource[list])) problems.push(`${resource.urn}: ${list} is not a list`);
  }
  const urns = resources.map((r) => r.urn);
  if (urns.join("\n") !== [...urns].sort().join("\n")) problems.push("resources.json is not sorted by URN");
  const roots = resources.filter((r) => r.type === "pulumi:pulumi:Stack").map((r) => r.urn);
  if (roots.join() !== rootUrn) problems.push(`the root stack is ${roots.join(", ") || "missing"}, not ${rootUrn}`);
  return problems;
}

async function manifestProblems(manifests: string): Promise<string[]> {
  const objects = parseAllDocuments(manifests).map((d) => d.toJS());
  const problems: string[] = [];
  for (const object of objects)
    await validateManifest(object).catch((error: Error) =>
      problems.push(`${object.kind} ${object.metadata?.name}: ${error.message}`),
    );
  // Quoted where YAML 1.1 tooling (kubectl) would read another type.
  const as11 = parseAllDocuments(manifests, { version: "1.1" }).map((d) => d.toJS());
  if (JSON.stringify(as11) !== JSON.stringify(objects)) problems.push("manifests.yaml reads otherwise as YAML 1.1");
  return problems;
}

/**
 * Plans `stack` of the project in `projectDir`, writes the plan as the CLI does and lists what is
 * wrong with it. `earlier` is a plan of the same stack already made, which the new one must match
 * byte for byte; without it, the stack is planned twice.
 */
export async function stackProblems(projectDir: string, stack: string, earlier?: PlanFiles): Promise<string[]> {
  const planOnce = async () => (await plan({ stack, program: main, projectDir })).files;
  let files: PlanFiles;
  let before: PlanFiles;
  try {
    before = earlier ?? (await planOnce());
    files = await planOnce();
  } catch (error) {
    if (error instanceof PlanInputError) return [`not planned: ${error.message}`];
    throw error;
  }
  const out = join(mkdtempSync(join(tmpdir(), "jarvis-stack-check-")), stack);
  writePlan(out, files);
  const written = Object.fromEntries(readdirSync(out).map((name) => [name, readFileSync(join(out, name), "utf8")]));
  const problems: string[] = [];
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")).name;
  const resources = JSON.parse(written["resources.json"] ?? "[]") as Resource[];
  const kubernetes = resources.some((r) => r.type.startsWith("kubernetes:"));
  const expected = ["resources.json", "outputs.json", ...(kubernetes ? ["manifests.yaml"] : [])];
  for (const name of expected) if (!(name in written)) problems.push(`${name} was not written`);
  const previous = new Map(Object.entries(before));
  for (const [name, text] of Object.entries(written)) {
    if (!(PLAN_FILES as readonly string[]).includes(name)) problems.push(`${name} is not a plan file`);
    if (name === "manifests.yaml" && !kubernetes)
      problems.push("manifests.yaml written for a stack without Kubernetes");
    if (text !== previous.get(name)) problems.push(`${name} differs from one run to the next`);
    if (text.includes(PLAN_SECRET_PREFIX)) problems.push(`${name} holds a secret in plain text`);
    if (text.includes(UNKNOWN)) problems.push(`${name} holds an unknown value`);
  }
  problems.push(
    ...resourceProblems(resources, `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`),
  );
  if (written["manifests.yaml"]) problems.push(...(await manifestProblems(written["manifests.yaml"])));
  const stackFile = parse(readFileSync(join(projectDir, stackFileName(stack)), "utf8"));
  const validate = validateStackFile(projectDir);
  if (!validate(stackFile))
    problems.push(`${stackFileName(stack)} does not match the stack-file schema: ${JSON.stringify(validate.errors)}`);
  return problems;
}

/** Every stack of the project in `projectDir` with what is wrong with its plan (nothing, for a good one). */
export async function checkStacks(projectDir: string): Promise<Record<string, string[]>> {
  const checked: Record<string, string[]> = {};
  // One after the other: the SDK's runtime state is global to the process.
  for (const stack of discoverStacks(projectDir)) checked[stack] = await stackProblems(projectDir, stack);
  return checked;
}
