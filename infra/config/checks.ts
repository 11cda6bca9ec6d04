// Checks that span several config keys. Each runs only when the keys it needs are valid on their
// own, so that one mistake is reported once, at its own key.
import { statSync } from "node:fs";
import { APP_SERVICES, SERVICE_NAMES, type ServiceName } from "../catalogue";
import { interfacesOverlap, parseSubnet, resolveAddress, type Subnet } from "../network";
import { publishedPorts } from "../wiring";
import { keyPath, type ConfigProblem } from "./problems";
import { SECRET_KEYS, type DockerConfig, type KubernetesConfig, type SecretKey, type SharedConfig } from "./schema";

type Parsed = Partial<SharedConfig & Omit<DockerConfig, "platform"> & Omit<KubernetesConfig, "platform">>;

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() === true;

/** A problem found by a check, before the namespace is added to its key. */
interface Finding {
  readonly key: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function crossKeyProblems(
  parsed: Record<string, unknown>,
  secrets: ReadonlySet<SecretKey>,
  namespace: string,
): ConfigProblem[] {
  const config = parsed as Parsed;
  const findings = [
    ...featureFindings(config, secrets),
    ...(config.platform === "docker" ? dockerFindings(config) : []),
    ...(config.platform === "kubernetes" ? kubernetesFindings(config, secrets) : []),
  ];
  return findings.map((f) => ({ key: keyPath(namespace, f.key, f.path), message: f.message }));
}

/** Integrations and person-provided secrets are required only while their feature is on. */
function featureFindings(config: Parsed, secrets: ReadonlySet<SecretKey>): Finding[] {
  const { features, integrations } = config;
  if (!features) return [];
  const findings: Finding[] = [];
  const needs: [keyof typeof features, keyof NonNullable<typeof integrations> | undefined][] = [
    ["alertEmail", "smtp"],
    ["webBrowsing", "browserbase"],
    ["homeAssistant", "homeAssistant"],
    ["mqtt", "mqtt"],
  ];
  for (const [feature, integration] of needs) {
    if (!features[feature]) continue;
    if (integration && integrations && !integrations[integration])
      findings.push({
        key: "integrations",
        path: [integration],
        message: `required because features.${feature} is on`,
      });
  }
  for (const [secret, spec] of Object.entries(SECRET_KEYS)) {
    if (secrets.has(secret as SecretKey)) continue;
    const set = `pulumi config set --secret ${secret} <value>`;
    if ("feature" in spec && features[spec.feature])
      findings.push({ key: secret, path: [], message: `required because features.${spec.feature} is on: ${set}` });
    if ("key" in spec && (config as Record<string, unknown>)[spec.key] !== undefined)
      findings.push({ key: secret, path: [], message: `required because ${spec.key} is set: ${set}` });
  }
  return findings;
}

function dockerFindings(config: Parsed): Finding[] {
  const findings: Finding[] = [];
  let subnet: Subnet | undefined;
  let gateway: string | undefined;
  if (config.network) {
    try {
      subnet = parseSubnet(config.network.subnet);
      gateway = resolveAddress(subnet, config.network.gateway);
    } catch (error) {
      findings.push({ key: "network", path: [subnet ? "gateway" : "subnet"], message: (error as Error).message });
    }
  }
  if (subnet && config.addresses) findings.push(...addressFindings(subnet, gateway, config.addresses));
  if (config.publish) findings.push(...publishFindings(config.publish));
  findings.push(...appImageFindings(config));
  return findings;
}

/** On Docker each of Jarvis's own images is built locally, or pulled from a registry host. */
function appImageFindings(config: Parsed): Finding[] {
  if (config.appRegistry === undefined || config.appBuild === undefined) return [];
  const host = config.appRegistry.split("/")[0]!;
  if (config.appRegistry.includes("/") && (host.includes(".") || host.includes(":") || host === "localhost")) return [];
  return APP_SERVICES.filter((service) => !config.appBuild![service]).map((service) => ({
    key: "appBuild",
    path: [service, "context"],
    message: `required: jarvis:appRegistry (${config.appRegistry}) names no registry host to pull ${service} from, so it is built from its source folder`,
  }));
}

function addressFindings(
  subnet: Subnet,
  gateway: string | undefined,
  addresses: Record<ServiceName, string | number>,
): Finding[] {
  const findings: Finding[] = [];
  const taken = new Map<string, string>(gateway ? [[gateway, "the gateway"]] : []);
  for (const service of SERVICE_NAMES) {
    let ip: string;
    try {
      ip = resolveAddress(subnet, addresses[service]);
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

function publishFindings(publish: NonNullable<Parsed["publish"]>): Finding[] {
  const findings: Finding[] = [];
  const seen: ReturnType<typeof publishedPorts> = [];
  for (const current of publishedPorts(publish)) {
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
  // The browser talks to the interface (HTTP and WebSocket) and to the backend API directly.
  for (const [service, port] of [
    ["interface", "http"],
    ["interface", "websocket"],
    ["backend", "http"],
  ] as const) {
    if (!seen.some((p) => p.service === service && p.port === port))
      findings.push({
        key: "publish",
        path: ["ports", service, port],
        message: "required: the browser reaches this port on the host",
      });
  }
  return findings;
}

function kubernetesFindings(config: Parsed, secrets: ReadonlySet<SecretKey>): Finding[] {
  const findings: Finding[] = [];
  if (config.cluster && !config.cluster.context && !config.cluster.kubeconfigPath && !secrets.has("kubeconfig"))
    findings.push({
      key: "cluster",
      path: [],
      message: "name the target cluster: cluster.context, cluster.kubeconfigPath, or the secret jarvis:kubeconfig",
    });
  const autoscaling = config.autoscaling?.backend;
  if (config.edge && config.edge.hosts.interface === config.edge.hosts.api)
    findings.push({ key: "edge", path: ["hosts", "api"], message: "must differ from hosts.interface" });
  if (config.gpu?.enabled && config.gpu.count === "all")
    findings.push({
      key: "gpu",
      path: ["count"],
      message: "must be a number of GPUs on Kubernetes (a pod requests whole GPUs)",
    });
  if (config.models && config.models.ollama.length > 0 && config.egress && !config.egress.ollama?.length)
    findings.push({
      key: "egress",
      path: ["ollama"],
      message:
        "Ollama pulls models.ollama from its registry: allow that destination (HTTPS to the public addresses, as Pulumi.yaml does)",
    });
  for (const [database, file] of Object.entries(config.databaseInit ?? {}))
    if (file && !isFile(file))
      findings.push({ key: "databaseInit", path: [database], message: `no such file: ${file}` });
  if (autoscaling?.enabled && autoscaling.minReplicas < 2)
    findings.push({
      key: "autoscaling",
      path: ["backend", "minReplicas"],
      message: "must be at least 2 so that one pod can be evicted while another serves",
    });
  return findings;
}
