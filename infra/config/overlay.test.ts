import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { overlay, patchSets } from "./overlay";

describe("a stack's value laid over the project's default", () => {
  // RFC 7386, Appendix A: original, patch, result.
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("merges %j with %j into %j (RFC 7386's examples)", (original, patch, result) => {
    expect(overlay(patch, original).value).toEqual(result);
  });

  it("replaces what is not an object on both sides, as the CLI does", () => {
    expect(overlay(["x"], ["a", "b"]).value).toEqual(["x"]);
    expect(overlay("text", { a: 1 }).value).toBe("text");
    expect(overlay({ a: 1 }, undefined)).toEqual({ value: { a: 1 }, patch: { a: 1 } });
    // A key without a default: the patch applies to nothing, its nulls remove what they name.
    expect(overlay({ a: 1, b: null, c: { d: null } }, undefined).value).toEqual({ a: 1, c: {} });
  });

  it("leaves the project's default as it was (a second stack reads it too)", () => {
    const projectDefault = { ports: { backend: { http: 8000 }, redis: { redis: 6379 } } };
    const before = structuredClone(projectDefault);
    const { value } = overlay({ ports: { backend: { http: 9000 } } }, projectDefault);
    expect(value).toEqual({ ports: { backend: { http: 9000 }, redis: { redis: 6379 } } });
    expect(projectDefault).toEqual(before);
  });

  it("replaces a label selector whole: merged, the default's labels would stay and select nothing", () => {
    const projectDefault = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };
    const patch = { podLabels: { "app.kubernetes.io/name": "coredns" } };
    expect(overlay(patch, projectDefault, new Set(["podLabels"])).value).toEqual({
      namespace: "kube-system",
      podLabels: { "app.kubernetes.io/name": "coredns" },
    });
    expect(overlay(patch, projectDefault).value).toEqual({
      namespace: "kube-system",
      podLabels: { "k8s-app": "kube-dns", "app.kubernetes.io/name": "coredns" },
    });
    const nested = { ollama: { nodeSelector: { gpu: "true" }, tolerations: [] } };
    expect(overlay({ ollama: { nodeSelector: { pool: "gpu" } } }, nested, new Set(["nodeSelector"])).value).toEqual({
      ollama: { nodeSelector: { pool: "gpu" }, tolerations: [] },
    });
  });

  it("takes a value equal to the default for the default: the stack file sets nothing", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(overlay(structuredClone(value), value)).toEqual({ value, patch: undefined });
      }),
    );
  });

  it("keeps every leaf of a patch without nulls", () => {
    const leaves = fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.integer(), fc.string()));
    fc.assert(
      fc.property(leaves, fc.dictionary(fc.string({ minLength: 1 }), leaves), (projectDefault, sections) => {
        const merged = overlay(sections, { ...projectDefault, ...sections }).value as Record<string, unknown>;
        for (const [key, section] of Object.entries(sections)) expect(merged[key]).toEqual(section);
      }),
    );
  });
});

describe("what a stack file sets", () => {
  const patch = { ports: { backend: { http: 9000 } }, models: ["a"] };

  it("is each path of its patch, and what lies inside a value it replaces", () => {
    expect(patchSets(patch, [])).toBe(true);
    expect(patchSets(patch, ["ports", "backend"])).toBe(true);
    expect(patchSets(patch, ["ports", "backend", "http"])).toBe(true);
    expect(patchSets(patch, ["models", 0])).toBe(true);
  });

  it("is not a path its patch leaves to the default, nor anything of a key it does not set", () => {
    expect(patchSets(patch, ["ports", "redis"])).toBe(false);
    expect(patchSets(patch, ["replicas"])).toBe(false);
    expect(patchSets(undefined, [])).toBe(false);
  });
});
