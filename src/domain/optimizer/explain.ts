/**
 * Why a model has no plan, in terms a reader can check: each figure is a proof on the full model (every
 * candidate kept), not a guess from a failed heuristic.
 *
 *  - a quota short by N vCPU: even with every instance on its smallest allowed option for that quota's scope,
 *    the usage exceeds the quota by N;
 *  - the move budget: relieving the quotas needs at least N changed instances (per quota, the fewest units whose
 *    best relief covers the overrun; regional quotas add up), more than the budget;
 *  - residency and pins: how many of the instances in a short scope have no allowed option outside it.
 */
import type { ClassModel, Klass, Option, Row } from './model.js';
import { quotaLabel } from './settings.js';

export interface ShortRow {
  row: number;
  /** Least possible usage of the row minus its capacity (> 0: short). */
  shortBy: number;
  /** Units of the model that cannot leave the row's scope at all. */
  stuck: number;
}

export interface Explanation {
  quotas: ShortRow[];
  /** Fewest changes the quotas need, when above the move budget. */
  moves?: { needed: number; budget: number };
}

const coefOf = (o: Option, r: number) => {
  for (const [x, v] of o.rows) if (x === r) return v;
  return 0;
};

/** Per quota row: the least usage any plan can reach (each class on its smallest option for that row). */
export function shortRows(m: ClassModel): ShortRow[] {
  const out: ShortRow[] = [];
  m.rows.forEach((row, r) => {
    if (row.kind !== 'quota') return;
    let least = 0;
    let stuck = 0;
    for (const k of m.classes) {
      let min = Infinity;
      for (const o of k.options) min = Math.min(min, coefOf(o, r));
      least += k.n * (Number.isFinite(min) ? min : 0);
      if (min > 0) stuck += k.n;
    }
    if (least > row.cap + 1e-9) out.push({ row: r, shortBy: least - row.cap, stuck });
  });
  return out;
}

/**
 * A lower bound on the changes the quotas need: per quota row, the fewest units whose largest relief (today's
 * option minus the smallest option) covers the overrun of "nothing changes"; rows that no unit shares (regional
 * quotas) add up, and any single row bounds it too.
 */
export function minMovesForQuotas(m: ClassModel): number {
  const perRow: { r: number; need: number; units: Set<number> }[] = [];
  m.rows.forEach((row, r) => {
    if (row.kind !== 'quota') return;
    let use = 0;
    const reliefs: { relief: number; n: number; kid: number }[] = [];
    for (const k of m.classes) {
      const stay = k.stay >= 0 ? (k.options[k.stay] as Option) : undefined;
      if (!stay) return;
      const now = coefOf(stay, r);
      use += k.n * now;
      let min = now;
      for (const o of k.options) min = Math.min(min, coefOf(o, r));
      if (now - min > 1e-9) reliefs.push({ relief: now - min, n: k.n, kid: k.id });
    }
    let over = use - row.cap;
    if (over <= 1e-9) return;
    reliefs.sort((a, b) => b.relief - a.relief);
    let need = 0;
    const units = new Set<number>();
    for (const x of reliefs) {
      if (over <= 1e-9) break;
      const take = Math.min(x.n, Math.ceil((over - 1e-9) / x.relief));
      need += take;
      over -= take * x.relief;
      units.add(x.kid);
    }
    perRow.push({ r, need: over > 1e-9 ? Infinity : need, units });
  });
  // Rows whose relieving classes are disjoint add up (greedy packing of pairwise disjoint rows).
  let best = 0;
  for (const x of perRow) best = Math.max(best, x.need);
  const chosen: typeof perRow = [];
  for (const x of [...perRow].sort((a, b) => b.need - a.need)) {
    if (chosen.every((c) => [...x.units].every((u) => !c.units.has(u)))) chosen.push(x);
  }
  return Math.max(best, chosen.reduce((t, c) => t + c.need, 0));
}

export function explainModel(m: ClassModel): Explanation {
  const quotas = shortRows(m);
  const movesRow = m.rows.find((r) => r.kind === 'moves');
  const out: Explanation = { quotas };
  if (movesRow && quotas.length === 0) {
    const needed = minMovesForQuotas(m);
    if (needed > movesRow.cap) out.moves = { needed, budget: movesRow.cap };
  }
  return out;
}

/** The explanation as sentences; `today` gives a quota's usage today. */
export function explanationText(m: ClassModel, e: Explanation, today: (row: Row) => number): string[] {
  const out: string[] = [];
  for (const q of e.quotas) {
    const row = m.rows[q.row] as Row;
    if (!row.quota) continue;
    const stuck = q.stuck ? `; ${q.stuck} instance${q.stuck === 1 ? '' : 's'} can only be placed within it (residency, provider pins, in-place only or no fitting type elsewhere)` : '';
    out.push(
      `${quotaLabel(row.quota)} vCPU quota short by ${Math.ceil(q.shortBy - 1e-9)} vCPU: limit ${row.limit}, ${today(row)} in use today${row.fixed ? `, ${row.fixed} of them held by instances the plan cannot change` : ''}${stuck}.`,
    );
  }
  if (e.moves) {
    const n = e.moves.needed;
    out.push(`The quotas need at least ${Number.isFinite(n) ? n : 'more'} move${n === 1 ? '' : 's'}, budget ${e.moves.budget} (raise --max-moves or the quotas).`);
  }
  return out;
}

export type { Klass };
