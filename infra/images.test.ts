import { describe, expect, it } from "vitest";
import { validConfig } from "../tools/test-support";
import { CATALOGUE } from "./catalogue";
import { imageRef } from "./images";

describe("image references", () => {
  it("give public services their pinned image and Jarvis's own the registry, name and version", () => {
    const prod = validConfig("prod");
    expect(imageRef(prod, CATALOGUE, "redis")).toBe("redis:7.4.5-alpine");
    expect(imageRef(prod, CATALOGUE, "backend")).toBe("registry.example.com/jarvis/backend:1.4.0");
    expect(imageRef(validConfig("dev"), CATALOGUE, "stt")).toBe("jarvis/stt:1.4.0");
  });

  it("give a job the image of the service it names", () => {
    expect(imageRef(validConfig("prod"), CATALOGUE, "backup")).toBe("timescale/timescaledb:2.21.3-pg15");
    expect(imageRef(validConfig("prod"), CATALOGUE, "ollama-pull")).toBe("ollama/ollama:0.11.4");
  });

  it("pin an app image by digest where one is configured", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const config = validConfig("prod", { "jarvis:appDigests": { tts: digest } });
    expect(imageRef(config, CATALOGUE, "tts")).toBe(`registry.example.com/jarvis/tts@${digest}`);
    expect(imageRef(config, CATALOGUE, "stt")).toBe("registry.example.com/jarvis/stt:1.4.0");
  });
});
