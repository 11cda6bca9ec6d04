import { describe, expect, it } from "vitest";
import { CATALOGUE, type Catalogue } from "../catalogue";
import { deriveWiring } from "../wiring";
import { runningServices } from "../graph";
import { validConfig } from "../../tools/test-support";
import { grafanaProvisioning } from "./files";
import { scrapeTargets, unwatched, watches } from "./targets";

const config = validConfig("dev");

describe("what monitoring watches", () => {
  it("leaves no service the dev stack runs unwatched", () => {
    expect(unwatched(CATALOGUE, config.ports, runningServices(CATALOGUE, config))).toEqual([]);
  });

  it("names a service that nothing can watch: no metrics, no exporter, no HTTP health check", () => {
    const { metrics: _none, ...backend } = CATALOGUE.backend!;
    const catalogue: Catalogue = { ...CATALOGUE, backend: { ...backend, health: { kind: "postgres" } } };
    expect(unwatched(catalogue, config.ports, runningServices(catalogue, config))).toEqual(["backend"]);
  });

  it("refuses metrics that need an API key the service's URL does not name", () => {
    const catalogue: Catalogue = {
      ...CATALOGUE,
      backend: { ...CATALOGUE.backend!, metrics: { port: "http", path: "/metrics", apiKey: true } },
    };
    expect(() => watches(catalogue, config.ports, ["backend"])).toThrow("backend's metrics need its API key");
  });

  it("gives the scraper the nodes it scrapes: a datastore's exporter, not the datastore", () => {
    const targets = scrapeTargets(CATALOGUE, config.ports, runningServices(CATALOGUE, config));
    expect(targets).toContainEqual({ service: "postgres-exporter", port: 9187, path: "/metrics" });
    expect(targets.map((t) => t.service)).not.toContain("postgres");
  });

  it("refuses a Grafana without an edge to a Prometheus", () => {
    const catalogue: Catalogue = { ...CATALOGUE, grafana: { ...CATALOGUE.grafana!, connects: [] } };
    expect(() => grafanaProvisioning(config, deriveWiring(config, catalogue), "grafana")).toThrow(
      "no edge to a Prometheus",
    );
  });
});
