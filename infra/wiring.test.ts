import { describe, expect, it } from "vitest";
import { validConfig } from "../tools/test-support";
import { connectionUrl, deriveWiring, rateLimitSpec } from "./wiring";

describe("wiring on Docker", () => {
  const dev = validConfig("dev");
  const wiring = deriveWiring(dev);

  it("reaches services by container name and keeps their static addresses", () => {
    expect(wiring.hosts.backend).toBe("jarvis-backend");
    expect(wiring.network).toMatchObject({ gateway: "172.20.0.1", subnet: { cidr: "172.20.0.0/16" } });
    expect(wiring.addresses).toMatchObject({ stt: "172.20.0.10", backend: "172.20.0.40", timescale: "172.20.0.130" });
  });

  it("gives the URLs the original files pass, under the same names", () => {
    expect(wiring.urls).toEqual({
      OLLAMA_BASE_URL: "http://jarvis-ollama:11434",
      STT_API_URL: "http://jarvis-stt:8003",
      TTS_API_URL: "http://jarvis-tts:8002",
      QDRANT_URL: "http://jarvis-qdrant:6333",
      BACKEND_API_URL: "http://jarvis-backend:8000",
      INTERFACE_URL: "http://jarvis-interface:8001",
      // The model pull's: Ollama's CLI takes its server's URL in OLLAMA_HOST.
      OLLAMA_HOST: "http://jarvis-ollama:11434",
    });
    expect(wiring.connections.DATABASE_URL).toEqual({
      scheme: "postgresql",
      username: "jarvis",
      host: "jarvis-postgres",
      port: 5432,
      database: "jarvis_db",
      password: "postgres",
    });
    expect(wiring.connections.TIMESCALE_URL!.database).toBe("jarvis_timeseries");
    expect(wiring.connections.REDIS_URL).toEqual({
      scheme: "redis",
      host: "jarvis-redis",
      port: 6379,
      database: "0",
      password: "redis",
    });
    expect(wiring.connections.RATE_LIMIT_STORAGE_URL!.database).toBe("1");
  });

  it("derives browser URLs and the default CORS origin from the published ports", () => {
    expect(wiring.browser).toEqual({
      interface: "http://localhost:3000",
      api: "http://localhost:8000",
      websocket: "ws://localhost:8001",
    });
    expect(wiring.corsOrigins).toEqual(["http://localhost:3000"]);
  });

  it("follows a moved subnet, other ports and another prefix everywhere", () => {
    const moved = deriveWiring(
      validConfig("dev", {
        "jarvis:namePrefix": "jv",
        "jarvis:network": { ...(dev as any).network, subnet: "192.168.100.0/24" },
        "jarvis:ports": { ...dev.ports, backend: { http: 9000 } },
        "jarvis:publish": {
          ...(dev as any).publish,
          ports: { ...(dev as any).publish.ports, backend: { http: 9000 } },
        },
      }),
    );
    expect(moved.addresses!.backend).toBe("192.168.100.40");
    expect(moved.urls.BACKEND_API_URL).toBe("http://jv-backend:9000");
    expect(moved.browser.api).toBe("http://localhost:9000");
    expect(JSON.stringify(moved)).not.toMatch(/172\.20\.|:8000|jarvis-/);
  });

  it("uses configured CORS origins instead of the default", () => {
    const backend = { ...dev.backend, corsOrigins: ["https://jarvis.home.arpa"] };
    expect(deriveWiring(validConfig("dev", { "jarvis:backend": backend })).corsOrigins).toEqual([
      "https://jarvis.home.arpa",
    ]);
  });
});

describe("wiring on Kubernetes", () => {
  const wiring = deriveWiring(validConfig("staging"));

  it("reaches services by Service DNS name in the namespace", () => {
    expect(wiring.hosts.postgres).toBe("jarvis-postgres.jarvis-staging.svc");
    expect(wiring.addresses).toBeUndefined();
    expect(wiring.urls.OLLAMA_BASE_URL).toBe("http://jarvis-ollama.jarvis-staging.svc:11434");
  });

  it("derives browser URLs and CORS from the public hosts, over TLS", () => {
    expect(wiring.browser).toEqual({
      interface: "https://jarvis.staging.example.com",
      api: "https://api.jarvis.staging.example.com",
      websocket: "wss://jarvis.staging.example.com/ws",
    });
    expect(wiring.corsOrigins).toEqual(["https://jarvis.staging.example.com"]);
  });
});

describe("connection URLs", () => {
  it("percent-encodes the password and keeps the parts", () => {
    const parts = {
      scheme: "postgresql" as const,
      username: "jarvis",
      host: "db",
      port: 5432,
      database: "jarvis_db",
      password: "postgres" as const,
    };
    expect(connectionUrl(parts, "p@ss/w:rd")).toBe("postgresql://jarvis:p%40ss%2Fw%3Ard@db:5432/jarvis_db");
    expect(connectionUrl({ scheme: "redis", host: "cache", port: 6379, database: "1", password: "redis" }, "x")).toBe(
      "redis://:x@cache:6379/1",
    );
    expect(connectionUrl({ scheme: "redis", host: "cache", port: 6379, database: "0", password: "redis" })).toBe(
      "redis://cache:6379/0",
    );
  });

  it("states the rate limit in the limits library's notation", () => {
    expect(rateLimitSpec(validConfig("dev"))).toBe("10 per 60 seconds");
  });
});
