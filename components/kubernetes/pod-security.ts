// A namespace's Pod Security labels, alike wherever this program creates a namespace.
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** The level enforced; where it is below restricted, restricted still warns and audits. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
}
