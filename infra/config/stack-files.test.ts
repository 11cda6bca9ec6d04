import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeStackConfig, StackFileError } from "./stack-files";

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
    const merged = mergeStackConfig(...files(project, "config:\n  proj:ports: { b: 5 }\n  size: large\n  extra:flag: true\n"));
    expect(merged.config["proj:ports"]).toBe('{"b":5}');
    expect(merged.config["proj:size"]).toBe("large");
    expect(merged.config["extra:flag"]).toBe("true");
  });

  it("turns secure values into recognisable stand-ins and marks their keys secret", () => {
    const merged = mergeStackConfig(
      ...files(project, "config:\n  proj:password:\n    secure: v1:abc\n  proj:nested:\n    user: u\n    pass:\n      secure: v1:def\n"),
    );
    expect(merged.config["proj:password"]).toBe("PLAN-SECRET-password");
    expect(JSON.parse(merged.config["proj:nested"]!)).toEqual({ user: "u", pass: "PLAN-SECRET-nested.pass" });
    expect(merged.secretKeys).toEqual(["proj:nested", "proj:password"]);
  });

  it("refuses unreadable or malformed files with the file named", () => {
    expect(() => mergeStackConfig("/nonexistent/Pulumi.yaml", "/nonexistent/s.yaml")).toThrow(StackFileError);
    expect(() => mergeStackConfig(...files("name: p\nruntime: nodejs\n", "config: [1"))).toThrow(/not valid YAML/);
    expect(() => mergeStackConfig(...files("runtime: nodejs\n", "config: {}"))).toThrow(/not a Pulumi project file/);
    expect(() => mergeStackConfig(...files("name: p\nconfig:\n  p:x: { value: 1, default: 2 }\n", "config: {}"))).toThrow(/both 'default' and 'value'/);
    expect(() => mergeStackConfig(...files("name: p\n", "config: 3"))).toThrow(/must be a map/);
    expect(() => mergeStackConfig(...files("name: p\nconfig: 3\n", "config: {}"))).toThrow(/must be a map/);
    expect(() => mergeStackConfig(...files("name: p\n", "- 1"))).toThrow(/must be a map/);
  });
});
