/** A moment as people read it in messages: "2026-12-01 13:45 UTC" (minutes, no seconds, no "T" or "Z"). */
export function humanUtc(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
