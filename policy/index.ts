// The policy pack: `pulumi preview --policy-pack policy` (after `npm ci` here). Its enforcement comes
// from the stack's config (jarvis:policyEnforcement, advisory in dev), which the CLI hands the pack.
import { PolicyPack } from "@pulumi/policy";
import { packSettings } from "./context";
import { jarvisPolicies } from "./policies";

const settings = packSettings(JSON.parse(process.env.PULUMI_CONFIG ?? "{}"));

new PolicyPack("jarvis", { enforcementLevel: settings.enforcement, policies: jarvisPolicies(settings) });
