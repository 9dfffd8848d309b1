/**
 * Month-end forecast = actual month-to-date + the predicted remaining days (GCP's and AWS's definition), with an
 * 80 % band (AWS's convention). The model: least squares on the last 30 complete days with a trend and a weekend
 * term, outliers removed by Tukey's fences (k = 1.5, as Red Hat Koku does); refused under 8 clean days, the way
 * Koku falls back and AWS declines without enough history. Today counts as provisional (predicted, not actual).
 */
import { addDay, isWeekend, type DayCost } from './cost-history.js';
import { dot, iqrFences, ols, Z80, type LinearFit } from './stats.js';

export const MIN_CLEAN_DAYS = 8;

export interface ForecastOk {
  ok: true;
  monthEndUsd: number;
  lowUsd: number;
  highUsd: number;
  mtdUsd: number;
  /** Days predicted: today to the end of the month, plus any earlier day of the month without data. */
  predictedDays: number;
  cleanDays: number;
  /** Days left out as outliers. */
  outliers: string[];
  method: string;
  /** The newest day of data the forecast rests on. */
  asOf: string;
}

export interface ForecastRefused {
  ok: false;
  reason: string;
  cleanDays: number;
  asOf: string | null;
}

export type Forecast = ForecastOk | ForecastRefused;

const DAY0 = Date.UTC(2000, 0, 1);
export const dayIndex = (day: string) => Math.round((new Date(`${day}T00:00:00Z`).getTime() - DAY0) / 86_400_000);

export interface DailyModel {
  fit: LinearFit;
  features(day: string): number[];
  predict(day: string): number;
  /** Standard deviation of one new day's cost around the prediction (noise + parameter uncertainty). */
  predictionSd(day: string): number;
  clean: DayCost[];
  outliers: string[];
}

/**
 * Fits trend + weekend on the given days after removing outliers; a `{ cleanDays }` answer when fewer than
 * `minClean` clean days remain. Outliers are found by Tukey's fences on the residuals of a first fit (on raw values
 * the weekly rhythm would hide a spike inside the fences), then the model is fitted again without them.
 */
export function fitDaily(days: readonly DayCost[], minClean = MIN_CLEAN_DAYS): DailyModel | { cleanDays: number } {
  if (days.length < minClean) return { cleanDays: days.length };
  const first = fitOn(days);
  if (!first) return { cleanDays: days.length };
  const residuals = days.map((d) => d.usd - first.predict(d.day));
  // A floor of 2% of the level keeps float noise on a near-perfect fit from counting as outliers.
  const floor = 0.02 * (days.reduce((t, d) => t + Math.abs(d.usd), 0) / days.length);
  const iqr = iqrFences(residuals);
  const fences = { low: Math.min(iqr.low, -floor), high: Math.max(iqr.high, floor) };
  const isOut = (i: number) => (residuals[i] as number) < fences.low || (residuals[i] as number) > fences.high;
  const clean = days.filter((_, i) => !isOut(i));
  const outliers = days.filter((_, i) => isOut(i)).map((d) => d.day);
  if (clean.length < minClean) return { cleanDays: clean.length };
  const model = fitOn(clean);
  return model ? { ...model, clean, outliers } : { cleanDays: clean.length };
}

function fitOn(clean: readonly DayCost[]): Omit<DailyModel, 'clean' | 'outliers'> | undefined {
  const origin = dayIndex(clean[0]!.day);
  const withWeekend = clean.some((d) => isWeekend(d.day)) && clean.some((d) => !isWeekend(d.day));
  const features = (day: string) => (withWeekend ? [1, dayIndex(day) - origin, isWeekend(day) ? 1 : 0] : [1, dayIndex(day) - origin]);
  let fit = ols(clean.map((d) => features(d.day)), clean.map((d) => d.usd));
  let feats = features;
  if (!fit) {
    feats = (day: string) => [1, dayIndex(day) - origin];
    fit = ols(clean.map((d) => feats(d.day)), clean.map((d) => d.usd));
  }
  if (!fit) return undefined;
  const f = fit;
  const quad = (x: number[]) => dot(x, f.xtxInv.map((row) => dot(row, x)));
  return {
    fit: f,
    features: feats,
    predict: (day) => Math.max(0, dot(feats(day), f.coef)),
    predictionSd: (day) => f.sigma * Math.sqrt(1 + quad(feats(day))),
  };
}

function monthDays(today: string): string[] {
  const first = `${today.slice(0, 8)}01`;
  const out: string[] = [];
  for (let d = first; d.slice(0, 7) === today.slice(0, 7); d = addDay(d, 1)) out.push(d);
  return out;
}

/** The forecast for the month of `today` from daily costs (any days; only complete days before today are used to fit). */
export function forecastMonthEnd(series: readonly DayCost[], today: string, opts: { windowDays?: number; minClean?: number } = {}): Forecast {
  const windowDays = opts.windowDays ?? 30;
  const minClean = opts.minClean ?? MIN_CLEAN_DAYS;
  const complete = series.filter((d) => d.day < today);
  const asOf = complete.at(-1)?.day ?? null;
  const window = complete.filter((d) => d.day >= addDay(today, -windowDays));
  const model = fitDaily(window, minClean);
  if (!('fit' in model)) {
    return {
      ok: false,
      cleanDays: model.cleanDays,
      asOf,
      reason: `only ${model.cleanDays} clean day${model.cleanDays === 1 ? '' : 's'} of cost history; a forecast needs ${minClean} (Steward records one snapshot a day)`,
    };
  }
  const actual = new Map(series.map((d) => [d.day, d.usd]));
  let mtd = 0;
  const predicted: string[] = [];
  for (const day of monthDays(today)) {
    const a = day < today ? actual.get(day) : undefined;
    if (a !== undefined) mtd += a;
    else predicted.push(day);
  }
  const point = predicted.reduce((s, d) => s + model.predict(d), 0);
  // Var(Σ new days) = σ²·(k + 1ᵀ X_f (XᵀX)⁻¹ X_fᵀ 1): noise of each day plus the shared parameter uncertainty.
  const { fit } = model;
  const sumX = predicted.reduce<number[]>((acc, d) => model.features(d).map((v, i) => v + (acc[i] ?? 0)), []);
  const paramVar = sumX.length ? dot(sumX, fit.xtxInv.map((row) => dot(row, sumX))) : 0;
  const sd = fit.sigma * Math.sqrt(predicted.length + paramVar);
  const monthEnd = mtd + point;
  return {
    ok: true,
    monthEndUsd: round2(monthEnd),
    lowUsd: round2(Math.max(mtd, monthEnd - Z80 * sd)),
    highUsd: round2(monthEnd + Z80 * sd),
    mtdUsd: round2(mtd),
    predictedDays: predicted.length,
    cleanDays: model.clean.length,
    outliers: model.outliers,
    asOf: asOf ?? today,
    method: `least squares on ${model.clean.length} clean days (trend + weekend${model.outliers.length ? `, ${model.outliers.length} outlier day${model.outliers.length === 1 ? '' : 's'} left out by IQR` : ''}), 80% band; month-end = month-to-date actual + ${predicted.length} predicted day${predicted.length === 1 ? '' : 's'}`,
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
