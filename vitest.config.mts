import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "policy/node_modules/**", "plan/**"],
    pool: "forks",
    // Test files share a worker's modules (the SDK loads once per worker, not once per file) and its
    // plans of the shipped stacks (tools/test-support.ts shippedPlan); every plan starts its own engine.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: [
        "index.ts",
        "program.ts",
        "infra/**/*.ts",
        "components/**/*.ts",
        "stacks/**/*.ts",
        "tools/**/*.ts",
        "policy/*.ts",
      ],
      // check-real.ts runs against real servers in `npm run check:real`, not under vitest; the policy
      // pack's entry point starts the analyzer's gRPC server, which only the CLI talks to.
      exclude: ["**/*.test.ts", "**/fixtures/**", "tools/test-support.ts", "tools/check-real.ts", "policy/index.ts"],
      reporter: ["text-summary", "text"],
      thresholds: { lines: 90, statements: 90, functions: 90, branches: 80 },
    },
  },
});
