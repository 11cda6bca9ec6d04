// A config problem names the key path as `pulumi config set --path` takes it.

export interface ConfigProblem {
  /** e.g. `jarvis:network.subnet`, `jarvis:models.ollama[1]`. */
  readonly key: string;
  readonly message: string;
}

export type PathSegment = string | number | symbol;

/** A name with a dot or a bracket (an annotation such as `nginx.ingress.kubernetes.io/x`) is quoted: `["..."]`. */
export function keyPath(namespace: string, key: string, path: readonly PathSegment[] = []): string {
  return path.reduce<string>(
    (acc, segment) =>
      typeof segment === "number"
        ? `${acc}[${segment}]`
        : /[.[\]"]/.test(String(segment))
          ? `${acc}[${JSON.stringify(String(segment))}]`
          : `${acc}.${String(segment)}`,
    `${namespace}:${key}`,
  );
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return [`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):`]
    .concat(problems.map((p) => `  ${p.key}: ${p.message}`))
    .join("\n");
}
