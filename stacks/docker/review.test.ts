// What a reviewer reads of a dev container in the plan: the image reference it runs, and its
// environment entry by entry, with only the secret values hidden.
import { beforeAll, describe, expect, it } from "vitest";
import { rawResource, shippedPlan, type ParsedPlan } from "../../tools/test-support";

const CONTAINER = "docker:index/container:Container";
let plan: ParsedPlan;
beforeAll(async () => {
  plan = await shippedPlan("dev");
});
const entry = (name: string) => plan.resources.find((r) => r.type === CONTAINER && r.name === name)!;

describe("a dev container in the plan", () => {
  it("shows its plain environment entries and hides only the secret ones", () => {
    const envs: string[] = entry("backend").inputs.envs;
    expect(envs).toContain("LOG_LEVEL=INFO");
    expect(envs).toContain("QDRANT_URL=http://jarvis-qdrant:6333");
    expect(envs).toContain("DATABASE_URL=[secret]");
    expect(envs).toContain("JARVIS_SECRET_KEY=[secret]");
    expect(envs).toEqual([...envs].sort());
  });

  it("passes each secret entry as a secret to the engine, and the plain ones as plain text", () => {
    const envs = rawResource(plan, CONTAINER, "backend").inputs.envs as unknown[];
    const secret = envs.filter((e): e is { secret: string } => typeof e === "object");
    const plain = envs.filter((e): e is string => typeof e === "string");
    // Every entry that carries a made-up secret is a secret of its own; no plain one carries one.
    expect(secret.length).toBeGreaterThan(0);
    for (const entry of secret) expect(entry.secret).toMatch(/^[A-Z_]+=.*PLAN-SECRET-/);
    for (const entry of plain) expect(entry).not.toContain("PLAN-SECRET-");
    expect(envs).toContain("LOG_LEVEL=INFO");
    expect(plan.text).not.toContain("PLAN-SECRET-");
  });

  it("names the image reference it runs beside the image ID the provider reads back", () => {
    expect(entry("redis").imageReference).toBe("redis:7.4.5-alpine");
    expect(entry("redis").inputs.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(entry("ollama-pull").imageReference).toBe(entry("ollama").imageReference);
  });
});
