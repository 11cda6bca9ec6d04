// Config of the model-pull capability: the models the LLM runtime pulls, once per list.
import { z } from "zod";
import type { Catalogue } from "../catalogue";
import { modelStore } from "../model-pull";
import { computeResources, memory } from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

export const modelPullKeys = {
  shared: {
    models: z
      .strictObject({
        ollama: z.array(z.string().regex(/^[a-z0-9][\w.\-/]*:[\w.-]+$/, "must be name:tag, e.g. llama3.2:1b")).min(1),
        defaultLlm: z.string().min(1),
        whisper: z.string().min(1),
        piper: z.string().min(1),
        keepAlive: z
          .string()
          .regex(/^\d+[smh]$/, "must be a duration such as 30m or 24h")
          .describe("How long Ollama keeps a model loaded (OLLAMA_KEEP_ALIVE)."),
        pullLimits: computeResources
          .extend({ ephemeralStorage: memory.describe("Its scratch space (Kubernetes), under a read-only root.") })
          .describe(
            "CPU, memory and scratch-space limits of the one-shot model pull, which only talks to Ollama's API.",
          ),
      })
      .superRefine((m, ctx) => {
        if (!m.ollama.includes(m.defaultLlm))
          ctx.addIssue({ code: "custom", path: ["defaultLlm"], message: "must be one of the models in `ollama`" });
        m.ollama.forEach((name, i) => {
          if (m.ollama.indexOf(name) !== i)
            ctx.addIssue({ code: "custom", path: ["ollama", i], message: `${name} is listed twice` });
        });
      })
      .describe("Models: the Ollama models to pull, the default LLM, the Whisper and Piper voices."),
  },
} satisfies ModuleKeys;

export const modelPullChecks: ModuleChecks = { kubernetes: registryEgressFindings };

/** The model store pulls from its registry on the internet, which the network policies must allow. */
function registryEgressFindings(config: Parsed, { catalogue }: { catalogue: Catalogue }): Finding[] {
  const store = modelStore(catalogue);
  if (!store || !config.models || config.models.ollama.length === 0 || !config.egress) return [];
  if (config.egress[store]?.length) return [];
  return [
    {
      key: "egress",
      path: [store],
      message:
        "Ollama pulls models.ollama from its registry: allow that destination (HTTPS to the public addresses, as Pulumi.yaml does)",
    },
  ];
}
