import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const HOOK = join(__dirname, "register-ts.cjs");

function run(file: string, cache: string) {
  return spawnSync(process.execPath, ["--require", HOOK, file], {
    encoding: "utf8",
    env: { ...process.env, JARVIS_TS_CACHE: cache },
  });
}

describe("the cached TypeScript require hook", () => {
  it("transpiles TypeScript, caches the result by content and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "jarvis-ts-"));
    const cache = join(dir, "cache");
    const file = join(dir, "probe.ts");
    writeFileSync(file, "const answer: number = 42;\nexport = answer;\nconsole.log(`answer ${answer}`);\n");
    expect(run(file, cache).stdout).toBe("answer 42\n");
    const [entry] = readdirSync(cache);
    expect(readdirSync(cache)).toHaveLength(1);
    expect(readFileSync(join(cache, entry!), "utf8")).toContain("sourceMappingURL=data:application/json");
    // A cached entry is what runs: marking it shows up in the output.
    writeFileSync(join(cache, entry!), 'console.log("from the cache");\n');
    expect(run(file, cache).stdout).toBe("from the cache\n");
    // Changed source, new key: transpiled again.
    writeFileSync(file, "const answer: number = 43;\nconsole.log(`answer ${answer}`);\n");
    expect(run(file, cache).stdout).toBe("answer 43\n");
    expect(readdirSync(cache)).toHaveLength(2);
  });
});
