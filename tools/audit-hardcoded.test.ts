import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { audit, auditSource } from "./audit-hardcoded";

const rules = (text: string) => auditSource("x.ts", text).map((f) => `${f.line}: ${f.rule}`);

describe("the hardcoded-value audit", () => {
  it("finds IPv4 and CIDR literals in strings and templates", () => {
    expect(rules(`const a = "10.0.0.1";\nconst b = \`net \${x} 172.20.0.0/16\`;\nconst c = "1.2.3";`)).toEqual([
      "1: IPv4 literal",
      "2: CIDR literal",
    ]);
  });

  it("finds numbers assigned to or compared with a name matching port", () => {
    const text = [
      "const backendPort = 8000;",
      "const cfg = { hostPort: 3000, replicas: 2 };",
      "if (spec.port === 5432) {}",
      "if (6379 == redisPort) {}",
      "function f(port = 9090) {}",
      "switch (port) { case 443: break; }",
      "obj['grpcPort'] = 6334;",
      "const timeout = 8000;",
    ].join("\n");
    expect(rules(text)).toEqual([
      "1: number bound to 'backendPort'",
      "2: number bound to 'hostPort'",
      "3: number bound to 'port'",
      "4: number bound to 'redisPort'",
      "5: number bound to 'port'",
      "6: number bound to 'port'",
      "7: number bound to 'grpcPort'",
    ]);
  });

  it("finds :NNNN inside strings, not elsewhere", () => {
    expect(
      rules(`const u = "http://db:5432/x";\nconst t = \`\${host}:\${port}\`;\nconst n = a ? 1 : 2;\nconst v6 = "::1";`),
    ).toEqual(["1: port inside a string"]);
    expect(rules("const u = `http://${host}:${8000}/`;")).toEqual(["1: port inside a string"]);
  });

  it("sees through defaults, wrappers and digit strings", () => {
    const text = [
      "const a = cfg.port ?? 8080;",
      "const b = cfg.dbPort || 5432;",
      'const c = { port: "8080" };',
      'url.port = "6379";',
      "const redisPort = 6379 as const;",
      "const webPort = (3000 satisfies number);",
    ].join("\n");
    expect(rules(text).map((r) => r.split(":")[0])).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  it("flags addresses written in comments too", () => {
    expect(rules("// the old subnet was 172.20.0.0/16\nconst x = 1; /* 10.0.0.1 */")).toEqual([
      "1: address in a comment",
      "2: address in a comment",
    ]);
  });

  it("reads comments as the compiler does: `//` inside a string or a template is text", () => {
    expect(rules('const u = "http://10.0.0.1/";')).toEqual(["1: IPv4 literal"]);
    expect(rules("const u = `https://${host}/x`; // at 10.0.0.1")).toEqual(["1: address in a comment"]);
    expect(rules("const u = `https://${host}//10.0.0.1`;")).toEqual(["1: IPv4 literal"]);
    expect(rules('const g = "src/*"; const h = "*/"; const x = 1;')).toEqual([]);
  });

  it("finds an address on any line of a block comment", () => {
    expect(rules("/*\n * the old subnet was\n * 172.20.0.0/16\n */\nconst x = 1;")).toEqual([
      "3: address in a comment",
    ]);
  });

  it("takes an exception from a comment only, not from a string that says audit-allow", () => {
    expect(rules('const a = "audit-allow: x"; const b = "10.0.0.1";')).toEqual(["1: IPv4 literal"]);
    expect(rules('const t = `\n// audit-allow: in a template\n`; const b = "10.0.0.1";')).toEqual(["3: IPv4 literal"]);
    expect(rules('/* audit-allow: a documented example */\nconst a = "10.0.0.1";')).toEqual([]);
    expect(rules('const x = 1; // audit-allow: only this line\nconst a = "10.0.0.1";')).toEqual(["2: IPv4 literal"]);
  });

  it("accepts an exception that gives its reason, on its line or the line above", () => {
    expect(
      rules(
        `const a = "127.0.0.1"; // audit-allow: loopback is the contract of this probe\n// audit-allow: protocol constant\nconst port = 53;`,
      ),
    ).toEqual([]);
    expect(rules(`const a = "127.0.0.1"; // audit-allow:`)).toEqual(["1: IPv4 literal"]);
  });

  it("reports file:line: text and skips tests, fixtures and dependencies", () => {
    const root = mkdtempSync(join(tmpdir(), "jarvis-audit-"));
    for (const dir of ["infra", "infra/fixtures", "node_modules/x"]) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, "infra/a.ts"), 'export const ok = 1;\nexport const db = "postgres://db:5432";\n');
    writeFileSync(join(root, "infra/a.test.ts"), 'const ip = "10.0.0.1";\n');
    writeFileSync(join(root, "infra/fixtures/f.ts"), 'const ip = "10.0.0.1";\n');
    writeFileSync(join(root, "node_modules/x/i.ts"), 'const ip = "10.0.0.1";\n');
    const result = audit(root);
    expect(result.files).toBe(1);
    expect(result.findings).toEqual([
      { file: "infra/a.ts", line: 2, text: 'export const db = "postgres://db:5432";', rule: "port inside a string" },
    ]);
  });

  it("finds nothing in this repository", () => {
    expect(audit(join(__dirname, "..")).findings).toEqual([]);
  });
});
