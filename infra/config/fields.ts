// The value types stack config is made of, shared by every capability's keys.
import { posix } from "node:path";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { imageProblem } from "./image";
import { cpuMillis, memoryBytes } from "./quantity";

// zod's JIT compiles each object schema into a function on its first parse, which pays off only
// over many parses; a run parses the config once or twice. Set before any schema is built.
z.config({ jitless: true });

/** A strict object with one entry per key, so that a missing or misspelt key is reported. */
export function objectOf<S extends z.ZodType>(keys: readonly string[], value: (key: string) => S) {
  return z.strictObject(Object.fromEntries(keys.map((k) => [k, value(k)])) as Record<string, S>);
}
/** A strict object where every key is optional. */
export function partialObjectOf<S extends z.ZodType>(keys: readonly string[], value: (key: string) => S) {
  return z.strictObject(
    Object.fromEntries(keys.map((k) => [k, value(k).optional()])) as Record<string, z.ZodOptional<S>>,
  );
}

/**
 * A number that may have decimals: `pulumi config set --path` stores `0.05` as the string "0.05"
 * (pulumi/pulumi#18285), YAML as a number; both are read.
 */
export const ratio = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, "must be a number such as 0.05")
      .transform(Number),
  ])
  .pipe(z.number().min(0));

export const port = z.int().min(1).max(65535).describe("TCP port, 1-65535");
export const seconds = z.int().min(1);
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label: lower-case letters, digits and '-'")
  .max(63);
export const dnsName = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/,
    "must be a fully qualified DNS name in lower case, e.g. jarvis.example.com",
  );
export const absolutePath = z.string().refine((p) => posix.isAbsolute(p), "must be an absolute path");
export const image = z
  .string()
  .superRefine((ref, ctx) => {
    const problem = imageProblem(ref);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("image reference pinned by tag or digest; `latest` and `latest-*` are refused");
/** A static address: a full IPv4 address, or a host number counted from the subnet's network address. */
export const address = z
  .union([z.ipv4(), z.int().min(1)])
  .describe(
    "IPv4 address, or host number counted from the subnet's network address (so that moving the subnet moves every address)",
  );
/**
 * A CPU quantity; YAML and `pulumi config set --path` write `cpu: 1` as a number, so numbers are read
 * as quantities too (`0.5` comes as a string from the CLI, as a number from YAML).
 */
export const cpu = z
  .union([z.number().transform(String), z.string()])
  .refine(
    (q) => /^\d+(\.\d+)?m?$/.test(q) && cpuMillis(q) > 0,
    "must be a CPU quantity above zero, such as 500m, 1.5 or 2",
  )
  .describe("CPU quantity: 500m, 1.5, 2");
export const memory = z
  .union([z.int().transform(String), z.string()], { error: "must be a memory quantity such as 512Mi or 2Gi" })
  .refine(
    (q) => /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(q) && memoryBytes(q) > 0,
    "must be a memory quantity above zero, such as 512Mi or 2Gi",
  )
  .describe("memory quantity: 512Mi, 2Gi, or bytes");
export const computeResources = z.strictObject({ cpu, memory });
type Bounds = { requests: z.infer<typeof computeResources>; limits: z.infer<typeof computeResources> };
/** Requests within limits: a request above its limit is refused by Kubernetes (and means nothing on Docker). */
export function requestsWithinLimits(r: Bounds, ctx: z.RefinementCtx): void {
  if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu))
    ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: "must not exceed limits.cpu" });
  if (memoryBytes(r.requests.memory) > memoryBytes(r.limits.memory))
    ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: "must not exceed limits.memory" });
}
export const serviceResources = z
  .strictObject({
    requests: computeResources,
    limits: computeResources,
    ephemeralStorage: memory.optional().describe("scratch space limit (Kubernetes), e.g. 1Gi"),
  })
  .superRefine(requestsWithinLimits);
export const healthTiming = z.strictObject({
  intervalSeconds: seconds,
  timeoutSeconds: seconds,
  retries: z.int().min(1).max(20),
  startPeriodSeconds: z.int().min(0),
  readinessIntervalSeconds: seconds
    .optional()
    .describe("Readiness probe period on Kubernetes (liveness uses intervalSeconds)."),
  startIntervalSeconds: seconds
    .optional()
    .describe(
      "Probe interval during the start period, so that a healthy service is seen quickly (Docker Engine 25 or newer).",
    ),
});
export type HealthTimingConfig = z.infer<typeof healthTiming>;

/** `scheme://host[:port]` with nothing after it: what a browser sends in the Origin header. */
export function isOrigin(value: string): boolean {
  if (!/^https?:\/\/[^/*]+$/.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}
export const origin = z
  .string()
  .refine(
    isOrigin,
    "must be an origin such as https://jarvis.example.com (scheme, host, optional port; no path; `*` is refused)",
  );

/** A host interface to bind published ports to: a unicast address, loopback, or every interface. */
export const hostInterface = z
  .ipv4()
  .refine(
    (ip) =>
      ["unspecified", "loopback", "private", "unicast", "carrierGradeNat", "linkLocal"].includes(
        ipaddr.IPv4.parse(ip).range(),
      ),
    "must be a host interface address (not multicast, broadcast or reserved)",
  );
/** A host name as a browser types it (`localhost`, `jarvis.home.arpa`) or an IPv4 address. */
export const browserHost = z.union(
  [
    z.ipv4(),
    z
      .string()
      .regex(/^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/),
  ],
  {
    error: "must be a host name or an IPv4 address, without scheme, port or path",
  },
);
export function dnsLabelUnderscore() {
  return z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be lower-case letters, digits and '_'");
}

/** Address ranges outside the cluster a pod may reach, and on which ports. */
export const destinations = z.array(
  z.strictObject({
    cidr: z.cidrv4(),
    except: z
      .array(z.cidrv4())
      .optional()
      .describe("Ranges inside `cidr` that stay closed, e.g. the private ones when `cidr` is every address."),
    ports: z.array(port).min(1),
  }),
);
export type Destinations = z.infer<typeof destinations>;

/** Where pods of another namespace run (the edge controller, the cluster DNS, the scraper). */
/**
 * A label or annotation value: a string, which `pulumi config set --path` stores as a boolean or a
 * number when it reads as one (`true`, `3600`: pulumi/pulumi#18285).
 */
export const labelValue = z.union([z.boolean().transform(String), z.number().transform(String), z.string()]);
export const labels = z.record(z.string(), labelValue);

export const podsElsewhere = z.strictObject({
  namespace: dnsLabel,
  podLabels: labels.refine(
    (selector) => Object.keys(selector).length > 0,
    "must name at least one label: an empty selector matches every pod of the namespace",
  ),
});

/** Label maps that are one selector: a stack's value replaces the default's whole (overlay.ts). */
export const SELECTOR_FIELDS: ReadonlySet<string> = new Set(["podLabels", "nodeSelector", "selectorLabels"]);
