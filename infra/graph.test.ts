// What the graph says about the logs' nodes per platform: where state is kept, who runs each pod
// (a Workload or a chart), and what may be scaled.
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "./catalogue";
import { chartServices, keepsState, podServices, scalableServices, statefulServices, workloadServices } from "./graph";

describe("the graph per platform", () => {
  it("keeps a node's state only on the platforms its state names", () => {
    const alloy = CATALOGUE.alloy!;
    expect(keepsState(alloy, "docker")).toBe(true);
    expect(keepsState(alloy, "kubernetes")).toBe(false);
    expect(keepsState(CATALOGUE.loki!, "kubernetes")).toBe(true);
    expect(keepsState(CATALOGUE.backend!, "docker")).toBe(false);
    expect(statefulServices(CATALOGUE, "docker")).toContain("alloy");
    expect(statefulServices(CATALOGUE, "kubernetes")).not.toContain("alloy");
    expect(statefulServices(CATALOGUE, "kubernetes")).toContain("loki");
  });

  it("has a chart run the nodes that name one, and a Workload every other pod", () => {
    expect(chartServices(CATALOGUE)).toEqual(["loki"]);
    expect(workloadServices(CATALOGUE)).not.toContain("loki");
    expect([...workloadServices(CATALOGUE), ...chartServices(CATALOGUE)].sort()).toEqual(podServices(CATALOGUE).sort());
  });

  it("scales neither what keeps state, nor a singleton, nor what a chart runs", () => {
    const scalable = scalableServices(CATALOGUE);
    expect(scalable).toEqual(expect.arrayContaining(["backend", "interface", "stt", "tts"]));
    for (const node of ["alloy", "loki", "postgres", "ollama"]) expect(scalable).not.toContain(node);
  });
});
