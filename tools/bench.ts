// `npm run bench`: times the plan of each stack (one per stack file) as a whole process, the command
// a user types (`npm run plan -- --stack <name>`), alternated with `node` importing the same SDK
// modules and nothing else, five times each. Prints medians, their ratio and peak memory.
// A wall-clock ratio on a shared machine is a figure to report, not a gate: a completed measurement
// exits 0 whatever the ratio; only a measurement that could not run exits 1.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { discoverStacks } from "./plan/stacks";

export const RUNS = 5;
/** How `npm run plan` runs Node (package.json), so that bare resources are registered the same way. */
const NODE_PLAN_FLAGS = ["--max-opt=1", "--require", join(__dirname, "register-ts.cjs")];
/** The target: a plan within twice the bare SDK import. */
export const TARGET_RATIO = 2;

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
  /** The SDK's own cost of as many bare resources as the plan registers, under the same engine. */
  readonly sdkCost: SdkCost;
}

export interface SdkCost {
  readonly resources: number;
  readonly ms: number;
}

export function summarize(
  stack: string,
  plan: readonly number[],
  bare: readonly number[],
  planPeakKiB: number,
  barePeakKiB: number,
  sdkCost: SdkCost = { resources: 0, ms: 0 },
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
    sdkCost,
  };
}

/** The ratio of a plan without the SDK's own cost of its resources. */
export const ratioWithoutResources = (t: Timing) => (t.planMs - t.sdkCost.ms) / t.bareMs;

export function formatTimings(timings: readonly Timing[]): string {
  const head = `stack     plan (median of ${RUNS})  bare SDK import  ratio  peak memory plan / bare  resources, their SDK cost`;
  const rows = timings.map(
    (t) =>
      `${t.stack.padEnd(8)}  ${`${t.planMs.toFixed(0)} ms`.padStart(19)}  ${`${t.bareMs.toFixed(0)} ms`.padStart(15)}  ${t.ratio.toFixed(2).padStart(5)}  ${`${t.planPeakMiB.toFixed(0)} MiB / ${t.barePeakMiB.toFixed(0)} MiB`.padEnd(24)}  ${t.sdkCost.resources}, ${t.sdkCost.ms.toFixed(0)} ms`,
  );
  return [head, ...rows].join("\n");
}

/** What the figures say about the target, one line per stack above it; they never fail the run. */
export function targetNotes(timings: readonly Timing[]): string[] {
  const above = timings.filter((t) => t.ratio > TARGET_RATIO);
  if (above.length === 0) return [`every plan within ${TARGET_RATIO}x the bare SDK import`];
  return above.map((t) => {
    const note = `${t.stack}: plan ${t.planMs.toFixed(0)} ms is ${t.ratio.toFixed(2)}x the bare SDK import (${t.bareMs.toFixed(0)} ms), above the ${TARGET_RATIO}x target`;
    const without = ratioWithoutResources(t);
    return without <= TARGET_RATIO && t.sdkCost.resources > 0
      ? `${note}; without the SDK's own cost of its ${t.sdkCost.resources} resources (${t.sdkCost.ms.toFixed(0)} ms, bare resources under the same engine) ${without.toFixed(2)}x`
      : note;
  });
}

/**
 * Reports a measurement: the table and the notes on the target, exit status 0 whatever the figures;
 * 1 only when the measurement itself failed (a plan that did not run, say).
 */
export function printBench(measure: () => readonly Timing[], io = { out: console.log, err: console.error }): number {
  let timings;
  try {
    timings = measure();
  } catch (error) {
    io.err(`bench: the measurement could not run: ${(error as Error).message}`);
    return 1;
  }
  io.out(formatTimings(timings));
  for (const note of targetNotes(timings)) io.out(note);
  return 0;
}

/* c8 ignore start: the timed processes themselves; the arithmetic and the report above are tested */
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
  return summarize(stack, plan, bare, planPeak, barePeak, sdkCostOf(plannedResources(join(work, stack))));
}

/** How many resources a written plan registers. */
function plannedResources(planDir: string): number {
  return (JSON.parse(readFileSync(join(planDir, "resources.json"), "utf8")) as unknown[]).length;
}

/** The median cost of registering `resources` bare resources under the plan's engine, over a run of none. */
function sdkCostOf(resources: number): SdkCost {
  const script = [...NODE_PLAN_FLAGS, join(__dirname, "bench/bare-resources.ts")];
  const run = (count: number) => {
    const result = spawnSync(process.execPath, [...script, String(count)], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`bare-resources.ts ${count} failed:\n${result.stderr}`);
    return Number(result.stdout.trim());
  };
  const costs = Array.from({ length: RUNS }, () => run(resources) - run(0));
  return { resources, ms: median(costs) };
}

if (require.main === module) {
  const work = mkdtempSync(join(tmpdir(), "jarvis-bench-"));
  try {
    process.exitCode = printBench(() => discoverStacks(join(__dirname, "..")).map((stack) => benchStack(stack, work)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
/* c8 ignore stop */
