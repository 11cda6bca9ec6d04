import { describe, expect, it } from "vitest";
import { validConfig } from "../tools/test-support";
import { CATALOGUE } from "./catalogue";
import type { KubernetesConfig } from "./config/schema";
import { kubernetesFlows, podGroups, type Flow } from "./flows";

const prod = validConfig("prod") as KubernetesConfig;
const to = (flows: Flow[], from: string) => flows.filter((f) => "group" in f.from && f.from.group === from);

describe("the flows on Kubernetes", () => {
  it("let every pod group query the DNS pods, and NodeLocal DNSCache's address where config names one", () => {
    const withCache = validConfig("prod", {
      "jarvis:clusterDns": { ...prod.clusterDns, cidrs: ["169.254.20.10/32"] },
    }) as KubernetesConfig;
    const groups = podGroups(CATALOGUE, withCache).filter((g) => g.name !== "acme-solver");
    expect(groups.length).toBeGreaterThan(9);
    const dnsPorts = [
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP" },
    ];
    for (const { name } of groups) {
      const destinations = to(kubernetesFlows(CATALOGUE, withCache), name).filter(
        (f) => f.ports.length === 2 && f.ports[0]!.protocol === "UDP",
      );
      expect(destinations, name).toEqual([
        { from: { group: name }, to: { namespace: "kube-system", pods: { "k8s-app": "kube-dns" } }, ports: dnsPorts },
        { from: { group: name }, to: { cidr: "169.254.20.10/32" }, ports: dnsPorts },
      ]);
    }
    expect(to(kubernetesFlows(CATALOGUE, prod), "backend").some((f) => "cidr" in f.to)).toBe(false);
  });

  it("open an integration's addresses only while its feature is on, for the services that use it", () => {
    const egress = [{ cidr: "203.0.113.0/24", ports: [443] }];
    const on = validConfig(
      "prod",
      {
        "jarvis:features": { ...prod.features, webBrowsing: true },
        "jarvis:integrations": { browserbase: { projectId: "p", egress } },
      },
      { "jarvis:browserbaseApiKey": "x" },
    ) as KubernetesConfig;
    const outside = (config: KubernetesConfig, group: string) =>
      to(kubernetesFlows(CATALOGUE, config), group).filter((f) => "cidr" in f.to);
    expect(outside(on, "backend")).toEqual([
      { from: { group: "backend" }, to: { cidr: "203.0.113.0/24" }, ports: [{ port: 443 }] },
    ]);
    expect(outside(on, "interface")).toEqual([]);
    const off = { ...on, features: { ...on.features, webBrowsing: false } };
    expect(outside(off, "backend")).toEqual([]);
  });
});
