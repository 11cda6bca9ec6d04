import { describe, expect, it } from "vitest";
import { validConfig } from "../tools/test-support";
import { imageRef } from "./images";

describe("image references", () => {
  it("give public services their pinned image and Jarvis's own the registry, name and version", () => {
    const prod = validConfig("prod");
    expect(imageRef(prod, "redis")).toBe("redis:7.4.5-alpine");
    expect(imageRef(prod, "backend")).toBe("registry.example.com/jarvis/backend:1.4.0");
    expect(imageRef(validConfig("dev"), "stt")).toBe("jarvis/stt:1.4.0");
  });

  it("pin an app image by digest where one is configured", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const config = validConfig("prod", { "jarvis:appDigests": { tts: digest } });
    expect(imageRef(config, "tts")).toBe(`registry.example.com/jarvis/tts@${digest}`);
    expect(imageRef(config, "stt")).toBe("registry.example.com/jarvis/stt:1.4.0");
  });
});
