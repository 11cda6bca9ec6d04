// The stack configuration schema: one zod schema per top-level `jarvis:` key, put together from the
// capability modules (platform, services, application, edge, model pull, backup, monitoring, logs), each
// of which builds its per-service keys from the catalogue. Keys are shaped along what differs per
// environment because the Pulumi CLI replaces a project-level key entirely when a stack file sets
// it (no deep merge). Shared keys apply to every platform; each platform's keys are required and
// validated only when that platform is chosen.
import type { z } from "zod";
import { CATALOGUE, type Catalogue } from "../catalogue";
import { applicationKeys } from "./application";
import { backupKeys } from "./backup";
import { edgeKeys } from "./edge";
import { logsKeys } from "./logs";
import { modelPullKeys } from "./model-pull";
import { monitoringKeys } from "./monitoring";
import { platformKeys, type Platform } from "./platform";
import { serviceKeys } from "./services";

export { PLATFORMS, type Platform } from "./platform";
export { SECRET_KEYS, type SecretKey } from "./application";

/** Every key of every module, by the platform it belongs to. */
export function buildSchema(catalogue: Catalogue) {
  const platform = platformKeys(catalogue);
  const services = serviceKeys(catalogue);
  const edge = edgeKeys(catalogue);
  const monitoring = monitoringKeys(catalogue);
  return {
    shared: {
      ...platform.shared,
      ...services.shared,
      ...applicationKeys.shared,
      ...modelPullKeys.shared,
      ...monitoring.shared,
      ...logsKeys.shared,
    },
    docker: { ...platform.docker, ...services.docker, ...edge.docker, ...logsKeys.docker },
    kubernetes: {
      ...platform.kubernetes,
      ...services.kubernetes,
      ...edge.kubernetes,
      ...backupKeys.kubernetes,
      ...monitoring.kubernetes,
      ...logsKeys.kubernetes,
    },
  };
}
export type Schema = ReturnType<typeof buildSchema>;

const schema = buildSchema(CATALOGUE);
export const sharedKeys = schema.shared;
export const PLATFORM_KEYS: Record<Platform, Record<string, z.ZodType>> = {
  docker: schema.docker,
  kubernetes: schema.kubernetes,
};

type Infer<Keys extends Record<string, z.ZodType>> = { [K in keyof Keys]: z.infer<Keys[K]> };
export type SharedConfig = Infer<Schema["shared"]>;
export type DockerConfig = SharedConfig & Infer<Schema["docker"]> & { platform: "docker" };
export type KubernetesConfig = SharedConfig & Infer<Schema["kubernetes"]> & { platform: "kubernetes" };
export type StackConfig = DockerConfig | KubernetesConfig;

/** Keys that may be absent; every other key of the chosen platform is required. */
export const OPTIONAL_KEYS: ReadonlySet<string> = new Set([
  "rotation",
  "integrations",
  "hostPaths",
  "appDigests",
  "appBuild",
  "registryLogin",
  "dockerHost",
  "databaseInit",
]);
/** Optional keys that stay absent (undefined) rather than defaulting to an empty map. */
export const ABSENT_BY_DEFAULT: ReadonlySet<string> = new Set(["rotation", "registryLogin", "dockerHost"]);
