/** Muting a check for a resource or a tag, for a while and for a stated reason (the mute itself is audited). */
import type { SecurityMute } from '../model/digest.js';
import type { ResourcePosture } from '../model/posture.js';

export type { SecurityMute };

export function muteMatches(m: SecurityMute, p: ResourcePosture): boolean {
  if (m.target.kind === 'tag') return p.tags[m.target.key] === m.target.value;
  const v = m.target.value;
  return p.resource.id === v || p.resource.name === v;
}

export const MAX_MUTE_DAYS = 365;

/** `30d`, `12h`, `2w` → milliseconds; undefined when it is none of those or beyond a year. */
export function parseMuteDuration(s: string): number | undefined {
  const m = /^(\d{1,4})([hdw])$/i.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] as string).toLowerCase();
  const ms = n * (unit === 'h' ? 3_600_000 : unit === 'd' ? 86_400_000 : 7 * 86_400_000);
  if (n <= 0 || ms > MAX_MUTE_DAYS * 86_400_000) return undefined;
  return ms;
}

export function describeMuteTarget(t: SecurityMute['target']): string {
  return t.kind === 'tag' ? `tag ${t.key}=${t.value}` : t.value;
}
