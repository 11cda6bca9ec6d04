// The Kubernetes platform (staging, prod): an explicit provider whose cluster comes from config,
// the namespace with its quota and defaults, and each capability: the services, the model pull,
// the backups, the public entry and the network policies generated from the flows.
import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import { Provider } from "@pulumi/kubernetes/provider";
import type { Secrets } from "../../components/secrets";
import type { KubernetesConfig } from "../../infra/config/schema";
import { deployedJobs } from "../../infra/graph";
import { BACKUP_JOB } from "../../infra/backup";
import { modelStore } from "../../infra/model-pull";
import { buildDashboardHere, type DashboardBuilder } from "../../infra/monitoring/dashboard";
import type { Wiring } from "../../infra/wiring";
import { backups } from "./backup";
import { partOf, type KubernetesContext } from "./context";
import { edge } from "./edge";
import { modelPullJob } from "./model-pull";
import { namespace } from "./namespace";
import { monitoring } from "./monitoring";
import { logStore } from "./logs";
import { isolation } from "./network-policies";
import { serviceWorkloads } from "./services";

function commonLabels(config: KubernetesConfig): Record<string, string> {
  // Added explicitly: transforms do not run under the mock engine, so tests would not see them.
  return {
    ...partOf(config),
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/instance": pulumi.getStack(),
  };
}

/** A docker-registry Secret for Jarvis's own images, when their registry needs a login. */
function registryPullSecret(context: KubernetesContext) {
  const { config, secrets } = context;
  const password = secrets.provided.registryPassword;
  if (!config.registryLogin || !password) return undefined;
  const { address, username } = config.registryLogin;
  const auth = (p: string) => ({
    auths: { [address]: { username, password: p, auth: Buffer.from(`${username}:${p}`).toString("base64") } },
  });
  const dockerConfig = password.apply((p) => Buffer.from(JSON.stringify(auth(p))).toString("base64"));
  return new Secret(
    "registry",
    {
      metadata: { namespace: context.namespace, labels: context.labels },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": dockerConfig },
    },
    context.opts,
  ).metadata.name;
}

export function deployKubernetes(
  config: KubernetesConfig,
  wiring: Wiring,
  secrets: Secrets,
  dashboards: DashboardBuilder = buildDashboardHere,
) {
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
  const context: KubernetesContext = {
    config,
    wiring,
    secrets,
    instance: pulumi.getStack(),
    namespace: namespace(config, labels, opts),
    labels,
    opts,
    dashboards,
  };

  const workloads = serviceWorkloads(context, registryPullSecret(context));
  const store = modelStore(wiring.catalogue);
  if (store) modelPullJob(context, workloads.get(store)!);
  if (deployedJobs(wiring.catalogue, config).includes(BACKUP_JOB)) backups(context);
  const entry = edge(context, [...workloads.values()]);
  isolation(context);
  const logs = logStore(context);
  monitoring(context, logs !== undefined);

  return {
    platform: config.platform,
    urls: wiring.browser,
    namespace: context.namespace,
    entry: entry.address,
  };
}
