// The secrets Jarvis uses, by name: generated ones and their length, and the environment variable
// under which each secret a workload reads reaches it. The values live only in the Secrets component.
import { ENV, type EnvName } from "./catalogue";
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

export const SECRET_ENV: Readonly<Record<WorkloadSecret, EnvName>> = {
  postgres: ENV.postgresPassword,
  timescale: ENV.timescalePassword,
  redis: ENV.redisPassword,
  qdrant: ENV.qdrantApiKey,
  jwt: ENV.secretKey,
  grafana: ENV.grafanaAdminPassword,
  smtpPassword: ENV.smtpPassword,
  browserbaseApiKey: ENV.browserbaseApiKey,
  homeAssistantToken: ENV.homeAssistantToken,
  mqttPassword: ENV.mqttPassword,
};
