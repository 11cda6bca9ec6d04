// The model pull: a job that asks the model store (the service the job connects to) to pull the
// models of `jarvis:models.ollama`. Its name follows the model list, so that a new list runs a new
// pull and an unchanged one runs none.
import { createHash } from "node:crypto";
import type { Catalogue } from "./catalogue";

/** The job of the catalogue that pulls the models. */
export const MODEL_PULL_JOB = "ollama-pull";

/** The service whose models the job pulls: the target of its edge. */
export function modelStore(catalogue: Catalogue): string | undefined {
  return catalogue[MODEL_PULL_JOB]?.connects[0]?.to;
}

export function modelPull(namePrefix: string, models: readonly string[]) {
  const digest = createHash("sha256").update(models.join("\n")).digest("hex").slice(0, 8);
  return {
    name: `${namePrefix}-${MODEL_PULL_JOB}-${digest}`,
    // Model names are validated (letters, digits, . _ - / :), so they are safe in the script.
    script: ["set -e", ...models.map((m) => `ollama pull ${m}`)].join("\n"),
  };
}
