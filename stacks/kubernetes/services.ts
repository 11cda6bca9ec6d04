// The services capability on Kubernetes: every deployed service as a Workload, a StatefulSet where
// the catalogue gives it state and a Deployment otherwise, wired from the derived endpoints.
import type * as pulumi from "@pulumi/pulumi";
import { Workload, type Sidecar, type WorkloadArgs } from "../../components/kubernetes/workload";
import { serviceEnvironment, type SecretSource } from "../../infra/environment";
import { serviceFiles } from "../../infra/files";
import { keepsState, sidecarsOf, workloadServices } from "../../infra/graph";
import { imageRef } from "../../infra/images";
import { dataProtection, type KubernetesContext } from "./context";
import {
  containerSecurityContext,
  dataMount,
  platformEnvironment,
  podSecurityContext,
  probes,
  resources,
  scratchVolumes,
  selectorLabels,
} from "./pods";

/** The files of the service: plain ones from a ConfigMap, secret ones from a Secret. */
function files(context: KubernetesContext, service: string) {
  const { plain, secret } = serviceFiles(context.config, context.wiring, service, context.instance);
  const resolve = (source: SecretSource) => context.secrets.resolve(source, context.wiring.connections);
  return {
    ...(plain && { files: plain }),
    ...(secret && {
      secretFiles: {
        directory: secret.directory,
        contents: Object.fromEntries(Object.entries(secret.contents).map(([file, source]) => [file, resolve(source)])),
      },
    }),
  };
}

function controller(context: KubernetesContext, service: string): WorkloadArgs["controller"] {
  const { config, wiring } = context;
  if (keepsState(wiring.catalogue[service]!, "kubernetes"))
    return {
      kind: "statefulSet",
      storageClassName: config.storage.className,
      size: config.storage.sizes[service]!,
      ...dataMount(wiring.catalogue, service),
      ...(config.scheduling[service] && { awaitMinutes: config.scheduling[service].awaitTimeoutMinutes }),
    };
  const autoscaling = config.autoscaling[service];
  return {
    kind: "deployment",
    scale: autoscaling?.enabled ? { autoscaling } : { replicas: config.replicas[service] ?? 1 },
    // A singleton's second pod would do its work twice, if only for the rollout.
    rollout: wiring.catalogue[service]!.singleton ? "recreate" : { maxSurge: config.rollout.maxSurge },
    progressDeadlineSeconds: config.rollout.progressDeadlineSeconds,
  };
}

function scheduling(context: KubernetesContext, service: string) {
  const placement = context.config.scheduling[service];
  if (!placement) return {};
  const { nodeSelector, tolerations, runtimeClassName } = placement;
  return { scheduling: { nodeSelector, tolerations, ...(runtimeClassName && { runtimeClassName }) } };
}

/** What a node's container is made of, from the catalogue and config. */
function container(context: KubernetesContext, node: string) {
  const { config, wiring } = context;
  const { catalogue } = wiring;
  return {
    image: imageRef(config, catalogue, node),
    ports: Object.entries(config.ports[node]!).map(([name, containerPort]) => ({ name, containerPort })),
    probes: probes(config, catalogue, node),
    resources: resources(config, catalogue, node),
    securityContext: containerSecurityContext(),
    scratch: scratchVolumes(catalogue, node),
  };
}

/** A node's environment, its secrets resolved. */
function environmentOf(context: KubernetesContext, node: string) {
  const { config, wiring, secrets, instance } = context;
  const environment = serviceEnvironment(config, wiring, node, instance);
  return {
    plain: environment.plain as Record<string, string>,
    secret: Object.fromEntries(
      Object.entries(environment.secret).map(([name, source]) => [name, secrets.resolve(source!, wiring.connections)]),
    ),
  };
}

/** The exporters that run in a service's pods, each with its own environment. */
function sidecars(context: KubernetesContext, service: string): Sidecar[] {
  const { config, wiring } = context;
  return sidecarsOf(wiring.catalogue, service).map((node) => {
    const { command } = wiring.catalogue[node]!;
    // No readiness probe: an exporter's failing health endpoint must not take its datastore out of its Service.
    const parts = container(context, node);
    const { readinessProbe: _gate, ...probes } = parts.probes;
    return {
      container: {
        name: node,
        ...parts,
        probes,
        ...(command && { args: command(config.ports[node]!, config) }),
      },
      env: environmentOf(context, node),
    };
  });
}

export function serviceWorkloads(context: KubernetesContext, pullSecret: pulumi.Output<string> | undefined) {
  const { config, wiring, instance } = context;
  const { catalogue } = wiring;
  const workloads = new Map<string, Workload>();
  for (const service of workloadServices(catalogue)) {
    const spec = catalogue[service]!;
    const stateful = keepsState(spec, "kubernetes");
    const environment = environmentOf(context, service);
    workloads.set(
      service,
      new Workload(
        service,
        {
          namespace: context.namespace,
          name: wiring.names[service]!,
          labels: context.labels,
          selector: selectorLabels(service, instance),
          container: {
            ...container(context, service),
            ...(spec.command && { args: spec.command(config.ports[service]!, config) }),
          },
          pod: {
            securityContext: podSecurityContext(),
            graceSeconds: config.shutdown.graceSeconds,
            ...(pullSecret && spec.image === "own" && { imagePullSecret: pullSecret }),
            ...scheduling(context, service),
          },
          env: {
            plain: { ...environment.plain, ...platformEnvironment(catalogue, service) },
            secret: environment.secret,
            asFile: spec.secretFiles ?? {},
          },
          ...files(context, service),
          controller: controller(context, service),
          sidecars: sidecars(context, service),
          disruptionMaxUnavailable: config.rollout.disruptionMaxUnavailable,
          ...(spec.kubernetesApi && { apiAccess: spec.kubernetesApi }),
        },
        { ...context.opts, ...(stateful && dataProtection(config)) },
      ),
    );
  }
  return workloads;
}
