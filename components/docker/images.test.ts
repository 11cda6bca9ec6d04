// Images under the plan engine (the SDK's mocks, recording each registration whole): one
// RemoteImage per service, built only from a local source, and the image IDs by service.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Images, type ImagesArgs } from "./images";
import { underEngine } from "../../tools/test-support";

const IMAGE = "docker:index/remoteImage:RemoteImage";

const IMAGES: ImagesArgs["images"] = {
  api: { ref: "jarvis/api:1.4.0", build: { context: "/src/api", dockerfile: "Dockerfile.prod" } },
  web: { ref: "jarvis/web:1.4.0", build: { context: "/src/web" } },
  redis: { ref: "redis:7.4-alpine" },
};

async function images() {
  return underEngine(() => {
    new Images("images", { images: IMAGES });
  });
}

describe("the Images component", () => {
  it("registers one RemoteImage per service, named after it, under the component", async () => {
    const { registrations, find } = await images();
    const remote = registrations.filter((r) => r.type === IMAGE);
    expect(remote.map((r) => r.name).sort()).toEqual(["images-api", "images-redis", "images-web"]);
    for (const r of remote) expect(r.parent).toBe(find("jarvis:docker:Images", "images").urn);
  });

  it("pulls an image without a build context by its reference, and keeps it locally", async () => {
    const { find } = await images();
    expect(find(IMAGE, "images-redis").inputs).toEqual({ name: "redis:7.4-alpine", keepLocally: true });
  });

  it("builds an image with a build context, tagged with its reference", async () => {
    const { find } = await images();
    const api = find(IMAGE, "images-api").inputs as any;
    expect(api.name).toBe("jarvis/api:1.4.0");
    expect(api.keepLocally).toBe(true);
    expect(api.build).toEqual({ context: "/src/api", dockerfile: "Dockerfile.prod", tags: ["jarvis/api:1.4.0"] });
  });

  it("leaves the Dockerfile to the build's default when none is given", async () => {
    const { find } = await images();
    const web = find(IMAGE, "images-web").inputs as any;
    expect(web.build).toEqual({ context: "/src/web", tags: ["jarvis/web:1.4.0"] });
    expect(web.build).not.toHaveProperty("dockerfile");
  });

  it("exposes each service's image ID, the one its RemoteImage resolved", async () => {
    let ids: Record<string, string> | undefined;
    const { find, registrations } = await underEngine(() => {
      const component = new Images("images", { images: IMAGES });
      expect(Object.keys(component.ids)).toEqual(["api", "web", "redis"]);
      pulumi.all(component.ids).apply((resolved) => (ids = resolved));
    });
    expect(registrations.length).toBeGreaterThan(0);
    for (const service of ["api", "web", "redis"]) {
      const state = find(IMAGE, `images-${service}`).state as { imageId: string };
      expect(state.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ids![service]).toBe(state.imageId);
    }
    expect(new Set(Object.values(ids!)).size).toBe(3);
    expect(find("jarvis:docker:Images", "images").outputs).toEqual({ ids });
  });

  it("registers nothing but the component for no images", async () => {
    const { registrations } = await underEngine(() => {
      new Images("images", { images: {} });
    });
    expect(registrations.filter((r) => r.type === IMAGE)).toEqual([]);
  });
});
