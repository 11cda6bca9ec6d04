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
import { APP_SERVICES, CATALOGUE, ENV, type ServiceName } from "../infra/catalogue";
import type { DockerConfig } from "../infra/config/schema";
import { serviceEnvironment, type ServiceEnvironment } from "../infra/environment";
import { imageRef } from "../infra/images";
import type { Wiring } from "../infra/wiring";
import {
  DOCKER_SERVICES,
  VOLUME_PATHS,
  gpuRequests,
  healthTest,
  healthTiming,
  hostPorts,
  limits,
  modelPull,
  mounts,
  redisCommand,
  startOrder,
} from "./docker-spec";

/** `NAME=value` entries, sorted by name; a secret value makes the whole list secret. */
function envList(environment: ServiceEnvironment, secrets: Secrets, wiring: Wiring): pulumi.Output<string[]> {
  const plain = Object.entries(environment.plain).map(([name, value]) => pulumi.output(`${name}=${value}`));
  const secret = Object.entries(environment.secret).map(([name, source]) => pulumi.interpolate`${name}=${secrets.resolve(source!, wiring.connections)}`);
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

  const network = new JarvisNetwork("network", { settings: config.network, subnet: subnet.cidr, gateway, labels }, opts);
  const volumes = new DataVolumes(
    "volumes",
    { names: Object.fromEntries(Object.keys(VOLUME_PATHS).map((s) => [s, config.volumes[s as keyof typeof VOLUME_PATHS]])), labels },
    opts,
  );
  const images = new ServiceImages(
    "images",
    {
      images: Object.fromEntries(
        DOCKER_SERVICES.map((s) => [s, { ref: imageRef(config, s), build: (APP_SERVICES as readonly string[]).includes(s) ? config.appBuild[s as (typeof APP_SERVICES)[number]] : undefined }]),
      ),
    },
    opts,
  );

  const containerFor = (service: ServiceName, extra: pulumi.Resource[]) => ({
    image: images.ids[service]!,
    network: { name: network.name, aliases: [] as string[] },
    limits: limits(config, service),
    deviceRequests: gpuRequests(config, service),
    logging: config.logging,
    labels: { ...labels, "jarvis.service": service },
    dependsOn: extra,
  });

  const containers = new Map<ServiceName, ServiceContainer>();
  for (const service of startOrder(DOCKER_SERVICES)) {
    const needs = (CATALOGUE[service].needs ?? []).map((need) => containers.get(need)!);
    const { dependsOn, ...common } = containerFor(service, needs);
    const user = CATALOGUE[service].user;
    containers.set(
      service,
      new ServiceContainer(
        service,
        {
          ...common,
          containerName: wiring.names[service],
          network: { ...common.network, aliases: [service], ipv4Address: wiring.addresses![service] },
          env: envList(serviceEnvironment(config, wiring, service, stack), secrets, wiring),
          ports: hostPorts(config, service),
          // A volume mount names its Volume resource, so the container waits for exactly that volume.
          mounts: mounts(config, service).map((m) => (m.type === "volume" ? { ...m, source: volumes.names[service]! } : m)),
          health: { test: healthTest(config, service), timing: healthTiming(config, service) },
          ...(service === "redis" && { command: redisCommand(config) }),
          ...(user && { user }),
        },
        { ...opts, dependsOn },
      ),
    );
  }

  // Pulls the configured models through Ollama's API once Ollama is healthy; nothing waits for it.
  const pull = modelPull(config, config.namePrefix);
  const { dependsOn, ...common } = containerFor("ollama", [containers.get("ollama")!]);
  new ServiceContainer(
    "ollama-pull",
    {
      ...common,
      containerName: pull.name,
      env: [`${ENV.ollamaHost}=${wiring.urls[ENV.ollamaBaseUrl]}`],
      ports: [],
      mounts: [],
      entrypoint: ["/bin/sh", "-c"],
      command: [pull.script],
      labels: { ...common.labels, "jarvis.service": "ollama-pull" },
      oneShot: true,
    },
    { ...opts, dependsOn },
  );

  return {
    platform: config.platform,
    urls: wiring.browser,
    network: { name: network.name, subnet: subnet.cidr },
  };
}
