// The secrets Jarvis uses, by name: generated ones and their length, and which of them workloads
// read. The values live only in the Secrets component.
import type { SecretKey } from "./config/schema";

/** Generated secrets and their length. No special characters: several end up inside URLs. */
export const GENERATED_SECRETS = {
  postgres: 32,
  timescale: 32,
  redis: 32,
  qdrant: 48,
  /** The backend's JWT signing key, JARVIS_SECRET_KEY. */
  jwt: 64,
  grafana: 24,
} as const;
export type GeneratedSecret = keyof typeof GENERATED_SECRETS;

/** Provided secrets that only the platform's provider uses, never a workload. */
export type ProviderSecret = "kubeconfig" | "registryPassword";
export type WorkloadSecret = GeneratedSecret | Exclude<SecretKey, ProviderSecret>;
