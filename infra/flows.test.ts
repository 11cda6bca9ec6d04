import { describe, expect, it } from "vitest";
import { MANAGED_MONITORING, managedMonitoringValue, validConfig } from "../tools/test-support";
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
    // A chart's companion (Loki's chunks cache) connects nowhere: not even DNS.
    const companion = (g: { name: string; chart?: { service: string } }) => g.chart && g.chart.service !== g.name;
    const all = podGroups(CATALOGUE, withCache);
    for (const group of all.filter(companion))
      expect(to(kubernetesFlows(CATALOGUE, withCache), group.name)).toEqual([]);
    const groups = all.filter((g) => g.name !== "acme-solver" && !companion(g));
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

  it("lead an edge to or from a monitoring tool the cluster runs to its pods, in either mode", () => {
    const flows = kubernetesFlows(CATALOGUE, prod);
    const { existing } = prod.clusterMonitoring;
    const pods = (p: { namespace: string; podLabels: Record<string, string> }) => ({
      namespace: p.namespace,
      pods: p.podLabels,
    });
    // Loki's ruler to the Alertmanager, Grafana to Loki, on the ports of config.
    // On the cluster's Alertmanager port, not on the port of Docker's Alertmanager.
    const moved = validConfig("prod", {
      "jarvis:clusterMonitoring": {
        ...prod.clusterMonitoring,
        alertmanager: { service: "alertmanager-operated", port: 9193 },
      },
    }) as KubernetesConfig;
    expect(to(kubernetesFlows(CATALOGUE, moved), "loki")).toContainEqual({
      from: { group: "loki" },
      to: pods(existing.alertmanager),
      ports: [{ port: 9193 }],
    });
    expect(flows).toContainEqual({
      from: pods(existing.grafana),
      to: { group: "loki" },
      ports: [{ port: prod.ports.loki!.http }],
    });
    // Between two tools the cluster runs (Grafana to Prometheus): no flow of the stack's.
    expect(flows.filter((f) => "pods" in f.from && "pods" in f.to)).toEqual([]);
    const managed = validConfig("staging", {
      "jarvis:clusterMonitoring": managedMonitoringValue(),
    }) as KubernetesConfig;
    expect(to(kubernetesFlows(CATALOGUE, managed), "loki")).toContainEqual({
      from: { group: "loki" },
      to: { namespace: MANAGED_MONITORING.namespace, pods: { "app.kubernetes.io/name": "alertmanager" } },
      ports: [{ port: managed.clusterMonitoring.alertmanager.port }],
    });
  });

  it("let the store reach its chunks cache on the port of config, and the collector the API server", () => {
    const flows = kubernetesFlows(CATALOGUE, prod);
    expect(flows.filter((f) => "group" in f.to && f.to.group === "loki-chunks-cache")).toEqual([
      {
        from: { group: "loki" },
        to: { group: "loki-chunks-cache" },
        ports: [{ port: prod.logStore.chunksCache.port }],
      },
    ]);
    expect(podGroups(CATALOGUE, prod)).toContainEqual({
      name: "loki-chunks-cache",
      chart: { service: "loki", component: "memcached-chunks-cache" },
    });
    const apiServer = prod.cluster.apiServer.map((d) => ({
      from: { group: "alloy" },
      to: { cidr: d.cidr },
      ports: d.ports.map((port) => ({ port })),
    }));
    expect(apiServer.length).toBeGreaterThan(0);
    for (const flow of apiServer) expect(to(flows, "alloy")).toContainEqual(flow);
    // Only the node that reads the API reaches it.
    const cidrs = new Set(prod.cluster.apiServer.map((d) => d.cidr));
    const reaching = flows.filter((f) => "cidr" in f.to && cidrs.has(f.to.cidr)).map((f) => f.from);
    expect(reaching).toEqual(apiServer.map((f) => f.from));
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
