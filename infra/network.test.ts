import { describe, expect, it } from "vitest";
import { interfacesOverlap, parseSubnet, resolveAddress } from "./network";

describe("subnet arithmetic", () => {
  const subnet = parseSubnet("192.168.100.0/24");

  it("knows the network, broadcast and host count", () => {
    expect(subnet).toMatchObject({
      network: "192.168.100.0",
      broadcast: "192.168.100.255",
      prefixLength: 24,
      hostCount: 254,
    });
  });

  it("counts host numbers from the network address", () => {
    expect(resolveAddress(subnet, 40)).toBe("192.168.100.40");
    expect(resolveAddress(parseSubnet("10.0.0.0/8"), 65536 + 2)).toBe("10.1.0.2");
    expect(() => resolveAddress(subnet, 255)).toThrow("host number 255 is outside 192.168.100.0/24 (1-254)");
  });

  it("accepts full addresses inside the subnet only", () => {
    expect(resolveAddress(subnet, "192.168.100.7")).toBe("192.168.100.7");
    expect(() => resolveAddress(subnet, "192.168.101.7")).toThrow("outside the subnet");
    expect(() => resolveAddress(subnet, "192.168.100.0")).toThrow("network address");
    expect(() => resolveAddress(subnet, "192.168.100.255")).toThrow("broadcast address");
  });

  it("refuses subnets with host bits or without room", () => {
    expect(() => parseSubnet("192.168.100.1/24")).toThrow("did you mean 192.168.100.0/24?");
    expect(() => parseSubnet("192.168.100.0/31")).toThrow("no room");
  });

  it("treats 0.0.0.0 as overlapping every interface", () => {
    expect(interfacesOverlap("0.0.0.0", "127.0.0.1")).toBe(true);
    expect(interfacesOverlap("127.0.0.1", "127.0.0.1")).toBe(true);
    expect(interfacesOverlap("127.0.0.1", "192.168.1.2")).toBe(false);
  });
});
