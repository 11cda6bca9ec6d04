// The edge capability on Kubernetes: the public hosts of config, routed to the services the
// catalogue gives a browser endpoint.
import type * as pulumi from "@pulumi/pulumi";
import { Edge } from "../../components/kubernetes/edge";
import { publicHosts } from "../../infra/edge";
import type { KubernetesContext } from "./context";

export function edge(context: KubernetesContext, dependsOn: pulumi.Resource[]) {
  const { config, wiring } = context;
  return new Edge(
    "edge",
    {
      namespace: context.namespace,
      labels: context.labels,
      edge: config.edge,
      corsOrigins: wiring.corsOrigins,
      hosts: publicHosts(wiring.catalogue, config.edge.websocketPath).map((h) => ({
        key: h.host,
        host: config.edge.hosts[h.host],
        crossOrigin: h.crossOrigin,
        routes: h.routes.map((r) => ({
          path: r.path,
          service: wiring.names[r.service]!,
          port: config.ports[r.service]![r.port]!,
        })),
      })),
    },
    { ...context.opts, dependsOn },
  );
}
