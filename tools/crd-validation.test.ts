import { describe, expect, it } from "vitest";
import { hasCrdSchema, validateCustomResource } from "./crd-validation";

const metadata = { name: "backend", namespace: "jarvis", labels: { app: "backend" } };

const serviceMonitor = (endpoint: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "ServiceMonitor",
  metadata,
  spec: {
    selector: { matchLabels: { app: "backend" } },
    endpoints: [
      {
        port: "http",
        path: "/metrics",
        interval: "15s",
        relabelings: [{ action: "replace", targetLabel: "service", replacement: "backend" }],
        ...endpoint,
      },
    ],
    ...spec,
  },
});

const podMonitor = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PodMonitor",
  metadata,
  spec: {
    selector: { matchLabels: { app: "backend" } },
    podMetricsEndpoints: [{ port: "http", path: "/metrics", interval: "30s", targetPort: 8000 }],
  },
};

const prometheusRule = (alert: Record<string, unknown> = {}, group: Record<string, unknown> = {}) => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  metadata,
  spec: {
    groups: [
      {
        name: "backend",
        rules: [
          {
            alert: "BackendDown",
            expr: 'up{job="backend"} == 0',
            for: "5m",
            labels: { severity: "critical" },
            ...alert,
          },
          { record: "job:http_requests:rate5m", expr: "sum by (job) (rate(http_requests_total[5m]))" },
        ],
        ...group,
      },
    ],
  },
});

describe("validateCustomResource with the prometheus-operator CRDs", () => {
  it("passes a valid ServiceMonitor, PodMonitor and PrometheusRule", () => {
    validateCustomResource(serviceMonitor());
    validateCustomResource(podMonitor);
    validateCustomResource(prometheusRule());
    validateCustomResource(serviceMonitor({ targetPort: "http" }));
    // The CRD's Go pattern `^(?i)(abort|warn)?$` ignores case.
    validateCustomResource(prometheusRule({}, { partial_response_strategy: "Warn" }));
  });

  it.each([
    [
      "a typo'd field, which the API server would drop",
      serviceMonitor({ prot: "http" }),
      "spec.endpoints[0].prot: unknown field",
    ],
    ["an unknown top-level field", { ...serviceMonitor(), specs: {} }, "specs: unknown field"],
    ["endpoints as an object", serviceMonitor({}, { endpoints: { port: "http" } }), "spec.endpoints: must be array"],
    ["a number for a duration", serviceMonitor({ interval: 15 }), "spec.endpoints[0].interval: must be string"],
    [
      "a relabeling action not in the enum",
      serviceMonitor({ relabelings: [{ action: "rename" }] }),
      "spec.endpoints[0].relabelings[0].action: must be equal to one of the allowed values",
    ],
    [
      "a duration the pattern refuses",
      prometheusRule({ for: "5 minutes" }),
      "spec.groups[0].rules[0].for: must match pattern",
    ],
    [
      "a port neither integer nor string",
      serviceMonitor({ targetPort: 80.5 }),
      'spec.endpoints[0].targetPort: must pass "x-kubernetes-int-or-string" keyword validation',
    ],
    [
      "a strategy the pattern refuses",
      prometheusRule({}, { partial_response_strategy: "ignore" }),
      "spec.groups[0].partial_response_strategy: must match pattern",
    ],
    ["a missing spec", { ...podMonitor, spec: undefined }, "(root): must have required property 'spec'"],
    ["a missing required field", { ...podMonitor, spec: {} }, "spec: must have required property 'selector'"],
    ["a name that is not a string", { ...podMonitor, metadata: { name: 5 } }, "metadata.name: must be string"],
  ])("refuses %s, naming its path", (_, object, message) => {
    expect(() => validateCustomResource(object)).toThrow(message);
  });

  it("names the object and every error", () => {
    expect(() => validateCustomResource(serviceMonitor({ interval: 15, prot: "http" }))).toThrow(
      /^monitoring.coreos.com\/v1 ServiceMonitor backend:\n(spec\.endpoints\[0\]\.(prot: unknown field|interval: must be string)(\n|$)){2}$/,
    );
  });

  it("refuses a kind or a version without a CRD fixture, and a group without CRD files", () => {
    expect(() => validateCustomResource({ ...serviceMonitor(), kind: "Probe" })).toThrow(
      "no schema for monitoring.coreos.com/v1 Probe",
    );
    expect(() => validateCustomResource({ ...serviceMonitor(), apiVersion: "monitoring.coreos.com/v1alpha1" })).toThrow(
      "no schema for monitoring.coreos.com/v1alpha1 ServiceMonitor",
    );
    expect(hasCrdSchema("example.com")).toBe(false);
    expect(() => validateCustomResource({ apiVersion: "example.com/v1", kind: "Widget" })).toThrow(
      "no schema for example.com/v1 Widget",
    );
  });
});
