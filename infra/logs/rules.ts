// The alerts on the backend's security events, as Loki's ruler evaluates them (LogQL in Prometheus'
// rule format): one per event and per service that writes them, over the window and above the
// threshold of `jarvis:logs.securityAlerts`. Their stream selectors use only labels the collector
// sets (LOG_LABELS, collector.ts).
import { SECURITY_EVENTS, type Catalogue, type SecurityEvent } from "../catalogue";
import type { SharedConfig } from "../config/schema";
import { alert, selector, type AlertRule, type RuleGroup, type Scope } from "../monitoring/rules";

/** The labels the collector gives every stream, and the event label of a security event's lines. */
export const LOG_LABELS = { service: "service", environment: "environment", stream: "stream", event: "event" } as const;

/** What each event means for whoever reads the alert. */
const EVENTS: Readonly<Record<SecurityEvent, { title: string; severity: "warning" | "critical"; look: string }>> = {
  RATE_LIMIT_EXCEEDED: {
    title: "Requests refused by the rate limit",
    severity: "warning",
    look: "the client addresses of the lines (a client in a loop, or an attack), and whether the limit fits real use",
  },
  UNAUTHORIZED_ACCESS: {
    title: "Requests refused as unauthorized",
    severity: "warning",
    look: "the client addresses and paths of the lines (expired tokens after a key rotation, or someone guessing)",
  },
  SYSTEM_ERROR: {
    title: "System errors",
    severity: "critical",
    look: "the lines' messages, and the datastores and services the backend depends on",
  },
};

/** An event's alert name: RATE_LIMIT_EXCEEDED -> RateLimitExceededEvents. */
export const eventAlertName = (event: SecurityEvent) =>
  `${event
    .toLowerCase()
    .split("_")
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("")}Events`;

/** The ruler's rule file of a store: the security events' rules, in the environment's lines. */
export const lokiRuleFile = (catalogue: Catalogue, logs: SharedConfig["logs"], environment: string) => ({
  groups: [securityRules(catalogue, logs, { [LOG_LABELS.environment]: environment })],
});

/** The security events' rules of every service that writes them; `scope` adds the environment's label. */
export function securityRules(catalogue: Catalogue, logs: SharedConfig["logs"], scope: Scope): RuleGroup {
  const writers = Object.keys(catalogue).filter((service) => catalogue[service]!.logs?.securityEvents);
  const rules = writers.flatMap((service): AlertRule[] =>
    SECURITY_EVENTS.events.map((event) => {
      const { threshold, windowMinutes } = logs.securityAlerts[event];
      const { title, severity, look } = EVENTS[event];
      const lines = selector({ ...scope, [LOG_LABELS.service]: service, [LOG_LABELS.event]: event });
      return alert(
        eventAlertName(event),
        `sum(count_over_time(${lines}[${windowMinutes}m])) >= ${threshold}`,
        0,
        severity,
        service,
        `${title}: ${threshold} or more in ${windowMinutes} minutes at ${service}`,
        `${service} logged ${event} at least ${threshold} times within ${windowMinutes} minutes. Look at ${look}; the Security events panel shows the lines.`,
        { ...scope, event },
      );
    }),
  );
  return { name: "jarvis-security-events", rules };
}
