// The Docker platform (dev): every service of Jarvis on the local engine, on one bridge network
// with static addresses, wired from the derived endpoints, with named volumes, health checks that
// dependents wait for, and the hardening of ServiceContainer.
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/docker/provider";
import { ServiceContainer } from "../components/docker/container";
import { ServiceImages } from "../components/docker/images";
import { JarvisNetwork } from "../components/docker/network";
import { DataVolumes } from "../components/docker/volumes";
import type { Secrets } from "../components/secrets";
import { CATALOGUE, ENV, isAppService, type ServiceName } from "../infra/catalogue";
import type { DockerConfig } from "../infra/config/schema";
import { serviceEnvironment, type ServiceEnvironment } from "../infra/environment";
import { modelPull, redisCommand } from "../infra/commands";
import { imageRef } from "../infra/images";
import type { Wiring } from "../infra/wiring";
import {
  DOCKER_SERVICES,
  bindMounts,
  gpuRequests,
  healthTest,
  healthTiming,
  hostPorts,
  limits,
  pullLimits,
  startOrder,
  volumeTarget,
} from "./docker-spec";

/** `NAME=value` entries, sorted by name; a secret value makes the whole list secret. */
function envList(environment: ServiceEnvironment, secrets: Secrets, wiring: Wiring): pulumi.Output<string[]> {
  const plain = Object.entries(environment.plain).map(([name, value]) => pulumi.output(`${name}=${value}`));
  const secret = Object.entries(environment.secret).map(
    ([name, source]) => pulumi.interpolate`${name}=${secrets.resolve(source!, wiring.connections)}`,
  );
  return pulumi.all([...plain, ...secret]).apply((entries) => [...entries].sort());
}

export function deployDocker(config: DockerConfig, wiring: Wiring, secrets: Secrets) {
  const stack = pulumi.getStack();
  const { subnet, gateway } = wiring.network!;
  const labels = { "jarvis.part-of": config.namePrefix, "jarvis.stack": stack };
  const password = secrets.provided.registryPassword;
  const provider = new Provider("docker", {
    ...(config.dockerHost && { host: config.dockerHost }),
    ...(config.registryLogin && password && { registryAuth: [{ ...config.registryLogin, password }] }),
  });
  const opts = { provider };

  const network = new JarvisNetwork(
    "network",
    { settings: config.network, subnet: subnet.cidr, gateway, labels },
    opts,
  );
  const volumes = new DataVolumes("volumes", { names: config.volumes, labels }, opts);
  const images = new ServiceImages(
    "images",
    {
      images: Object.fromEntries(
        DOCKER_SERVICES.map((s) => [
          s,
          { ref: imageRef(config, s), build: isAppService(s) ? config.appBuild[s] : undefined },
        ]),
      ),
    },
    opts,
  );
  /** What every container of the stack shares. */
  const common = { network: network.name, logging: config.logging, stopGraceSeconds: config.shutdown.graceSeconds };

  const containers = new Map<ServiceName, ServiceContainer>();
  for (const service of startOrder(DOCKER_SERVICES)) {
    const user = CATALOGUE[service].user;
    const target = volumeTarget(service);
    containers.set(
      service,
      new ServiceContainer(
        service,
        {
          ...common,
          containerName: wiring.names[service],
          image: images.ids[service]!,
          network: { name: common.network, aliases: [service], ipv4Address: wiring.addresses![service] },
          env: envList(serviceEnvironment(config, wiring, service, stack), secrets, wiring),
          ports: hostPorts(config, service),
          // A volume mount names its Volume resource, so the container waits for exactly that volume.
          mounts: [
            ...(target ? [{ type: "volume" as const, source: volumes.names[service]!, target, readOnly: false }] : []),
            ...bindMounts(config, service),
          ],
          health: { test: healthTest(config, service), timing: healthTiming(config, service) },
          limits: limits(config, service),
          deviceRequests: gpuRequests(config, service),
          labels: { ...labels, "jarvis.service": service },
          ...(service === "redis" && { command: redisCommand(config) }),
          ...(user && { user }),
        },
        { ...opts, dependsOn: (CATALOGUE[service].needs ?? []).map((need) => containers.get(need)!) },
      ),
    );
  }

  // Pulls the configured models through Ollama's API once Ollama is healthy; nothing waits for it.
  const pull = modelPull(config);
  new ServiceContainer(
    "ollama-pull",
    {
      ...common,
      containerName: pull.name,
      image: images.ids.ollama!,
      network: { name: common.network, aliases: [] },
      env: [`${ENV.ollamaHost}=${wiring.urls[ENV.ollamaBaseUrl]}`],
      ports: [],
      mounts: [],
      entrypoint: ["/bin/sh", "-c"],
      command: [pull.script],
      limits: pullLimits(config),
      deviceRequests: [],
      labels: { ...labels, "jarvis.service": "ollama-pull" },
      oneShot: true,
    },
    { ...opts, dependsOn: [containers.get("ollama")!] },
  );

  return {
    platform: config.platform,
    urls: wiring.browser,
    network: { name: network.name, subnet: subnet.cidr },
  };
}
