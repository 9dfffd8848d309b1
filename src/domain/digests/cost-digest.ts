/**
 * The cost digest's content, computed from the estate, its utilization, the cost history and the catalog: run-rate by
 * provider, region and team; the change since the previous period; the top movers; idle and underused instances;
 * the savings available now (an estimate, the proposal itself comes from `optimize`); the month-end forecast; the
 * anomalies; and the 30-day series for the chart. Pure: no I/O.
 */
import { isBilling, type Instance, type Utilization } from '../model/instance.js';
import type { Offer } from '../model/price.js';
import type { CostSnapshotRow } from '../ports/digest-store.port.js';
import { detectAnomalies, type Anomaly } from './anomaly.js';
import { addDay, dailySeries, NO_TEAM, type DayCost } from './cost-history.js';
import { fitDaily, forecastMonthEnd, round2, type Forecast } from './forecast.js';
import { Z80 } from './stats.js';
import type { AnomalySettingsLike } from './types.js';

const HOURS = 730;
const usdMonthly = (hourlyMicros: number) => (hourlyMicros * HOURS) / 1e6;

export interface CostDigestInput {
  today: string;
  cadence: 'daily' | 'weekly';
  instances: readonly Instance[];
  utilization: readonly Utilization[];
  history: readonly CostSnapshotRow[];
  offers: readonly Offer[];
  anomaly: AnomalySettingsLike;
  idle: { cpuPct: number; underusedCpuPct: number; headroom: number };
}

export interface Group {
  key: string;
  monthlyUsd: number;
  instances: number;
}

export interface Mover {
  key: string;
  beforeUsd: number;
  afterUsd: number;
  deltaUsd: number;
}

export interface Underused {
  name: string;
  provider: string;
  region: string;
  id: string;
  type: string;
  /** What was judged: GPU utilization where the cloud reports it for a GPU instance, CPU otherwise. */
  metric: 'gpu' | 'cpu';
  p95: number;
  verdict: 'idle' | 'underused';
  monthlyUsd: number;
  /** What it would cost rightsized (0 when it should be stopped). */
  suggestion: string;
  savingUsd: number;
}

export interface CostDigest {
  today: string;
  cadence: 'daily' | 'weekly';
  totalMonthlyUsd: number;
  byProvider: Group[];
  byRegion: Group[];
  byTeam: Group[];
  change: { previousDay: string | null; previousMonthlyUsd: number | null; deltaUsd: number | null; deltaPct: number | null };
  movers: Mover[];
  underused: Underused[];
  savings: { monthlyUsd: number; stops: number; resizes: number };
  forecast: Forecast;
  anomalies: Anomaly[];
  /** The last 30 days for the chart: actual daily cost and the model's expected value with its 80 % band. */
  series: { days: string[]; actual: (number | null)[]; expected: (number | null)[]; low: (number | null)[]; high: (number | null)[] };
  historyDays: number;
}

function groupBy(instances: readonly Instance[], key: (i: Instance) => string): Group[] {
  const m = new Map<string, Group>();
  for (const i of instances) {
    if (!isBilling(i.state) || i.price.kind !== 'priced') continue;
    const k = key(i);
    const g = m.get(k) ?? { key: k, monthlyUsd: 0, instances: 0 };
    g.monthlyUsd += usdMonthly(i.price.hourlyMicros);
    g.instances++;
    m.set(k, g);
  }
  return [...m.values()].map((g) => ({ ...g, monthlyUsd: round2(g.monthlyUsd) })).sort((a, b) => b.monthlyUsd - a.monthlyUsd || a.key.localeCompare(b.key));
}

const moverKey = (r: Pick<CostSnapshotRow, 'provider' | 'region' | 'team'>) => `${r.provider} ${r.region} · ${r.team}`;

function monthlyByKey(rows: readonly CostSnapshotRow[], day: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) if (r.day === day) m.set(moverKey(r), (m.get(moverKey(r)) ?? 0) + usdMonthly(r.hourlyMicros));
  return m;
}

/** The cheapest catalog offer in the same provider and region that still fits the need, if cheaper than today. */
function cheaperFit(i: Instance, needVcpu: number, needMem: number, offersByDomain: Map<string, Offer[]>): Offer | undefined {
  const current = i.price.kind === 'priced' ? i.price.hourlyMicros : Infinity;
  let best: Offer | undefined;
  for (const o of offersByDomain.get(`${i.provider}:${i.region}`) ?? []) {
    if (o.vcpu < needVcpu || o.memoryGiB < needMem || o.gpu < i.gpu || o.hourlyMicros >= current) continue;
    if (!best || o.hourlyMicros < best.hourlyMicros) best = o;
  }
  return best;
}

export function buildCostDigest(input: CostDigestInput): CostDigest {
  const { today, instances } = input;
  const billing = instances.filter((i) => isBilling(i.state) && i.price.kind === 'priced');
  const total = round2(billing.reduce((s, i) => s + usdMonthly(i.price.kind === 'priced' ? i.price.hourlyMicros : 0), 0));

  // Change since the previous period: the stored snapshot one day (or one week) back.
  const back = input.cadence === 'weekly' ? 7 : 1;
  const days = [...new Set(input.history.map((r) => r.day))].sort();
  const previousDay = [...days].reverse().find((d) => d <= addDay(today, -back)) ?? null;
  const before = previousDay ? monthlyByKey(input.history, previousDay) : new Map<string, number>();
  const previousMonthly = previousDay ? round2([...before.values()].reduce((a, b) => a + b, 0)) : null;
  const now = new Map<string, number>();
  for (const i of billing) {
    const k = moverKey({ provider: i.provider, region: i.region, team: i.tags.team ?? NO_TEAM });
    now.set(k, (now.get(k) ?? 0) + usdMonthly(i.price.kind === 'priced' ? i.price.hourlyMicros : 0));
  }
  const movers: Mover[] = previousDay
    ? [...new Set([...before.keys(), ...now.keys()])]
        .map((key) => ({ key, beforeUsd: round2(before.get(key) ?? 0), afterUsd: round2(now.get(key) ?? 0), deltaUsd: round2((now.get(key) ?? 0) - (before.get(key) ?? 0)) }))
        .filter((m) => Math.abs(m.deltaUsd) >= 0.01)
        .sort((a, b) => Math.abs(b.deltaUsd) - Math.abs(a.deltaUsd) || a.key.localeCompare(b.key))
        .slice(0, 5)
    : [];

  // Idle and underused: GPU instances by GPU utilization where reported, everything else by CPU.
  const util = new Map(input.utilization.map((u) => [`${u.ref.provider}:${u.ref.id}`, u]));
  const offersByDomain = new Map<string, Offer[]>();
  for (const o of input.offers) {
    const k = `${o.provider}:${o.region}`;
    const list = offersByDomain.get(k);
    if (list) list.push(o);
    else offersByDomain.set(k, [o]);
  }
  const underused: Underused[] = [];
  for (const i of billing) {
    const u = util.get(`${i.provider}:${i.id}`);
    if (!u || u.samples === 0) continue;
    const gpu = i.gpu > 0 && typeof u.gpuP95 === 'number';
    const p95 = gpu ? (u.gpuP95 as number) : u.cpuP95;
    const monthly = usdMonthly(i.price.kind === 'priced' ? i.price.hourlyMicros : 0);
    const base = { name: i.name, provider: i.provider, region: i.region, id: i.id, type: i.type, metric: gpu ? ('gpu' as const) : ('cpu' as const), p95, monthlyUsd: round2(monthly) };
    if (p95 < input.idle.cpuPct) {
      underused.push({ ...base, verdict: 'idle', suggestion: 'stop', savingUsd: round2(monthly) });
    } else if (p95 < input.idle.underusedCpuPct && !gpu) {
      const needVcpu = Math.max(1, ((i.vcpu ?? 1) * u.cpuP95 * (1 + input.idle.headroom)) / 100);
      const needMem = u.memP95 !== null && i.memoryGiB ? (i.memoryGiB * u.memP95 * (1 + input.idle.headroom)) / 100 : (i.memoryGiB ?? 0);
      const fit = cheaperFit(i, needVcpu, needMem, offersByDomain);
      if (fit) underused.push({ ...base, verdict: 'underused', suggestion: `resize to ${fit.type}`, savingUsd: round2(monthly - usdMonthly(fit.hourlyMicros)) });
    }
  }
  underused.sort((a, b) => b.savingUsd - a.savingUsd || a.name.localeCompare(b.name));

  // Forecast, anomalies, chart series.
  const totalSeries = dailySeries(input.history);
  const forecast = forecastMonthEnd(totalSeries, today);
  const anomalies: Anomaly[] = [
    ...detectAnomalies(totalSeries, 'total', input.anomaly),
    ...[...new Set(input.history.map((r) => r.provider))].sort().flatMap((p) => detectAnomalies(dailySeries(input.history, (r) => r.provider === p), p, input.anomaly)),
  ].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : b.excessUsd - a.excessUsd));

  const last30 = Array.from({ length: 30 }, (_, k) => addDay(today, k - 29));
  const byDay = new Map(totalSeries.map((d) => [d.day, d.usd]));
  const model = fitDaily(totalSeries.filter((d: DayCost) => d.day < today && d.day >= addDay(today, -30)));
  const fitted = 'fit' in model ? model : undefined;
  const series = {
    days: last30,
    actual: last30.map((d) => (byDay.has(d) ? round2(byDay.get(d) as number) : null)),
    expected: last30.map((d) => (fitted ? round2(fitted.predict(d)) : null)),
    low: last30.map((d) => (fitted ? round2(Math.max(0, fitted.predict(d) - Z80 * fitted.predictionSd(d))) : null)),
    high: last30.map((d) => (fitted ? round2(fitted.predict(d) + Z80 * fitted.predictionSd(d)) : null)),
  };

  return {
    today,
    cadence: input.cadence,
    totalMonthlyUsd: total,
    byProvider: groupBy(billing, (i) => i.provider),
    byRegion: groupBy(billing, (i) => `${i.provider} ${i.region}`),
    byTeam: groupBy(billing, (i) => i.tags.team ?? NO_TEAM),
    change: {
      previousDay,
      previousMonthlyUsd: previousMonthly,
      deltaUsd: previousMonthly === null ? null : round2(total - previousMonthly),
      deltaPct: previousMonthly ? Math.round(((total - previousMonthly) / previousMonthly) * 1000) / 10 : null,
    },
    movers,
    underused,
    savings: { monthlyUsd: round2(underused.reduce((s, u) => s + u.savingUsd, 0)), stops: underused.filter((u) => u.verdict === 'idle').length, resizes: underused.filter((u) => u.verdict === 'underused').length },
    forecast,
    anomalies,
    series,
    historyDays: days.length,
  };
}
