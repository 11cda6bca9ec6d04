import { describe, expect, it } from "vitest";
import { formatTimings, median, printBench, ratioWithoutResources, summarize, targetNotes } from "./bench";

describe("benchmark arithmetic", () => {
  it("takes the median of odd and even samples", () => {
    expect(median([5, 1, 3, 2, 4])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("summarizes medians, their ratio and peak memory", () => {
    const timing = summarize("prod", [1200, 1100, 1300, 1150, 5000], [700, 650, 600, 800, 640], 160 * 1024, 120 * 1024);
    expect(timing).toEqual({
      stack: "prod",
      planMs: 1200,
      bareMs: 650,
      ratio: 1200 / 650,
      planPeakMiB: 160,
      barePeakMiB: 120,
      sdkCost: { resources: 0, ms: 0 },
    });
    expect(formatTimings([timing]).split("\n")[1]).toMatch(
      /^prod\s+1200 ms\s+650 ms\s+1\.85\s+160 MiB \/ 120 MiB\s+0, 0 ms$/,
    );
  });

  it("says which plans are above the 2x target, as a note, not a failure", () => {
    const prod = summarize("prod", [1500], [700], 0, 0);
    const dev = summarize("dev", [1000], [700], 0, 0);
    expect(targetNotes([dev, prod])).toEqual([
      "prod: plan 1500 ms is 2.14x the bare SDK import (700 ms), above the 2x target",
    ]);
    expect(targetNotes([dev, summarize("prod", [1400], [700], 0, 0)])).toEqual([
      "every plan within 2x the bare SDK import",
    ]);
  });

  it("says when a plan above the target is within it without its resources' own SDK cost", () => {
    const prod = summarize("prod", [1500], [700], 0, 0, { resources: 105, ms: 160 });
    expect(ratioWithoutResources(prod)).toBeCloseTo(1340 / 700);
    expect(targetNotes([prod])).toEqual([
      "prod: plan 1500 ms is 2.14x the bare SDK import (700 ms), above the 2x target; without the SDK's own cost of its 105 resources (160 ms, bare resources under the same engine) 1.91x",
    ]);
    // Not when even that is above it.
    expect(targetNotes([summarize("prod", [1700], [700], 0, 0, { resources: 105, ms: 160 })])[0]).not.toContain(
      "without",
    );
  });

  it("exits 0 on a completed measurement, above the target or not, and 1 only when it could not run", () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`err: ${l}`) };
    expect(printBench(() => [summarize("prod", [3000], [700], 0, 0)], io)).toBe(0);
    expect(lines[0]).toMatch(/^stack\s+plan/);
    expect(lines[1]).toContain("above the 2x target");
    lines.length = 0;
    const failing = () => {
      throw new Error("npm run -s plan -- --stack prod failed");
    };
    expect(printBench(failing, io)).toBe(1);
    expect(lines).toEqual(["err: bench: the measurement could not run: npm run -s plan -- --stack prod failed"]);
  });
});
