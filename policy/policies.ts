// The pack's policies: each invariant of invariants.ts as a CrossGuard policy. A resource named in a
// policy's `exempt` config (the pack's config file, `--policy-pack-config`) is an exception to it.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PackSettings } from "./context";
import * as invariants from "./invariants";
import type { Resource, StackFacts } from "./invariants";

/** @pulumi/policy wraps a preview's inputs in a proxy that throws on an unknown value; its target holds the stand-ins (its proxy.ts). */
const PROXY_TARGET = "__getSpecialProxyTarget";
const unwrapped = (props: Record<string, unknown>): Record<string, unknown> =>
  (props[PROXY_TARGET] as Record<string, unknown> | undefined) ?? props;

/** Resources named here (`<name>`, or `<type>::<name>` where names repeat across types) are exceptions to the policy. */
const EXEMPT_SCHEMA = {
  properties: { exempt: { type: "array" as const, items: { type: "string" as const }, default: [] } },
};
const exempted = (args: { getConfig<T extends object>(): T }, type: string, name: string) =>
  (args.getConfig<{ exempt?: string[] }>().exempt ?? []).some((e) => e === name || e === `${type}::${name}`);

const asResource = (r: {
  type: string;
  name: string;
  props: Record<string, unknown>;
  protect?: boolean;
  parent?: string;
}): Resource => ({ ...r, props: unwrapped(r.props) });

type ResourceCheck = (resource: Resource, facts: StackFacts) => string[];
type StackCheck = (resources: readonly Resource[], facts: StackFacts) => string[];

function resourcePolicy(
  name: string,
  description: string,
  check: ResourceCheck,
  facts: StackFacts,
): ResourceValidationPolicy {
  return {
    name,
    description,
    configSchema: EXEMPT_SCHEMA,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (exempted(args, args.type, args.name)) return;
      const resource = asResource({ ...args, protect: args.opts?.protect, parent: args.opts?.parent });
      for (const problem of check(resource, facts)) report(`${args.name}: ${problem}`);
    },
  };
}

function stackPolicy(name: string, description: string, check: StackCheck, facts: StackFacts): StackValidationPolicy {
  return {
    name,
    description,
    configSchema: EXEMPT_SCHEMA,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const resources = args.resources
        .filter((r: PolicyResource) => !exempted(args, r.type, r.name))
        .map((r: PolicyResource) => asResource({ ...r, protect: r.opts?.protect, parent: r.parent?.urn }));
      for (const problem of check(resources, facts)) report(problem);
    },
  };
}

/** Every policy of the pack, for a stack's facts. */
export function jarvisPolicies(settings: PackSettings): (ResourceValidationPolicy | StackValidationPolicy)[] {
  const { facts } = settings;
  const each = (name: string, description: string, check: ResourceCheck) =>
    resourcePolicy(name, description, check, facts);
  return [
    each(
      "restricted-pods",
      "Pods run as non-root UID/GID >= 10001, without privilege escalation or capabilities, with RuntimeDefault seccomp and a read-only root.",
      invariants.restrictedPods,
    ),
    each(
      "resource-bounds",
      "Every container has CPU and memory requests and limits (a chart's own objects are its maintainers').",
      invariants.resourceBounds,
    ),
    each(
      "probes",
      "Long-running pods have liveness probes, and a readiness probe on their main container.",
      invariants.probes,
    ),
    each("pinned-images", "Images are pinned by a tag or a digest, never latest.", invariants.pinnedImages),
    each(
      "internal-services",
      "No Service of type NodePort, LoadBalancer or ExternalName, nor external IPs: the edge is the only way in.",
      invariants.internalServices,
    ),
    each(
      "no-plain-secrets",
      "On Kubernetes, no ConfigMap value or plain environment value looks like a secret.",
      invariants.noPlainSecrets,
    ),
    each("strict-cors", "CORS allows the configured origins only, never *.", invariants.strictCors),
    each(
      "protected-state",
      "Stateful volumes are protected where jarvis:dataProtection.protect is on.",
      invariants.protectedState,
    ),
    each("autoscaler-minimum", "An autoscaled service keeps at least two pods.", invariants.autoscalerMinimum),
    each("local-ports", "Dev publishes no port on all interfaces.", invariants.localPorts),
    each(
      "no-docker-socket",
      "No container mounts the Docker socket unless config switches it on.",
      invariants.noDockerSocket,
    ),
    each("tls-entry", "The public entry is served over TLS.", invariants.tlsEntry),
    stackPolicy(
      "default-deny",
      "Every namespace of the stack's pods has a default-deny NetworkPolicy.",
      invariants.defaultDeny,
      facts,
    ),
    stackPolicy("monitored", "Staging and prod have monitors and alert rules.", invariants.monitoredStack, facts),
  ];
}
