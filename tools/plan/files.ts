// The plan's files, made from the redacted registrations (render.ts): resources.json, outputs.json
// and, for Kubernetes stacks, manifests.yaml; then the leak check. Free of the Pulumi SDK, so that
// it runs in the plan's worker thread (files-worker.ts) while the program runs.
import { stringify } from "yaml";
import { PLAN_SECRET_PREFIX } from "./merged-config";

/** One registered resource as the plan writes it. */
export interface PlanEntry {
  readonly urn: string;
  /** Its entry in resources.json. */
  readonly resource: Record<string, unknown>;
  /** The Kubernetes object as it would be applied, if the resource is one. */
  readonly manifest?: Record<string, unknown>;
}

export interface PlanFiles {
  readonly "resources.json": string;
  readonly "outputs.json": string;
  readonly "manifests.yaml"?: string;
}

// YAML 1.1, as kubectl and most Kubernetes tooling read it: strings such as "off" or "yes", which
// 1.1 reads as booleans, are quoted. Keys come sorted from render.ts.
const YAML_OPTIONS = { version: "1.1", lineWidth: 0 } as const;

/**
 * Collects the entries as the program registers them. Each manifest becomes YAML on arrival, so
 * that little is left to do when the program ends.
 */
export class PlanFilesBuilder {
  private readonly entries: { urn: string; resource: Record<string, unknown>; manifest?: string }[] = [];

  add(entry: PlanEntry): void {
    const manifest = entry.manifest && stringify(entry.manifest, YAML_OPTIONS);
    this.entries.push({ urn: entry.urn, resource: entry.resource, ...(manifest && { manifest }) });
  }

  /** The files, entries sorted by URN; refused if a made-up secret shows in plain text. */
  build(outputs: unknown): PlanFiles {
    const sorted = [...this.entries].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const resources = sorted.map((entry) => entry.resource);
    const manifests = sorted.flatMap((entry) => (entry.manifest === undefined ? [] : [entry.manifest]));
    const files: PlanFiles = {
      "resources.json": `${JSON.stringify(resources, null, 2)}\n`,
      "outputs.json": `${JSON.stringify(outputs, null, 2)}\n`,
      ...(manifests.length > 0 && { "manifests.yaml": manifests.join("---\n") }),
    };
    assertNoLeak(files);
    return files;
  }
}

/**
 * PLAN_SECRET_PREFIX as it reads inside base64 text, at each of the three byte alignments it can
 * start at: only the characters made of the prefix's own bits, none of its neighbours'.
 */
export const ENCODED_MARKERS = [0, 1, 2].map((offset) => {
  const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(PLAN_SECRET_PREFIX)]).toString("base64");
  return encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + PLAN_SECRET_PREFIX.length)) / 6));
});

/**
 * A made-up secret found in plain text (or base64-encoded) lost its secret flag on the way:
 * refuse the plan.
 */
export function assertNoLeak(files: PlanFiles): void {
  for (const [file, text] of Object.entries(files) as [string, string][]) {
    const found = [PLAN_SECRET_PREFIX, ...ENCODED_MARKERS]
      .map((marker) => text.indexOf(marker))
      .filter((index) => index >= 0);
    if (found.length === 0) continue;
    const line = text.slice(0, Math.min(...found)).split("\n").length;
    throw new Error(`secret leak: ${file}:${line} holds a secret value in plain text`);
  }
}
