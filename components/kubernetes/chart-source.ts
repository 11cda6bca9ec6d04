// Where helm.v4.Chart finds a pinned chart of config: an OCI repository holds it under its name; an
// HTTP one is an index the chart is looked up in.

export interface PinnedChart {
  readonly name: string;
  readonly repository: string;
  readonly version: string;
}

export function chartSource(chart: PinnedChart) {
  return {
    ...(chart.repository.startsWith("oci://")
      ? { chart: `${chart.repository.replace(/\/$/, "")}/${chart.name}` }
      : { chart: chart.name, repositoryOpts: { repo: chart.repository } }),
    version: chart.version,
  };
}
