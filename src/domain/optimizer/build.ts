/** Builds the class model of `optimize` from workloads: options, HA groups, classes and coupling rows. */
import type { Instance } from '../model/instance.js';
import type { Offer } from '../model/price.js';
import { aggregate, classSignature, cmpStr, attachRows, buildRows, indexOffers, optionsFor, quotaCovers, type ClassModel, type HaGroup, type Option } from './model.js';
import type { OptimizerSettings } from './settings.js';
import { domainOf, groupOf, type Workload } from './workloads.js';

/** Workloads with this key have the same candidate list: it is computed once per key. */
function candidateKey(w: Workload): string {
  return `${w.domain}|${w.inst.type}|${w.hourlyMicros}|${w.vcpu}|${w.memoryGiB}|${w.reqVcpu}|${w.reqMemGiB}|${w.reqGpu}|${w.idle ? 1 : 0}|${w.archAny ? 1 : 0}|${w.diskGiB}|${w.geographies.join(',')}|${w.providers.join(',')}`;
}

export function buildOptimizeModel(
  workloads: readonly Workload[],
  fixed: readonly Instance[],
  offers: readonly Offer[],
  settings: OptimizerSettings,
): ClassModel {
  const byDomain = indexOffers(offers);
  const cache = new Map<string, { options: Option[]; stay: number; sig: string }>();
  const items: { w: Workload; options: Option[]; stay: number; sig: string; haKey?: string }[] = workloads.map((w) => {
    const key = candidateKey(w);
    let c = cache.get(key);
    if (!c) {
      const o = optionsFor(w, byDomain, settings);
      c = { ...o, sig: classSignature(w, o.options) };
      cache.set(key, c);
    }
    return { w, options: c.options, stay: c.stay, sig: c.sig };
  });

  // HA groups: replicas of one app (and env) that are not idle. Replicas outside the model (unpriced, opted out)
  // count towards today's spread and keep their regions.
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
    const taken = fixedDomains.get(key) ?? new Set<string>();
    const before = [...new Set([...members.map((m) => m.w.domain), ...taken])].sort(cmpStr);
    const need = before.length - taken.size;
    if (before.length < 2 || need <= 0) continue;
    for (const m of members) m.haKey = String(ha.length);
    ha.push({ key, classes: [], before, fixed: [...taken].sort(cmpStr), need });
  }

  const { classes } = aggregate(items);
  const itemOf = new Map(items.map((it) => [it.w, it]));
  for (const k of classes) {
    const first = k.members[0];
    const it = first ? itemOf.get(first) : undefined;
    if (it?.haKey !== undefined) {
      const gi = Number(it.haKey);
      k.ha = gi;
      ha[gi]?.classes.push(k.id);
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
