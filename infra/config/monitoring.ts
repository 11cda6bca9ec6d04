// Config of the monitoring capability: how often Prometheus scrapes and evaluates, how long it
// keeps its data, the alerts' thresholds, the service level objectives and how alerts are routed
// (shared: the same model serves both platforms); and, on Kubernetes, where the cluster's
// Prometheus runs, which may reach every metrics port.
import { z } from "zod";
import { APP_METRICS, type Catalogue } from "../catalogue";
import { RATE_WINDOW_SECONDS } from "../monitoring/rules";
import { appMetricsServices } from "../graph";
import { partialObjectOf, podsElsewhere, ratio } from "./fields";
import type { Finding, ModuleChecks, ModuleKeys, Parsed } from "./module";

const minutes = z.int().min(1).max(1440);

/** An alert on a rate or a ratio of the app's requests: above `threshold` for `forMinutes`. */
const requestAlert = (what: string) => z.strictObject({ threshold: ratio.describe(what), forMinutes: minutes });

const objective = ratio
  .refine((p) => p > 50 && p < 100, "must be a percentage between 50 and 100, such as 99.5")
  .describe("Percent of good requests over the window, e.g. 99.5.");

const slo = z
  .strictObject({
    windowDays: z.int().min(1).max(90).describe("The window the objective is met over."),
    availability: z.strictObject({ objective }).optional().describe("Requests answered without a server error (5xx)."),
    latency: z
      .strictObject({
        objective,
        thresholdSeconds: ratio.describe(
          `A bound of the duration histogram's buckets (${APP_METRICS.durationBuckets.join(", ")}).`,
        ),
      })
      .optional()
      .describe("Requests answered within the threshold."),
  })
  .describe("Service level objectives of a service that serves the app's metrics.");

export function monitoringKeys(catalogue: Catalogue) {
  return {
    shared: {
      monitoring: z
        .strictObject({
          scrapeIntervalSeconds: z
            .int()
            .min(5)
            .max(RATE_WINDOW_SECONDS / 4)
            .describe("At most a quarter of the rules' rate window, so that each rate sees four samples."),
          evaluationIntervalSeconds: z.int().min(5).max(300),
          retention: z
            .strictObject({
              days: z.int().min(1).describe("How long Prometheus keeps samples; at least the longest SLO window."),
              size: z
                .string()
                .regex(/^\d+(B|KB|MB|GB|TB)$/, "must be a size such as 10GB")
                .describe("The most disk its samples may take."),
            })
            .describe("Prometheus retention, whichever limit is reached first."),
          alerts: z
            .strictObject({
              downForMinutes: minutes.describe("How long a service, a datastore or a probe is down before it alerts."),
              errorRatio: requestAlert("Share of a service's requests that fail with a 5xx, e.g. 0.05."),
              latencyP95Seconds: requestAlert("95th percentile of a service's request duration, in seconds."),
              rateLimitedPerSecond: requestAlert("Requests per second refused by the rate limit (429)."),
              unauthorizedPerSecond: requestAlert("Requests per second refused as unauthorized (401, 403)."),
            })
            .describe("Thresholds of the alerts on the app's requests, for every service that serves its metrics."),
          burnAlerts: z
            .strictObject({
              pageForMinutes: minutes.describe("How long a fast burn (critical) lasts before it pages."),
              ticketForMinutes: minutes.describe("How long a slow burn (warning) lasts before it opens a ticket."),
            })
            .describe("The `for:` of the SLOs' burn-rate alerts."),
          slos: partialObjectOf(appMetricsServices(catalogue), () => slo).describe(
            "Service level objectives, each becoming recording rules and multi-window, multi-burn-rate alerts.",
          ),
          routing: z
            .strictObject({
              groupWaitSeconds: z.int().min(0).max(3600),
              groupIntervalMinutes: minutes,
              repeatHours: z.int().min(1).max(168),
              criticalRepeatHours: z.int().min(1).max(168),
            })
            .describe("How Alertmanager groups alerts and repeats their notifications; critical ones repeat sooner."),
          cadvisor: z
            .boolean()
            .describe(
              "cAdvisor (Docker) for the containers' CPU and memory panels. It mounts the Docker socket and /sys: off by default, the one exception to the hardening rules.",
            ),
        })
        .describe("Metrics, alert rules, SLOs and alert routing."),
    },
    kubernetes: {
      monitoringSource: podsElsewhere.describe("Where the Prometheus that scrapes the metrics ports runs."),
    },
  } satisfies ModuleKeys;
}

/** Days of the longest SLO window. */
export function longestSloWindow(slos: Record<string, { windowDays: number } | undefined>): number {
  return Math.max(0, ...Object.values(slos).map((s) => s?.windowDays ?? 0));
}

function monitoringFindings(config: Parsed): Finding[] {
  const { monitoring } = config;
  if (!monitoring) return [];
  const findings: Finding[] = [];
  const longest = longestSloWindow(monitoring.slos);
  if (monitoring.retention.days < longest)
    findings.push({
      key: "monitoring",
      path: ["retention", "days"],
      message: `must be at least the longest SLO window (${longest} days): the SLO rules read that far back`,
    });
  const largestBucket = Math.max(...APP_METRICS.durationBuckets);
  if (monitoring.alerts.latencyP95Seconds.threshold >= largestBucket)
    findings.push({
      key: "monitoring",
      path: ["alerts", "latencyP95Seconds", "threshold"],
      message: `must be below the duration histogram's largest bucket bound (${largestBucket}s): a quantile never exceeds it`,
    });
  if (monitoring.burnAlerts.pageForMinutes >= monitoring.burnAlerts.ticketForMinutes)
    findings.push({
      key: "monitoring",
      path: ["burnAlerts", "pageForMinutes"],
      message: "must be shorter than ticketForMinutes: a fast burn pages sooner than a slow one opens a ticket",
    });
  for (const [service, objectives] of Object.entries(monitoring.slos)) {
    const threshold = objectives?.latency?.thresholdSeconds;
    if (threshold !== undefined && !(APP_METRICS.durationBuckets as readonly number[]).includes(threshold))
      findings.push({
        key: "monitoring",
        path: ["slos", service, "latency", "thresholdSeconds"],
        message: `must be a bucket bound of ${APP_METRICS.duration} (${APP_METRICS.durationBuckets.join(", ")}): the SLI counts the requests under it`,
      });
  }
  return findings;
}

export const monitoringChecks: ModuleChecks = { shared: monitoringFindings };
