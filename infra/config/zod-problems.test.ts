import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../../tools/plan/cli";
import { problems } from "../../tools/test-support";
import { knownKeysAt, quoted, unknownKeyMessage } from "./zod-problems";

describe("a misspelt key", () => {
  it("is answered with the nearest known key at its own level", () => {
    expect(problems("dev", { "jarvis:prots": { backend: { http: 8000 } } })).toContainEqual({
      key: "jarvis:prots",
      message: "unknown configuration key; did you mean ports?",
    });
    expect(problems("staging", { "jarvis:clusterDns": { prot: 53 } })).toEqual([
      { key: "jarvis:clusterDns.prot", message: "unknown key; did you mean port?" },
    ]);
    expect(problems("dev", { "jarvis:ports": { backend: { htp: 8000 } } })).toEqual([
      { key: "jarvis:ports.backend.htp", message: "unknown key; did you mean http?" },
    ]);
  });

  it("is matched inside lists, maps with known keys and alternatives", () => {
    const egress = [{ cidr: "10.0.0.0/8", ports: [443], exept: [] }];
    expect(problems("staging", { "jarvis:egress": { ollama: egress } })).toEqual([
      { key: "jarvis:egress.ollama[0].exept", message: "unknown key; did you mean except?" },
    ]);
    expect(problems("dev", { "jarvis:rotation": { jwtt: 1 } })).toEqual([
      { key: "jarvis:rotation.jwtt", message: "unknown key; did you mean jwt?" },
    ]);
    const hostPort = { hostPort: 8000, bindAdress: "127.0.0.1" };
    // A port or an object: the object's own problems, not "invalid input".
    expect(problems("dev", { "jarvis:publish": { ports: { backend: { http: hostPort } } } })).toEqual([
      { key: "jarvis:publish.ports.backend.http.bindAddress", message: "missing: expected string" },
      { key: "jarvis:publish.ports.backend.http.bindAdress", message: "unknown key; did you mean bindAddress?" },
    ]);
  });

  it("gets no suggestion when nothing known is close, ignoring case", () => {
    expect(unknownKeyMessage("zzzzzz", ["ports", "images"])).toBe("unknown key");
    expect(unknownKeyMessage("host", ["port", "broker", "username"])).toBe("unknown key");
    expect(unknownKeyMessage("netwrok", ["network", "addresses"])).toBe("unknown key; did you mean network?");
    expect(unknownKeyMessage("PORTS", ["ports", "images"])).toBe("unknown key; did you mean ports?");
    expect(unknownKeyMessage("x", [])).toBe("unknown key");
  });
});

describe("a refused value", () => {
  it("is echoed after the message", () => {
    expect(problems("dev", { "jarvis:ports": { backend: { http: "8000x" } } })).toEqual([
      { key: "jarvis:ports.backend.http", message: 'Invalid input: expected number (got "8000x")' },
    ]);
    expect(problems("dev", { "jarvis:network": { subnet: "not-a-cidr" } })[0]!.message).toMatch(
      /\(got "not-a-cidr"\)$/,
    );
  });

  it("is said to be missing where there is none, with what was expected", () => {
    expect(problems("dev", { "jarvis:ports": { backend: null } })).toEqual([
      { key: "jarvis:ports.backend", message: "missing: expected object" },
    ]);
    const storage = parse(readFileSync(join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")).config["jarvis:storage"];
    expect(
      problems("staging", { "jarvis:storage": { ...storage, sizes: { ...storage.sizes, ollama: undefined } } }),
    ).toEqual([{ key: "jarvis:storage.sizes.ollama", message: "missing: expected number or string" }]);
  });

  it("is cut short when long", () => {
    expect(quoted("x".repeat(100))).toHaveLength(60);
    expect(quoted({ a: 1 })).toBe('{"a":1}');
  });
});

describe("the keys known at a path", () => {
  it("see through optional values, pipes and unions", () => {
    const schema = z.strictObject({
      a: z.strictObject({ b: z.int() }).optional(),
      u: z.union([z.int(), z.strictObject({ c: z.int(), d: z.int() })]),
      t: z.string().transform(Number).pipe(z.int()),
    });
    expect(knownKeysAt(schema, [])).toEqual(["a", "u", "t"]);
    expect(knownKeysAt(schema, ["a"])).toEqual(["b"]);
    expect(knownKeysAt(schema, ["u"])).toEqual(["c", "d"]);
    expect(knownKeysAt(schema, ["nothing"])).toEqual([]);
  });
});

describe("a problem's key path", () => {
  it("is one `pulumi config set --path` takes, quoting names with dots", () => {
    const staging = parse(readFileSync(join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")).config;
    const edge = { ...staging["jarvis:edge"], annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": [1] } };
    expect(problems("staging", { "jarvis:edge": edge }).map((p) => p.key)).toEqual([
      'jarvis:edge.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]',
    ]);
    // The CLI's forms of a value, a number where a string is meant, are read as the string.
    const timeout = { ...edge, annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": 3600 } };
    expect(problems("staging", { "jarvis:edge": timeout })).toEqual([]);
  });
});

describe("a value of the wrong kind", () => {
  it("says what was expected: a memory quantity, a selector that selects", () => {
    const resources = { backend: { limits: { memory: 0.5 } } };
    expect(problems("dev", { "jarvis:resources": resources })).toEqual([
      {
        key: "jarvis:resources.backend.limits.memory",
        message: "must be a memory quantity such as 512Mi or 2Gi (got 0.5)",
      },
    ]);
    expect(problems("staging", { "jarvis:clusterDns": { podLabels: {} } })).toEqual([
      {
        key: "jarvis:clusterDns.podLabels",
        message: "must name at least one label: an empty selector matches every pod of the namespace (got {})",
      },
    ]);
  });
});
