/**
 * Daily cost history: one snapshot a day of the run-rate by provider, region, account and team, and the demo's
 * seeded 60 days (a trend, weekly seasonality and one spike) so that a first digest has something to show.
 */
import { isBilling, type Instance } from '../model/instance.js';
import type { CostSnapshotRow } from '../ports/digest-store.port.js';
import { createRandom, hashString } from '../../lib/random.js';

export const NO_TEAM = '(no team)';

export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDay(day: string, n: number): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return dayOf(t);
}

export function isWeekend(day: string): boolean {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return dow === 0 || dow === 6;
}

/** Today's snapshot of the estate: the summed hourly price of billing instances per (provider, region, account, team). */
export function snapshotOf(instances: readonly Instance[], day: string): CostSnapshotRow[] {
  const groups = new Map<string, CostSnapshotRow>();
  for (const i of instances) {
    if (!isBilling(i.state) || i.price.kind !== 'priced') continue;
    const team = i.tags.team ?? NO_TEAM;
    const key = `${i.provider}\u0000${i.region}\u0000${i.account}\u0000${team}`;
    let g = groups.get(key);
    if (!g) {
      g = { day, provider: i.provider, region: i.region, account: i.account, team, hourlyMicros: 0, instances: 0, source: 'live' };
      groups.set(key, g);
    }
    g.hourlyMicros += i.price.hourlyMicros;
    g.instances++;
  }
  return [...groups.values()];
}

export interface SeedOptions {
  days?: number;
  seed?: number;
  /** The spike: this many days before today, on this provider, this many times its usual cost. */
  spikeDaysAgo?: number;
  spikeProvider?: string;
  spikeFactor?: number;
}

/**
 * Synthetic history for the demo estate, from today's groups backwards: +0.4 % a day of organic growth, weekends at
 * 82 %, ±1.5 % seeded noise, and one spike (the default: Google Cloud at 2.2× two days ago).
 */
export function seedHistory(today: readonly CostSnapshotRow[], todayDay: string, opts: SeedOptions = {}): CostSnapshotRow[] {
  const days = opts.days ?? 60;
  const seed = opts.seed ?? 42;
  const providers = [...new Set(today.map((g) => g.provider))];
  const spikeProvider = opts.spikeProvider ?? (providers.includes('gcp') ? 'gcp' : providers[0]);
  const spikeDaysAgo = opts.spikeDaysAgo ?? 2;
  const spikeFactor = opts.spikeFactor ?? 2.2;
  const out: CostSnapshotRow[] = [];
  for (let d = days; d >= 1; d--) {
    const day = addDay(todayDay, -d);
    const trend = 1 / (1 + 0.004 * d);
    const weekly = isWeekend(day) ? 0.82 : 1;
    const dayNoise = 1 + (createRandom(hashString(`${seed}:${day}`)).next() - 0.5) * 0.02;
    for (const g of today) {
      const noise = 1 + (createRandom(hashString(`${seed}:${day}:${g.provider}:${g.region}:${g.account}:${g.team}`)).next() - 0.5) * 0.03;
      const spike = d === spikeDaysAgo && g.provider === spikeProvider ? spikeFactor : 1;
      out.push({ ...g, day, hourlyMicros: Math.round(g.hourlyMicros * trend * weekly * dayNoise * noise * spike), source: 'seeded' });
    }
  }
  return out;
}

export interface DayCost {
  day: string;
  usd: number;
}

/** Daily cost (run-rate × 24 h) per day, optionally for a subset of the rows. */
export function dailySeries(rows: readonly CostSnapshotRow[], filter?: (r: CostSnapshotRow) => boolean): DayCost[] {
  const byDay = new Map<string, number>();
  for (const row of rows) {
    if (filter && !filter(row)) continue;
    byDay.set(row.day, (byDay.get(row.day) ?? 0) + (row.hourlyMicros * 24) / 1e6);
  }
  return [...byDay].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([day, usd]) => ({ day, usd }));
}
