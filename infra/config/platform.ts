// Config of the platforms themselves: which one a stack runs on, and where. Docker: the engine, the
// bridge network and every container's address on it. Kubernetes: the cluster, the namespace, how
// data is protected, the cluster's DNS.
import { z } from "zod";
import type { Catalogue } from "../catalogue";
import { configuredServices } from "../graph";
import { parseSubnet, resolveAddress, type Subnet } from "../network";
import {
  absolutePath,
  address,
  computeResources,
  destinations,
  dnsLabel,
  objectOf,
  podsElsewhere,
  port,
  requestsWithinLimits,
} from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

export const PLATFORMS = ["docker", "kubernetes"] as const;
export type Platform = (typeof PLATFORMS)[number];

export function platformKeys(catalogue: Catalogue) {
  return {
    shared: {
      platform: z.enum(PLATFORMS).describe("Where the stack runs: `docker` (local engine) or `kubernetes`."),
      policyEnforcement: z
        .enum(["mandatory", "advisory"])
        .describe(
          "How the policy pack (policy/, `pulumi preview --policy-pack policy`) treats a violation: `mandatory` stops the preview, `advisory` reports it.",
        ),
      namePrefix: dnsLabel
        .max(20)
        .describe("Prefix of container, volume and Service names, so that two stacks can share one engine."),
    },
    docker: {
      network: z
        .strictObject({
          name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must be a Docker network name"),
          subnet: z.cidrv4({ error: "must be an IPv4 subnet in CIDR notation (address/prefix length)" }),
          gateway: address,
          bridge: z.strictObject({
            name: z
              .string()
              .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/, "must be an interface name of at most 15 characters"),
            enableIcc: z.boolean().describe("Allow traffic between containers on the bridge."),
            enableIpMasquerade: z.boolean(),
            mtu: z.int().min(68).max(65535),
          }),
        })
        .describe("The Docker bridge network: subnet, gateway and bridge options."),
      addresses: objectOf(configuredServices(catalogue), () => address).describe(
        "Static IPv4 address of every container on the Jarvis network.",
      ),
      dockerHost: z
        .string()
        .regex(/^(unix|tcp|ssh|npipe):\/\/\S+$/, "must be a Docker host URL such as unix:///var/run/docker.sock")
        .describe("The Docker engine to deploy to; absent means the local engine (DOCKER_HOST or the default socket)."),
      logging: z
        .strictObject({
          maxSize: z.string().regex(/^\d+[kmg]$/, "must be a size such as 10m"),
          maxFile: z.int().min(1),
        })
        .describe("json-file log rotation of every container."),
    },
    kubernetes: {
      cluster: z
        .strictObject({
          context: z.string().min(1).optional().describe("kubeconfig context to deploy to."),
          kubeconfigPath: absolutePath
            .optional()
            .describe("kubeconfig file to read; inline content goes in the secret `jarvis:kubeconfig`."),
          apiServer: destinations.describe(
            "The API server's endpoints (`kubectl get endpoints kubernetes`: policies apply after the Service's translation): the log collector, and a managed Prometheus, reach it there.",
          ),
        })
        .describe("The target cluster. Give a context, a kubeconfig path, or the secret `jarvis:kubeconfig`."),
      namespace: z
        .strictObject({
          name: dnsLabel.refine(
            (n) => !["default", "kube-system", "kube-public", "kube-node-lease"].includes(n),
            "must not be a system namespace",
          ),
          podSecurity: z
            .enum(["restricted", "baseline"])
            .describe(
              "Pod Security admission level enforced on the namespace (restricted is also warned and audited).",
            ),
          quota: z
            .strictObject({
              requests: computeResources,
              limits: computeResources,
              pods: z.int().min(1),
              persistentVolumeClaims: z.int().min(1),
            })
            .superRefine(requestsWithinLimits),
          containerDefaults: z
            .strictObject({ requests: computeResources, limits: computeResources })
            .superRefine(requestsWithinLimits)
            .describe("LimitRange defaults for a container that states no resources."),
        })
        .describe("The namespace Jarvis runs in, its ResourceQuota and LimitRange."),
      dataProtection: z
        .strictObject({
          protect: z.boolean().describe("Pulumi refuses to delete or replace the stateful services (prod)."),
          retainOnDelete: z.boolean().describe("Objects holding data stay in the cluster when Pulumi deletes them."),
        })
        .describe("How the resources that hold data are protected from a program change."),
      clusterDns: podsElsewhere
        .extend({
          port,
          cidrs: z
            .array(z.cidrv4())
            .optional()
            .describe(
              "Addresses that answer DNS besides the DNS pods, e.g. NodeLocal DNSCache's link-local address as a /32.",
            ),
        })
        .describe("The cluster's DNS, which every pod may query."),
    },
  } satisfies ModuleKeys;
}

export const platformChecks: ModuleChecks = { docker: networkFindings, kubernetes: clusterFindings };

function networkFindings(config: Parsed): Finding[] {
  if (!config.network) return [];
  const findings: Finding[] = [];
  let subnet: Subnet | undefined;
  let gateway: string | undefined;
  try {
    subnet = parseSubnet(config.network.subnet);
    gateway = resolveAddress(subnet, config.network.gateway);
  } catch (error) {
    findings.push({ key: "network", path: [subnet ? "gateway" : "subnet"], message: (error as Error).message });
  }
  if (subnet && config.addresses) findings.push(...addressFindings(subnet, gateway, config.addresses));
  return findings;
}

function addressFindings(
  subnet: Subnet,
  gateway: string | undefined,
  addresses: Readonly<Record<string, string | number>>,
): Finding[] {
  const findings: Finding[] = [];
  const taken = new Map<string, string>(gateway ? [[gateway, "the gateway"]] : []);
  for (const [service, configured] of Object.entries(addresses)) {
    let ip: string;
    try {
      ip = resolveAddress(subnet, configured);
    } catch (error) {
      findings.push({ key: "addresses", path: [service], message: (error as Error).message });
      continue;
    }
    const holder = taken.get(ip);
    if (holder) findings.push({ key: "addresses", path: [service], message: `${ip} is already taken by ${holder}` });
    else taken.set(ip, service);
  }
  return findings;
}

function clusterFindings(config: Parsed, { secrets }: { secrets: ReadonlySet<string> }): Finding[] {
  if (config.cluster && !config.cluster.context && !config.cluster.kubeconfigPath && !secrets.has("kubeconfig"))
    return [
      {
        key: "cluster",
        path: [],
        message: "name the target cluster: cluster.context, cluster.kubeconfigPath, or the secret jarvis:kubeconfig",
      },
    ];
  return [];
}
