// The Docker platform (dev): every service of Jarvis on the local engine, on one bridge network
// with static addresses, wired from the derived endpoints, with named volumes, health checks that
// dependents wait for, the hardening of ServiceContainer, and the model pull.
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/docker/provider";
import { Images } from "../../components/docker/images";
import { Network } from "../../components/docker/network";
import { Volumes } from "../../components/docker/volumes";
import type { Secrets } from "../../components/secrets";
import type { DockerConfig } from "../../infra/config/schema";
import { runningServices } from "../../infra/graph";
import { imageRef } from "../../infra/images";
import { SERVICE_LABEL } from "../../infra/logs/collector";
import { modelStore } from "../../infra/model-pull";
import type { Wiring } from "../../infra/wiring";
import type { DockerContext } from "./context";
import { modelPullContainer } from "./model-pull";
import { filledVolumes, serviceContainers } from "./services";

export function deployDocker(config: DockerConfig, wiring: Wiring, secrets: Secrets) {
  const { catalogue } = wiring;
  const stack = pulumi.getStack();
  const { subnet, gateway } = wiring.network!;
  const labels = { "jarvis.part-of": config.namePrefix, "jarvis.stack": stack };
  const password = secrets.provided.registryPassword;
  const provider = new Provider("docker", {
    ...(config.dockerHost && { host: config.dockerHost }),
    ...(config.registryLogin && password && { registryAuth: [{ ...config.registryLogin, password }] }),
  });
  const opts = { provider };

  const network = new Network(
    "network",
    {
      name: config.network.name,
      subnet: subnet.cidr,
      gateway,
      bridge: config.network.bridge,
      labels,
    },
    opts,
  );
  const volumes = new Volumes(
    "volumes",
    { names: { ...config.volumes, ...filledVolumes(config, catalogue) }, labels },
    opts,
  );
  const services = runningServices(catalogue, config);
  const images = new Images(
    "images",
    {
      images: Object.fromEntries(
        services.map((s) => [s, { ref: imageRef(config, catalogue, s), build: config.appBuild[s] }]),
      ),
    },
    opts,
  );
  const context: DockerContext = {
    config,
    wiring,
    secrets,
    stack,
    labels,
    network: network.name,
    common: {
      logging: { ...config.logging, labels: [SERVICE_LABEL] },
      stopGraceSeconds: config.shutdown.graceSeconds,
    },
  };
  const containers = serviceContainers(context, images, volumes, opts);
  const store = modelStore(catalogue);
  if (store) modelPullContainer(context, images, containers.get(store)!, opts);

  return {
    platform: config.platform,
    urls: wiring.browser,
    network: { name: network.name, subnet: subnet.cidr },
  };
}
