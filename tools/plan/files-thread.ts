// The main thread's side of the plan's worker thread (files-worker.ts). Started before the Pulumi
// SDK loads (half a second of the main thread), the worker loads the YAML library and reads the
// stack files meanwhile; then, as the main thread hands over each redacted registration, it writes
// that manifest's YAML while the program goes on. The main thread never loads the YAML library.
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { StackFileError, type MergedConfig } from "./merged-config";
import type { ConfigProblem } from "../../infra/config/problems";
import type { DashboardInput } from "../../infra/monitoring/dashboard";
import type { PlanEntry, PlanFiles } from "./files";

export interface StackSources {
  readonly projectFile: string;
  readonly stackFile: string;
}

export type ToWorker =
  | { readonly kind: "entry"; readonly entry: PlanEntry }
  | { readonly kind: "build"; readonly outputs: unknown }
  | { readonly kind: "dashboard"; readonly id: number; readonly input: DashboardInput };

export type FromWorker =
  | { readonly kind: "config"; readonly merged: MergedConfig }
  | { readonly kind: "stack-file-problems"; readonly problems: readonly ConfigProblem[] }
  | { readonly kind: "files"; readonly files: PlanFiles }
  | { readonly kind: "dashboard"; readonly id: number; readonly json: string }
  | { readonly kind: "failed"; readonly message: string; readonly stack: string };

// A worker starts without the main thread's TypeScript hook: it installs it, then serves.
const BOOT = [
  `const { parentPort, workerData } = require("node:worker_threads");`,
  `require(${JSON.stringify(join(__dirname, "../register-ts.cjs"))});`,
  `require(${JSON.stringify(join(__dirname, "files-worker.ts"))}).serve(parentPort, workerData);`,
].join("\n");

class Reply<T> {
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  constructor() {
    // Awaited only on the paths that need it; a failure is reported there.
    this.promise.catch(() => {});
  }
}

export class PlanFilesThread {
  private readonly worker: Worker;
  private readonly merged = new Reply<MergedConfig>();
  private readonly files = new Reply<PlanFiles>();
  private readonly dashboards: Reply<string>[] = [];
  private failure?: Error;

  constructor(sources: StackSources) {
    this.worker = new Worker(BOOT, { eval: true, workerData: sources });
    this.worker.on("message", (message: FromWorker) => this.receive(message));
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("messageerror", (error) => this.fail(error));
    this.worker.on("exit", (code) =>
      this.fail(new Error(`the plan's worker thread stopped (exit code ${code}) before it answered`)),
    );
  }

  /** The stack files merged as the CLI merges them; rejects with StackFileError if they cannot be. */
  config(): Promise<MergedConfig> {
    return this.merged.promise;
  }

  add(entry: PlanEntry): void {
    this.post({ kind: "entry", entry });
  }

  /** A dashboard's JSON, built in the worker, which has loaded the Grafana SDK meanwhile. */
  dashboard(input: DashboardInput): Promise<string> {
    const reply = new Reply<string>();
    this.dashboards.push(reply);
    if (this.failure) reply.reject(this.failure);
    this.post({ kind: "dashboard", id: this.dashboards.length - 1, input });
    return reply.promise;
  }

  build(outputs: unknown): Promise<PlanFiles> {
    this.post({ kind: "build", outputs });
    return this.files.promise;
  }

  close(): void {
    void this.worker.terminate();
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    if (message.kind === "config") this.merged.resolve(message.merged);
    else if (message.kind === "stack-file-problems") this.merged.reject(new StackFileError(message.problems));
    else if (message.kind === "files") this.files.resolve(message.files);
    else if (message.kind === "dashboard") this.dashboards[message.id]!.resolve(message.json);
    else this.fail(Object.assign(new Error(message.message), { stack: message.stack }));
  }

  /** Settled replies stay as they are. */
  private fail(error: Error): void {
    this.failure ??= error;
    this.merged.reject(error);
    this.files.reject(error);
    for (const reply of this.dashboards) reply.reject(error);
  }
}
