// The services capability on Kubernetes: every deployed service as a Workload, a StatefulSet where
// the catalogue gives it state and a Deployment otherwise, wired from the derived endpoints.
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { Workload, type WorkloadArgs } from "../../components/kubernetes/workload";
import { serviceEnvironment } from "../../infra/environment";
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

/** A database's init script of config, where its image runs such scripts on an empty volume. */
function initFiles(context: KubernetesContext, service: string) {
  const file = (context.config.databaseInit as Readonly<Record<string, string | undefined>>)[service];
  const directory = context.wiring.catalogue[service]!.initDirectory;
  const spec = context.wiring.catalogue[service]!;
  return file && directory
    ? { files: { directory: spec.dataPaths[directory]!, contents: { "init.sql": readFileSync(file, "utf8") } } }
    : {};
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
  for (const service of deployedServices(catalogue)) {
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
            ...(spec.command && { command: spec.command(config.ports[service]!) }),
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
          ...initFiles(context, service),
          controller: controller(context, service),
          disruptionMaxUnavailable: config.rollout.disruptionMaxUnavailable,
        },
        { ...context.opts, ...(spec.state && dataProtection(config)) },
      ),
    );
  }
  return workloads;
}
