// The services capability on Kubernetes: every deployed service as a Workload, a StatefulSet where
// the catalogue gives it state and a Deployment otherwise, wired from the derived endpoints.
import type * as pulumi from "@pulumi/pulumi";
import { Workload, type WorkloadArgs } from "../../components/kubernetes/workload";
import { serviceEnvironment, type SecretSource } from "../../infra/environment";
import { serviceFiles } from "../../infra/files";
import { deployedServices } from "../../infra/graph";
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
  if (wiring.catalogue[service]!.state)
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
    maxSurge: config.rollout.maxSurge,
    progressDeadlineSeconds: config.rollout.progressDeadlineSeconds,
  };
}

function scheduling(context: KubernetesContext, service: string) {
  const placement = context.config.scheduling[service];
  if (!placement) return {};
  const { nodeSelector, tolerations, runtimeClassName } = placement;
  return { scheduling: { nodeSelector, tolerations, ...(runtimeClassName && { runtimeClassName }) } };
}

export function serviceWorkloads(context: KubernetesContext, pullSecret: pulumi.Output<string> | undefined) {
  const { config, wiring, secrets, instance } = context;
  const { catalogue } = wiring;
  const workloads = new Map<string, Workload>();
  for (const service of deployedServices(catalogue, "kubernetes")) {
    const spec = catalogue[service]!;
    const environment = serviceEnvironment(config, wiring, service, instance);
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
            image: imageRef(config, catalogue, service),
            ...(spec.command && { command: spec.command(config.ports[service]!, config) }),
            ports: Object.entries(config.ports[service]!).map(([name, containerPort]) => ({ name, containerPort })),
            probes: probes(config, catalogue, service),
            resources: resources(config, catalogue, service),
            securityContext: containerSecurityContext(),
            scratch: scratchVolumes(catalogue, service),
          },
          pod: {
            securityContext: podSecurityContext(),
            graceSeconds: config.shutdown.graceSeconds,
            ...(pullSecret && spec.image === "own" && { imagePullSecret: pullSecret }),
            ...scheduling(context, service),
          },
          env: {
            plain: { ...(environment.plain as Record<string, string>), ...platformEnvironment(catalogue, service) },
            secret: Object.fromEntries(
              Object.entries(environment.secret).map(([name, source]) => [
                name,
                secrets.resolve(source!, wiring.connections),
              ]),
            ),
            asFile: spec.secretFiles ?? {},
          },
          ...files(context, service),
          controller: controller(context, service),
          disruptionMaxUnavailable: config.rollout.disruptionMaxUnavailable,
        },
        { ...context.opts, ...(spec.state && dataProtection(config)) },
      ),
    );
  }
  return workloads;
}
