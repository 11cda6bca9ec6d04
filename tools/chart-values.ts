// Which keys of generated Helm values a chart does not know: Helm ignores them silently, so a typo
// in a key path is a setting that never applies.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { PROJECT_DIR } from "./plan/cli";

export interface ChartValues {
  /** The chart's values.yaml, parsed (its commented-out keys are not keys). */
  readonly values: unknown;
  /** Subcharts' values.yaml by the key their values sit under in the parent's. */
  readonly subcharts?: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A default of `{}` or `null` is a place for keys of the user's own (`storageSpec: {}`). */
const isFreeForm = (value: unknown) => value === null || (isObject(value) && Object.keys(value).length === 0);

/**
 * The dotted key paths of `values` that the chart's values (or, under a subchart's key, the
 * subchart's) do not have. Arrays are leaves; under a default of `{}` or `null`, and under the paths
 * of `freeForm` (checked elsewhere), any key is accepted.
 */
export function unknownValuesKeys(values: unknown, chart: ChartValues, freeForm: readonly string[]): string[] {
  const unknown: string[] = [];
  // `defaults` holds what may define this level: the parent's values and, under its key, a subchart's.
  const walk = (value: unknown, defaults: unknown[], path: string) => {
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const childDefaults = defaults
        .filter(isObject)
        .filter((d) => key in d)
        .map((d) => d[key]);
      if (!path && chart.subcharts && key in chart.subcharts) childDefaults.push(chart.subcharts[key]);
      if (freeForm.includes(childPath) || childDefaults.some(isFreeForm)) continue;
      if (childDefaults.length === 0) unknown.push(childPath);
      else walk(child, childDefaults, childPath);
    }
  };
  walk(values, [chart.values], "");
  return unknown;
}

let kubePrometheusStack: ChartValues | undefined;
/** The values of the kube-prometheus-stack chart and its Grafana subchart (test/fixtures), read once. */
export function kubePrometheusStackValues(): ChartValues {
  const read = (chart: string) => parse(readFileSync(join(PROJECT_DIR, "test/fixtures", chart, "values.yaml"), "utf8"));
  kubePrometheusStack ??= { values: read("kube-prometheus-stack"), subcharts: { grafana: read("grafana-chart") } };
  return kubePrometheusStack;
}

/** Loki's own configuration, which its chart passes on as it is: not the chart's keys. */
export const LOKI_CONFIG_KEYS = [
  "loki.schemaConfig",
  "loki.limits_config",
  "loki.compactor",
  "loki.rulerConfig",
  "loki.commonConfig.ring",
] as const;

/** Keys the Loki chart's values.yaml shows only as comments, with the comment that documents each. */
export const LOKI_COMMENTED_KEYS = {
  "loki.storage.bucketNames": "    # bucketNames:\n    #   chunks: FIXME",
} as const;

let lokiChart: { values: ChartValues; ajv: Ajv; validate: ValidateFunction } | undefined;
/**
 * What is wrong with values for the Loki chart (test/fixtures/loki-chart): the errors of its
 * values.schema.json, and, as that schema allows unknown keys, the keys its values.yaml lacks.
 */
export function lokiValuesProblems(values: unknown): { schema: string | undefined; unknownKeys: string[] } {
  if (!lokiChart) {
    const read = (file: string) => readFileSync(join(PROJECT_DIR, "test/fixtures/loki-chart", file), "utf8");
    const ajv = new Ajv({ strict: false, allErrors: true });
    lokiChart = {
      values: { values: parse(read("values.yaml")) },
      ajv,
      validate: ajv.compile(JSON.parse(read("values.schema.json"))),
    };
  }
  const { ajv, validate } = lokiChart;
  return {
    schema: validate(values) ? undefined : ajv.errorsText(validate.errors),
    unknownKeys: unknownValuesKeys(values, lokiChart.values, [
      ...LOKI_CONFIG_KEYS,
      ...Object.keys(LOKI_COMMENTED_KEYS),
    ]),
  };
}
