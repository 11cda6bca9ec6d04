// The machine whose files a stack's config names (the Docker engine's host paths): the program
// asks the deploying machine; the offline plan, whose machine has no clone of the app, injects one
// where every path exists.
import { statSync } from "node:fs";

export interface Host {
  exists(path: string, kind: "file" | "folder"): boolean;
}

/** The machine the program runs on. */
export const MACHINE: Host = {
  exists: (path, kind) => {
    const found = statSync(path, { throwIfNoEntry: false });
    return kind === "file" ? found?.isFile() === true : found?.isDirectory() === true;
  },
};

/** Every path exists: the offline plan's machine stands for the deploying one. */
export const ANY_PATH: Host = { exists: () => true };
