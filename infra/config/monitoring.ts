// Config of the monitoring capability. For now: where the cluster's Prometheus runs, which may
// reach every metrics port (Kubernetes).
import { podsElsewhere } from "./fields";
import type { ModuleKeys } from "./module";

export const monitoringKeys = {
  kubernetes: {
    monitoringSource: podsElsewhere.describe("Where the Prometheus that scrapes the metrics ports runs."),
  },
} satisfies ModuleKeys;
