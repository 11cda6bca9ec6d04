// The one public entry: the interface (HTTP and WebSocket) and the backend API, on the configured
// hosts, with TLS from a cert-manager issuer. Either an Ingress per host of a configured class, or
// Gateway API HTTPRoutes attached to a configured Gateway. Where the proxy is Traefik, CORS and a
// rate limit per client IP are Middlewares on the routes.
import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Ingress } from "@pulumi/kubernetes/networking/v1/ingress";

/** How the entry is built: an Ingress of `className` or HTTPRoutes attached to `gateway`, and by which proxy. */
export interface EdgeSettings {
  readonly kind: "ingress" | "gateway";
  /** The IngressClass (kind ingress). */
  readonly className?: string;
  /** The Gateway to attach to (kind gateway). */
  readonly gateway?: { readonly name: string; readonly namespace: string; readonly sectionName?: string };
  /** Request timeout of the HTTPRoutes. */
  readonly timeoutSeconds: number;
  /** The cert-manager issuer of the certificates. */
  readonly tls: { readonly issuer: string; readonly issuerKind: "ClusterIssuer" | "Issuer" };
  /** `traefik`: CORS and the rate limit are Traefik Middlewares; `other`: nothing controller-specific. */
  readonly implementation: "traefik" | "other";
  /** Per client IP (implementation traefik); `forwardedForDepth` counts the trusted proxies in front of the edge. */
  readonly rateLimit?: {
    readonly requests: number;
    readonly windowSeconds: number;
    readonly burst: number;
    readonly forwardedForDepth: number;
  };
  /** Controller-specific annotations of the Ingresses. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface EdgeHost {
  /** Names this host's objects: `<edge>-<key>`. */
  readonly key: string;
  readonly host: string;
  /** Browsers call this host from another origin (the interface's): it answers CORS preflights. */
  readonly crossOrigin: boolean;
  readonly routes: readonly { readonly path: string; readonly service: string; readonly port: number }[];
}

export interface EdgeArgs {
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  readonly edge: EdgeSettings;
  readonly hosts: readonly EdgeHost[];
  /** Origins allowed to call a cross-origin host: the same list the backend enforces. */
  readonly corsOrigins: readonly string[];
}

/** What the backend API accepts from a browser, for CORS preflights. */
const CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const CORS_HEADERS = ["Authorization", "Content-Type"];
const CORS_MAX_AGE_SECONDS = 600;

/** A Middleware's Traefik spec, by the role it plays on a host. */
export function traefikMiddlewares(edge: EdgeSettings, corsOrigins: readonly string[]) {
  if (!edge.rateLimit) throw new Error("implementation traefik needs the edge's rate limit (config requires it)");
  const { requests, windowSeconds, burst, forwardedForDepth } = edge.rateLimit;
  return {
    "rate-limit": {
      rateLimit: {
        average: requests,
        period: `${windowSeconds}s`,
        burst,
        sourceCriterion: { ipStrategy: { depth: forwardedForDepth } },
      },
    },
    cors: {
      headers: {
        accessControlAllowOriginList: [...corsOrigins],
        accessControlAllowMethods: CORS_METHODS,
        accessControlAllowHeaders: CORS_HEADERS,
        accessControlAllowCredentials: true,
        accessControlMaxAge: CORS_MAX_AGE_SECONDS,
        addVaryHeader: true,
      },
    },
  };
}
type MiddlewareRole = keyof ReturnType<typeof traefikMiddlewares>;

/** The Middlewares a host's routes pass through: every host is rate limited, cross-origin ones answer CORS. */
export const hostMiddlewares = (host: EdgeHost): MiddlewareRole[] =>
  host.crossOrigin ? ["rate-limit", "cors"] : ["rate-limit"];

export class Edge extends pulumi.ComponentResource {
  /** The address clients reach: the Ingresses' load balancer, or the Gateway's name. */
  readonly address: pulumi.Output<string>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jarvis:kubernetes:Edge", name, {}, opts);
    const { edge, hosts, namespace } = args;
    const metadata = { namespace, labels: args.labels };
    // Fixed names: the routes refer to them by name.
    const middlewareName = (role: MiddlewareRole) => `${name}-${role}`;
    if (edge.implementation === "traefik") {
      for (const [role, spec] of Object.entries(traefikMiddlewares(edge, args.corsOrigins))) {
        const middleware = middlewareName(role as MiddlewareRole);
        new CustomResource(
          middleware,
          { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: { ...metadata, name: middleware }, spec },
          { parent: this },
        );
      }
    }
    const middlewares = (host: EdgeHost) =>
      edge.implementation === "traefik" ? hostMiddlewares(host).map(middlewareName) : [];

    if (edge.kind === "ingress") {
      const issuerAnnotation =
        edge.tls.issuerKind === "ClusterIssuer" ? "cert-manager.io/cluster-issuer" : "cert-manager.io/issuer";
      const ingresses = hosts.map((host) => {
        // Traefik names a Middleware of the Kubernetes CRD provider `<namespace>-<name>@kubernetescrd`.
        const chain = pulumi.output(namespace).apply((ns) =>
          middlewares(host)
            .map((m) => `${ns}-${m}@kubernetescrd`)
            .join(","),
        );
        return new Ingress(
          `${name}-${host.key}`,
          {
            metadata: {
              ...metadata,
              annotations: chain.apply((list) => ({
                [issuerAnnotation]: edge.tls.issuer,
                ...(list && { "traefik.ingress.kubernetes.io/router.middlewares": list }),
                ...edge.annotations,
              })),
            },
            spec: {
              ingressClassName: edge.className!,
              tls: [{ hosts: [host.host], secretName: `${name}-${host.key}-tls` }],
              rules: [
                {
                  host: host.host,
                  http: {
                    paths: host.routes.map((r) => ({
                      path: r.path,
                      pathType: "Prefix",
                      backend: { service: { name: r.service, port: { number: r.port } } },
                    })),
                  },
                },
              ],
            },
          },
          { parent: this },
        );
      });
      // Every Ingress of the class shares the controller's load balancer.
      this.address = ingresses[0]!.status.apply(
        (s) => s?.loadBalancer?.ingress?.[0]?.hostname ?? s?.loadBalancer?.ingress?.[0]?.ip ?? "",
      );
    } else {
      const gateway = edge.gateway!;
      for (const host of hosts) {
        const filters = middlewares(host).map((m) => ({
          type: "ExtensionRef",
          extensionRef: { group: "traefik.io", kind: "Middleware", name: m },
        }));
        new CustomResource(
          `${name}-${host.key}`,
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata,
            spec: {
              parentRefs: [
                {
                  name: gateway.name,
                  namespace: gateway.namespace,
                  ...(gateway.sectionName && { sectionName: gateway.sectionName }),
                },
              ],
              hostnames: [host.host],
              rules: host.routes.map((r) => ({
                matches: [{ path: { type: "PathPrefix", value: r.path } }],
                ...(filters.length > 0 && { filters }),
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
          spec: {
            secretName,
            dnsNames: hosts.map((h) => h.host),
            issuerRef: { name: edge.tls.issuer, kind: edge.tls.issuerKind },
          },
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
