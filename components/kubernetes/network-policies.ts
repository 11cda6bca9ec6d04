// Network isolation: deny everything in the namespace, then allow exactly the flows given, so
// that every pod is selected by a policy with both its ingress and its egress rules. In a namespace
// this stack does not own whole (the managed monitoring's), only given groups' egress is limited.
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/networkPolicy";

/** Pods of this namespace (by labels), or of another namespace. */
export type Peer =
  | { readonly pods: Record<string, string> }
  | { readonly namespace: string; readonly pods: Record<string, string> }
  | { readonly namespaces: Record<string, string>; readonly pods: Record<string, string> }
  | { readonly cidr: string; readonly except?: readonly string[] };

export interface PolicyRule {
  readonly peer: Peer;
  readonly ports: readonly { port: number; protocol?: "TCP" | "UDP" }[];
}

export interface PodGroupPolicy {
  /** Labels that select the group's pods. */
  readonly pods: Record<string, string>;
  /** Absent: the group's ingress is not limited. */
  readonly ingress?: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
}

function peer(p: Peer) {
  if ("cidr" in p) return { ipBlock: { cidr: p.cidr, ...(p.except && { except: [...p.except] }) } };
  if ("namespaces" in p)
    return { namespaceSelector: { matchLabels: p.namespaces }, podSelector: { matchLabels: p.pods } };
  if ("namespace" in p)
    return {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } },
      podSelector: { matchLabels: p.pods },
    };
  return { podSelector: { matchLabels: p.pods } };
}

// No ports: every port of the peer.
const rule = (r: PolicyRule) =>
  r.ports.length > 0 ? { ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" })) } : {};

export class NetworkPolicies extends pulumi.ComponentResource {
  /** The policy of each pod group, by group. */
  readonly policies: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(
    name: string,
    args: {
      readonly namespace: pulumi.Input<string>;
      readonly labels: Record<string, string>;
      readonly groups: Readonly<Record<string, PodGroupPolicy>>;
      /** Deny what no policy allows (the default); false where the namespace is not this stack's alone. */
      readonly defaultDeny?: boolean;
    },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("jarvis:kubernetes:NetworkPolicies", name, {}, opts);
    const metadata = { namespace: args.namespace, labels: args.labels };
    if (args.defaultDeny ?? true)
      new NetworkPolicy(
        `${name}-default-deny`,
        { metadata, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        { parent: this },
      );
    const policies: Record<string, pulumi.Output<string>> = {};
    for (const [group, policy] of Object.entries(args.groups)) {
      policies[group] = new NetworkPolicy(
        `${name}-${group}`,
        {
          metadata,
          spec: {
            podSelector: { matchLabels: policy.pods },
            policyTypes: policy.ingress ? ["Ingress", "Egress"] : ["Egress"],
            ...(policy.ingress && { ingress: policy.ingress.map((r) => ({ from: [peer(r.peer)], ...rule(r) })) }),
            egress: policy.egress.map((r) => ({ to: [peer(r.peer)], ...rule(r) })),
          },
        },
        { parent: this },
      ).metadata.name;
    }
    this.policies = policies;
    this.registerOutputs({ policies });
  }
}
