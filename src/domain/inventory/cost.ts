import type { Cloud } from '../model/cloud.js';
import { isBilling, type Instance } from '../model/instance.js';
import { HOURS_PER_MONTH } from '../../lib/money.js';

export interface CostGroup {
  key: string;
  instances: number;
  billing: number;
  monthlyMicros: number;
  unpriced: number;
}

/** Monthly run-rate of an instance: hourly price × 730 while it bills compute, zero when stopped. */
export function monthlyRunRate(i: Instance): number {
  if (!isBilling(i.state) || i.price.kind !== 'priced') return 0;
  return i.price.hourlyMicros * HOURS_PER_MONTH;
}

export function costBy(instances: readonly Instance[], key: (i: Instance) => string): CostGroup[] {
  const groups = new Map<string, CostGroup>();
  for (const i of instances) {
    const k = key(i);
    const g = groups.get(k) ?? { key: k, instances: 0, billing: 0, monthlyMicros: 0, unpriced: 0 };
    g.instances++;
    if (isBilling(i.state)) {
      g.billing++;
      if (i.price.kind === 'priced') g.monthlyMicros += monthlyRunRate(i);
      else g.unpriced++;
    }
    groups.set(k, g);
  }
  return [...groups.values()].sort((a, b) => b.monthlyMicros - a.monthlyMicros || a.key.localeCompare(b.key));
}

export function totalMonthly(instances: readonly Instance[]): number {
  return instances.reduce((sum, i) => sum + monthlyRunRate(i), 0);
}

export function snapshotNote(dates: Partial<Record<Cloud, string>>, clouds: Iterable<Cloud>): string {
  const wanted = [...new Set(clouds)].sort();
  const parts = wanted.map((c) => `${c} ${dates[c] ?? 'n/a'}`);
  return `On-demand list prices, Linux, 730 h/month; price snapshots: ${parts.join(', ') || 'n/a'}.`;
}
