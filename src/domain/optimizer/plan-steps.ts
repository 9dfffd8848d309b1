/** From a solved class model to per-instance decisions and typed plan steps with reasons a reader can check. */
import type { Instance } from '../model/instance.js';
import { refOf } from '../model/instance.js';
import type { PlanStep, Risk } from '../model/plan.js';
import { HOURS_PER_MONTH } from '../../lib/money.js';
import type { Decision } from './check.js';
import { cmpStr, type ClassModel, type Klass, type Option } from './model.js';
import type { OptimizerSettings } from './settings.js';
import type { Assignment } from './solve.js';
import { zoneIn, type Workload } from './workloads.js';

export interface Placement {
  w: Workload;
  option: Option;
  zone: string | undefined;
}

/** Hands each class's counts to its members in a fixed order (members sorted by key): same input, same plan. */
export function decode(m: ClassModel, a: Assignment): Placement[] {
  const out: Placement[] = [];
  for (const k of m.classes as Klass[]) {
    const members = [...k.members].sort((x, y) => cmpStr(x.key, y.key));
    const counts = a.counts[k.id] ?? [];
    let next = 0;
    k.options.forEach((o, j) => {
      for (let c = 0; c < (counts[j] ?? 0); c++) {
        const w = members[next++];
        if (!w) return;
        const zone = o.kind === 'stay' || o.kind === 'resize' || o.kind === 'stop' ? w.inst.zone : zoneIn(o.provider, o.region, w.zoneIndex);
        out.push({ w, option: o, zone });
      }
    });
  }
  out.sort((x, y) => cmpStr(x.w.key, y.w.key));
  spreadZones(out);
  return out;
}

/**
 * A moved replica of an app takes a zone its app does not use yet in the target region (its own zone index
 * first), so the app keeps its zone spread wherever it can; replicas that stay keep their zones.
 */
function spreadZones(placements: Placement[]): void {
  const used = new Map<string, Set<string>>();
  const mark = (g: string, where: string) => {
    const set = used.get(g) ?? new Set<string>();
    set.add(where);
    used.set(g, set);
  };
  for (const p of placements) if (p.w.group && p.option.kind !== 'move' && p.option.kind !== 'stop') mark(p.w.group, `${p.option.provider}/${p.option.region}/${p.zone ?? ''}`);
  for (const p of placements) {
    if (!p.w.group || p.option.kind !== 'move' || p.w.zoneIndex === undefined) continue;
    const o = p.option;
    const taken = used.get(p.w.group) ?? new Set<string>();
    for (const i of [p.w.zoneIndex, 0, 1, 2]) {
      const z = zoneIn(o.provider, o.region, i);
      if (!taken.has(`${o.provider}/${o.region}/${z ?? ''}`)) {
        p.zone = z;
        break;
      }
    }
    mark(p.w.group, `${o.provider}/${o.region}/${p.zone ?? ''}`);
  }
}

export function toDecisions(placements: readonly Placement[]): Decision[] {
  return placements.map(({ w, option: o, zone }) => ({
    key: w.key,
    action: o.kind === 'stay' ? 'keep' : o.kind,
    provider: o.provider,
    region: o.region,
    type: o.type,
    ...(zone ? { zone } : {}),
  }));
}

/** "$1,234" / "$12.50" like formatUsd, without Intl (thousands of reasons per plan). */
export function usd(n: number): string {
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : 2;
  const [whole, frac] = abs.toFixed(digits).split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}$${grouped}${frac ? '.' + frac : ''}`;
}
const pct = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)}%`;
const isProd = (i: Instance) => /^prod/i.test(i.tags['env'] ?? '');

export function requirementText(w: Workload, s: OptimizerSettings): string {
  const mem = w.memP95 === null ? `memory not reported (keeps ${w.memoryGiB} GiB)` : `memory ${pct(w.memP95)} of ${w.memoryGiB} GiB`;
  return `p95 CPU ${pct(w.cpuP95)} of ${w.vcpu} vCPU on ${w.inst.type}, ${mem} over ${s.lookbackDays} d → needs ${w.reqVcpu.toFixed(2)} vCPU / ${w.reqMemGiB.toFixed(1)} GiB with ${Math.round(s.headroom * 100)}% headroom`;
}

export interface StepFactory {
  next(): string;
}

export function stepIds(): StepFactory {
  let n = 0;
  return { next: () => `s${++n}` };
}

const monthlyMicros = (hourlyMicros: number) => hourlyMicros * HOURS_PER_MONTH;

/** Steps for one placement of `optimize` (none when it stays as it is). */
export function optimizeSteps(p: Placement, s: OptimizerSettings, ids: StepFactory, newHourlyMicros: number | undefined, accountFor: (c: Option['provider']) => string): PlanStep[] {
  const { w, option: o } = p;
  const inst = w.inst;
  const target = refOf(inst);
  const base = { target, targetName: inst.name };
  const before = monthlyMicros(w.hourlyMicros);
  const after = newHourlyMicros === undefined ? 0 : monthlyMicros(newHourlyMicros);
  const prod = isProd(inst);
  switch (o.kind) {
    case 'stay':
      return [];
    case 'stop': {
      const reason = `p95 CPU ${pct(w.idleCpuP95 ?? 0)} over ${s.idleDays} d is below ${s.idleCpuPct}% (idle by Azure Advisor's rule); stopping saves ${usd(before / 1e6)}/month`;
      return [{ ...base, id: ids.next(), kind: 'stop', expect: { state: 'running', type: inst.type }, reason, monthlyDeltaMicros: -before, risk: prod ? 'medium' : 'low' }];
    }
    case 'resize': {
      const reason = `${requirementText(w, s)}; ${o.type} (${o.vcpu} vCPU, ${o.memoryGiB} GiB) fits; saves ${usd((before - after) / 1e6)}/month`;
      return [{ ...base, id: ids.next(), kind: 'resize', toType: o.type, expect: { state: 'running', type: inst.type }, reason, monthlyDeltaMicros: after - before, risk: prod ? 'medium' : 'low' }];
    }
    case 'move': {
      const crossProvider = o.provider !== inst.provider;
      const risk: Risk = crossProvider ? 'critical' : 'medium';
      const snap = ids.next();
      const create = ids.next();
      const name = `${inst.name}-${o.region}`;
      const migration = `one-off migration ${usd(o.oneOffUsd)} (${w.diskGiB} GiB egress ${usd(o.egressUsd)} + risk ${usd(o.riskUsd)}) = ${usd(o.migrationUsd)}/month over ${s.amortizeMonths} months`;
      const saves = (before - after) / 1e6;
      return [
        { ...base, id: snap, kind: 'snapshot', expect: { state: 'running', type: inst.type }, reason: `seed ${name} in ${o.provider} ${o.region} from ${inst.name}'s disks (${w.diskGiB} GiB)`, risk: 'low' },
        {
          ...base,
          id: create,
          kind: 'create',
          expect: { state: 'running', type: inst.type },
          placement: { provider: o.provider, account: crossProvider ? accountFor(o.provider) : inst.account, region: o.region, ...(p.zone ? { zone: p.zone } : {}), type: o.type },
          name,
          fromSnapshotStep: snap,
          tags: { ...inst.tags, 'steward:migrated-from': `${inst.provider}/${inst.region}/${inst.name}` },
          reason: `${requirementText(w, s)}; ${o.type} (${o.vcpu} vCPU, ${o.memoryGiB} GiB) in ${o.provider} ${o.region} fits; run-rate ${usd(after / 1e6)}/month vs ${usd(before / 1e6)}/month saves ${usd(saves)}/month; ${migration}`,
          monthlyDeltaMicros: after,
          risk,
        },
        { ...base, id: ids.next(), kind: 'stop', expect: { state: 'running', type: inst.type }, reason: `replaced by ${name} (${create}); stopped, not deleted, so it can be rolled back`, monthlyDeltaMicros: -before, risk },
      ];
    }
  }
}
