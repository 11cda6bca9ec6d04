import { describe, expect, it } from "vitest";
import { imageProblem } from "./image";
import { cpuMillis, memoryBytes } from "./quantity";

describe("image pinning", () => {
  it.each([
    ["redis:7.4.5-alpine", undefined],
    ["registry.example.com:5000/jarvis/stt:1.4.0", undefined],
    [`qdrant/qdrant@sha256:${"0".repeat(64)}`, undefined],
    ["redis", "must be pinned by a tag or a digest"],
    ["registry.example.com:5000/jarvis/stt", "must be pinned by a tag or a digest"],
    ["redis:latest", "must not use the moving tag 'latest'"],
    ["timescale/timescaledb:latest-pg15", "must not use the moving tag 'latest-pg15'"],
    ["redis@sha256:abc", "has a malformed digest (expected sha256:<64 hex digits>)"],
    ["Redis Server:7", "is not an image reference"],
    ["a@b@c", "is not an image reference"],
    ["redis:-bad", "has a malformed tag"],
  ])("%s", (ref, problem) => {
    expect(imageProblem(ref)).toBe(problem);
  });
});

describe("quantities", () => {
  it("reads CPU in millicores and memory in bytes", () => {
    expect(cpuMillis("500m")).toBe(500);
    expect(cpuMillis("1.5")).toBe(1500);
    expect(memoryBytes("512Mi")).toBe(512 * 2 ** 20);
    expect(memoryBytes("2G")).toBe(2e9);
    expect(memoryBytes("1024")).toBe(1024);
    expect(memoryBytes("1Xi")).toBeNaN();
  });
});
