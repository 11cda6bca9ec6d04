import { describe, expect, it } from "vitest";
import { kubePrometheusStackValues, unknownValuesKeys } from "./chart-values";

/** The generated values of one dotted key path. */
function valuesAt(path: string, value: unknown = "x"): Record<string, unknown> {
  return path
    .split(".")
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

const unknownKeys = (path: string, freeForm: readonly string[] = []) =>
  unknownValuesKeys(valuesAt(path), kubePrometheusStackValues(), freeForm);

describe("unknownValuesKeys against kube-prometheus-stack 88.5.3 and its Grafana subchart", () => {
  it.each([
    "prometheus.prometheusSpec.retention",
    "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues",
    "alertmanager.alertmanagerSpec.secrets",
    "grafana.admin.existingSecret",
    // Only in the Grafana chart's values.
    "grafana.persistence.enabled",
    // Under `storageSpec: {}`.
    "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName",
  ])("knows %s", (path) => {
    expect(unknownKeys(path)).toEqual([]);
  });

  it.each(["prometheus.prometheusSpec.retension", "grafana.admin.existingSecrett", "nodeExporter.enabeld"])(
    "reports %s",
    (path) => {
      expect(unknownKeys(path)).toEqual([path]);
    },
  );

  it("accepts anything under a free-form path, which is checked elsewhere", () => {
    expect(unknownKeys("alertmanager.config.route.whatever")).toEqual(["alertmanager.config.route.whatever"]);
    expect(unknownKeys("alertmanager.config.route.whatever", ["alertmanager.config"])).toEqual([]);
  });

  it("reports every unknown key once, without descending into it or into arrays", () => {
    const values = {
      prometheus: { prometheusSpec: { retention: "30d", retension: { size: "1Gi" }, secrets: ["a", { b: 1 }] } },
      grafana: { admin: { existingSecret: "grafana-admin" }, plugins: ["x"] },
      nodeExporter: { enabeld: false },
    };
    expect(unknownValuesKeys(values, kubePrometheusStackValues(), [])).toEqual([
      "prometheus.prometheusSpec.retension",
      "nodeExporter.enabeld",
    ]);
  });

  it("reads commented-out keys as absent, and a key of null as free-form", () => {
    const chart = { values: { a: { b: 1, c: null } } };
    expect(unknownValuesKeys({ a: { b: 2, c: { d: 1 }, e: 1 }, f: 1 }, chart, [])).toEqual(["a.e", "f"]);
    // values.yaml documents `# servicePort: 8081` under alertmanager.ingress; such a key is reported
    // (a caller that sets one lists it in freeForm).
    expect(unknownKeys("alertmanager.ingress.servicePort")).toEqual(["alertmanager.ingress.servicePort"]);
  });
});
