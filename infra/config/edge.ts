// Config of the edge capability: how browsers reach the services that have a browser endpoint.
// On Docker, host ports published on a host interface; on Kubernetes, an Ingress or HTTPRoutes
// on public host names, with TLS, CORS and a rate limit.
import { z } from "zod";
import type { Catalogue } from "../catalogue";
import { configuredServices } from "../graph";
import { interfacesOverlap } from "../network";
import {
  browserHost,
  dnsLabel,
  dnsName,
  hostInterface,
  labelValue,
  partialObjectOf,
  podsElsewhere,
  port,
  seconds,
} from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

const hostPort = z.union([port, z.strictObject({ hostPort: port, bindAddress: hostInterface })]);
type HostPort = z.infer<typeof hostPort>;

export interface PublishConfig {
  readonly bindAddress: string;
  readonly publicHost: string;
  readonly ports: Readonly<Record<string, Readonly<Record<string, HostPort | undefined>> | undefined>>;
}

export interface PublishedPort {
  readonly service: string;
  readonly port: string;
  readonly hostPort: number;
  readonly bindAddress: string;
}

/** Every published host port with the interface it binds, in the order of config. */
export function publishedPorts(publish: PublishConfig): PublishedPort[] {
  return Object.entries(publish.ports).flatMap(([service, ports]) =>
    Object.entries(ports ?? {}).flatMap(([name, value]) =>
      value === undefined
        ? []
        : [
            typeof value === "number"
              ? { service, port: name, hostPort: value, bindAddress: publish.bindAddress }
              : { service, port: name, hostPort: value.hostPort, bindAddress: value.bindAddress },
          ],
    ),
  );
}

export function edgeKeys(catalogue: Catalogue) {
  const services = configuredServices(catalogue);
  return {
    docker: {
      publish: z
        .strictObject({
          bindAddress: hostInterface.describe(
            "Host interface that published ports bind to unless a port names its own; the unspecified address means every interface.",
          ),
          publicHost: browserHost.describe("Host name the browser uses to reach published ports (browser URLs, CORS)."),
          ports: z.strictObject(
            Object.fromEntries(
              services.map((s) => [s, partialObjectOf(catalogue[s]!.ports, () => hostPort).optional()]),
            ),
          ),
        })
        .describe("Host ports to publish, by service and port name; a service not listed is not published."),
    },
    kubernetes: {
      edge: z
        .strictObject({
          kind: z
            .enum(["ingress", "gateway"])
            .describe("An Ingress of `className`, or HTTPRoutes attached to `gateway`."),
          className: z.string().min(1).optional().describe("IngressClass (kind ingress)."),
          gateway: z
            .strictObject({
              name: dnsLabel,
              namespace: dnsLabel,
              sectionName: dnsLabel.describe(
                "Its HTTPS listener: without one a route attaches to every listener, plain HTTP too (the policy pack's tls-entry).",
              ),
            })
            .optional()
            .describe("The Gateway to attach to (kind gateway)."),
          hosts: z.strictObject({ interface: dnsName, api: dnsName }),
          websocketPath: z.string().regex(/^\/[\w\-/]*$/, "must be a URL path starting with /"),
          timeoutSeconds: z
            .int()
            .min(1)
            .max(86400)
            .describe(
              "Request timeout of the HTTPRoutes (kind gateway); long, for WebSockets. An Ingress has no such field: set the controller's own timeouts (for Traefik, its entry point's respondingTimeouts) at least this long.",
            ),
          tls: z.strictObject({
            issuer: dnsLabel,
            issuerKind: z.enum(["ClusterIssuer", "Issuer"]),
            http01: z.boolean().describe("The issuer solves HTTP-01 challenges in this namespace."),
            solverPort: port.describe("Port of cert-manager's HTTP-01 solver pods."),
          }),
          implementation: z
            .enum(["traefik", "other"])
            .describe(
              "The proxy behind the edge. `traefik`: CORS and the per-client-IP rate limit become Traefik Middlewares on the routes. `other`: nothing controller-specific is generated (see `annotations`); the backend enforces CORS and its rate limit either way.",
            ),
          rateLimit: z
            .strictObject({
              requests: z.int().min(1).describe("Requests one client IP may make in a window, on every public route."),
              windowSeconds: seconds,
              burst: z.int().min(1).describe("Requests a client may make at once above the average."),
              forwardedForDepth: z
                .int()
                .min(0)
                .max(10)
                .describe(
                  "0: the client is the connection's source address. N: the Nth address from the right of X-Forwarded-For, for N trusted proxies in front of the edge.",
                ),
            })
            .optional()
            .describe("Rate limit per client IP at the edge (implementation traefik, where it is required)."),
          annotations: z
            .record(z.string(), labelValue)
            .optional()
            .describe(
              "Controller-specific annotations of the Ingresses, for an implementation the program does not know.",
            ),
          controller: podsElsewhere.describe(
            "Where the edge's proxy pods run: the only source allowed to reach the services browsers use.",
          ),
        })
        .superRefine((edge, ctx) => {
          if (edge.kind === "ingress" && !edge.className)
            ctx.addIssue({ code: "custom", path: ["className"], message: "required for kind ingress" });
          if (edge.kind === "gateway" && !edge.gateway)
            ctx.addIssue({ code: "custom", path: ["gateway"], message: "required for kind gateway" });
          if (edge.implementation === "traefik" && !edge.rateLimit)
            ctx.addIssue({ code: "custom", path: ["rateLimit"], message: "required for implementation traefik" });
        })
        .describe("The public entry: its implementation, host names, WebSocket path, timeouts and TLS."),
    },
  } satisfies ModuleKeys;
}

export const edgeChecks: ModuleChecks = { docker: publishFindings, kubernetes: edgeFindings };

function publishFindings(config: Parsed, { catalogue }: { catalogue: Catalogue }): Finding[] {
  if (!config.publish) return [];
  const findings: Finding[] = [];
  const seen: PublishedPort[] = [];
  for (const current of publishedPorts(config.publish)) {
    const clash = seen.find(
      (p) => p.hostPort === current.hostPort && interfacesOverlap(p.bindAddress, current.bindAddress),
    );
    if (clash)
      findings.push({
        key: "publish",
        path: ["ports", current.service, current.port],
        message: `host port ${current.hostPort} on ${current.bindAddress} is already published by ${clash.service}.${clash.port} on ${clash.bindAddress}`,
      });
    seen.push(current);
  }
  // The browser talks to every port that has a browser endpoint directly.
  for (const [service, spec] of Object.entries(catalogue))
    for (const port of Object.keys(spec.browser ?? {}))
      if (!seen.some((p) => p.service === service && p.port === port))
        findings.push({
          key: "publish",
          path: ["ports", service, port],
          message: "required: the browser reaches this port on the host",
        });
  return findings;
}

function edgeFindings(config: Parsed): Finding[] {
  const { edge } = config;
  if (!edge) return [];
  const findings: Finding[] = [];
  if (edge.hosts.interface === edge.hosts.api)
    findings.push({ key: "edge", path: ["hosts", "api"], message: "must differ from hosts.interface" });
  if (edge.implementation === "other" && edge.rateLimit)
    findings.push({
      key: "edge",
      path: ["rateLimit"],
      message:
        "has no effect with implementation other: only the backend's own limit (jarvis:backend.rateLimit) applies",
      warning: true,
    });
  return findings;
}
