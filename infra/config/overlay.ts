// Per-field stack overrides. The Pulumi CLI hands the program a stack file's value of a key in
// place of Pulumi.yaml's (pulumi/pulumi#13176), so `pulumi config set --path 'jarvis:ports.backend.http'
// 9000` would drop every other port. The program lays the stack's object value over the project's
// default as a JSON merge patch (RFC 7386, as Pulumi ESC does for `pulumiConfig`): objects merge key by
// key, arrays and scalars replace, `null` removes a key.
import { isDeepStrictEqual } from "node:util";
import { apply as mergePatch } from "json-merge-patch";
import { isPlainObject } from "./project-file";

export interface Overlaid {
  /** The value the program uses. */
  readonly value: unknown;
  /** What the stack file set for the key, if anything (its patch). */
  readonly patch: unknown;
}

/**
 * The value of a key from what the CLI handed over (`received`) and the project's default. A
 * received value equal to the default is the default: the stack file does not set the key. A map
 * named in `whole` (a label selector: its labels select together) is replaced, not merged: merged,
 * the default's labels would stay in the selector and select nothing.
 */
export function overlay(received: unknown, projectDefault: unknown, whole: ReadonlySet<string> = new Set()): Overlaid {
  // Without a default, the patch applies to nothing: its nulls remove what they name.
  if (projectDefault === undefined)
    return { value: isPlainObject(received) ? mergePatch({}, received) : received, patch: received };
  if (isDeepStrictEqual(received, projectDefault)) return { value: received, patch: undefined };
  if (!isPlainObject(received) || !isPlainObject(projectDefault)) return { value: received, patch: received };
  const cleared = mergePatch(structuredClone(projectDefault), wholeMapsCleared(received, whole));
  return { value: mergePatch(cleared, received), patch: received };
}

/** A patch that removes every map of `whole` that `patch` sets, so that the patch's own replaces it. */
function wholeMapsCleared(patch: Record<string, unknown>, whole: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(patch).flatMap(([key, value]): [string, unknown][] => {
      if (!isPlainObject(value)) return [];
      if (whole.has(key)) return [[key, null]];
      const inner = wholeMapsCleared(value, whole);
      return Object.keys(inner).length > 0 ? [[key, inner]] : [];
    }),
  );
}

/** Whether a patch sets the value at `path` (or a part of it, or a value that holds it). */
export function patchSets(patch: unknown, path: readonly (string | number)[]): boolean {
  if (patch === undefined) return false;
  let node: unknown = patch;
  for (const segment of path) {
    if (!isPlainObject(node)) return true;
    if (!Object.hasOwn(node, segment)) return false;
    node = node[segment];
  }
  return true;
}
