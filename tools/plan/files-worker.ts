// The plan's worker thread's side (started by files-thread.ts): merges the stack files, then
// collects the entries the main thread sends and builds the plan's files when asked.
import type { MessagePort } from "node:worker_threads";
import { StackFileError } from "./merged-config";
import { mergeStackConfig } from "./stack-files";
import { PlanFilesBuilder } from "./files";
import { buildDashboardHere, loadDashboardSdk } from "../../infra/monitoring/dashboard";
import type { FromWorker, StackSources, ToWorker } from "./files-thread";

function failed(error: unknown): FromWorker {
  const { message, stack } = error instanceof Error ? error : new Error(String(error));
  return { kind: "failed", message, stack: stack ?? message };
}

/** Answers the main thread on `port`: first the merged config, then the files when asked. */
export function serve(port: MessagePort, sources: StackSources): void {
  const send = (message: FromWorker) => port.postMessage(message);
  try {
    const merged = mergeStackConfig(sources.projectFile, sources.stackFile);
    send({ kind: "config", merged });
    // A Kubernetes stack's program asks for its dashboard: the SDK loads here while the main thread loads Pulumi's.
    if (merged.config[`${merged.project}:platform`] === "kubernetes") loadDashboardSdk();
  } catch (error) {
    send(error instanceof StackFileError ? { kind: "stack-file-problems", problems: error.problems } : failed(error));
  }
  const builder = new PlanFilesBuilder();
  port.on("message", (message: ToWorker) => {
    try {
      if (message.kind === "entry") builder.add(message.entry);
      else if (message.kind === "dashboard")
        void buildDashboardHere(message.input).then((json) => send({ kind: "dashboard", id: message.id, json }));
      else send({ kind: "files", files: builder.build(message.outputs) });
    } catch (error) {
      send(failed(error));
    }
  });
}
