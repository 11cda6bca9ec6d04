import { describe, expect, it } from "vitest";
import { formatTimings, median, summarize } from "./bench";

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
    });
    expect(formatTimings([timing]).split("\n")[1]).toMatch(/^prod\s+1200 ms\s+650 ms\s+1\.85\s+160 MiB \/ 120 MiB$/);
  });
});
