// The edge, derived from the catalogue: which service ports browsers reach (their browser
// endpoints), and how each platform exposes them: published host ports on Docker, public hosts
// with routes on Kubernetes.
import type { BrowserEndpoint, Catalogue } from "./catalogue";

/** How a browser reaches each endpoint: the public host (Kubernetes) and the URL scheme. */
export const BROWSER_ENDPOINTS = {
  interface: { host: "interface", scheme: "http" },
  websocket: { host: "interface", scheme: "ws" },
  // The interface's pages call the API from their own origin: it answers CORS.
  api: { host: "api", scheme: "http" },
} as const satisfies Record<BrowserEndpoint, { host: "interface" | "api"; scheme: "http" | "ws" }>;
export type PublicHost = (typeof BROWSER_ENDPOINTS)[BrowserEndpoint]["host"];

export interface BrowserPort {
  readonly endpoint: BrowserEndpoint;
  readonly service: string;
  readonly port: string;
}

/** Every service port a browser reaches, in catalogue order. */
export function browserPorts(catalogue: Catalogue): BrowserPort[] {
  return Object.entries(catalogue).flatMap(([service, spec]) =>
    Object.entries(spec.browser ?? {}).map(([port, endpoint]) => ({ endpoint, service, port })),
  );
}

/** The one port of an endpoint. */
export function browserPort(catalogue: Catalogue, endpoint: BrowserEndpoint): BrowserPort {
  const found = browserPorts(catalogue).filter((p) => p.endpoint === endpoint);
  if (found.length !== 1) throw new Error(`the catalogue must name one ${endpoint} endpoint, not ${found.length}`);
  return found[0]!;
}

export interface EdgeRoute {
  readonly path: string;
  readonly service: string;
  readonly port: string;
}

export interface PublicHostRoutes {
  readonly host: PublicHost;
  /** Browsers call it from another origin (the interface's): it answers CORS preflights. */
  readonly crossOrigin: boolean;
  readonly routes: readonly EdgeRoute[];
}

/** The routes of every public host (Kubernetes): `/`, and the WebSocket path for the WebSocket. */
export function publicHosts(catalogue: Catalogue, websocketPath: string): PublicHostRoutes[] {
  const hosts = [...new Set(Object.values(BROWSER_ENDPOINTS).map((e) => e.host))];
  return hosts.map((host) => {
    const ports = browserPorts(catalogue).filter((p) => BROWSER_ENDPOINTS[p.endpoint].host === host);
    return {
      host,
      crossOrigin: ports.some((p) => p.endpoint === "api"),
      routes: ports.map((p) => ({
        path: p.endpoint === "websocket" ? websocketPath : "/",
        service: p.service,
        port: p.port,
      })),
    };
  });
}
