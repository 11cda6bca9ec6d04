// The image every node runs: pinned public images from `jarvis:images`, Jarvis's own images as
// `<appRegistry>/<service>:<appVersion>` (or `@<digest>` where `jarvis:appDigests` pins one), and a
// job the image of the service it names.
import type { Catalogue } from "./catalogue";
import type { StackConfig } from "./config/schema";

export function imageRef(config: StackConfig, catalogue: Catalogue, service: string): string {
  const spec = catalogue[service]!;
  if (spec.runsImageOf) return imageRef(config, catalogue, spec.runsImageOf);
  if (spec.image === "public") return config.images[service]!;
  const repository = `${config.appRegistry}/${service}`;
  const digest = config.appDigests?.[service];
  return digest ? `${repository}@${digest}` : `${repository}:${config.appVersion}`;
}
