// Container commands shared by every platform.
import { createHash } from "node:crypto";
import type { StackConfig } from "./config/schema";

/**
 * Redis reads its password from the environment through a config on standard input, so that it
 * is neither in the container's command nor in the server's process arguments.
 */
export function redisCommand(config: StackConfig): string[] {
  const script = [
    `exec redis-server - --port ${config.ports.redis.redis} --appendonly yes <<EOF`,
    "requirepass $REDIS_PASSWORD",
    "EOF",
  ].join("\n");
  return ["sh", "-c", script];
}

/** The one-shot model pull: its name follows the model list, so that a new list runs a new pull. */
export function modelPull(config: StackConfig) {
  const models = config.models.ollama;
  const digest = createHash("sha256").update(models.join("\n")).digest("hex").slice(0, 8);
  return {
    name: `${config.namePrefix}-ollama-pull-${digest}`,
    // Model names are validated (letters, digits, . _ - / :), so they are safe in the script.
    script: ["set -e", ...models.map((m) => `ollama pull ${m}`)].join("\n"),
  };
}
