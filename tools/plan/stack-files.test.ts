import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StackFileError } from "./merged-config";
import { mergeStackConfig } from "./stack-files";

function files(project: string, stack: string) {
  const dir = mkdtempSync(join(tmpdir(), "jarvis-merge-"));
  writeFileSync(join(dir, "Pulumi.yaml"), project);
  writeFileSync(join(dir, "Pulumi.s.yaml"), stack);
  return [join(dir, "Pulumi.yaml"), join(dir, "Pulumi.s.yaml")] as const;
}

const project = `
name: proj
runtime: nodejs
config:
  size: small
  proj:count: 3
  proj:ports:
    value: { a: 1, b: 2 }
  proj:tags:
    default: [x, y]
  aws:region:
    value: eu-west-1
`;

describe("merging Pulumi.yaml and a stack file as the CLI does", () => {
  it("applies project values under the project's namespace, as strings the program receives", () => {
    const merged = mergeStackConfig(...files(project, "config: {}"));
    expect(merged.project).toBe("proj");
    expect(merged.config).toEqual({
      "aws:region": "eu-west-1",
      "proj:count": "3",
      "proj:ports": '{"a":1,"b":2}',
      "proj:size": "small",
      "proj:tags": '["x","y"]',
    });
    expect(merged.secretKeys).toEqual([]);
  });

  it("lets a stack key replace the project value whole (no deep merge)", () => {
    const merged = mergeStackConfig(
      ...files(project, "config:\n  proj:ports: { b: 5 }\n  size: large\n  extra:flag: true\n"),
    );
    expect(merged.config["proj:ports"]).toBe('{"b":5}');
    expect(merged.config["proj:size"]).toBe("large");
    expect(merged.config["extra:flag"]).toBe("true");
  });

  it("turns secure values into recognisable stand-ins and marks their keys secret", () => {
    const merged = mergeStackConfig(
      ...files(
        project,
        "config:\n  proj:password:\n    secure: v1:abc\n  proj:nested:\n    user: u\n    pass:\n      secure: v1:def\n",
      ),
    );
    const digest = (ciphertext: string) => createHash("sha256").update(ciphertext).digest("hex").slice(0, 8);
    expect(merged.config["proj:password"]).toBe(`PLAN-SECRET-password-${digest("v1:abc")}`);
    expect(JSON.parse(merged.config["proj:nested"]!)).toEqual({
      user: "u",
      pass: `PLAN-SECRET-nested.pass-${digest("v1:def")}`,
    });
    expect(merged.secretKeys).toEqual(["proj:nested", "proj:password"]);
  });

  it("gives another ciphertext another stand-in, which names neither ciphertext", () => {
    const standIn = (ciphertext: string) =>
      mergeStackConfig(...files(project, `config:\n  proj:password:\n    secure: ${ciphertext}\n`)).config[
        "proj:password"
      ]!;
    expect(standIn("AAAA")).not.toBe(standIn("BBBB"));
    expect(standIn("AAAA")).toBe(standIn("AAAA"));
    for (const ciphertext of ["AAAA", "BBBB"]) expect(standIn(ciphertext)).not.toContain(ciphertext);
  });

  it("refuses unreadable or malformed files with the file named", () => {
    expect(() => mergeStackConfig("/nonexistent/Pulumi.yaml", "/nonexistent/s.yaml")).toThrow(StackFileError);
    expect(() => mergeStackConfig(...files("name: p\nruntime: nodejs\n", "config: [1"))).toThrow(/not valid YAML/);
    expect(() => mergeStackConfig(...files("runtime: nodejs\n", "config: {}"))).toThrow(/not a Pulumi project file/);
    expect(() =>
      mergeStackConfig(...files("name: p\nconfig:\n  p:x: { value: 1, default: 2 }\n", "config: {}")),
    ).toThrow(/both 'default' and 'value'/);
    expect(() => mergeStackConfig(...files("name: p\n", "config: 3"))).toThrow(/must be a map/);
    expect(() => mergeStackConfig(...files("name: p\nconfig: 3\n", "config: {}"))).toThrow(/must be a map/);
    expect(() => mergeStackConfig(...files("name: p\n", "- 1"))).toThrow(/must be a map/);
  });

  it("reads YAML as the CLI does: merge keys, legacy key spelling, empty keys set nothing", () => {
    const merged = mergeStackConfig(
      ...files(
        project,
        "config:\n  proj:base: &b { x: 1 }\n  proj:more:\n    <<: *b\n    y: 2\n  proj:config:legacy: v\n  size: ~\n",
      ),
    );
    expect(JSON.parse(merged.config["proj:more"]!)).toEqual({ x: 1, y: 2 });
    expect(merged.config["proj:legacy"]).toBe("v");
    expect(merged.config["proj:size"]).toBe("small");
  });

  it("refuses what the CLI could not carry or would not read", () => {
    const problems = (stack: string) => {
      try {
        mergeStackConfig(...files(project, stack));
        return [];
      } catch (error) {
        return (error as StackFileError).problems.map(
          (p) => `${p.key.replace(/^.*Pulumi\.s\.yaml/, "<file>")}: ${p.message}`,
        );
      }
    };
    expect(problems("config:\n  proj:n: { max: 1e400 }\n")).toEqual(["proj:n.max: number out of range"]);
    expect(problems("config:\n  proj:p: !foo docker\n")[0]).toMatch(/not valid YAML: Unresolved tag: !foo/);
    expect(problems("foo: bar\nsecretsprovider: 5\nconfig: {}\n")).toEqual([
      "<file>: foo: unknown top-level key of a stack file",
      "<file>: secretsprovider: must be a string",
    ]);
    expect(problems("environment: [prod-env]\nconfig: {}\n")[0]).toMatch(/ESC environments cannot be resolved offline/);
  });
});
