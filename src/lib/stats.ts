/** The q-quantile (0..1) of `values` by nearest rank on the sorted list; 0 for an empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
