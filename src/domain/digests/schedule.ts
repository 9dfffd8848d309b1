/**
 * Digest schedules: `daily HH:MM <IANA zone>` or `weekly <mon…sun> HH:MM <IANA zone>`, evaluated in the
 * subscription's zone. A period is a local day (`2026-03-29`) or an ISO week (`2026-W13`), so a digest runs once per
 * period whatever the clock does.
 *
 * DST, decided: a local time that does not exist (spring forward, 02:30 in New York on 2027-03-14) runs at the same
 * wall-clock offset after the gap (03:30 local) — node-cron would skip that day, so the scheduler's sweep posts it;
 * a local time that happens twice (fall back) runs at its first occurrence only, because both map to one period.
 */
import type { DigestKind, DigestSchedule } from '../model/digest.js';

export type { DigestKind, DigestSchedule };
export const DIGEST_KINDS: readonly DigestKind[] = ['cost', 'security'];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const SCHEDULE_FORMS = ['daily HH:MM <time zone>  (e.g. daily 09:00 Europe/Berlin)', 'weekly mon|tue|…|sun HH:MM <time zone>  (e.g. weekly mon 08:30 UTC)'];

export class ScheduleError extends Error {}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz }).format(0);
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz) || tz === 'UTC';
  } catch {
    return false;
  }
}

/** Parses the words after `digest subscribe <kind>`; the error names the accepted forms. */
export function parseSchedule(words: readonly string[]): DigestSchedule {
  const fail = (why: string): never => {
    throw new ScheduleError(`${why} Accepted forms: ${SCHEDULE_FORMS.join('; ')}.`);
  };
  const [cadence, ...rest] = words.map((w) => w.trim()).filter(Boolean);
  if (cadence !== 'daily' && cadence !== 'weekly') return fail(`Unknown schedule ${JSON.stringify(cadence ?? '')}.`);
  let weekday: number | undefined;
  if (cadence === 'weekly') {
    const d = (rest.shift() ?? '').toLowerCase().slice(0, 3);
    const idx = (WEEKDAYS as readonly string[]).indexOf(d);
    if (idx < 0) return fail('A weekly digest needs a day (mon, tue, wed, thu, fri, sat or sun).');
    weekday = idx;
  }
  const time = rest.shift() ?? '';
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) return fail(`${JSON.stringify(time)} is not a time of day (HH:MM, 24-hour).`);
  const timezone = rest.shift() ?? '';
  if (!timezone) return fail('The time zone is missing (an IANA name such as Europe/Berlin, or UTC).');
  if (!isValidTimezone(timezone)) return fail(`${JSON.stringify(timezone)} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC).`);
  if (rest.length) return fail(`Unexpected ${JSON.stringify(rest.join(' '))} after the time zone.`);
  return { cadence, ...(weekday !== undefined ? { weekday } : {}), time: `${m[1]?.padStart(2, '0')}:${m[2]}`, timezone };
}

export function describeSchedule(s: DigestSchedule): string {
  return s.cadence === 'daily' ? `daily ${s.time} ${s.timezone}` : `weekly ${WEEKDAYS[s.weekday ?? 1]} ${s.time} ${s.timezone}`;
}

/** node-cron expression for the schedule, in its zone (`30 8 * * 1`). */
export function cronExpression(s: DigestSchedule): string {
  const [h, m] = s.time.split(':').map(Number);
  return `${m} ${h} * * ${s.cadence === 'weekly' ? (s.weekday ?? 1) : '*'}`;
}

// ─── Local time arithmetic (Intl only, no tz database of our own) ──────────────────────────────────────────

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

export function localParts(at: Date, tz: string): LocalParts {
  const parts = Object.fromEntries(formatter(tz).formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    weekday: (WEEKDAYS as readonly string[]).indexOf(String(parts.weekday).toLowerCase().slice(0, 3)),
  };
}

/** Offset of `tz` from UTC at `at`, in minutes (Berlin in summer: +120). */
function offsetMinutes(at: Date, tz: string): number {
  const p = localParts(at, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/**
 * The instant of local wall time y-m-d h:m in `tz`. A time in a spring-forward gap moves forward by the gap;
 * a time that happens twice resolves to its first (earlier) occurrence.
 */
export function zonedInstant(y: number, m: number, d: number, h: number, min: number, tz: string): Date {
  const wall = Date.UTC(y, m - 1, d, h, min);
  const candidates = new Set<number>();
  for (const probe of [wall - 14 * 3_600_000, wall, wall + 14 * 3_600_000]) candidates.add(wall - offsetMinutes(new Date(probe), tz) * 60_000);
  const exact = [...candidates].filter((t) => {
    const p = localParts(new Date(t), tz);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === wall;
  });
  if (exact.length) return new Date(Math.min(...exact));
  // In the gap: the offset before the transition, applied to the wall time, lands after the gap.
  const before = offsetMinutes(new Date(wall - 14 * 3_600_000), tz);
  return new Date(wall - before * 60_000);
}

function addDays(y: number, m: number, d: number, n: number): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The ISO week of a calendar date: `2026-W13`. */
export function isoWeek(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export interface Occurrence {
  /** When it is due. */
  at: Date;
  /** The period it covers: local day or ISO week. */
  period: string;
}

function occurrenceOn(s: DigestSchedule, y: number, m: number, d: number): Occurrence {
  const [h, min] = s.time.split(':').map(Number) as [number, number];
  const at = zonedInstant(y, m, d, h, min, s.timezone);
  const period = s.cadence === 'daily' ? `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` : isoWeek(y, m, d);
  return { at, period };
}

/** The latest occurrence at or before `now` (the period a digest is due for). */
export function latestOccurrence(s: DigestSchedule, now: Date): Occurrence {
  const p = localParts(now, s.timezone);
  for (let back = 0; back <= 8; back++) {
    const day = addDays(p.year, p.month, p.day, -back);
    const dow = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();
    if (s.cadence === 'weekly' && dow !== s.weekday) continue;
    const o = occurrenceOn(s, day.y, day.m, day.d);
    if (o.at.getTime() <= now.getTime()) return o;
  }
  throw new Error('no occurrence in the last 8 days');
}

/** The next `n` occurrences strictly after `now`. */
export function nextOccurrences(s: DigestSchedule, now: Date, n: number): Occurrence[] {
  const out: Occurrence[] = [];
  const p = localParts(now, s.timezone);
  for (let ahead = 0; out.length < n && ahead < 7 * n + 8; ahead++) {
    const day = addDays(p.year, p.month, p.day, ahead);
    const dow = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();
    if (s.cadence === 'weekly' && dow !== s.weekday) continue;
    const o = occurrenceOn(s, day.y, day.m, day.d);
    if (o.at.getTime() > now.getTime()) out.push(o);
  }
  return out;
}

/** The period a given instant falls in for this schedule (node-cron's slot → our claim key). */
export function periodOf(s: DigestSchedule, at: Date): string {
  const p = localParts(at, s.timezone);
  return s.cadence === 'daily' ? `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}` : isoWeek(p.year, p.month, p.day);
}
