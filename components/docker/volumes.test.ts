// Volumes under the plan engine (the SDK's mocks, recording each registration whole): one named
// volume per service, kept when the stack lets go of it, labelled with its service.
import { describe, expect, it } from "vitest";
import { Volumes } from "./volumes";
import { underEngine } from "../../tools/test-support";

const VOLUME = "docker:index/volume:Volume";
const COMPONENT = "jarvis:docker:Volumes";

const NAMES = { postgres: "jarvis-postgres-data", qdrant: "jarvis-qdrant-data" };
const LABELS = { "jarvis.project": "jarvis" };

async function volumes() {
  return underEngine(() => {
    new Volumes("volumes", { names: NAMES, labels: LABELS });
  });
}

describe("the Volumes component", () => {
  it("registers one local volume per service with its name", async () => {
    const { registrations, find } = await volumes();
    expect(
      registrations
        .filter((r) => r.type === VOLUME)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["volumes-postgres", "volumes-qdrant"]);
    const postgres = find(VOLUME, "volumes-postgres").inputs as any;
    expect(postgres.name).toBe("jarvis-postgres-data");
    expect(postgres.driver).toBe("local");
    expect((find(VOLUME, "volumes-qdrant").inputs as any).name).toBe("jarvis-qdrant-data");
  });

  it("keeps every volume in place when it leaves the stack", async () => {
    const { registrations, find } = await volumes();
    for (const r of registrations.filter((r) => r.type === VOLUME)) {
      expect(r.retainOnDelete).toBe(true);
      expect(r.parent).toBe(find(COMPONENT, "volumes").urn);
    }
    expect(find(COMPONENT, "volumes").retainOnDelete).toBe(false);
  });

  it("labels each volume with the given labels and the service it belongs to", async () => {
    const { find } = await volumes();
    expect((find(VOLUME, "volumes-postgres").inputs as any).labels).toEqual([
      { label: "jarvis.project", value: "jarvis" },
      { label: "jarvis.service", value: "postgres" },
    ]);
    expect((find(VOLUME, "volumes-qdrant").inputs as any).labels).toContainEqual({
      label: "jarvis.service",
      value: "qdrant",
    });
  });

  it("the service's label wins over a given label of the same key", async () => {
    const { find } = await underEngine(() => {
      new Volumes("volumes", { names: { redis: "jarvis-redis-data" }, labels: { "jarvis.service": "other" } });
    });
    expect((find(VOLUME, "volumes-redis").inputs as any).labels).toEqual([{ label: "jarvis.service", value: "redis" }]);
  });

  it("exposes each volume's name by service", async () => {
    const { find } = await volumes();
    expect(find(COMPONENT, "volumes").outputs).toEqual({ names: NAMES });
  });
});
