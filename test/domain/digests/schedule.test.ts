import { describe, expect, it } from 'vitest';
import { cronExpression, isoWeek, latestOccurrence, nextOccurrences, parseSchedule, periodOf, zonedInstant } from '../../../src/domain/digests/schedule.js';

const iso = (d: Date) => d.toISOString();

describe('digest schedules', () => {
  it('parses the two forms and names both when a schedule is wrong', () => {
    expect(parseSchedule(['daily', '09:00', 'Europe/Berlin'])).toEqual({ cadence: 'daily', time: '09:00', timezone: 'Europe/Berlin' });
    expect(parseSchedule(['weekly', 'mon', '8:30', 'UTC'])).toEqual({ cadence: 'weekly', weekday: 1, time: '08:30', timezone: 'UTC' });
    for (const bad of [['hourly', '09:00', 'UTC'], ['daily', '25:00', 'UTC'], ['daily', '09:00', 'Mars/Olympus'], ['weekly', 'someday', '09:00', 'UTC'], ['daily', '09:00']]) {
      expect(() => parseSchedule(bad)).toThrow(/Accepted forms: daily HH:MM <time zone>.*; weekly mon\|tue\|…\|sun HH:MM <time zone>/);
    }
    expect(cronExpression(parseSchedule(['weekly', 'mon', '08:30', 'UTC']))).toBe('30 8 * * 1');
  });

  it('runs at the local time of the subscription’s zone, summer and winter', () => {
    const berlin = parseSchedule(['daily', '09:00', 'Europe/Berlin']);
    expect(nextOccurrences(berlin, new Date('2026-07-01T00:00:00Z'), 1).map((o) => iso(o.at))).toEqual(['2026-07-01T07:00:00.000Z']);
    expect(nextOccurrences(berlin, new Date('2026-12-01T00:00:00Z'), 1).map((o) => iso(o.at))).toEqual(['2026-12-01T08:00:00.000Z']);
    const tokyo = parseSchedule(['weekly', 'mon', '08:30', 'Asia/Tokyo']);
    // Monday 08:30 in Tokyo is Sunday 23:30 UTC.
    expect(nextOccurrences(tokyo, new Date('2026-11-25T00:00:00Z'), 2).map((o) => [iso(o.at), o.period])).toEqual([
      ['2026-11-29T23:30:00.000Z', '2026-W49'],
      ['2026-12-06T23:30:00.000Z', '2026-W50'],
    ]);
  });

  it('spring forward: a local time that does not exist runs once, right after the gap — never skipped', () => {
    const ny = parseSchedule(['daily', '02:30', 'America/New_York']);
    const runs = nextOccurrences(ny, new Date('2027-03-13T00:00:00Z'), 3);
    expect(runs.map((o) => [iso(o.at), o.period])).toEqual([
      ['2027-03-13T07:30:00.000Z', '2027-03-13'],
      ['2027-03-14T07:30:00.000Z', '2027-03-14'], // 03:30 EDT: 02:30 does not exist that day
      ['2027-03-15T06:30:00.000Z', '2027-03-15'],
    ]);
  });

  it('fall back: a local time that happens twice runs once, at its first occurrence; both map to one period', () => {
    const ny = parseSchedule(['daily', '01:30', 'America/New_York']);
    expect(iso(zonedInstant(2026, 11, 1, 1, 30, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    const runs = nextOccurrences(ny, new Date('2026-10-31T12:00:00Z'), 3).map((o) => o.period);
    expect(runs).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    // The second 01:30 (EST, 06:30Z) is the same period as the first: one claim row, one post.
    expect(periodOf(ny, new Date('2026-11-01T06:30:00Z'))).toBe(periodOf(ny, new Date('2026-11-01T05:30:00Z')));
  });

  it('finds the latest due period (catch-up) and weeks by ISO number', () => {
    const weekly = parseSchedule(['weekly', 'mon', '08:30', 'UTC']);
    expect(latestOccurrence(weekly, new Date('2026-12-03T12:00:00Z'))).toEqual({ at: new Date('2026-11-30T08:30:00Z'), period: '2026-W49' });
    expect(latestOccurrence(weekly, new Date('2026-11-30T08:29:59Z')).period).toBe('2026-W48');
    expect(isoWeek(2027, 1, 1)).toBe('2026-W53');
  });
});
