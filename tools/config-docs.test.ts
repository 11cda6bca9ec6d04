import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PLATFORM_KEYS, SECRET_KEYS, sharedKeys } from "../infra/config/schema";
import { configReference, DOCS_FILE, SCHEMA_FILE, stackFileSchema } from "./config-docs";
import { PROJECT_DIR } from "./plan/cli";

const read = (file: string) => readFileSync(join(PROJECT_DIR, file), "utf8");
const ajv = () => new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

describe("the configuration reference", () => {
  it("is in sync with the schema (run `npm run docs` after changing it)", () => {
    expect(read(DOCS_FILE)).toBe(configReference(PROJECT_DIR));
    expect(JSON.parse(read(SCHEMA_FILE))).toEqual(stackFileSchema(PROJECT_DIR));
  });

  it("documents every key with its project default", () => {
    const doc = read(DOCS_FILE);
    for (const key of [
      ...Object.keys(sharedKeys),
      ...Object.keys(PLATFORM_KEYS.docker),
      ...Object.keys(PLATFORM_KEYS.kubernetes),
      ...Object.keys(SECRET_KEYS),
    ])
      expect(doc).toContain(`\`jarvis:${key}\``);
    expect(doc).toContain("| `jarvis:ports.backend.http` | integer 1-65535 | TCP port, 1-65535 | `8000` |");
  });
});

describe("the stack-file JSON Schema", () => {
  const validate = ajv().compile(stackFileSchema(PROJECT_DIR));

  // That every stack file matches it is one of the checks of every stack (tools/stack-checks.ts).
  it("accepts secrets as secure values and other namespaces as they are", () => {
    expect(
      validate({
        config: { "jarvis:smtpPassword": { secure: "v1:x" }, "kubernetes:context": "c" },
        encryptionsalt: "v1:s",
      }),
    ).toBe(true);
  });

  it("refuses a misspelt key, a plain-text secret and a wrong type", () => {
    expect(validate({ config: { "jarvis:netwrok": {} } })).toBe(false);
    expect(validate({ config: { "jarvis:smtpPassword": "plain" } })).toBe(false);
    expect(validate({ config: { "jarvis:platform": "nomad" } })).toBe(false);
    expect(validate({ config: {}, colour: "blue" })).toBe(false);
    expect(validate({ config: { "jarvis:ports": { backend: { http: "x" } } } })).toBe(false);
  });

  it("takes a stack's value of a key with an object default as a merge patch of it", () => {
    expect(validate({ config: { "jarvis:ports": { backend: { http: 9000 } } } })).toBe(true);
    expect(validate({ config: { "jarvis:publish": { ports: { backend: null } } } })).toBe(true);
    // A key without a default in Pulumi.yaml is the whole value.
    expect(validate({ config: { "jarvis:storage": { className: "standard" } } })).toBe(false);
  });
});

describe("Pulumi.yaml", () => {
  it("is valid against Pulumi's project-file schema", () => {
    const schema = JSON.parse(read("test/fixtures/pulumi-project.schema.json"));
    const validate = ajv().compile(schema);
    expect(validate(parse(read("Pulumi.yaml"))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("keeps the type check out of `pulumi up` and the state on the local file backend", () => {
    const project = parse(read("Pulumi.yaml"));
    expect(project.runtime.options.tsconfig).toBe("tsconfig.pulumi.json");
    expect(JSON.parse(read("tsconfig.pulumi.json")).compilerOptions.noCheck).toBe(true);
    expect(project.backend.url).toMatch(/^file:\/\//);
  });
});
