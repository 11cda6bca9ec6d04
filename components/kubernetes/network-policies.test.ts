// NetworkPolicies under the plan engine (the SDK's mocks, recording each registration whole): a
// default-deny policy for the namespace and one policy per pod group with exactly its flows.
import { describe, expect, it } from "vitest";
import { NetworkPolicies, type PodGroupPolicy } from "./network-policies";
import { underEngine } from "../../tools/test-support";

const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const COMPONENT = "jarvis:kubernetes:NetworkPolicies";

const GROUPS: Record<string, PodGroupPolicy> = {
  api: {
    pods: { "jarvis.service": "api" },
    ingress: [
      { peer: { pods: { "jarvis.service": "interface" } }, ports: [{ port: 8000 }] },
      {
        peer: { namespace: "traefik", pods: { "app.kubernetes.io/name": "traefik" } },
        ports: [{ port: 8000, protocol: "TCP" }],
      },
    ],
    egress: [
      { peer: { pods: { "jarvis.service": "postgres" } }, ports: [{ port: 5432 }] },
      { peer: { namespace: "kube-system", pods: { "k8s-app": "kube-dns" } }, ports: [{ port: 53, protocol: "UDP" }] },
      { peer: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.169.254/32"] }, ports: [{ port: 443 }] },
    ],
  },
  postgres: {
    pods: { "jarvis.service": "postgres" },
    ingress: [{ peer: { pods: { "jarvis.service": "api" } }, ports: [{ port: 5432 }] }],
    egress: [],
  },
};

async function policies(groups: Record<string, PodGroupPolicy> = GROUPS) {
  const run = await underEngine(() => {
    new NetworkPolicies("netpol", { namespace: "jarvis", labels: { "app.kubernetes.io/part-of": "jarvis" }, groups });
  });
  return { ...run, spec: (name: string) => (run.find(POLICY, name).inputs as any).spec };
}

describe("the NetworkPolicies component", () => {
  it("registers a default-deny policy for every pod of the namespace, and one policy per group", async () => {
    const { registrations, find, spec } = await policies();
    expect(
      registrations
        .filter((r) => r.type === POLICY)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["netpol-api", "netpol-default-deny", "netpol-postgres"]);
    expect(spec("netpol-default-deny")).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect((find(POLICY, "netpol-default-deny").inputs as any).metadata).toEqual({
      namespace: "jarvis",
      labels: { "app.kubernetes.io/part-of": "jarvis" },
    });
    for (const r of registrations.filter((r) => r.type === POLICY))
      expect(r.parent).toBe(find(COMPONENT, "netpol").urn);
  });

  it("registers only the default-deny policy without groups", async () => {
    const { registrations } = await policies({});
    expect(registrations.filter((r) => r.type === POLICY).map((r) => r.name)).toEqual(["netpol-default-deny"]);
  });

  it("selects a group's pods by their labels, for both ingress and egress", async () => {
    const { spec } = await policies();
    expect(spec("netpol-api").podSelector).toEqual({ matchLabels: { "jarvis.service": "api" } });
    expect(spec("netpol-api").policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec("netpol-postgres").egress).toEqual([]);
  });

  it("allows ingress from pods of this namespace and from pods of another one", async () => {
    const { spec } = await policies();
    expect(spec("netpol-api").ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { "jarvis.service": "interface" } } }],
        ports: [{ port: 8000, protocol: "TCP" }],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
          },
        ],
        ports: [{ port: 8000, protocol: "TCP" }],
      },
    ]);
  });

  it("allows egress to pods, to another namespace's pods over UDP, and to an address block with exceptions", async () => {
    const { spec } = await policies();
    const [postgres, dns, internet] = spec("netpol-api").egress;
    expect(postgres).toEqual({
      to: [{ podSelector: { matchLabels: { "jarvis.service": "postgres" } } }],
      ports: [{ port: 5432, protocol: "TCP" }],
    });
    expect(dns.to[0].namespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": "kube-system" } });
    expect(dns.ports).toEqual([{ port: 53, protocol: "UDP" }]);
    expect(internet).toEqual({
      to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.169.254/32"] } }],
      ports: [{ port: 443, protocol: "TCP" }],
    });
  });

  it("gives an address block without exceptions no except list", async () => {
    const { spec } = await policies({
      web: {
        pods: { "jarvis.service": "web" },
        ingress: [],
        egress: [{ peer: { cidr: "10.1.0.0/16" }, ports: [{ port: 80 }] }],
      },
    });
    expect(spec("netpol-web").egress).toEqual([
      { to: [{ ipBlock: { cidr: "10.1.0.0/16" } }], ports: [{ port: 80, protocol: "TCP" }] },
    ]);
  });
});
