// Preloaded into every process the benchmark times (NODE_OPTIONS=--require): on exit it appends the
// process's peak memory and the @pulumi modules it loaded to the file named by JARVIS_BENCH_REPORT.
"use strict";
const { appendFileSync } = require("node:fs");

process.on("exit", () => {
  const sdkModules = Object.keys(require.cache).filter((path) => path.includes("/node_modules/@pulumi/"));
  const line = { pid: process.pid, maxRssKiB: process.resourceUsage().maxRSS, sdkModules };
  appendFileSync(process.env.JARVIS_BENCH_REPORT, `${JSON.stringify(line)}\n`);
});
