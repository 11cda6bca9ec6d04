// The one public entry: the interface (HTTP and WebSocket) and the backend API, on the configured
// hosts, with TLS from a cert-manager issuer. Either an Ingress of a configured class, or Gateway API
// HTTPRoutes attached to a configured Gateway.
import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Ingress } from "@pulumi/kubernetes/networking/v1/ingress";
import type { KubernetesConfig } from "../../infra/config/schema";

export interface EdgeRoute {
  readonly host: string;
  readonly path: string;
  readonly service: string;
  readonly port: number;
}

export class Edge extends pulumi.ComponentResource {
  /** The address clients reach: the Ingress's load balancer, or the Gateway's name. */
  readonly address: pulumi.Output<string>;

  constructor(
    name: string,
    args: { readonly namespace: pulumi.Input<string>; readonly labels: Record<string, string>; readonly edge: KubernetesConfig["edge"]; readonly routes: readonly EdgeRoute[] },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("jarvis:kubernetes:Edge", name, {}, opts);
    const { edge, routes } = args;
    const hosts = [...new Set(routes.map((r) => r.host))];
    const metadata = { namespace: args.namespace, labels: args.labels };
    if (edge.kind === "ingress") {
      const issuerAnnotation = edge.tls.issuerKind === "ClusterIssuer" ? "cert-manager.io/cluster-issuer" : "cert-manager.io/issuer";
      const ingress = new Ingress(
        name,
        {
          metadata: { ...metadata, annotations: { [issuerAnnotation]: edge.tls.issuer, ...edge.annotations } },
          spec: {
            ingressClassName: edge.className!,
            tls: [{ hosts, secretName: `${name}-tls` }],
            rules: hosts.map((host) => ({
              host,
              http: {
                paths: routes
                  .filter((r) => r.host === host)
                  .map((r) => ({ path: r.path, pathType: "Prefix", backend: { service: { name: r.service, port: { number: r.port } } } })),
              },
            })),
          },
        },
        { parent: this },
      );
      this.address = ingress.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.hostname ?? s?.loadBalancer?.ingress?.[0]?.ip ?? "");
    } else {
      const gateway = edge.gateway!;
      for (const host of hosts) {
        new CustomResource(
          `${name}-${host}`,
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata,
            spec: {
              parentRefs: [{ name: gateway.name, namespace: gateway.namespace, ...(gateway.sectionName && { sectionName: gateway.sectionName }) }],
              hostnames: [host],
              rules: routes
                .filter((r) => r.host === host)
                .map((r) => ({
                  matches: [{ path: { type: "PathPrefix", value: r.path } }],
                  backendRefs: [{ name: r.service, port: r.port }],
                  timeouts: { request: `${edge.timeoutSeconds}s` },
                })),
            },
          },
          { parent: this },
        );
      }
      // TLS for the Gateway's listener: a certificate from the configured issuer, in this namespace,
      // which the Gateway may reference across namespaces (ReferenceGrant).
      const secretName = `${name}-tls`;
      new CustomResource(
        `${name}-certificate`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata,
          spec: { secretName, dnsNames: hosts, issuerRef: { name: edge.tls.issuer, kind: edge.tls.issuerKind } },
        },
        { parent: this },
      );
      new CustomResource(
        `${name}-gateway-grant`,
        {
          apiVersion: "gateway.networking.k8s.io/v1beta1",
          kind: "ReferenceGrant",
          metadata,
          spec: {
            from: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: gateway.namespace }],
            to: [{ group: "", kind: "Secret", name: secretName }],
          },
        },
        { parent: this },
      );
      this.address = pulumi.output(`${gateway.namespace}/${gateway.name}`);
    }
    this.registerOutputs({ address: this.address });
  }
}
