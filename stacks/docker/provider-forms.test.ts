// The Docker provider's read-back forms (terraform-provider-docker v4.5.0, see provider-forms.ts):
// every input the dev plan sends is in the table, and the canonical ones are sent in the form the
// provider writes back, so that a second `pulumi up` is a no-op.
import { beforeAll, describe, expect, it } from "vitest";
import { shippedPlan, type ParsedPlan } from "../../tools/test-support";
import {
  CONTAINER_INPUTS,
  IMAGE_INPUTS,
  NETWORK_INPUTS,
  VOLUME_INPUTS,
  dockerCpus,
  dockerPortOrder,
  goDuration,
} from "./provider-forms";

let dev: ParsedPlan;
beforeAll(async () => {
  dev = await shippedPlan("dev");
});

const TABLES = {
  "docker:index/container:Container": CONTAINER_INPUTS,
  "docker:index/network:Network": NETWORK_INPUTS,
  "docker:index/volume:Volume": VOLUME_INPUTS,
  "docker:index/remoteImage:RemoteImage": IMAGE_INPUTS,
};

describe("the Docker provider's read-back forms", () => {
  it("name every input the dev plan sends to a container, network, volume or image", () => {
    for (const [type, table] of Object.entries(TABLES)) {
      const sent = new Set(dev.raw.filter((r) => r.type === type).flatMap((r) => Object.keys(r.inputs)));
      expect(sent.size, type).toBeGreaterThan(0);
      expect(
        [...sent].filter((input) => !(input in table)),
        type,
      ).toEqual([]);
    }
    // Inputs only some stacks send (files, a GPU) are in the table too.
    expect(Object.keys(CONTAINER_INPUTS)).toEqual(expect.arrayContaining(["uploads", "deviceRequests", "command"]));
  });

  it("write CPUs back as nanoInt64ToDecimalString does, quirks included", () => {
    const forms: [number, string][] = [
      [0, "0"],
      [100, "0.1"],
      [250, "0.25"],
      [500, "0.5"],
      [1000, "1.0"],
      [1500, "1.5"],
      [2000, "2.0"],
      [4000, "4.0"],
      [1050, "1.05"],
      // Ten zeros in "10.000000000", so its trailing zeros are cut to a bare point.
      [10000, "10."],
      // Nine zeros in "10.060000000": one decimal, rounded.
      [10060, "10.1"],
      [10500, "10.5"],
    ];
    for (const [millis, form] of forms) expect(dockerCpus(millis), String(millis)).toBe(form);
    expect(() => dockerCpus(0.5)).toThrow();
  });

  it("write durations back as Go's time.Duration.String does", () => {
    const forms: [number, string][] = [
      [0, "0s"],
      [5, "5s"],
      [30, "30s"],
      [60, "1m0s"],
      [90, "1m30s"],
      [120, "2m0s"],
      [3600, "1h0m0s"],
      [3661, "1h1m1s"],
    ];
    for (const [seconds, form] of forms) expect(goDuration(seconds), String(seconds)).toBe(form);
    expect(() => goDuration(-1)).toThrow();
  });

  it("read ports back ordered by port number", () => {
    const ports = [{ internal: 8001 }, { internal: 3000 }];
    expect(dockerPortOrder(ports)).toEqual([{ internal: 3000 }, { internal: 8001 }]);
  });

  it("are what the dev plan sends: no cpus, duration or port order the provider would rewrite", () => {
    const containers = dev.raw.filter((r) => r.type === "docker:index/container:Container");
    expect(containers).toHaveLength(19);
    const seconds = (duration: string) => {
      const [, h = "0", m = "0", s = "0"] = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(duration) ?? [];
      return Number(h) * 3600 + Number(m) * 60 + Number(s);
    };
    for (const c of containers) {
      const { cpus, healthcheck, ports } = c.inputs;
      expect(dockerCpus(Math.round(Number(cpus) * 1000)), `${c.name} cpus`).toBe(cpus);
      expect(ports, `${c.name} ports`).toEqual(dockerPortOrder(ports));
      for (const key of ["interval", "timeout", "startPeriod", "startInterval"])
        if (healthcheck?.[key] !== undefined)
          expect(goDuration(seconds(healthcheck[key])), `${c.name} ${key}`).toBe(healthcheck[key]);
    }
    expect(containers.find((c) => c.name === "backend")!.inputs.healthcheck).toMatchObject({
      interval: "1m0s",
      timeout: "10s",
      startPeriod: "30s",
      startInterval: "5s",
    });
    expect(containers.find((c) => c.name === "ollama")!.inputs.healthcheck.startPeriod).toBe("2m0s");
    expect(containers.find((c) => c.name === "backend")!.inputs.cpus).toBe("2.0");
  });

  it("replace a container whose health check changes, which the provider's update would not apply", () => {
    const containers = dev.resources.filter((r) => r.type === "docker:index/container:Container");
    for (const c of containers) expect(c.replaceOnChanges, c.name).toEqual(["healthcheck"]);
  });
});
