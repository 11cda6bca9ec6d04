// Network isolation on Kubernetes: a policy for every pod group of the stack, with exactly the
// flows derived from the catalogue and config (infra/flows.ts).
import { NetworkPolicies, type Peer, type PodGroupPolicy } from "../../components/kubernetes/network-policies";
import { kubernetesFlows, podGroups, type Peer as FlowPeer } from "../../infra/flows";
import type { KubernetesContext } from "./context";
import { CHART_COMPONENT_LABEL, selectorLabels } from "./pods";

export function networkPolicies(context: KubernetesContext): Record<string, PodGroupPolicy> {
  const { config, wiring, instance } = context;
  const groups = podGroups(wiring.catalogue, config);
  const labelsOf = (name: string) => {
    const group = groups.find((g) => g.name === name);
    if (group?.pods) return group.pods;
    if (group?.chart)
      return { ...selectorLabels(group.chart.service, instance), [CHART_COMPONENT_LABEL]: group.chart.component };
    return selectorLabels(name, instance);
  };
  const peer = (p: FlowPeer): Peer => ("group" in p ? { pods: labelsOf(p.group) } : p);
  const flows = kubernetesFlows(wiring.catalogue, config);
  const isGroup = (p: FlowPeer, group: string) => "group" in p && p.group === group;
  return Object.fromEntries(
    groups.map((group) => [
      group.name,
      {
        pods: labelsOf(group.name),
        ingress: flows.filter((f) => isGroup(f.to, group.name)).map((f) => ({ peer: peer(f.from), ports: f.ports })),
        egress: flows.filter((f) => isGroup(f.from, group.name)).map((f) => ({ peer: peer(f.to), ports: f.ports })),
      },
    ]),
  );
}

export function isolation(context: KubernetesContext) {
  return new NetworkPolicies(
    "network",
    { namespace: context.namespace, labels: context.labels, groups: networkPolicies(context) },
    context.opts,
  );
}
