/**
 * Cost anomalies: a day whose cost lies above the expected band (95 % prediction interval of the daily model fitted
 * on the 28 days before it) by BOTH an absolute and a relative threshold, the way AWS anomaly subscriptions and
 * GCP filter on impact amount and percent. Drops are not anomalies here. Above the critical threshold an anomaly
 * is sent at once to cost-digest subscribers; the others wait for the next digest.
 */
import type { AnomalySettingsLike } from './types.js';
import { addDay, type DayCost } from './cost-history.js';
import { fitDaily, round2 } from './forecast.js';
import { Z95 } from './stats.js';

export interface Anomaly {
  /** `total` or a provider (`gcp`). */
  scope: string;
  day: string;
  actualUsd: number;
  expectedUsd: number;
  bandHighUsd: number;
  excessUsd: number;
  /** Excess over the band as a percent of the expected cost. */
  excessPct: number;
  critical: boolean;
}

export function detectAnomalies(series: readonly DayCost[], scope: string, settings: AnomalySettingsLike, opts: { evaluateDays?: number; trainingDays?: number } = {}): Anomaly[] {
  const evaluateDays = opts.evaluateDays ?? 7;
  const trainingDays = opts.trainingDays ?? 28;
  const out: Anomaly[] = [];
  for (const point of series.slice(-evaluateDays)) {
    const training = series.filter((d) => d.day < point.day && d.day >= addDay(point.day, -trainingDays));
    const model = fitDaily(training);
    if (!('fit' in model)) continue;
    const expected = model.predict(point.day);
    const high = expected + Z95 * model.predictionSd(point.day);
    const excess = point.usd - high;
    if (excess <= 0) continue;
    const pct = expected > 0 ? (excess / expected) * 100 : Infinity;
    if (excess >= settings.absoluteUsd && pct >= settings.relativePct) {
      out.push({ scope, day: point.day, actualUsd: round2(point.usd), expectedUsd: round2(expected), bandHighUsd: round2(high), excessUsd: round2(excess), excessPct: Math.round(pct * 10) / 10, critical: excess >= settings.criticalUsd });
    }
  }
  return out;
}
