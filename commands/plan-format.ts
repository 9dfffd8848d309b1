/** How a Plan reads in any reply: its figures, its steps with reasons, and what the solver proved. */
import { context, fields, literal, table, text, type Block, type TableColumn } from '../src/core/reply.js';
import type { Plan, PlanStep } from '../src/domain/model/plan.js';
import { formatMonthly } from '../src/lib/money.js';

export function stepDetail(s: PlanStep): string {
  switch (s.kind) {
    case 'resize':
      return `→ ${s.toType}`;
    case 'create':
      return `${s.placement.provider} ${s.placement.region}${s.placement.zone ? ` (${s.placement.zone})` : ''} as ${s.placement.type}`;
    case 'tag':
      return Object.entries(s.tags).map(([k, v]) => `${k}=${v}`).join(', ');
    default:
      return '';
  }
}

function delta(micros: number | undefined): string {
  if (micros === undefined || micros === 0) return '—';
  return micros < 0 ? `−${formatMonthly(-micros)}` : `+${formatMonthly(micros)}`;
}

/** The savings figure in words: "Saves $672/mo", or "Costs more $672/mo" for a plan that adds cost (a start). */
export function savingsField(savingsMicros: number): Record<string, string> {
  return savingsMicros < 0 ? { 'Costs more': formatMonthly(-savingsMicros) } : { Saves: formatMonthly(savingsMicros) };
}

/** "76 (on 44 instances)": the step count, and how many instances they change when that differs. */
export function stepCount(plan: Plan): string {
  const instances = new Set(plan.steps.map((s) => `${s.target.provider}/${s.target.account}/${s.target.region}/${s.target.id}`)).size;
  return instances === plan.steps.length ? String(plan.steps.length) : `${plan.steps.length} (on ${instances} instance${instances === 1 ? '' : 's'})`;
}

/** How many steps a card lists; a longer plan's card has a "Show all steps" button (proposal-format.ts). */
export const CARD_STEPS = 30;

/** The plan's figures: monthly before and after, what it saves (or costs), how many steps. */
export function planFigures(plan: Plan): Block {
  return fields({
    'Monthly before': formatMonthly(plan.totals.beforeMonthlyMicros),
    'Monthly after': formatMonthly(plan.totals.afterMonthlyMicros),
    ...savingsField(plan.totals.savingsMonthlyMicros),
    Steps: stepCount(plan),
  });
}

export const STEP_COLUMNS: readonly (string | TableColumn)[] = ['#', 'Step', 'Target', 'Detail', { label: 'Monthly', align: 'right' }, 'Why'];

/** One step as a row of STEP_COLUMNS; every text from data made literal. */
export function stepRow(s: PlanStep): string[] {
  return [s.id, s.kind, `${literal(s.targetName)} (${s.target.provider} ${s.target.region})`, literal(stepDetail(s)), delta(s.monthlyDeltaMicros), literal(s.reason)];
}

/**
 * `more`: what the note under a cut list says shows the rest (a proposal card: its "Show all steps" button);
 * without it (a preview, which has no proposal) the note points at --json.
 */
export function planBlocks(plan: Plan, opts: { maxSteps?: number; more?: string } = {}): Block[] {
  const max = opts.maxSteps ?? CARD_STEPS;
  const shown = plan.steps.slice(0, max);
  const blocks: Block[] = [planFigures(plan)];
  // Why the health watch proposed it: signals, since when, how many instances, blast radius, cost delta.
  if (plan.evidence?.length) blocks.push(text(`**Evidence**\n${plan.evidence.map((l) => `- ${l}`).join('\n')}`));
  if (shown.length) {
    blocks.push(
      table(
        [...STEP_COLUMNS],
        shown.map(stepRow),
        plan.steps.length > shown.length ? `Showing ${shown.length} of ${plan.steps.length} steps; ${opts.more ?? 'the full plan is in --json'}.` : undefined,
      ),
    );
  }
  if (plan.solver) {
    const s = plan.solver;
    // The objective is what the solver minimized: the planned workloads' run-rate plus each move's one-off costs
    // (egress, a risk allowance) amortized over 12 months (docs/optimizer.md), so it differs from "Monthly after".
    const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    // "Within X% of the best possible plan" only from a valid lower bound of the full model (plan.solver.boundOf).
    const proven = s.boundOf === 'full model' && Number.isFinite(s.lowerBound) && Number.isFinite(s.gap);
    const quality = !proven
      ? 'no proven lower bound of the full model, so its distance from the optimum is unknown'
      : s.gap <= 0
        ? `lower bound ${usd(s.lowerBound)}/mo of the full model, equal to it: the best possible plan`
        : `lower bound ${usd(s.lowerBound)}/mo of the full model: within ${(Math.ceil(s.gap * 10000) / 100).toFixed(2)}% of the best possible plan`;
    blocks.push(
      context(
        `Solver ${s.solver}: objective ${usd(s.objective)}/mo (what it minimized: the run-rate of the workloads it planned plus the moves' one-off costs spread over 12 months, so not the same as Monthly after), ${quality}.`,
      ),
    );
  }
  if (plan.binding?.length) blocks.push(context(`Binding constraints: ${plan.binding.join('; ')}.`));
  const snaps = Object.entries(plan.priceSnapshots).map(([c, d]) => `${c} ${d}`).join(', ');
  if (snaps) blocks.push(context(`Prices: on-demand list, snapshots ${snaps}.`));
  return blocks;
}
