/** Small least-squares and robust-statistics helpers for the forecast and the anomaly rule. */

/** Solves A x = b for a small dense system (Gaussian elimination with partial pivoting); undefined when singular. */
export function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-9) return undefined;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

export function invert(a: number[][]): number[][] | undefined {
  const n = a.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = Array.from({ length: n }, (_, i) => (i === j ? 1 : 0));
    const x = solve(a, e);
    if (!x) return undefined;
    cols.push(x);
  }
  return Array.from({ length: n }, (_, i) => cols.map((c) => c[i] as number));
}

export interface LinearFit {
  coef: number[];
  /** Residual standard deviation (n − p degrees of freedom). */
  sigma: number;
  /** (XᵀX)⁻¹, for the uncertainty of predictions. */
  xtxInv: number[][];
  n: number;
  p: number;
}

/** Ordinary least squares of y on the rows of X (each row already holds the intercept column). */
export function ols(x: number[][], y: number[]): LinearFit | undefined {
  const p = x[0]?.length ?? 0;
  const n = y.length;
  if (n <= p) return undefined;
  const xtx = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => x.reduce((s, r) => s + r[i]! * r[j]!, 0)));
  const xty = Array.from({ length: p }, (_, i) => x.reduce((s, r, k) => s + r[i]! * y[k]!, 0));
  const coef = solve(xtx, xty);
  const xtxInv = invert(xtx);
  if (!coef || !xtxInv) return undefined;
  const rss = x.reduce((s, r, k) => s + (y[k]! - dot(r, coef)) ** 2, 0);
  return { coef, sigma: Math.sqrt(rss / (n - p)), xtxInv, n, p };
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
}

/** Quantile by linear interpolation (type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** Tukey fences: values outside [Q1 − k·IQR, Q3 + k·IQR] are outliers (k = 1.5, as Koku's forecast does). */
export function iqrFences(values: readonly number[], k = 1.5): { low: number; high: number } {
  const s = [...values].sort((a, b) => a - b);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  return { low: q1 - k * (q3 - q1), high: q3 + k * (q3 - q1) };
}

/** Two-sided normal quantiles used here: 80% → 1.2816, 95% → 1.96. */
export const Z80 = 1.2815515655446004;
export const Z95 = 1.959963984540054;
