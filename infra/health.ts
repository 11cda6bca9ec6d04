// Health-check timing of a service: the defaults of `jarvis:healthChecks` with its own overrides.
import type { StackConfig } from "./config/schema";

export function healthTimingOf(config: StackConfig, service: string) {
  return { ...config.healthChecks, ...config.healthChecks.services?.[service] };
}
