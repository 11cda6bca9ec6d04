// Kubernetes resource quantities (the subset the schema accepts), for comparisons and Docker limits.

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** CPU quantity in millicores: "500m" is 500, "1.5" is 1500. */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** Memory quantity in bytes: "512Mi" is 536870912. */
export function memoryBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(quantity);
  const unit = match ? MEMORY_UNITS[match[2]!] : undefined;
  return match && unit !== undefined ? Math.round(Number(match[1]) * unit) : NaN;
}
