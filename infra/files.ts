// The files each node's container is handed, for every platform: generated text, or secrets the
// platform resolves. Docker writes them into the container (uploads); Kubernetes mounts them from a
// ConfigMap or a Secret. A capability that needs a service to read a file adds it here.
import { readFileSync } from "node:fs";
import type { StackConfig } from "./config/schema";
import type { SecretSource } from "./environment";
import type { Wiring } from "./wiring";

/** Files of one folder of the container, by file name; each is mounted on its own, without hiding what the image has there. */
export interface FileSet<Content> {
  readonly directory: string;
  readonly contents: Readonly<Record<string, Content>>;
}

export interface ServiceFiles {
  readonly plain?: FileSet<string>;
  readonly secret?: FileSet<SecretSource>;
}

/**
 * The files of one node. So far: the SQL init script of `jarvis:databaseInit` (Kubernetes; on
 * Docker the script is bind-mounted from `jarvis:hostPaths`), in the folder the image runs them from.
 */
export function serviceFiles(config: StackConfig, wiring: Wiring, service: string): ServiceFiles {
  const spec = wiring.catalogue[service]!;
  const init =
    config.platform === "kubernetes"
      ? (config.databaseInit as Readonly<Record<string, string | undefined>>)[service]
      : undefined;
  if (!init || !spec.initDirectory) return {};
  return {
    plain: { directory: spec.dataPaths[spec.initDirectory]!, contents: { "init.sql": readFileSync(init, "utf8") } },
  };
}
