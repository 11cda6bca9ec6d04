// The model-pull capability on Kubernetes: a Job that pulls the model list once through the model
// store's API. Its name follows the list, so a new list runs a new Job; it is not deleted when it
// finishes (Pulumi would create it again), and `pulumi up` does not wait for a multi-GB pull.
import type * as pulumi from "@pulumi/pulumi";
import { Job } from "@pulumi/kubernetes/batch/v1/job";
import { serviceEnvironment } from "../../infra/environment";
import { imageRef } from "../../infra/images";
import { MODEL_PULL_JOB, modelPull } from "../../infra/model-pull";
import type { KubernetesContext } from "./context";
import {
  containerSecurityContext,
  platformEnvironment,
  podSecurityContext,
  scratchVolumes,
  selectorLabels,
} from "./pods";

export function modelPullJob(context: KubernetesContext, store: pulumi.Resource) {
  const { config, wiring, instance } = context;
  const { catalogue } = wiring;
  const pull = modelPull(config.namePrefix, config.models.ollama);
  const { cpu, memory, ephemeralStorage } = config.models.pullLimits;
  const quantities = { cpu, memory, "ephemeral-storage": ephemeralStorage };
  const environment = {
    ...serviceEnvironment(config, wiring, MODEL_PULL_JOB, instance).plain,
    ...platformEnvironment(catalogue, MODEL_PULL_JOB),
  };
  const scratch = scratchVolumes(catalogue, MODEL_PULL_JOB);
  return new Job(
    MODEL_PULL_JOB,
    {
      metadata: {
        namespace: context.namespace,
        labels: context.labels,
        name: pull.name,
        annotations: { "pulumi.com/skipAwait": "true" },
      },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: { ...context.labels, ...selectorLabels(MODEL_PULL_JOB, instance) } },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(),
            containers: [
              {
                name: "pull",
                image: imageRef(config, catalogue, MODEL_PULL_JOB),
                command: ["/bin/sh", "-c", pull.script],
                env: Object.entries(environment).map(([name, value]) => ({ name, value })),
                resources: { requests: quantities, limits: quantities },
                securityContext: containerSecurityContext(),
                volumeMounts: scratch.map((s) => ({ name: s.name, mountPath: s.mountPath })),
              },
            ],
            volumes: scratch.map((s) => ({ name: s.name, emptyDir: {} })),
          },
        },
      },
    },
    { ...context.opts, dependsOn: [store] },
  );
}
