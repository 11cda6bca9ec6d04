// The namespace Jarvis runs in: its Pod Security level, ResourceQuota and LimitRange.
import type * as pulumi from "@pulumi/pulumi";
import { LimitRange } from "@pulumi/kubernetes/core/v1/limitRange";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { ResourceQuota } from "@pulumi/kubernetes/core/v1/resourceQuota";
import { podSecurityLabels } from "../../components/kubernetes/pod-security";
import type { KubernetesConfig } from "../../infra/config/schema";
import { dataProtection } from "./context";

export function namespace(
  config: KubernetesConfig,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
) {
  const level = config.namespace.podSecurity;
  const created = new Namespace(
    "namespace",
    {
      metadata: {
        name: config.namespace.name,
        labels: { ...labels, ...podSecurityLabels(level) },
      },
    },
    // Deleting the namespace would delete the volume claims in it.
    { ...opts, ...dataProtection(config) },
  );
  const metadata = { namespace: created.metadata.name, labels };
  const { quota, containerDefaults } = config.namespace;
  new ResourceQuota(
    "quota",
    {
      metadata,
      spec: {
        hard: {
          "requests.cpu": quota.requests.cpu,
          "requests.memory": quota.requests.memory,
          "limits.cpu": quota.limits.cpu,
          "limits.memory": quota.limits.memory,
          pods: String(quota.pods),
          persistentvolumeclaims: String(quota.persistentVolumeClaims),
        },
      },
    },
    opts,
  );
  new LimitRange(
    "limits",
    {
      metadata,
      spec: {
        limits: [{ type: "Container", default: containerDefaults.limits, defaultRequest: containerDefaults.requests }],
      },
    },
    opts,
  );
  return created.metadata.name;
}
