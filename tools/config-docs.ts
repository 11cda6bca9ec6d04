// `npm run docs`: generates, from the zod schema, the configuration reference (docs/configuration.md)
// and the JSON Schema of a stack file (schema/stack-config.schema.json) that editors use to check
// and complete Pulumi.<stack>.yaml. A test keeps both in sync with the schema.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { OPTIONAL_KEYS, PLATFORM_KEYS, SECRET_KEYS, sharedKeys } from "../infra/config/schema";
import { projectConfig } from "./plan/stack-files";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON Schema nodes of any shape
type JsonSchema = Record<string, any>;
const NAMESPACE = "jarvis";
export const DOCS_FILE = "docs/configuration.md";
export const SCHEMA_FILE = "schema/stack-config.schema.json";

const SECTIONS: [string, string, Record<string, z.ZodType>][] = [
  ["Shared keys", "Used by every platform.", sharedKeys],
  ["Docker keys", "Required and used only when `jarvis:platform` is `docker`.", PLATFORM_KEYS.docker],
  ["Kubernetes keys", "Required and used only when `jarvis:platform` is `kubernetes`.", PLATFORM_KEYS.kubernetes],
];

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  });
  return rest;
}

/** zod states an unbounded integer as the safe-integer limits. */
const isUnbounded = (n: unknown) => typeof n === "number" && Math.abs(n) >= Number.MAX_SAFE_INTEGER;

function typeOf(node: JsonSchema): string {
  if (node.anyOf) return node.anyOf.map(typeOf).join(" or ");
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return `one of ${node.enum.map((v: unknown) => `\`${v}\``).join(", ")}`;
  if (node.type === "array") return `list of ${typeOf(node.items ?? {})}`;
  if (node.type === "integer" || node.type === "number") {
    const min = isUnbounded(node.minimum) ? undefined : node.minimum;
    const max = isUnbounded(node.maximum) ? undefined : node.maximum;
    return min !== undefined && max !== undefined
      ? `${node.type} ${min}-${max}`
      : min !== undefined
        ? `${node.type} >= ${min}`
        : node.type;
  }
  if (node.type === "string") return node.format ? `string (${node.format})` : "string";
  if (node.type === "object" && node.propertyNames?.enum)
    return `map of ${node.propertyNames.enum.join("/")} to ${typeOf(node.additionalProperties)}`;
  return Array.isArray(node.type) ? node.type.join(" or ") : (node.type ?? "any");
}

function valueAt(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
    value,
  );
}

function rows(node: JsonSchema, path: string[], defaults: unknown): string[] {
  const here = `| \`${NAMESPACE}:${path.join(".")}\` | ${typeOf(node).replaceAll("|", "\\|")} | ${(node.description ?? "").replaceAll("|", "\\|")} | ${defaultCell(valueAt(defaults, path))} |`;
  if (node.type !== "object" || !node.properties) return [here];
  const required = new Set<string>(node.required ?? []);
  return [
    here,
    ...Object.entries(node.properties as Record<string, JsonSchema>).flatMap(([key, child]) =>
      rows(
        required.has(key)
          ? child
          : { ...child, description: `${child.description ?? ""}${child.description ? " " : ""}(optional)` },
        [...path, key],
        defaults,
      ),
    ),
  ];
}

function defaultCell(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return "";
  return `\`${JSON.stringify(value)}\``;
}

/** Project-level values of Pulumi.yaml, by key without namespace. */
export function projectDefaults(projectDir: string): Record<string, unknown> {
  const { values } = projectConfig(join(projectDir, "Pulumi.yaml"));
  return Object.fromEntries(
    [...values]
      .filter(([key]) => key.startsWith(`${NAMESPACE}:`))
      .map(([key, value]) => [key.slice(NAMESPACE.length + 1), value]),
  );
}

export function configReference(projectDir: string): string {
  const defaults = projectDefaults(projectDir);
  const out = [
    "# Stack configuration reference",
    "",
    "Generated from `infra/config/schema.ts` by `npm run docs`; a test fails when it is out of date.",
    "",
    "Every key lives in the `jarvis:` namespace. Defaults shared by all stacks are in `Pulumi.yaml`;",
    "a stack file (`Pulumi.<stack>.yaml`) holds what differs. Where the default is an object, the",
    "stack's value is laid over it as a JSON merge patch (RFC 7386): objects merge key by key, lists",
    "and single values replace, `null` removes a key. So `pulumi config set --path",
    "'jarvis:ports.backend.http' 9000` changes that one port. Every key that is set is validated,",
    "whichever platform reads it; only the chosen platform's keys are required. Unknown `jarvis:`",
    "keys are refused; other namespaces pass through.",
    "",
  ];
  for (const [title, intro, keys] of SECTIONS) {
    out.push(`## ${title}`, "", intro, "");
    for (const [key, schema] of Object.entries(keys)) {
      const inProject = defaults[key] !== undefined;
      const status = OPTIONAL_KEYS.has(key)
        ? "optional"
        : inProject
          ? "required; default in Pulumi.yaml"
          : "required; set in the stack file";
      out.push(`### \`${NAMESPACE}:${key}\``, "", `${jsonSchema(schema).description ?? ""} (${status})`, "");
      out.push(
        "| key path | type | description | default |",
        "| --- | --- | --- | --- |",
        ...rows(jsonSchema(schema), [key], defaults),
        "",
      );
    }
  }
  out.push(
    "## Secrets",
    "",
    "Set with `pulumi config set --secret jarvis:<key> <value>`; stored encrypted in the stack file.",
    "",
  );
  out.push("| key | required when | description |", "| --- | --- | --- |");
  for (const [key, spec] of Object.entries(SECRET_KEYS)) {
    const when =
      "feature" in spec
        ? `\`features.${spec.feature}\` is on`
        : "key" in spec
          ? `\`jarvis:${spec.key}\` is set`
          : "optional";
    out.push(`| \`${NAMESPACE}:${key}\` | ${when} | ${spec.description} |`);
  }
  return `${out.join("\n")}\n`;
}

/**
 * What a stack file may hold for a key whose Pulumi.yaml default is an object: a JSON merge patch of
 * it (infra/config/overlay.ts): any part of each object, `null` to remove a key. Lists replace whole.
 */
function mergePatchOf(node: JsonSchema): JsonSchema {
  if (node.anyOf) return { ...node, anyOf: node.anyOf.map(mergePatchOf) };
  if (node.type !== "object") return node;
  const { required: _everyKeyMayBeLeftOut, ...rest } = node;
  const orNull = (child: JsonSchema) => ({ anyOf: [mergePatchOf(child), { type: "null" }] });
  return {
    ...rest,
    ...(node.properties && {
      properties: Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, orNull(v as JsonSchema)])),
    }),
    ...(typeof node.additionalProperties === "object" && { additionalProperties: orNull(node.additionalProperties) }),
  };
}

export function stackFileSchema(projectDir: string): JsonSchema {
  const defaults = projectDefaults(projectDir);
  const patchable = (key: string) => typeof defaults[key] === "object" && !Array.isArray(defaults[key]);
  const known = [...SECTIONS.flatMap(([, , keys]) => Object.keys(keys)), ...Object.keys(SECRET_KEYS)];
  const secure = {
    type: "object",
    properties: { secure: { type: "string" } },
    required: ["secure"],
    additionalProperties: false,
  };
  const properties = Object.fromEntries([
    ...SECTIONS.flatMap(([, , keys]) =>
      Object.entries(keys).map(([key, schema]) => [
        `${NAMESPACE}:${key}`,
        patchable(key) ? mergePatchOf(jsonSchema(schema)) : jsonSchema(schema),
      ]),
    ),
    ...Object.entries(SECRET_KEYS).map(([key, spec]) => [
      `${NAMESPACE}:${key}`,
      { ...secure, description: spec.description },
    ]),
  ]);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Jarvis stack settings (Pulumi.<stack>.yaml)",
    description: `Generated by \`npm run docs\` from infra/config/schema.ts. See ${DOCS_FILE}.`,
    type: "object",
    properties: {
      config: {
        type: "object",
        properties,
        // A misspelt jarvis: key is an error; other namespaces (kubernetes:, docker:) pass through.
        patternProperties: { [`^${NAMESPACE}:(?!(${known.join("|")})$)`]: false },
      },
      secretsprovider: { type: "string" },
      encryptedkey: { type: "string" },
      encryptionsalt: { type: "string" },
      environment: {},
    },
    additionalProperties: false,
  };
}

/* c8 ignore start: the command-line wrapper of `npm run docs` */
if (require.main === module) {
  const root = join(__dirname, "..");
  writeFileSync(join(root, DOCS_FILE), configReference(root));
  writeFileSync(join(root, SCHEMA_FILE), `${JSON.stringify(stackFileSchema(root), null, 2)}\n`);
  console.log(`wrote ${DOCS_FILE} and ${SCHEMA_FILE}`);
}
/* c8 ignore stop */
