import { join } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { StackFileError } from "./merged-config";
import { buildDashboardHere, type DashboardInput } from "../../infra/monitoring/dashboard";
import { shippedPlan, unparsableStackFile, validConfig } from "../test-support";
import { PROJECT_DIR } from "./cli";
import { assertNoLeak, HELM_INSTALL_ORDER, PlanFilesBuilder, type PlanEntry, type ResourceEntry } from "./files";
import { PlanFilesThread, type FromWorker, type StackSources } from "./files-thread";
import { serve } from "./files-worker";

/** An entry of `manifest`, of the Kubernetes type of its kind unless `type` says otherwise. */
const entry = (
  urn: string,
  manifest?: Record<string, unknown>,
  type = manifest && `kubernetes:core/v1:${manifest.kind}`,
): PlanEntry => ({
  urn,
  resource: { urn, type } as ResourceEntry,
  ...(manifest && { manifest }),
});
const object = (kind: string, name: string, namespace?: string) => ({
  apiVersion: "v1",
  kind,
  metadata: { name, ...(namespace && { namespace }) },
});
const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  data,
  metadata: { name },
});
const shipped = (stack: string): StackSources => ({
  projectFile: join(PROJECT_DIR, "Pulumi.yaml"),
  stackFile: join(PROJECT_DIR, `Pulumi.${stack}.yaml`),
});

describe("the plan's files", () => {
  it("list the manifests in apply order: cluster objects first, then by Helm's kind order, then by URN", () => {
    const builder = new PlanFilesBuilder();
    builder.add(entry("urn:1", object("Deployment", "web", "jarvis")));
    builder.add(entry("urn:2", object("Middleware", "cors", "jarvis")));
    builder.add(entry("urn:3", object("ConfigMap", "b", "jarvis")));
    builder.add(entry("urn:0", object("ConfigMap", "a", "jarvis")));
    builder.add(entry("urn:4", object("ClusterIssuer", "letsencrypt")));
    builder.add(entry("urn:5", object("Namespace", "jarvis")));
    builder.add(entry("urn:6", object("Certificate", "tls", "jarvis")));
    const files = builder.build({});
    const names = parseAllDocuments(files["manifests.yaml"]!).map((d) => d.toJS().metadata.name);
    expect(names).toEqual(["jarvis", "letsencrypt", "a", "b", "web", "tls", "cors"]);
    expect(JSON.parse(files["resources.json"]).map((r: { urn: string }) => r.urn)).toEqual([
      "urn:0",
      "urn:1",
      "urn:2",
      "urn:3",
      "urn:4",
      "urn:5",
      "urn:6",
    ]);
  });

  it("put objects that patch existing ones after all others, whatever their kind", () => {
    const builder = new PlanFilesBuilder();
    const patch = object("PersistentVolumeClaim", "data-db-0", "jarvis");
    builder.add(entry("urn:0", patch, "kubernetes:core/v1:PersistentVolumeClaimPatch"));
    builder.add(entry("urn:1", object("StatefulSet", "db", "jarvis")));
    builder.add(entry("urn:2", object("Ingress", "edge", "jarvis")));
    builder.add(entry("urn:3", object("Namespace", "jarvis")));
    const names = parseAllDocuments(builder.build({})["manifests.yaml"]!).map((d) => d.toJS().metadata.name);
    expect(names).toEqual(["jarvis", "db", "edge", "data-db-0"]);
  });

  describe("of the prod plan", () => {
    let documents: Record<string, any>[];
    let patched: Set<string>;
    beforeAll(async () => {
      const plan = await shippedPlan("prod");
      documents = parseAllDocuments(plan.manifests!).map((d) => d.toJS());
      patched = new Set(
        plan.resources.filter((r) => r.type.endsWith("Patch")).map((r) => (r.inputs as any).metadata.name),
      );
    });

    it("follow Helm's InstallOrder, the patches last", () => {
      const kinds = documents.map((d) => d.kind as string);
      expect(kinds[0]).toBe("Namespace");
      const ranks = documents
        .filter((d) => !patched.has(d.metadata.name))
        .map((d) => HELM_INSTALL_ORDER.indexOf(d.kind))
        .map((r) => (r < 0 ? HELM_INSTALL_ORDER.length : r));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(kinds.indexOf("StatefulSet")).toBeGreaterThan(kinds.lastIndexOf("Service"));
      expect(documents.slice(-patched.size).map((d) => d.metadata.name)).toEqual([...patched].sort());
    });

    it("applied in order, never create a claim that holds only a size: its StatefulSet made it first", () => {
      expect(patched.size).toBeGreaterThan(0);
      const claimsMade = new Set<string>();
      for (const document of documents) {
        if (document.kind === "StatefulSet")
          for (const template of document.spec.volumeClaimTemplates ?? [])
            for (let i = 0; i < (document.spec.replicas ?? 1); i++)
              claimsMade.add(`${template.metadata.name}-${document.metadata.name}-${i}`);
        if (document.kind === "PersistentVolumeClaim" && !document.spec.accessModes)
          expect(claimsMade, document.metadata.name).toContain(document.metadata.name);
      }
    });
  });

  it("list the resources and the manifests sorted by URN, whatever order they were registered in", () => {
    const builder = new PlanFilesBuilder();
    builder.add(entry("urn:c", configMap("c", { mode: "c" })));
    builder.add(entry("urn:a"));
    builder.add(entry("urn:b", configMap("b", { mode: "b" })));
    const files = builder.build({ address: "jarvis.example.com" });
    expect(JSON.parse(files["resources.json"]).map((r: { urn: string }) => r.urn)).toEqual(["urn:a", "urn:b", "urn:c"]);
    expect(parseAllDocuments(files["manifests.yaml"]!).map((d) => d.toJS().metadata.name)).toEqual(["b", "c"]);
    expect(JSON.parse(files["outputs.json"])).toEqual({ address: "jarvis.example.com" });
    expect(files["resources.json"].endsWith("\n")).toBe(true);
  });

  it("write manifests as YAML 1.1 tooling reads them, and none where nothing is a Kubernetes object", () => {
    const builder = new PlanFilesBuilder();
    builder.add(entry("urn:x", configMap("x", { TELEMETRY: "off", ENABLED: "yes", PORT: "8080" })));
    const manifests = builder.build({})["manifests.yaml"]!;
    expect(manifests).toContain('TELEMETRY: "off"');
    expect(manifests).toContain('ENABLED: "yes"');
    expect(parseAllDocuments(manifests, { version: "1.1" })[0]!.toJS().data).toEqual({
      TELEMETRY: "off",
      ENABLED: "yes",
      PORT: "8080",
    });
    const none = new PlanFilesBuilder();
    none.add(entry("urn:y"));
    expect(Object.keys(none.build({}))).toEqual(["resources.json", "outputs.json", "summary.md"]);
  });

  it("hold summary.md, refused too when a made-up secret shows in it", () => {
    const builder = new PlanFilesBuilder();
    builder.add(entry("urn:pulumi:qa::jarvis::pulumi:pulumi:Stack::jarvis-qa"));
    expect(builder.build({ url: "https://jarvis.example.com" })["summary.md"]).toContain(
      "- `url`: https://jarvis.example.com",
    );
    const files = { "resources.json": "[]", "outputs.json": "{}", "summary.md": "# Plan\n\nPLAN-SECRET-jwt" };
    expect(() => assertNoLeak(files)).toThrow(/^secret leak: summary\.md:3 /);
  });

  it("are refused when a made-up secret shows in them", () => {
    const builder = new PlanFilesBuilder();
    builder.add(entry("urn:x", configMap("x", { PASSWORD: "PLAN-SECRET-postgres" })));
    expect(() => builder.build({})).toThrow("secret leak: manifests.yaml:4 ");
  });
});

describe("the worker thread's side", () => {
  /** Serves on one end of a channel and collects what it answers. */
  function served(sources: StackSources): { port: MessagePort; replies: Promise<FromWorker>[] } {
    const { port1, port2 } = new MessageChannel();
    const queue: FromWorker[] = [];
    const waiting: ((message: FromWorker) => void)[] = [];
    port2.on("message", (message: FromWorker) =>
      waiting.length > 0 ? waiting.shift()!(message) : queue.push(message),
    );
    serve(port1, sources);
    const next = () =>
      queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<FromWorker>((resolve) => waiting.push(resolve));
    return { port: port2, replies: [next(), next()] };
  }

  it("answers the merged config first, then the files once asked", async () => {
    const { port, replies } = served(shipped("dev"));
    const config = await replies[0]!;
    expect(config.kind === "config" && config.merged.config["jarvis:platform"]).toBe("docker");
    port.postMessage({ kind: "entry", entry: entry("urn:a") });
    port.postMessage({ kind: "build", outputs: {} });
    const files = await replies[1]!;
    expect(files.kind === "files" && JSON.parse(files.files["resources.json"])).toEqual([{ urn: "urn:a" }]);
    port.close();
  });

  it("answers the problems of a stack file it cannot read, and a failure with its message", async () => {
    const { port, replies } = served({ ...shipped("dev"), stackFile: unparsableStackFile() });
    const config = await replies[0]!;
    expect(config.kind).toBe("stack-file-problems");
    expect(config.kind === "stack-file-problems" && config.problems[0]!.message).toContain("not valid YAML");
    port.postMessage({ kind: "entry", entry: entry("urn:a", { kind: "Secret", data: { KEY: "PLAN-SECRET-key" } }) });
    port.postMessage({ kind: "build", outputs: {} });
    const failed = await replies[1]!;
    expect(failed.kind === "failed" && failed.message).toMatch(/^secret leak: /);
    port.close();
  });
});

describe("the worker thread", () => {
  it("merges the stack files and builds the files the main thread sends it", async () => {
    const thread = new PlanFilesThread(shipped("staging"));
    try {
      expect((await thread.config()).config["jarvis:platform"]).toBe("kubernetes");
      thread.add(entry("urn:a", configMap("a", {})));
      expect(Object.keys(await thread.build({}))).toEqual([
        "resources.json",
        "outputs.json",
        "manifests.yaml",
        "summary.md",
      ]);
    } finally {
      thread.close();
    }
  });

  it("builds the dashboard it is handed, the same as the main thread would", async () => {
    const thread = new PlanFilesThread(shipped("staging"));
    const input: DashboardInput = {
      titles: { backend: { title: "Backend API" } },
      watched: [{ kind: "scrape", service: "backend", node: "backend", port: 8000, path: "/metrics", app: true }],
      monitoring: validConfig("staging").monitoring,
      view: { uid: "jarvis-test", title: "Jarvis (test)", datasourceUid: "prometheus", scope: { namespace: "test" } },
    };
    try {
      const [first, second] = await Promise.all([
        thread.dashboard(input),
        thread.dashboard({ ...input, view: { ...input.view, uid: "other" } }),
      ]);
      expect(first).toBe(await buildDashboardHere(input));
      expect(JSON.parse(second).uid).toBe("other");
    } finally {
      thread.close();
    }
  });

  it("reports a stack file it cannot read as the stack file's problems", async () => {
    const thread = new PlanFilesThread({ ...shipped("dev"), stackFile: unparsableStackFile() });
    try {
      await expect(thread.config()).rejects.toThrow(StackFileError);
      await expect(thread.config()).rejects.toThrow("not valid YAML");
    } finally {
      thread.close();
    }
  });

  it("reports a failure of its own with the worker's message and stack", async () => {
    const thread = new PlanFilesThread(shipped("dev"));
    try {
      thread.add(entry("urn:a", { kind: "Secret", data: { KEY: "PLAN-SECRET-key" } }));
      const failure = await thread.build({}).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/^secret leak: manifests\.yaml:\d+ /);
      expect((failure as Error).stack).toMatch(/\n\s+at .*files\.ts/);
    } finally {
      thread.close();
    }
  });

  it("fails what it has not answered when it stops", async () => {
    const thread = new PlanFilesThread(shipped("dev"));
    await thread.config();
    thread.close();
    await expect(thread.build({})).rejects.toThrow(/stopped \(exit code \d+\) before it answered/);
    await expect(thread.dashboard({} as DashboardInput)).rejects.toThrow(/stopped/);
  });
});
