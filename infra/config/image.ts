// Image references must be pinned: a tag that is not `latest`/`latest-*`, or a digest.

/** Why an image reference is not acceptably pinned, or undefined when it is. */
export function imageProblem(ref: string): string | undefined {
  const [name, digest, ...extra] = ref.split("@");
  if (extra.length > 0 || !name) return "is not an image reference";
  // The tag follows the last ':' of the last path segment (a registry host may carry ':port').
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const repository = colon < 0 ? name : name.slice(0, name.length - lastSegment.length + colon);
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/.test(repository))
    return "is not an image reference";
  if (digest !== undefined) {
    return /^sha256:[a-f0-9]{64}$/.test(digest)
      ? undefined
      : "has a malformed digest (expected sha256:<64 hex digits>)";
  }
  if (colon < 0) return "must be pinned by a tag or a digest";
  const tag = lastSegment.slice(colon + 1);
  if (!/^\w[\w.-]{0,127}$/.test(tag)) return "has a malformed tag";
  if (tag === "latest" || tag.startsWith("latest-")) return `must not use the moving tag '${tag}'`;
  return undefined;
}
