// `npm run bench`: times the plan of each stack as a whole process, the command a user types
// (`npm run plan -- --stack <name>`), alternated with `node` importing the same SDK modules and
// nothing else, five times each. Prints medians, their ratio and peak memory.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

export const RUNS = 5;
export const STACKS = ["dev", "staging", "prod"];
/** The foundation's target: the prod plan within twice the bare SDK import. */
export const MAX_RATIO = 2;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Report {
  maxRssKiB: number;
  sdkModules: string[];
}

export interface Timing {
  readonly stack: string;
  readonly planMs: number;
  readonly bareMs: number;
  readonly ratio: number;
  readonly planPeakMiB: number;
  readonly barePeakMiB: number;
}

export function summarize(
  stack: string,
  plan: readonly number[],
  bare: readonly number[],
  planPeakKiB: number,
  barePeakKiB: number,
): Timing {
  const planMs = median(plan);
  const bareMs = median(bare);
  return {
    stack,
    planMs,
    bareMs,
    ratio: planMs / bareMs,
    planPeakMiB: planPeakKiB / 1024,
    barePeakMiB: barePeakKiB / 1024,
  };
}

export function formatTimings(timings: readonly Timing[]): string {
  const head = `stack     plan (median of ${RUNS})  bare SDK import  ratio  peak memory plan / bare`;
  const rows = timings.map(
    (t) =>
      `${t.stack.padEnd(8)}  ${`${t.planMs.toFixed(0)} ms`.padStart(19)}  ${`${t.bareMs.toFixed(0)} ms`.padStart(15)}  ${t.ratio.toFixed(2).padStart(5)}  ${t.planPeakMiB.toFixed(0)} MiB / ${t.barePeakMiB.toFixed(0)} MiB`,
  );
  return [head, ...rows].join("\n");
}

/* c8 ignore start: the timed processes themselves; the arithmetic above is tested */
function timed(
  command: string,
  args: string[],
  reportFile: string,
  env: NodeJS.ProcessEnv = {},
): { ms: number; reports: Report[] } {
  writeFileSync(reportFile, "");
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: join(__dirname, ".."),
    env: {
      ...process.env,
      ...env,
      JARVIS_BENCH_REPORT: reportFile,
      NODE_OPTIONS: `--require ${join(__dirname, "bench/report.cjs")}`,
    },
    encoding: "utf8",
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  const reports = readFileSync(reportFile, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Report);
  return { ms, reports };
}

function benchStack(stack: string, work: string): Timing {
  const planArgs = ["run", "-s", "plan", "--", "--stack", stack, "--out", join(work, stack)];
  const report = join(work, "report.jsonl");
  // One untimed run learns which SDK modules this stack's plan loads (and warms the disk cache).
  const modules = [...new Set(timed("npm", planArgs, report).reports.flatMap((r) => r.sdkModules))];
  const bareArgs = ["-e", "for (const m of JSON.parse(process.env.JARVIS_SDK_MODULES)) require(m)"];
  const plan: number[] = [];
  const bare: number[] = [];
  let planPeak = 0;
  let barePeak = 0;
  for (let i = 0; i < RUNS; i++) {
    const p = timed("npm", planArgs, report);
    plan.push(p.ms);
    planPeak = Math.max(planPeak, ...p.reports.map((r) => r.maxRssKiB));
    const b = timed(process.execPath, bareArgs, report, { JARVIS_SDK_MODULES: JSON.stringify(modules) });
    bare.push(b.ms);
    barePeak = Math.max(barePeak, ...b.reports.map((r) => r.maxRssKiB));
  }
  return summarize(stack, plan, bare, planPeak, barePeak);
}

if (require.main === module) {
  const work = mkdtempSync(join(tmpdir(), "jarvis-bench-"));
  try {
    const timings = STACKS.map((stack) => benchStack(stack, work));
    console.log(formatTimings(timings));
    const prod = timings.find((t) => t.stack === "prod")!;
    const within = prod.ratio <= MAX_RATIO;
    console.log(
      `prod plan ${within ? "within" : "ABOVE"} ${MAX_RATIO}x the bare SDK import (ratio ${prod.ratio.toFixed(2)})`,
    );
    process.exitCode = within ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
/* c8 ignore stop */
