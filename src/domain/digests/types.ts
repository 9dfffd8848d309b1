/** Thresholds of the anomaly rule (core's AnomalySettings has the same shape; STEWARD_ANOMALY_*). */
export interface AnomalySettingsLike {
  absoluteUsd: number;
  relativePct: number;
  criticalUsd: number;
}
