/**
 * The full per-instance model of `optimize`, exactly as issue 11 states it, built straight from the estate with
 * no candidate pruning and no aggregation: the reference the benchmark and the property tests hand to HiGHS.
 *
 *   x[i,o] ∈ {0,1}  instance i takes candidate o: stay (always), stop (idle only), or any catalog offer in its
 *                   residency geography (on its pinned/allowed providers) that fits its requirement, of the same
 *                   CPU architecture unless arch change is allowed;            Σ_o x[i,o] = 1
 *   cost            offer price × 730 + (when it moves) the cross-region or cross-provider penalty (the larger)
 *                   spread over the amortization months
 *   quotas          Σ vCPU ending in provider/region (or provider) ≤ quota − instances outside the model
 *   move budget     Σ x over candidates that change provider, region or type ≤ budget
 *   HA              z[g,d] ≤ Σ_{i in g, o in d} x[i,o];  Σ_d z[g,d] ≥ regions today − regions held by fixed replicas
 *
 * It shares the requirement and the placement rules (buildWorkloads: P95 × headroom, residency, pins, idle, arch
 * tags) with the optimizer, because those define the model; it shares none of the optimizer's candidate lists,
 * dominance filters, classes or decomposition.
 *
 * `buildReducedFullModel` is the same model after two exact reductions, written here independently of the
 * optimizer's own, for estates where HiGHS proves nothing on the per-instance form in its time limit (10,000
 * instances: 500k binary columns). Each keeps the optimum value, so its proven optimum IS the full model's:
 *
 *  1. Dominated candidates. Candidate c of an instance is dropped when another candidate c' of the same instance,
 *     not a stop, ends in the same provider/region, costs no more, holds no more vCPU and counts no more moves
 *     (ties: the later one goes). Swapping c for c' in any feasible plan keeps every row: the quota rows of that
 *     provider/region (same rows, coefficient no larger), the move budget (no larger), and HA (c' occupies the
 *     same region, and HA rows only ask for occupancy); the objective does not rise. So some optimum uses no
 *     dominated candidate.
 *  2. Classes of identical instances. Instances of the same HA group (or none) whose remaining candidate lists
 *     are identical (same action, place, type, cost, vCPU and move count each) have identical columns, so the
 *     model sees them only through how many of them take each candidate: x[k,c] ∈ {0..n_k}, Σ_c x[k,c] = n_k,
 *     with the quota, move and HA-link coefficients unchanged. Every per-instance plan maps to counts of the same
 *     cost and feasibility and back (hand the counts to the members in any order).
 *
 * At 1,000 instances, where HiGHS proves the per-instance model, the benchmark solves both and reports whether the
 * optima agree (`reduction_agrees`).
 */
import { geographyOf, type Cloud } from '../src/domain/model/cloud.js';
import { isBilling, type Instance, type Utilization } from '../src/domain/model/instance.js';
import type { Offer } from '../src/domain/model/price.js';
import type { LinearColumn, LinearModel, LinearRow } from '../src/domain/ports/solver.port.js';
import type { Decision } from '../src/domain/optimizer/check.js';
import { cpuArch } from '../src/domain/optimizer/model.js';
import type { OptimizerSettings } from '../src/domain/optimizer/settings.js';
import { buildWorkloads, withKnownAccounts, type Workload } from '../src/domain/optimizer/workloads.js';

interface Candidate {
  action: Decision['action'];
  provider: Cloud;
  region: string;
  type: string;
  vcpu: number;
  cost: number;
  moves: 0 | 1;
}

export interface FullModel {
  model: LinearModel;
  /** Instances in the model (the rest are fixed). */
  instances: number;
  candidates: number;
  decode(values: readonly number[]): { decisions: Decision[]; objective: number };
}

const EPS = 1e-9;

/** The estate and settings either form is built from. */
export interface FullModelInput {
  instances: readonly Instance[];
  utilization: readonly Utilization[];
  idleUtilization: readonly Utilization[];
  offers: readonly Offer[];
  settings: OptimizerSettings;
}

export function buildFullModel(input: FullModelInput): FullModel {
  const { s, workloads, fixed } = prepare(input);
  const columns: LinearColumn[] = [];
  const rows: LinearRow[] = [];
  const capacity = capacityRows(s, fixed, rows);
  const perInstance: { w: Workload; cols: number[]; cands: Candidate[] }[] = [];
  let candidates = 0;
  for (const w of workloads) {
    const inst = w.inst;
    const cands = candidatesOf(w, input.offers, s);
    candidates += cands.length;
    const conv = rows.push({ name: `one ${w.key}`, lower: 1, upper: 1 }) - 1;
    const cols: number[] = [];
    for (const c of cands) {
      const coefs: [number, number][] = [[conv, 1], ...capacityCoefs(s, capacity, c)];
      cols.push(columns.length);
      columns.push({ name: `x ${inst.name} ${c.action} ${c.provider}/${c.region}/${c.type}`, cost: c.cost, upper: 1, integer: true, coefs });
    }
    perInstance.push({ w, cols, cands });
  }
  // HA: regions of each app (and env) today, counting replicas outside the model, and idle replicas not at all.
  const entryOf = new Map(perInstance.map((p) => [p.w, p]));
  for (const [g, { need, held, members }] of haNeeds(workloads, fixed)) {
    const spread = rows.push({ name: `ha ${g}`, lower: need }) - 1;
    const link = new Map<string, number>();
    for (const m of members.map((w) => entryOf.get(w) as (typeof perInstance)[number])) {
      m.cands.forEach((c, ci) => {
        if (c.action === 'stop') return;
        const d = `${c.provider}/${c.region}`;
        if (held.has(d)) return;
        let lr = link.get(d);
        if (lr === undefined) {
          lr = rows.push({ name: `ha ${g} ${d}`, upper: 0 }) - 1;
          link.set(d, lr);
          columns.push({ name: `z ${g} ${d}`, cost: 0, upper: 1, integer: true, coefs: [[spread, 1], [lr, 1]] });
        }
        columns[m.cols[ci] as number]?.coefs.push([lr, -1]);
      });
    }
  }
  return {
    model: { name: 'full per-instance model', columns, rows },
    instances: workloads.length,
    candidates,
    decode(values) {
      const decisions: Decision[] = [];
      let objective = 0;
      for (const p of perInstance) {
        let best = 0;
        p.cols.forEach((col, ci) => {
          if ((values[col] ?? 0) > (values[p.cols[best] as number] ?? 0)) best = ci;
        });
        const c = p.cands[best] as Candidate;
        objective += c.cost;
        decisions.push({ key: p.w.key, action: c.action, provider: c.provider, region: c.region, type: c.type });
      }
      return { decisions, objective };
    },
  };
}

/** What both forms build on: the settings (accounts known), the workloads in the model, and the billing instances
 * left out of it (fixed: they hold quota and HA regions). */
function prepare(input: FullModelInput) {
  const s = withKnownAccounts(input.settings, input.instances);
  const { workloads, excluded } = buildWorkloads(input.instances, input.utilization, input.idleUtilization, s);
  const fixed = excluded.map((e) => e.inst).filter((i) => isBilling(i.state));
  return { s, workloads, fixed };
}

interface CapacityRows {
  /** Row of each quota of `s.quotas`, in order. */
  quota: number[];
  /** Row of the move budget, -1 without one. */
  moves: number;
}

/** Adds the quota rows (each quota less what the fixed instances use there) and the move budget's row to `rows`. */
function capacityRows(s: OptimizerSettings, fixed: readonly Instance[], rows: LinearRow[]): CapacityRows {
  const quota = s.quotas.map((q) => {
    const used = fixed.reduce((t, f) => t + (f.provider === q.provider && (q.region === undefined || q.region === f.region) ? (f.vcpu ?? 0) : 0), 0);
    rows.push({ name: `quota ${q.provider}/${q.region ?? '*'}`, upper: q.vcpu - used });
    return rows.length - 1;
  });
  const moves = s.maxMoves !== undefined ? rows.push({ name: 'moves', upper: s.maxMoves }) - 1 : -1;
  return { quota, moves };
}

/** A candidate's coefficients in those rows: its vCPU in each quota of its place, 1 in the budget when it moves. */
function capacityCoefs(s: OptimizerSettings, rows: CapacityRows, c: Candidate): [number, number][] {
  const coefs: [number, number][] = [];
  s.quotas.forEach((q, qi) => {
    if (c.vcpu > 0 && q.provider === c.provider && (q.region === undefined || q.region === c.region)) coefs.push([rows.quota[qi] as number, c.vcpu]);
  });
  if (rows.moves >= 0 && c.moves) coefs.push([rows.moves, 1]);
  return coefs;
}

/**
 * The HA groups that need spreading: each app (and env) with its non-idle members in the model, the regions its
 * fixed replicas hold, and how many more regions the members must occupy (regions today − regions held), for the
 * groups in two regions or more today with a need left.
 */
function haNeeds(workloads: readonly Workload[], fixed: readonly Instance[]): Map<string, { need: number; held: Set<string>; members: Workload[] }> {
  const groups = new Map<string, Workload[]>();
  for (const w of workloads) {
    if (!w.group || w.idle) continue;
    const l = groups.get(w.group) ?? [];
    l.push(w);
    groups.set(w.group, l);
  }
  const out = new Map<string, { need: number; held: Set<string>; members: Workload[] }>();
  for (const [g, members] of groups) {
    const held = new Set(fixed.filter((f) => f.tags['app'] && `${f.tags['app']}|${f.tags['env'] ?? ''}` === g).map((f) => `${f.provider}/${f.region}`));
    const today = new Set([...held, ...members.map((m) => `${m.inst.provider}/${m.inst.region}`)]);
    const need = today.size - held.size;
    if (today.size >= 2 && need > 0) out.set(g, { need, held, members });
  }
  return out;
}

function candidatesOf(w: Workload, offers: readonly Offer[], s: OptimizerSettings): Candidate[] {
  const inst = w.inst;
  const run = (hourlyMicros: number) => (hourlyMicros * 730) / 1e6;
  const out: Candidate[] = [{ action: 'keep', provider: inst.provider, region: inst.region, type: inst.type, vcpu: w.vcpu, cost: run(w.hourlyMicros), moves: 0 }];
  if (w.idle) out.push({ action: 'stop', provider: inst.provider, region: inst.region, type: inst.type, vcpu: 0, cost: 0, moves: 1 });
  const arch = cpuArch(inst.provider, inst.type);
  for (const o of offers) {
    const sameRegion = o.provider === inst.provider && o.region === inst.region;
    if (sameRegion && o.type === inst.type) continue;
    if (!w.providers.includes(o.provider)) continue;
    if (!sameRegion) {
      if (!s.crossRegion) continue;
      const geo = geographyOf(o.region);
      if (geo === 'other' || !w.geographies.includes(geo)) continue;
    }
    if (o.vcpu + EPS < w.reqVcpu || o.memoryGiB + EPS < w.reqMemGiB || o.gpu < w.reqGpu || (w.reqGpu === 0 && o.gpu > 0)) continue;
    if (!w.archAny && cpuArch(o.provider, o.type) !== arch) continue;
    const crossProvider = o.provider !== inst.provider;
    const oneOff = sameRegion ? 0 : w.diskGiB * (crossProvider ? s.egressUsdPerGiB.provider : s.egressUsdPerGiB.region) + (crossProvider ? s.riskUsd.provider : s.riskUsd.region);
    out.push({ action: sameRegion ? 'resize' : 'move', provider: o.provider, region: o.region, type: o.type, vcpu: o.vcpu, cost: run(o.hourlyMicros) + oneOff / s.amortizeMonths, moves: 1 });
  }
  return out;
}

interface Klass {
  members: Workload[];
  cands: Candidate[];
  group: string;
}

/** Drops candidates another candidate of the same instance dominates (reduction 1 above). */
export function undominated(cands: readonly Candidate[]): Candidate[] {
  return cands.filter((c, i) =>
    !cands.some((d, j) => j !== i && d.action !== 'stop' && d.provider === c.provider && d.region === c.region && d.cost <= c.cost && d.vcpu <= c.vcpu && d.moves <= c.moves && (d.cost < c.cost || d.vcpu < c.vcpu || d.moves < c.moves || j < i)),
  );
}

/** The full model after the two exact reductions documented at the top of this file. */
export function buildReducedFullModel(input: FullModelInput): FullModel & { classes: number } {
  const { s, workloads, fixed } = prepare(input);
  // HA groups exactly as in the per-instance model.
  const haNeed = haNeeds(workloads, fixed);
  const classes = new Map<string, Klass>();
  for (const w of workloads) {
    const group = w.group && !w.idle && haNeed.has(w.group) ? w.group : '';
    const cands = undominated(candidatesOf(w, input.offers, s));
    const key = `${group}#${cands.map((c) => `${c.action}|${c.provider}|${c.region}|${c.type}|${c.cost}|${c.vcpu}|${c.moves}`).join(';')}`;
    const k = classes.get(key);
    if (k) k.members.push(w);
    else classes.set(key, { members: [w], cands, group });
  }
  const columns: LinearColumn[] = [];
  const rows: LinearRow[] = [];
  const capacity = capacityRows(s, fixed, rows);
  const spreadRow = new Map<string, number>();
  const linkRow = new Map<string, number>();
  for (const [g, { need }] of [...haNeed].sort((a, b) => (a[0] < b[0] ? -1 : 1))) spreadRow.set(g, rows.push({ name: `ha ${g}`, lower: need }) - 1);
  const list = [...classes.values()];
  const colsOf: number[][] = [];
  let candidates = 0;
  list.forEach((k, ki) => {
    const n = k.members.length;
    const conv = rows.push({ name: `class ${ki}`, lower: n, upper: n }) - 1;
    const cols: number[] = [];
    for (const c of k.cands) {
      candidates++;
      const coefs: [number, number][] = [[conv, 1], ...capacityCoefs(s, capacity, c)];
      const ha = k.group ? haNeed.get(k.group) : undefined;
      const d = `${c.provider}/${c.region}`;
      if (ha && c.action !== 'stop' && !ha.held.has(d)) {
        const lk = `${k.group}|${d}`;
        let lr = linkRow.get(lk);
        if (lr === undefined) {
          lr = rows.push({ name: `ha ${lk}`, upper: 0 }) - 1;
          linkRow.set(lk, lr);
          columns.push({ name: `z ${lk}`, cost: 0, upper: 1, integer: true, coefs: [[spreadRow.get(k.group) as number, 1], [lr, 1]] });
        }
        coefs.push([lr, -1]);
      }
      cols.push(columns.length);
      columns.push({ name: `x class ${ki} ${c.action} ${d}/${c.type}`, cost: c.cost, upper: n, integer: true, coefs });
    }
    colsOf.push(cols);
  });
  return {
    model: { name: 'full model after exact reductions', columns, rows },
    instances: workloads.length,
    candidates,
    classes: list.length,
    decode(values) {
      const decisions: Decision[] = [];
      let objective = 0;
      list.forEach((k, ki) => {
        const cols = colsOf[ki] as number[];
        const counts = cols.map((col) => Math.round(values[col] ?? 0));
        let ci = 0;
        for (const w of k.members) {
          while (ci < counts.length - 1 && (counts[ci] ?? 0) <= 0) ci++;
          counts[ci] = (counts[ci] ?? 0) - 1;
          const c = k.cands[ci] as Candidate;
          objective += c.cost;
          decisions.push({ key: w.key, action: c.action, provider: c.provider, region: c.region, type: c.type });
        }
      });
      return { decisions, objective };
    },
  };
}
