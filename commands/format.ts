/** Presentation helpers shared by several commands (not a command itself). */
import { context, type Block } from '../src/core/reply.js';
import { UsageError } from '../src/core/errors.js';
import { CLOUDS, type Cloud } from '../src/domain/model/cloud.js';
import type { Instance, InstanceState } from '../src/domain/model/instance.js';
import type { Gap, Scope } from '../src/domain/ports/cloud-provider.port.js';
import { formatMonthly, formatUsd } from '../src/lib/money.js';

export const PROVIDER_FLAG = { kind: 'enum', values: CLOUDS, multiple: true, description: 'only this cloud (repeatable)' } as const;
export const REGION_FLAG = { kind: 'string', multiple: true, placeholder: 'region', description: 'only this region (repeatable)' } as const;
export const REFRESH_FLAG = { kind: 'boolean', description: 'bypass the inventory cache and ask the clouds again' } as const;

export function scopeOf(flags: { provider?: Cloud[]; region?: string[] }): Scope {
  return {
    ...(flags.provider?.length ? { clouds: flags.provider } : {}),
    ...(flags.region?.length ? { regions: flags.region } : {}),
  };
}

/** A visible warning whenever part of the estate could not be read: partial results are never silent. */
export function gapBlocks(gaps: readonly Gap[]): Block[] {
  if (gaps.length === 0) return [];
  return [context(`⚠️ **Partial result**: ${gaps.length} part${gaps.length === 1 ? '' : 's'} of the estate could not be read.\n${gapLines(gaps).join('\n')}`)];
}

/** Generic advice by code, for gaps whose provider gave none. */
const GAP_ADVICE: Record<string, string> = {
  'PROVIDER.THROTTLED': 'the cloud kept throttling after retries: try again in a minute with `--refresh`',
  'PROVIDER.FORBIDDEN': 'grant the read permissions in manifests/iam to the identity Steward runs as',
  'PROVIDER.AUTH': 'check the credentials Steward runs with',
  'PROVIDER.UNAVAILABLE': 'it did not answer: check network access to its endpoint and try again with `--refresh`',
};

/** One line per gap: where (once), what failed, its code, and what to do about it. */
export function gapLines(gaps: readonly Gap[]): string[] {
  return gaps.map((g) => {
    const where = [g.provider, g.account, g.region].filter(Boolean).join(' ');
    // Messages from older adapters may still start with the place; say it once.
    const message = g.message.startsWith(`${where} `) || g.message.startsWith(`${where}:`) ? g.message.slice(where.length).replace(/^[\s:]+/, '') : g.message;
    const advice = g.advice ?? GAP_ADVICE[g.code];
    return `- ${where}: ${message} (${g.code})${advice ? ` — ${advice}` : ''}`;
  });
}

/**
 * A monthly sum that leaves out what the catalog does not price: "$1,234.00/mo", "$1,234.00/mo + 2 unpriced", or
 * "unpriced" when nothing in it has a price — never "$0.00/mo" for instances that bill at a price Steward lacks.
 */
export function monthlyOrUnpriced(micros: number, unpriced: number): string {
  if (unpriced > 0 && micros === 0) return 'unpriced';
  return unpriced > 0 ? `${formatMonthly(micros)} + ${unpriced} unpriced` : formatMonthly(micros);
}

export function hourly(i: Instance): string {
  return i.price.kind === 'priced' ? formatUsd(i.price.hourlyMicros, { precise: true }) : 'unpriced';
}

export function matchesTags(i: Instance, tags: readonly [string, string][]): boolean {
  return tags.every(([k, v]) => i.tags[k] === v);
}

export function filterInstances(list: readonly Instance[], f: { state?: InstanceState[]; tag?: [string, string][] }): Instance[] {
  return list.filter((i) => (!f.state?.length || f.state.includes(i.state)) && matchesTags(i, f.tag ?? []));
}

export function requireNonEmpty<T>(items: T[], what: string): T[] {
  if (items.length === 0) throw new UsageError(`No ${what} given.`);
  return items;
}
