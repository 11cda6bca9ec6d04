// `node tools/bench/bare-resources.ts <count>`: registers <count> bare resources (ConfigMaps of one
// key) under the plan's engine, as the plan runs a program (stack traces off), and prints how many
// milliseconds that took. The difference to a run of 0 is the SDK's own cost of that many
// resources, which a plan of that many resources pays whatever the program does.
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { PlanEngine } from "../plan/engine";

/* c8 ignore start: a timed process of the benchmark */
async function registerBare(count: number): Promise<number> {
  Error.stackTraceLimit = 0;
  const started = performance.now();
  await PlanEngine.start("bench", "bare", () => {});
  await pulumi.runtime.runInPulumiStack(async () => {
    for (let i = 0; i < count; i++) new ConfigMap(`bare-${i}`, { data: { key: "value" } });
    return undefined;
  });
  await pulumi.runtime.disconnect();
  return performance.now() - started;
}

if (require.main === module)
  registerBare(Number(process.argv[2])).then((ms) => {
    process.stdout.write(`${ms.toFixed(1)}\n`);
  });
/* c8 ignore stop */
