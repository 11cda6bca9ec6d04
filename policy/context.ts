// What the invariants need from the stack's config. The CLI hands a policy pack the stack's config
// in PULUMI_CONFIG, as the language host gets it: keys `<namespace>:<key>`, objects as JSON text
// (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, constructEnv and constructConfig).
import type { Json, StackFacts } from "./invariants";

export type EnforcementLevel = "mandatory" | "advisory";

export interface PackSettings {
  /** `jarvis:policyEnforcement`: mandatory where absent (staging and prod), advisory in dev. */
  readonly enforcement: EnforcementLevel;
  readonly facts: StackFacts;
}

/** The pack's settings from a stack's config, as PULUMI_CONFIG holds it. */
export function packSettings(config: Readonly<Record<string, string>>): PackSettings {
  const value = (key: string): Json | string | boolean | undefined => {
    const text = config[`jarvis:${key}`];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  const monitoring = (value("clusterMonitoring") ?? {}) as Json;
  const logCollection = (value("logCollection") ?? {}) as Json;
  const kubernetes = value("platform") === "kubernetes";
  return {
    enforcement: value("policyEnforcement") === "advisory" ? "advisory" : "mandatory",
    facts: {
      chartNamespaces:
        monitoring.mode === "managed" && monitoring.managed?.namespace ? [monitoring.managed.namespace] : [],
      protectData: (value("dataProtection") as Json | undefined)?.protect === true,
      socketAllowed:
        logCollection.dockerSocket === true || (value("monitoring") as Json | undefined)?.cadvisor === true,
      ...(typeof logCollection.socket === "string" && { socket: logCollection.socket }),
      monitored: kubernetes,
    },
  };
}
