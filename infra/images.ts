// The image every service runs: pinned public images from `jarvis:images`, and Jarvis's own images
// as `<appRegistry>/<service>:<appVersion>` (or `@<digest>` where `jarvis:appDigests` pins one).
import { isAppService, type ServiceName } from "./catalogue";
import type { StackConfig } from "./config/schema";

export function imageRef(config: StackConfig, service: ServiceName): string {
  if (!isAppService(service)) return config.images[service];
  const repository = `${config.appRegistry}/${service}`;
  const digest = config.appDigests?.[service];
  return digest ? `${repository}@${digest}` : `${repository}:${config.appVersion}`;
}
