// Config of Jarvis itself: feature switches, integrations, backend settings; and the
// secrets a person provides for them.
import { z } from "zod";
import { GENERATED_SECRETS } from "../secret-names";
import { destinations, origin, port, seconds } from "./fields";
import type { CheckContext, Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";
import type { Platform } from "./platform";
import { valueAt } from "./zod-problems";

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

/** The integration each feature talks to. */
export const FEATURE_INTEGRATIONS = {
  webBrowsing: "browserbase",
  alertEmail: "smtp",
  homeAssistant: "homeAssistant",
  mqtt: "mqtt",
} as const satisfies Partial<Record<Feature, string>>;
export type Integration = (typeof FEATURE_INTEGRATIONS)[keyof typeof FEATURE_INTEGRATIONS];

/** Where an integration is, for the network policies (Kubernetes): address ranges, not host names. */
const egress = destinations
  .optional()
  .describe(
    "The addresses and ports it is reached at (Kubernetes network policies match ranges, not names): a `/32` for a host on the home network, the provider's published ranges for a service on the internet.",
  );

/** Secret keys a person provides with `pulumi config set --secret`. */
export const SECRET_KEYS = {
  smtpPassword: { feature: "alertEmail", description: "SMTP password for alert e-mails." },
  browserbaseApiKey: { feature: "webBrowsing", description: "Browserbase API key (BROWSERBASE_API_KEY)." },
  homeAssistantToken: { feature: "homeAssistant", description: "Home Assistant long-lived access token." },
  mqttPassword: { feature: "mqtt", description: "MQTT password." },
  registryPassword: { key: "registryLogin", description: "Password (or token) of `jarvis:registryLogin`." },
  logStoreSecretKey: {
    key: "logStore.objectStore",
    description: "Secret access key of `jarvis:logStore.objectStore` (Loki's object storage, Kubernetes).",
  },
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
            requireTls: z
              .boolean()
              .optional()
              .describe("Alertmanager requires STARTTLS from the server (default true)."),
            egress,
          })
          .optional(),
        browserbase: z.strictObject({ projectId: z.string().min(1), egress }).optional(),
        homeAssistant: z.strictObject({ url: z.url({ protocol: /^https?$/ }), egress }).optional(),
        mqtt: z.strictObject({ broker: z.string().min(1), port, username: z.string().min(1), egress }).optional(),
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

export const applicationChecks: ModuleChecks = { shared: featureFindings, kubernetes: integrationEgressFindings };

/** On Kubernetes a switched-on feature's integration must say where it is: nothing else opens. */
function integrationEgressFindings(config: Parsed): Finding[] {
  const { features, integrations } = config;
  if (!features || !integrations) return [];
  return (Object.entries(FEATURE_INTEGRATIONS) as [Feature, Integration][]).flatMap(([feature, integration]) =>
    features[feature] && integrations[integration] && !integrations[integration].egress?.length
      ? [
          {
            key: "integrations",
            path: [integration, "egress"],
            message: `required on Kubernetes because features.${feature} is on: the services that use it may reach only these addresses`,
          },
        ]
      : [],
  );
}

/**
 * Integrations and person-provided secrets are required only while their feature is on, and have no
 * effect while it is off.
 */
function featureFindings(config: Parsed, { secrets, namespace }: CheckContext): Finding[] {
  const { features, integrations } = config;
  if (!features) return [];
  const findings: Finding[] = [];
  for (const [feature, integration] of Object.entries(FEATURE_INTEGRATIONS) as [Feature, Integration][]) {
    if (features[feature] && integrations && !integrations[integration])
      findings.push({
        key: "integrations",
        path: [integration],
        message: `required because features.${feature} is on`,
      });
    if (!features[feature] && integrations?.[integration])
      findings.push({
        ...noEffect("integrations", [integration]),
        message: `has no effect while features.${feature} is off`,
      });
  }
  for (const [secret, spec] of Object.entries(SECRET_KEYS) as [SecretKey, (typeof SECRET_KEYS)[SecretKey]][]) {
    const needed = secretNeed(config, spec);
    if (secrets.has(secret)) {
      if (needed.unused) findings.push({ ...noEffect(secret, []), message: `has no effect: ${needed.unused}` });
    } else if (needed.because) {
      const set = `pulumi config set --secret ${namespace}:${secret} <value>`;
      findings.push({ key: secret, path: [], message: `required because ${needed.because}: ${set}` });
    }
  }
  return findings;
}

const noEffect = (key: string, path: (string | number)[]) => ({ key, path, warning: true });

/** Why a provided secret is needed, or why it is not used. */
export function secretNeed(
  config: Parsed,
  spec: { readonly feature?: Feature; readonly key?: string; readonly platform?: Platform },
): { because?: string; unused?: string } {
  if (spec.feature)
    return config.features?.[spec.feature]
      ? { because: `features.${spec.feature} is on` }
      : { unused: `features.${spec.feature} is off` };
  if (spec.key)
    return valueAt(config, spec.key.split(".")) !== undefined
      ? { because: `${spec.key} is set` }
      : { unused: `${spec.key} is not set` };
  return config.platform === spec.platform ? {} : { unused: `only ${spec.platform} stacks use it` };
}
