// Config of Jarvis itself: feature switches, integrations, backend settings; and the
// secrets a person provides for them.
import { z } from "zod";
import { GENERATED_SECRETS } from "../secret-names";
import { origin, port, seconds } from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";
import type { Platform } from "./platform";

const features = z
  .strictObject({
    brainMemory: z.boolean(),
    emotionalAnalysis: z.boolean(),
    autoConsolidation: z.boolean(),
    webBrowsing: z.boolean().describe("Browserbase web browsing; needs `jarvis:browserbaseApiKey`."),
    alertEmail: z.boolean().describe("Alert e-mails; needs `jarvis:integrations.smtp` and `jarvis:smtpPassword`."),
    homeAssistant: z
      .boolean()
      .describe("Home Assistant; needs `jarvis:integrations.homeAssistant` and `jarvis:homeAssistantToken`."),
    mqtt: z.boolean().describe("MQTT; needs `jarvis:integrations.mqtt` and `jarvis:mqttPassword`."),
  })
  .describe("Feature switches.");
type Feature = keyof z.infer<typeof features>;

/** Secret keys a person provides with `pulumi config set --secret`. */
export const SECRET_KEYS = {
  smtpPassword: { feature: "alertEmail", description: "SMTP password for alert e-mails." },
  browserbaseApiKey: { feature: "webBrowsing", description: "Browserbase API key (BROWSERBASE_API_KEY)." },
  homeAssistantToken: { feature: "homeAssistant", description: "Home Assistant long-lived access token." },
  mqttPassword: { feature: "mqtt", description: "MQTT password." },
  registryPassword: { key: "registryLogin", description: "Password (or token) of `jarvis:registryLogin`." },
  kubeconfig: {
    platform: "kubernetes",
    description: "Inline kubeconfig content (Kubernetes), instead of cluster.context or cluster.kubeconfigPath.",
  },
} as const satisfies Record<string, { feature?: Feature; platform?: Platform; key?: string; description: string }>;
export type SecretKey = keyof typeof SECRET_KEYS;

export const applicationKeys = {
  shared: {
    features,
    integrations: z
      .strictObject({
        smtp: z
          .strictObject({
            host: z.string().min(1),
            port,
            username: z.string().min(1),
            from: z.email(),
            to: z.array(z.email()).min(1),
          })
          .optional(),
        browserbase: z.strictObject({ projectId: z.string().min(1) }).optional(),
        homeAssistant: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
        mqtt: z.strictObject({ broker: z.string().min(1), port, username: z.string().min(1) }).optional(),
      })
      .describe("Settings of external integrations; each is required when its feature is on."),
    backend: z
      .strictObject({
        appName: z.string().min(1),
        logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]),
        debug: z.boolean(),
        corsOrigins: z
          .array(origin)
          .optional()
          .describe("Allowed CORS origins; default: the interface's browser-facing origin."),
        rateLimit: z.strictObject({
          requests: z.int().min(1).describe("Requests allowed per client in one window."),
          windowSeconds: seconds,
        }),
        memory: z.strictObject({ updateIntervalSeconds: seconds, retentionDays: z.int().min(1) }),
      })
      .describe("Backend application settings."),
    qdrant: z
      .strictObject({ maxSearchThreads: z.int().min(0).describe("Search threads; 0 lets Qdrant choose.") })
      .describe("Qdrant tuning."),
    rotation: z
      .partialRecord(
        z.enum(
          Object.keys(GENERATED_SECRETS) as [keyof typeof GENERATED_SECRETS, ...(keyof typeof GENERATED_SECRETS)[]],
        ),
        z.int().min(0),
      )
      .optional()
      .describe("Rotation counters of generated secrets; raise one to generate that secret anew. Absent means 0."),
  },
} satisfies ModuleKeys;

export const applicationChecks: ModuleChecks = { shared: featureFindings };

/** Integrations and person-provided secrets are required only while their feature is on. */
function featureFindings(config: Parsed, { secrets }: { secrets: ReadonlySet<SecretKey> }): Finding[] {
  const { features, integrations } = config;
  if (!features) return [];
  const findings: Finding[] = [];
  const needs: [Feature, keyof NonNullable<typeof integrations>][] = [
    ["alertEmail", "smtp"],
    ["webBrowsing", "browserbase"],
    ["homeAssistant", "homeAssistant"],
    ["mqtt", "mqtt"],
  ];
  for (const [feature, integration] of needs) {
    if (features[feature] && integrations && !integrations[integration])
      findings.push({
        key: "integrations",
        path: [integration],
        message: `required because features.${feature} is on`,
      });
  }
  for (const [secret, spec] of Object.entries(SECRET_KEYS)) {
    if (secrets.has(secret as SecretKey)) continue;
    const set = `pulumi config set --secret ${secret} <value>`;
    if ("feature" in spec && features[spec.feature])
      findings.push({ key: secret, path: [], message: `required because features.${spec.feature} is on: ${set}` });
    if ("key" in spec && (config as Record<string, unknown>)[spec.key] !== undefined)
      findings.push({ key: secret, path: [], message: `required because ${spec.key} is set: ${set}` });
  }
  return findings;
}
