// Custom resources without a model package, validated with ajv against the openAPIV3Schema of their
// CRD (copied into test/fixtures) with the API server's rules that JSON Schema lacks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { PROJECT_DIR } from "./plan/cli";

/** The CRD files of each API group. */
const CRD_FILES: Record<string, readonly string[]> = {
  "monitoring.coreos.com": ["servicemonitors", "podmonitors", "prometheusrules"].map(
    (name) => `test/fixtures/prometheus-operator/crds/crd-${name}.yaml`,
  ),
};

export const hasCrdSchema = (group: string): boolean => group in CRD_FILES;

const ajv = new Ajv({
  allErrors: true,
  // The other x-kubernetes-* keywords (list and map types) say how the server merges, not what is valid.
  strict: false,
  // OpenAPI's int32, int64 and date-time are not ajv's formats; the types are still checked.
  validateFormats: false,
  // Patterns are Go regular expressions: `(?i)` (placed after `^` in these CRDs) is JavaScript's `i` flag.
  code: {
    regExp: Object.assign(
      (pattern: string, flags: string) =>
        pattern.includes("(?i)") ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags),
      { code: "new RegExp" },
    ),
  },
});
ajv.addKeyword({
  keyword: "x-kubernetes-int-or-string",
  schemaType: "boolean",
  validate: (on: boolean, data: unknown) => !on || Number.isInteger(data) || typeof data === "string",
});

/**
 * The API server prunes fields a structural schema does not name (kubectl's strict field validation
 * rejects them): JSON Schema's `additionalProperties: false` wherever an object lists its properties.
 */
function withoutUnknownFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutUnknownFields);
  if (typeof schema !== "object" || schema === null) return schema;
  const result = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withoutUnknownFields(v)]));
  const open = "additionalProperties" in result || result["x-kubernetes-preserve-unknown-fields"] === true;
  return "properties" in result && !open ? { ...result, additionalProperties: false } : result;
}

/** A CRD's metadata is only `type: object`; the server checks ObjectMeta, of which these matter here. */
const METADATA = { type: "object", properties: { name: { type: "string" }, namespace: { type: "string" } } };

/** Compiled schemas by `apiVersion kind`, each group's CRDs read and compiled on first use. */
const validators = new Map<string, ValidateFunction>();
const loadedGroups = new Set<string>();
function validatorFor(group: string, apiVersion: string, kind: string): ValidateFunction | undefined {
  if (!loadedGroups.has(group)) {
    for (const file of CRD_FILES[group] ?? [])
      for (const document of parseAllDocuments(readFileSync(join(PROJECT_DIR, file), "utf8"))) {
        const crd = document.toJS();
        for (const version of crd.spec.versions) {
          const schema = withoutUnknownFields(version.schema.openAPIV3Schema) as { properties: object };
          validators.set(
            `${group}/${version.name} ${crd.spec.names.kind}`,
            ajv.compile({ ...schema, properties: { ...schema.properties, metadata: METADATA } }),
          );
        }
      }
    loadedGroups.add(group);
  }
  return validators.get(`${apiVersion} ${kind}`);
}

/** `/spec/endpoints/0/prot` as `spec.endpoints[0].prot`. */
function pathOf(error: ErrorObject): string {
  const segments = error.instancePath.split("/").slice(1);
  if (error.keyword === "additionalProperties") segments.push(String(error.params.additionalProperty));
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join("") || "(root)";
}

/** Validates a custom resource of a group with CRD fixtures; throws every path that is wrong. */
export function validateCustomResource(object: {
  apiVersion: string;
  kind: string;
  metadata?: { name?: unknown };
}): void {
  const { apiVersion, kind, metadata } = object;
  const validate = validatorFor(apiVersion.split("/")[0], apiVersion, kind);
  if (!validate) throw new Error(`no schema for ${apiVersion} ${kind}`);
  if (validate(object)) return;
  const problems = validate.errors!.map(
    (e) => `${pathOf(e)}: ${e.keyword === "additionalProperties" ? "unknown field" : e.message}`,
  );
  throw new Error(`${apiVersion} ${kind} ${String(metadata?.name)}:\n${problems.join("\n")}`);
}
