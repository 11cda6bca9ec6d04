// The model-pull capability on Docker: a one-shot container that asks the model store to pull the
// configured models once it is healthy; nothing waits for it.
import type * as pulumi from "@pulumi/pulumi";
import { ServiceContainer } from "../../components/docker/container";
import type { Images } from "../../components/docker/images";
import { serviceEnvironment } from "../../infra/environment";
import { MODEL_PULL_JOB, modelPull, modelStore } from "../../infra/model-pull";
import { envList, type DockerContext } from "./context";
import { dockerLimits } from "./services";

export function modelPullContainer(
  context: DockerContext,
  images: Images,
  store: ServiceContainer,
  opts: pulumi.ComponentResourceOptions,
): ServiceContainer {
  const { config, wiring, secrets } = context;
  const pull = modelPull(config.namePrefix, config.models.ollama);
  const { pullLimits } = config.models;
  return new ServiceContainer(
    MODEL_PULL_JOB,
    {
      ...context.common,
      containerName: pull.name,
      image: images.ids[modelStore(wiring.catalogue)!]!,
      network: { name: context.network, aliases: [] },
      env: envList(serviceEnvironment(config, wiring, MODEL_PULL_JOB, context.stack), secrets, wiring),
      listens: {},
      ports: [],
      mounts: [],
      entrypoint: ["/bin/sh", "-c"],
      command: [pull.script],
      limits: dockerLimits(pullLimits, pullLimits.memory),
      deviceRequests: [],
      labels: { ...context.labels, "jarvis.service": MODEL_PULL_JOB },
      oneShot: true,
    },
    { ...opts, dependsOn: [store] },
  );
}
