/** Builds the class model of `optimize` from workloads: options, HA slices, classes and coupling rows. */
import type { Instance } from '../model/instance.js';
import type { Offer } from '../model/price.js';
import { aggregate, cmpStr, attachRows, buildRows, indexOffers, optionsFor, quotaCovers, type ClassModel, type HaGroup, type Option } from './model.js';
import type { OptimizerSettings } from './settings.js';
import { domainOf, groupOf, type Workload } from './workloads.js';

export function buildOptimizeModel(
  workloads: readonly Workload[],
  fixed: readonly Instance[],
  offers: readonly Offer[],
  settings: OptimizerSettings,
): ClassModel {
  const byDomain = indexOffers(offers);
  const items: { w: Workload; options: Option[]; stay: number; haKey?: string }[] = workloads.map((w) => ({ w, ...optionsFor(w, byDomain, settings) }));

  // HA groups: replicas of one app (and env) spread over ≥ 2 domains today. Each domain's replicas form a slice;
  // slices move whole and never share a domain, so the spread never shrinks.
  const groups = new Map<string, typeof items>();
  for (const it of items) {
    if (!it.w.group || it.w.idle) continue;
    const l = groups.get(it.w.group);
    if (l) l.push(it);
    else groups.set(it.w.group, [it]);
  }
  const fixedDomains = new Map<string, Set<string>>();
  for (const f of fixed) {
    const g = groupOf(f);
    if (!g) continue;
    const set = fixedDomains.get(g) ?? new Set<string>();
    set.add(domainOf(f.provider, f.region));
    fixedDomains.set(g, set);
  }
  const ha: HaGroup[] = [];
  for (const [key, members] of [...groups].sort((a, b) => cmpStr(a[0], b[0]))) {
    const homes = [...new Set(members.map((m) => m.w.domain))].sort();
    const taken = fixedDomains.get(key) ?? new Set<string>();
    // Replicas outside the model (unpriced, opted out) count towards today's spread and keep their domains.
    if (new Set([...homes, ...taken]).size < 2) continue;
    const gi = ha.length;
    const group: HaGroup = { key, slices: [] };
    homes.forEach((home, si) => {
      const inSlice = members.filter((m) => m.w.domain === home);
      let allowed: Set<string> | undefined;
      for (const m of inSlice) {
        const ds = new Set(m.options.map((o) => o.domain));
        allowed = allowed ? new Set([...allowed].filter((d) => ds.has(d))) : ds;
      }
      const allowedList = [...(allowed ?? new Set<string>())].filter((d) => d === home || !taken.has(d)).sort();
      for (const m of inSlice) {
        m.options = m.options.filter((o) => allowedList.includes(o.domain));
        m.haKey = `${gi}:${si}`;
      }
      group.slices.push({ home, classes: [], allowed: allowedList });
    });
    ha.push(group);
  }

  const { classes } = aggregate(items);
  const itemOf = new Map(items.map((it) => [it.w, it]));
  for (const k of classes) {
    const first = k.members[0];
    const it = first ? itemOf.get(first) : undefined;
    if (it?.haKey) {
      const [gi, si] = it.haKey.split(':').map(Number) as [number, number];
      k.ha = { group: gi, slice: si };
      ha[gi]?.slices[si]?.classes.push(k.id);
    }
  }
  const rows = buildRows(
    settings.quotas,
    (q) => fixed.reduce((s, f) => s + (quotaCovers(q, f.provider, f.region) ? (f.vcpu ?? 0) : 0), 0),
    settings.maxMoves,
  );
  attachRows(classes, rows);
  return { classes, rows, ha };
}
