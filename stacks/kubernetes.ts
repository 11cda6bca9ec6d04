// The Kubernetes platform (staging, prod): an explicit provider whose cluster comes from config,
// the namespace, and the secrets every workload reads.
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Provider } from "@pulumi/kubernetes/provider";
import type { Secrets } from "../components/secrets";
import { ENV } from "../infra/catalogue";
import type { KubernetesConfig } from "../infra/config/schema";
import type { Wiring } from "../infra/wiring";

export function commonLabels(config: KubernetesConfig): Record<string, string> {
  // Added explicitly: transforms do not run under the mock engine, so tests would not see them.
  return {
    "app.kubernetes.io/part-of": config.namePrefix,
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/instance": pulumi.getStack(),
  };
}

export function deployKubernetes(config: KubernetesConfig, wiring: Wiring, secrets: Secrets) {
  // The cluster is named by config: a context (looked up, like kubectl does, in $KUBECONFIG or
  // ~/.kube/config), a kubeconfig path, or inline content from secret config. Never the current
  // context by accident. The offline plan hides $KUBECONFIG, so a plan does not depend on it.
  const provider = new Provider("cluster", {
    kubeconfig: secrets.provided.kubeconfig ?? config.cluster.kubeconfigPath,
    context: config.cluster.context,
    namespace: config.namespace.name,
    enableServerSideApply: true,
  });
  const opts = { provider };
  const labels = commonLabels(config);
  const level = config.namespace.podSecurity;
  const namespace = new Namespace(
    "namespace",
    {
      metadata: {
        name: config.namespace.name,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": level,
          // Where `baseline` is enforced, `restricted` still warns and audits.
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    },
    opts,
  );
  const { connections } = wiring;
  const workloadSecrets = {
    ...secrets.environment,
    [ENV.databaseUrl]: secrets.connectionUrl(connections[ENV.databaseUrl], "postgres"),
    [ENV.timescaleUrl]: secrets.connectionUrl(connections[ENV.timescaleUrl], "timescale"),
    [ENV.redisUrl]: secrets.connectionUrl(connections[ENV.redisUrl], "redis"),
    [ENV.rateLimitStorageUrl]: secrets.connectionUrl(connections[ENV.rateLimitStorageUrl], "redis"),
  };
  new Secret(
    "secrets",
    {
      metadata: { namespace: namespace.metadata.name, labels },
      type: "Opaque",
      data: Object.fromEntries(
        Object.entries(workloadSecrets).map(([name, value]) => [name, value.apply((v) => Buffer.from(v).toString("base64"))]),
      ),
    },
    opts,
  );
  return {
    platform: config.platform,
    urls: wiring.browser,
    namespace: namespace.metadata.name,
  };
}
