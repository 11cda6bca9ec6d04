// The policy pack: `pulumi preview --policy-pack policy` (after `npm ci` here). Its enforcement comes
// from the stack's config (jarvis:policyEnforcement, advisory in dev), which the CLI hands the pack.
import { PolicyPack } from "@pulumi/policy";
import { packSettings } from "./context";
import { jarvisPolicies } from "./policies";

const config = JSON.parse(process.env.PULUMI_CONFIG ?? "{}") as Record<string, string>;
// Without the stack's config the invariants would not know what to require: refuse rather than pass.
if (!config["jarvis:platform"])
  throw new Error("the pack reads the stack's config (PULUMI_CONFIG), which has no jarvis:platform");
const settings = packSettings(config);

new PolicyPack("jarvis", { enforcementLevel: settings.enforcement, policies: jarvisPolicies(settings) });
