// Edge under the plan engine (the SDK's mocks, recording each registration whole): Traefik
// Middlewares, an Ingress per host or HTTPRoutes with a Certificate and a ReferenceGrant, and the
// address clients reach.
import { describe, expect, it } from "vitest";
import { type Registration } from "../../tools/plan/engine";
import { Edge, hostMiddlewares, traefikMiddlewares, type EdgeArgs, type EdgeHost } from "./edge";
import { underEngine } from "../../tools/test-support";

const MIDDLEWARE = "kubernetes:traefik.io/v1alpha1:Middleware";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const REFERENCE_GRANT = "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant";
const COMPONENT = "jarvis:kubernetes:Edge";

type EdgeConfig = EdgeArgs["edge"];

const EDGE: EdgeConfig = {
  kind: "ingress",
  className: "traefik",
  timeoutSeconds: 3600,
  tls: { issuer: "letsencrypt", issuerKind: "ClusterIssuer" },
  implementation: "traefik",
  rateLimit: { requests: 100, windowSeconds: 60, burst: 50, forwardedForDepth: 1 },
};
const GATEWAY: EdgeConfig = {
  ...EDGE,
  kind: "gateway",
  className: undefined,
  gateway: { name: "public", namespace: "gateways", sectionName: "https" },
};

const HOSTS: EdgeHost[] = [
  {
    key: "interface",
    host: "jarvis.example.com",
    crossOrigin: false,
    routes: [
      { path: "/", service: "interface", port: 80 },
      { path: "/ws", service: "interface", port: 8080 },
    ],
  },
  {
    key: "api",
    host: "api.jarvis.example.com",
    crossOrigin: true,
    routes: [{ path: "/", service: "api", port: 8000 }],
  },
];
const ORIGINS = ["https://jarvis.example.com"];

async function edge(config: EdgeConfig, hosts: EdgeHost[] = HOSTS) {
  return underEngine(() => {
    new Edge("edge", {
      namespace: "jarvis",
      labels: { "app.kubernetes.io/part-of": "jarvis" },
      edge: config,
      hosts,
      corsOrigins: ORIGINS,
    });
  });
}
const inputs = (r: Registration) => r.inputs as any;
/** Registration order follows when inputs resolve: compare names as sets. */
const names = (registrations: Registration[]) => registrations.map((r) => r.name).sort();

describe("the Traefik Middlewares", () => {
  it("rate limit every host per client IP, and answer CORS on cross-origin hosts only", () => {
    expect(hostMiddlewares(HOSTS[0]!)).toEqual(["rate-limit"]);
    expect(hostMiddlewares(HOSTS[1]!)).toEqual(["rate-limit", "cors"]);
    const specs = traefikMiddlewares(EDGE, ORIGINS);
    expect(specs["rate-limit"]).toEqual({
      rateLimit: { average: 100, period: "60s", burst: 50, sourceCriterion: { ipStrategy: { depth: 1 } } },
    });
    expect(specs.cors.headers).toMatchObject({
      accessControlAllowOriginList: ORIGINS,
      accessControlAllowCredentials: true,
      accessControlAllowHeaders: ["Authorization", "Content-Type"],
      addVaryHeader: true,
    });
    expect(specs.cors.headers.accessControlAllowMethods).toContain("OPTIONS");
  });

  it("are registered with fixed names for implementation traefik", async () => {
    const { ofType, find } = await edge(EDGE);
    expect(names(ofType(MIDDLEWARE))).toEqual(["edge-cors", "edge-rate-limit"]);
    const rateLimit = inputs(find(MIDDLEWARE, "edge-rate-limit"));
    expect(rateLimit.apiVersion).toBe("traefik.io/v1alpha1");
    expect(rateLimit.kind).toBe("Middleware");
    expect(rateLimit.metadata).toEqual({
      namespace: "jarvis",
      labels: { "app.kubernetes.io/part-of": "jarvis" },
      name: "edge-rate-limit",
    });
    expect(rateLimit.spec).toEqual(traefikMiddlewares(EDGE, ORIGINS)["rate-limit"]);
    expect(inputs(find(MIDDLEWARE, "edge-cors")).spec.headers.accessControlAllowOriginList).toEqual(ORIGINS);
  });

  it("are not registered for another implementation", async () => {
    const { ofType } = await edge({ ...EDGE, implementation: "other" });
    expect(ofType(MIDDLEWARE)).toEqual([]);
  });
});

describe("the Edge component, kind ingress", () => {
  it("registers an Ingress per host, of the class, with TLS and the host's routes", async () => {
    const { ofType, find } = await edge(EDGE);
    expect(names(ofType(INGRESS))).toEqual(["edge-api", "edge-interface"]);
    const spec = inputs(find(INGRESS, "edge-interface")).spec;
    expect(spec.ingressClassName).toBe("traefik");
    expect(spec.tls).toEqual([{ hosts: ["jarvis.example.com"], secretName: "edge-interface-tls" }]);
    expect(spec.rules).toEqual([
      {
        host: "jarvis.example.com",
        http: {
          paths: [
            { path: "/", pathType: "Prefix", backend: { service: { name: "interface", port: { number: 80 } } } },
            { path: "/ws", pathType: "Prefix", backend: { service: { name: "interface", port: { number: 8080 } } } },
          ],
        },
      },
    ]);
    expect(ofType(HTTP_ROUTE)).toEqual([]);
    expect(ofType(CERTIFICATE)).toEqual([]);
  });

  it("annotates each Ingress with the issuer and the host's Middleware chain", async () => {
    const { find } = await edge({ ...EDGE, annotations: { "example.com/owner": "platform" } });
    expect(inputs(find(INGRESS, "edge-interface")).metadata.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "traefik.ingress.kubernetes.io/router.middlewares": "jarvis-edge-rate-limit@kubernetescrd",
      "example.com/owner": "platform",
    });
    expect(inputs(find(INGRESS, "edge-api")).metadata.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "traefik.ingress.kubernetes.io/router.middlewares":
        "jarvis-edge-rate-limit@kubernetescrd,jarvis-edge-cors@kubernetescrd",
      "example.com/owner": "platform",
    });
  });

  it("names a namespaced issuer by its own annotation, and no Middlewares for another implementation", async () => {
    const { find } = await edge({
      ...EDGE,
      implementation: "other",
      tls: { ...EDGE.tls, issuerKind: "Issuer" },
    });
    expect(inputs(find(INGRESS, "edge-api")).metadata.annotations).toEqual({ "cert-manager.io/issuer": "letsencrypt" });
  });

  it("exposes the address of the Ingresses' load balancer", async () => {
    const { find } = await edge(EDGE);
    // The plan's engine answers an Ingress's load balancer as `<name>.plan.invalid`.
    expect(find(COMPONENT, "edge").outputs).toEqual({ address: "edge-interface.plan.invalid" });
  });
});

describe("the Edge component, kind gateway", () => {
  it("registers an HTTPRoute per host, attached to the Gateway, with the Middlewares as filters", async () => {
    const { ofType, find } = await edge(GATEWAY);
    expect(ofType(INGRESS)).toEqual([]);
    expect(names(ofType(HTTP_ROUTE))).toEqual(["edge-api", "edge-interface"]);
    const route = inputs(find(HTTP_ROUTE, "edge-api"));
    expect(route.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(route.metadata).toEqual({ namespace: "jarvis", labels: { "app.kubernetes.io/part-of": "jarvis" } });
    expect(route.spec.parentRefs).toEqual([{ name: "public", namespace: "gateways", sectionName: "https" }]);
    expect(route.spec.hostnames).toEqual(["api.jarvis.example.com"]);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        filters: [
          { type: "ExtensionRef", extensionRef: { group: "traefik.io", kind: "Middleware", name: "edge-rate-limit" } },
          { type: "ExtensionRef", extensionRef: { group: "traefik.io", kind: "Middleware", name: "edge-cors" } },
        ],
        backendRefs: [{ name: "api", port: 8000 }],
        timeouts: { request: "3600s" },
      },
    ]);
    const rules = inputs(find(HTTP_ROUTE, "edge-interface")).spec.rules;
    expect(rules.map((r: any) => r.filters.map((f: any) => f.extensionRef.name))).toEqual([
      ["edge-rate-limit"],
      ["edge-rate-limit"],
    ]);
  });

  it("has no filters for another implementation, and no section without one", async () => {
    const { find } = await edge({
      ...GATEWAY,
      implementation: "other",
      gateway: { name: "public", namespace: "gateways" },
    });
    const route = inputs(find(HTTP_ROUTE, "edge-api"));
    expect(route.spec.parentRefs).toEqual([{ name: "public", namespace: "gateways" }]);
    expect(route.spec.rules[0]).not.toHaveProperty("filters");
  });

  it("registers a Certificate for every host from the issuer, and a ReferenceGrant of its Secret to the Gateway", async () => {
    const { find } = await edge(GATEWAY);
    const certificate = inputs(find(CERTIFICATE, "edge-certificate"));
    expect(certificate.spec).toEqual({
      secretName: "edge-tls",
      dnsNames: ["jarvis.example.com", "api.jarvis.example.com"],
      issuerRef: { name: "letsencrypt", kind: "ClusterIssuer" },
    });
    const grant = inputs(find(REFERENCE_GRANT, "edge-gateway-grant"));
    expect(grant.metadata.namespace).toBe("jarvis");
    expect(grant.spec).toEqual({
      from: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateways" }],
      to: [{ group: "", kind: "Secret", name: "edge-tls" }],
    });
  });

  it("exposes the Gateway as the address", async () => {
    const { find } = await edge(GATEWAY);
    expect(find(COMPONENT, "edge").outputs).toEqual({ address: "gateways/public" });
  });
});
