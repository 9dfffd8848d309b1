/**
 * The class model: candidate options per workload, identical workloads aggregated into classes with integer
 * counts, the coupling rows (vCPU quotas, move budget) and the HA groups. The model grows with distinct
 * classes, not with instances.
 */
import { geographyOf, type Cloud } from '../model/cloud.js';
import type { Offer } from '../model/price.js';
import { HOURS_PER_MONTH, MICROS_PER_USD } from '../../lib/money.js';
import { quotaLabel, type OptimizerSettings, type Quota } from './settings.js';
import { domainOf, type Workload } from './workloads.js';

export type OptionKind = 'stay' | 'resize' | 'move' | 'stop';

export interface Option {
  kind: OptionKind;
  provider: Cloud;
  region: string;
  type: string;
  domain: string;
  /** Run cost per month per unit after the change, USD. */
  runUsd: number;
  /** Amortized one-off migration cost per month per unit, USD. */
  migrationUsd: number;
  /** One-off migration cost per unit, USD (egress + risk). */
  oneOffUsd: number;
  egressUsd: number;
  riskUsd: number;
  /** runUsd + migrationUsd (+ a latency tie-break in failover). */
  cost: number;
  /** vCPU the unit holds after the change (0 when stopped). */
  vcpu: number;
  memoryGiB: number;
  /** 1 when the unit changes (counts against the move budget). */
  moves: 0 | 1;
  /** Coupling-row coefficients [row, value], filled by `attachRows`. */
  rows: [number, number][];
}

export interface Klass {
  id: number;
  members: Workload[];
  n: number;
  options: Option[];
  /** Index of the option that keeps things as they are (-1 in failover, where staying is impossible). */
  stay: number;
  /** Index of the HA group the class belongs to. */
  ha?: number;
}

export interface Row {
  name: string;
  kind: 'quota' | 'moves';
  quota?: Quota;
  /** Capacity left for the modelled workloads (the quota minus instances outside the model). */
  cap: number;
  /** The configured limit, for people. */
  limit: number;
  /** Usage by instances outside the model. */
  fixed: number;
}

/**
 * An app (and env) spread over several regions today: after the plan its replicas occupy at least as many
 * distinct regions (provider/region) as today. Replicas outside the model keep theirs, so the modelled classes
 * must occupy `need` distinct regions besides `fixed`.
 */
export interface HaGroup {
  key: string;
  classes: number[];
  /** Regions the app occupies today (modelled and fixed replicas). */
  before: string[];
  /** Regions held by replicas outside the model. */
  fixed: string[];
  /** Distinct regions outside `fixed` the modelled replicas must occupy. */
  need: number;
}

export interface ClassModel {
  classes: Klass[];
  rows: Row[];
  ha: HaGroup[];
}

/** Plain code-unit order: fast and the same on every machine (no locale). */
export const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const monthlyUsd = (hourlyMicros: number) => (hourlyMicros * HOURS_PER_MONTH) / MICROS_PER_USD;

const EPS = 1e-9;

/** CPU architecture from the type name: a move between x86 and Arm is a rebuild, not a resize. */
const archCache = new Map<string, 'arm' | 'x86'>();
const offerArchCache = new WeakMap<Offer, 'arm' | 'x86'>();
function offerArch(o: Offer): 'arm' | 'x86' {
  let a = offerArchCache.get(o);
  if (!a) {
    a = cpuArch(o.provider, o.type);
    offerArchCache.set(o, a);
  }
  return a;
}
export function cpuArch(provider: string, type: string): 'arm' | 'x86' {
  const key = `${provider}|${type}`;
  let a = archCache.get(key);
  if (!a) {
    a = archOf(provider, type);
    archCache.set(key, a);
  }
  return a;
}

function archOf(provider: string, type: string): 'arm' | 'x86' {
  if (provider === 'aws') return /^[a-z]+\d+g[a-z]*\./.test(type) ? 'arm' : 'x86';
  if (provider === 'azure') return /^Standard_[A-Z]+\d+[a-z]*p[a-z]*_v\d/i.test(type) ? 'arm' : 'x86';
  if (provider === 'gcp') return /^(t2a|c4a)-/.test(type) ? 'arm' : 'x86';
  return 'x86';
}

export function fits(o: { vcpu: number; memoryGiB: number; gpu: number }, w: Pick<Workload, 'reqVcpu' | 'reqMemGiB' | 'reqGpu'>): boolean {
  return o.vcpu + EPS >= w.reqVcpu && o.memoryGiB + EPS >= w.reqMemGiB && o.gpu >= w.reqGpu && (w.reqGpu > 0 || o.gpu === 0);
}

export function indexOffers(offers: readonly Offer[]): Map<string, Offer[]> {
  const byDomain = new Map<string, Offer[]>();
  for (const o of offers) {
    const d = domainOf(o.provider, o.region);
    const l = byDomain.get(d);
    if (l) l.push(o);
    else byDomain.set(d, [o]);
  }
  for (const l of byDomain.values()) l.sort((a, b) => a.hourlyMicros - b.hourlyMicros || a.vcpu - b.vcpu || cmpStr(a.type, b.type));
  return new Map([...byDomain].sort((a, b) => cmpStr(a[0], b[0])));
}

/** One-off cost of moving a workload: data egress of its disks plus the risk penalty. */
export function migrationCost(w: Pick<Workload, 'diskGiB'>, from: { provider: Cloud }, to: { provider: Cloud }, s: OptimizerSettings) {
  const crossProvider = from.provider !== to.provider;
  const egressUsd = w.diskGiB * (crossProvider ? s.egressUsdPerGiB.provider : s.egressUsdPerGiB.region);
  const riskUsd = crossProvider ? s.riskUsd.provider : s.riskUsd.region;
  return { egressUsd, riskUsd, oneOffUsd: egressUsd + riskUsd, monthly: (egressUsd + riskUsd) / s.amortizeMonths };
}

/**
 * Options of one workload: keep (always), stop (idle only), and in every allowed region (residency geography,
 * allowed providers) every offer that fits, of the same CPU architecture unless arch change is allowed — less
 * only the offers another option of the same region dominates: it costs no more and holds no more vCPU (the same
 * quota rows, the same move count, the same region for HA), so dropping them keeps every optimum.
 */
export function optionsFor(w: Workload, offersByDomain: Map<string, Offer[]>, s: OptimizerSettings, opts: { allowStay?: boolean; excludeDomain?: (d: string) => boolean } = {}): { options: Option[]; stay: number } {
  const inst = w.inst;
  const options: Option[] = [];
  const currentRun = monthlyUsd(w.hourlyMicros);
  const allowStay = opts.allowStay ?? true;
  const arch = cpuArch(inst.provider, inst.type);
  if (allowStay) {
    options.push({ kind: 'stay', provider: inst.provider, region: inst.region, type: inst.type, domain: w.domain, runUsd: currentRun, migrationUsd: 0, oneOffUsd: 0, egressUsd: 0, riskUsd: 0, cost: currentRun, vcpu: w.vcpu, memoryGiB: w.memoryGiB, moves: 0, rows: [] });
    if (w.idle) {
      options.push({ kind: 'stop', provider: inst.provider, region: inst.region, type: inst.type, domain: w.domain, runUsd: 0, migrationUsd: 0, oneOffUsd: 0, egressUsd: 0, riskUsd: 0, cost: 0, vcpu: 0, memoryGiB: 0, moves: 1, rows: [] });
    }
  }
  for (const [domain, offers] of offersByDomain) {
    if (opts.excludeDomain?.(domain)) continue;
    const first = offers[0];
    if (!first) continue;
    if (!w.providers.includes(first.provider)) continue;
    const geo = geographyOf(first.region);
    if (domain !== w.domain) {
      if (!s.crossRegion) continue;
      if (!w.geographies.includes(geo) || geo === 'other') continue;
    }
    const same = domain === w.domain;
    const mig = same ? { egressUsd: 0, riskUsd: 0, oneOffUsd: 0, monthly: 0 } : migrationCost(w, inst, first, s);
    // Sorted by price: an offer is kept only if it holds fewer vCPU than every cheaper one (and, in the
    // instance's own domain, than staying when staying costs no more): another offer of the same domain that
    // costs no more and uses no more quota or budget would serve every plan at least as well.
    let bestVcpu = Infinity;
    for (const o of offers) {
      if (same && o.type === inst.type && allowStay) continue;
      if (!fits(o, w) || (!w.archAny && offerArch(o) !== arch)) continue;
      const run = monthlyUsd(o.hourlyMicros);
      const cost = run + mig.monthly;
      if (o.vcpu >= bestVcpu) continue;
      if (same && allowStay && cost >= currentRun - 1e-9 && o.vcpu >= w.vcpu) continue;
      bestVcpu = o.vcpu;
      options.push({
        kind: same ? 'resize' : 'move',
        provider: o.provider,
        region: o.region,
        type: o.type,
        domain,
        runUsd: run,
        migrationUsd: mig.monthly,
        oneOffUsd: mig.oneOffUsd,
        egressUsd: mig.egressUsd,
        riskUsd: mig.riskUsd,
        cost,
        vcpu: o.vcpu,
        memoryGiB: o.memoryGiB,
        moves: 1,
        rows: [],
      });
    }
  }
  return { options, stay: allowStay ? 0 : -1 };
}

/**
 * Two workloads are interchangeable when they sit on the same type in the same domain, carry the same disk
 * volume (migration cost), are both idle or not, and have the same candidate list: then every option costs
 * the same and uses the same rows.
 */
export function classSignature(w: Workload, options: readonly Option[]): string {
  let sig = `${w.domain}|${w.inst.type}|${w.hourlyMicros}|${w.diskGiB}|${w.idle ? 1 : 0}`;
  for (const o of options) sig += `|${o.kind[0]}${o.domain}/${o.type}`;
  return sig;
}

/**
 * Aggregates workloads with the same option list (and HA group) into classes: interchangeable units, so integer
 * counts per class and option describe every per-instance plan.
 */
export function aggregate(items: { w: Workload; options: Option[]; stay: number; haKey?: string; sig?: string }[]): { classes: Klass[] } {
  const byKey = new Map<string, Klass>();
  for (const it of items) {
    const sig = `${it.haKey ?? ''}#${it.sig ?? classSignature(it.w, it.options)}`;
    const k = byKey.get(sig);
    if (k) {
      k.members.push(it.w);
      k.n++;
    } else {
      byKey.set(sig, { id: 0, members: [it.w], n: 1, options: it.options, stay: it.stay });
    }
  }
  const classes = [...byKey.values()];
  classes.forEach((k, i) => (k.id = i));
  return { classes };
}

/** Quota rows (+ the move-budget row) with the capacity left after instances outside the model. */
export function buildRows(quotas: readonly Quota[], fixedVcpu: (q: Quota) => number, maxMoves: number | undefined): Row[] {
  const rows: Row[] = quotas.map((q) => {
    const fixed = fixedVcpu(q);
    return { name: `vCPU quota ${quotaLabel(q)}`, kind: 'quota', quota: q, cap: q.vcpu - fixed, limit: q.vcpu, fixed };
  });
  if (maxMoves !== undefined) rows.push({ name: 'move budget', kind: 'moves', cap: maxMoves, limit: maxMoves, fixed: 0 });
  return rows;
}

export function quotaCovers(q: Quota, provider: string, region: string): boolean {
  return q.provider === provider && (q.region === undefined || q.region === region);
}

/** Fills each option's coupling coefficients. */
export function attachRows(classes: Klass[], rows: Row[]): void {
  for (const k of classes) {
    for (const o of k.options) {
      o.rows = [];
      rows.forEach((r, i) => {
        if (r.kind === 'moves') {
          if (o.moves) o.rows.push([i, 1]);
        } else if (r.quota && o.vcpu > 0 && quotaCovers(r.quota, o.provider, o.region)) o.rows.push([i, o.vcpu]);
      });
    }
  }
}

export function coef(o: Option, row: number): number {
  for (const [r, v] of o.rows) if (r === row) return v;
  return 0;
}

/** Rows whose largest possible usage stays within capacity can never bind; they are left out of the solve. */
export function potentiallyBinding(model: ClassModel): boolean[] {
  const maxUse = model.rows.map(() => 0);
  for (const k of model.classes) {
    const m = new Map<number, number>();
    for (const o of k.options) for (const [r, v] of o.rows) m.set(r, Math.max(m.get(r) ?? 0, v));
    for (const [r, v] of m) maxUse[r] = (maxUse[r] ?? 0) + v * k.n;
  }
  return model.rows.map((r, i) => (maxUse[i] ?? 0) > r.cap + 1e-9);
}
