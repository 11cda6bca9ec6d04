// Entry of `npm run plan`; see tools/plan/cli.ts.
import { runPlanCli } from "./plan/cli";

runPlanCli(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
