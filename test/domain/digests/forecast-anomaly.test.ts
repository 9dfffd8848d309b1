import { describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../../src/domain/digests/anomaly.js';
import { addDay, dailySeries, isWeekend, seedHistory, type DayCost } from '../../../src/domain/digests/cost-history.js';
import { forecastMonthEnd } from '../../../src/domain/digests/forecast.js';
import type { CostSnapshotRow } from '../../../src/domain/ports/digest-store.port.js';

/** y = 100 + 2·t, weekends 30 lower: a series whose month-end has a known answer. */
function linear(from: string, to: string): DayCost[] {
  const out: DayCost[] = [];
  for (let d = from, t = 0; d <= to; d = addDay(d, 1), t++) out.push({ day: d, usd: 100 + 2 * t - (isWeekend(d) ? 30 : 0) });
  return out;
}

const settings = { absoluteUsd: 100, relativePct: 20, criticalUsd: 1000 };

describe('month-end forecast', () => {
  it('equals month-to-date plus the exact remaining days on a noiseless trend with a weekend dip, with a band of zero width', () => {
    // Data from 2026-10-20 to 2026-11-14 (yesterday); today 2026-11-15.
    const series = linear('2026-10-20', '2026-11-14');
    const f = forecastMonthEnd(series, '2026-11-15');
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    const all = linear('2026-10-20', '2026-11-30');
    const expected = all.filter((d) => d.day >= '2026-11-01').reduce((s, d) => s + d.usd, 0);
    const mtd = all.filter((d) => d.day >= '2026-11-01' && d.day < '2026-11-15').reduce((s, d) => s + d.usd, 0);
    expect(f.mtdUsd).toBeCloseTo(mtd, 6);
    expect(f.monthEndUsd).toBeCloseTo(expected, 2);
    expect(f.highUsd - f.lowUsd).toBeLessThan(0.01);
    expect(f.predictedDays).toBe(16);
    expect(f.asOf).toBe('2026-11-14');
    expect(f.method).toMatch(/least squares on \d+ clean days \(trend \+ weekend\), 80% band; month-end = month-to-date actual \+ 16 predicted days/);
  });

  it('holds the true month-end inside its 80% band on a noisy series, and leaves a spike out', () => {
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 8;
    const truth = linear('2026-10-15', '2026-11-30').map((d) => ({ ...d, usd: d.usd + noise() }));
    const history = truth.filter((d) => d.day < '2026-11-12').map((d) => (d.day === '2026-11-05' ? { ...d, usd: d.usd * 3 } : d));
    const f = forecastMonthEnd(history, '2026-11-12');
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.outliers).toContain('2026-11-05');
    const actualMonth = truth.filter((d) => d.day >= '2026-11-01').reduce((s, d) => s + (d.day === '2026-11-05' ? d.usd * 3 : d.usd), 0);
    expect(actualMonth).toBeGreaterThanOrEqual(f.lowUsd);
    expect(actualMonth).toBeLessThanOrEqual(f.highUsd);
  });

  it('refuses, with the reason, on fewer than 8 clean days', () => {
    const f = forecastMonthEnd(linear('2026-11-08', '2026-11-14'), '2026-11-15');
    expect(f).toMatchObject({ ok: false, cleanDays: 7, asOf: '2026-11-14' });
    expect(!f.ok && f.reason).toBe('only 7 clean days of cost history; a forecast needs 8 (Steward records one snapshot a day)');
    expect(forecastMonthEnd(linear('2026-11-07', '2026-11-14'), '2026-11-15').ok).toBe(true);
  });

  it('ignores today (provisional) when fitting', () => {
    const s = linear('2026-10-20', '2026-11-14');
    const withSpikyToday = [...s, { day: '2026-11-15', usd: 9999 }];
    const a = forecastMonthEnd(s, '2026-11-15');
    const b = forecastMonthEnd(withSpikyToday, '2026-11-15');
    expect(a.ok && b.ok && a.monthEndUsd === b.monthEndUsd).toBe(true);
  });
});

describe('anomaly rule', () => {
  const base = linear('2026-10-01', '2026-11-14').map((d) => ({ ...d, usd: d.usd * 10 }));
  const withDay = (day: string, usd: number) => base.map((d) => (d.day === day ? { ...d, usd } : d));
  const normal = base.find((d) => d.day === '2026-11-12')!.usd;

  it('flags a day above the band by both the absolute and the relative threshold', () => {
    const [a, ...rest] = detectAnomalies(withDay('2026-11-12', normal + 500), 'total', settings);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ scope: 'total', day: '2026-11-12', critical: false });
    expect(a!.excessUsd).toBeGreaterThanOrEqual(100);
    expect(a!.excessPct).toBeGreaterThanOrEqual(20);
    expect(a!.expectedUsd).toBeCloseTo(normal, 0);
  });

  it('does not flag an excess that passes only one threshold', () => {
    // +$150 on ~$1,300 is above $100 but under 20%.
    expect(detectAnomalies(withDay('2026-11-12', normal + 150), 'total', settings)).toEqual([]);
    // +60% of a small scope is under $100.
    const small = base.map((d) => ({ ...d, usd: d.usd / 100 }));
    expect(detectAnomalies(small.map((d) => (d.day === '2026-11-12' ? { ...d, usd: d.usd * 1.6 } : d)), 'gcp', settings)).toEqual([]);
  });

  it('marks as critical above the critical threshold, and never flags a drop', () => {
    expect(detectAnomalies(withDay('2026-11-13', normal + 5000), 'total', settings)[0]?.critical).toBe(true);
    expect(detectAnomalies(withDay('2026-11-13', 1), 'total', settings)).toEqual([]);
  });
});

describe('seeded demo history', () => {
  const today: CostSnapshotRow[] = [
    { day: '2026-11-20', provider: 'aws', region: 'eu-west-1', account: 'a', team: 'web', hourlyMicros: 20_000_000, instances: 10, source: 'live' },
    { day: '2026-11-20', provider: 'gcp', region: 'us-central1', account: 'p', team: 'ml', hourlyMicros: 10_000_000, instances: 4, source: 'live' },
  ];
  const rows = [...seedHistory(today, '2026-11-20'), ...today];

  it('has 60 days before today with a weekly rhythm and growth, and one spike the anomaly rule finds', () => {
    const total = dailySeries(rows);
    expect(total).toHaveLength(61);
    expect(total[0]?.day).toBe('2026-09-21');
    const weekday = total.filter((d) => !isWeekend(d.day) && d.day < '2026-10-01').map((d) => d.usd);
    const weekend = total.filter((d) => isWeekend(d.day) && d.day < '2026-10-01').map((d) => d.usd);
    expect(Math.max(...weekend)).toBeLessThan(Math.min(...weekday));
    expect((total.at(-2) as DayCost).usd).toBeGreaterThan((total[1] as DayCost).usd);
    const found = detectAnomalies(dailySeries(rows, (r) => r.provider === 'gcp'), 'gcp', settings);
    expect(found.map((a) => a.day)).toEqual(['2026-11-18']);
    const f = forecastMonthEnd(total, '2026-11-20');
    expect(f.ok && f.outliers).toContain('2026-11-18');
  });
});
