// The shape every capability's config module has: its keys (shared, or of one platform) and its
// checks that span keys. schema.ts and checks.ts put them together.
import type { z } from "zod";
import type { Catalogue } from "../catalogue";
import type { Host } from "../host";
import type { DockerConfig, KubernetesConfig, SecretKey, SharedConfig } from "./schema";

/** The keys that parsed on their own; a check runs only where the keys it needs are present. */
export type Parsed = Partial<SharedConfig & Omit<DockerConfig, "platform"> & Omit<KubernetesConfig, "platform">>;

/** A problem found by a check, before the namespace is added to its key. */
export interface Finding {
  readonly key: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** A warning is printed, and the run goes on. */
  readonly warning?: boolean;
}

export interface CheckContext {
  readonly catalogue: Catalogue;
  /** The machine whose files the config names. */
  readonly host: Host;
  /** The person-provided secrets that are set. */
  readonly secrets: ReadonlySet<SecretKey>;
  /** The config namespace, for the commands a message suggests. */
  readonly namespace: string;
}

export type Check = (config: Parsed, context: CheckContext) => Finding[];
type Keys = Record<string, z.ZodType>;

/** A module's keys: shared by every platform, or of one platform (required only there). */
export interface ModuleKeys {
  readonly shared?: Keys;
  readonly docker?: Keys;
  readonly kubernetes?: Keys;
}

/** A module's checks that span keys: for every platform, or for one. */
export interface ModuleChecks {
  readonly shared?: Check;
  readonly docker?: Check;
  readonly kubernetes?: Check;
}
