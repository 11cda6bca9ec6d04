// Network under the plan engine (the SDK's mocks, recording each registration whole): the bridge
// network it registers, its IPAM, bridge options and replacement.
import { describe, expect, it } from "vitest";
import { Network, type NetworkArgs } from "./network";
import { underEngine } from "../../tools/test-support";

const NETWORK = "docker:index/network:Network";
const COMPONENT = "jarvis:docker:Network";

const ARGS: NetworkArgs = {
  name: "jarvis-net",
  subnet: "172.28.0.0/16",
  gateway: "172.28.0.1",
  bridge: { name: "br-jarvis", enableIcc: false, enableIpMasquerade: true, mtu: 1450 },
  labels: { "jarvis.project": "jarvis", "jarvis.stack": "dev" },
};

async function network(args: NetworkArgs = ARGS) {
  const run = await underEngine(() => {
    new Network("network", args);
  });
  const registration = run.find(NETWORK, "network");
  return { ...run, registration, inputs: registration.inputs as any };
}

describe("the Network component", () => {
  it("registers a bridge network of the given name with the subnet and gateway as its IPAM", async () => {
    const { inputs } = await network();
    expect(inputs.name).toBe("jarvis-net");
    expect(inputs.driver).toBe("bridge");
    expect(inputs.ipamConfigs).toEqual([{ subnet: "172.28.0.0/16", gateway: "172.28.0.1" }]);
  });

  it("gives the bridge options as strings, as Docker takes them", async () => {
    const { inputs } = await network();
    expect(inputs.options).toEqual({
      "com.docker.network.bridge.name": "br-jarvis",
      "com.docker.network.bridge.enable_icc": "false",
      "com.docker.network.bridge.enable_ip_masquerade": "true",
      "com.docker.network.driver.mtu": "1450",
    });
    const flipped = await network({ ...ARGS, bridge: { ...ARGS.bridge, enableIcc: true, enableIpMasquerade: false } });
    expect(flipped.inputs.options["com.docker.network.bridge.enable_icc"]).toBe("true");
    expect(flipped.inputs.options["com.docker.network.bridge.enable_ip_masquerade"]).toBe("false");
  });

  it("labels the network", async () => {
    const { inputs } = await network();
    expect(inputs.labels).toEqual([
      { label: "jarvis.project", value: "jarvis" },
      { label: "jarvis.stack", value: "dev" },
    ]);
  });

  it("deletes the network before replacing it (a fixed name and subnet cannot exist twice)", async () => {
    const { registration, find } = await network();
    expect(registration.deleteBeforeReplace).toBe(true);
    expect(registration.parent).toBe(find(COMPONENT, "network").urn);
  });

  it("exposes the network's name", async () => {
    const { find } = await network();
    expect(find(COMPONENT, "network").outputs).toEqual({ name: "jarvis-net" });
  });
});
