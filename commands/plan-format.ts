/** How a Plan reads in any reply: its figures, its steps with reasons, and what the solver proved. */
import { context, fields, table, text, type Block } from '../src/core/reply.js';
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

export function planBlocks(plan: Plan, opts: { maxSteps?: number } = {}): Block[] {
  const max = opts.maxSteps ?? 30;
  const shown = plan.steps.slice(0, max);
  const blocks: Block[] = [
    fields({
      'Monthly before': formatMonthly(plan.totals.beforeMonthlyMicros),
      'Monthly after': formatMonthly(plan.totals.afterMonthlyMicros),
      Saves: formatMonthly(plan.totals.savingsMonthlyMicros),
      Steps: String(plan.steps.length),
    }),
  ];
  // Why the health watch proposed it: signals, since when, how many instances, blast radius, cost delta.
  if (plan.evidence?.length) blocks.push(text(`**Evidence**\n${plan.evidence.map((l) => `- ${l}`).join('\n')}`));
  if (shown.length) {
    blocks.push(
      table(
        ['#', 'Step', 'Target', 'Detail', { label: 'Monthly', align: 'right' }, 'Why'],
        shown.map((s) => [s.id, s.kind, `${s.targetName} (${s.target.provider} ${s.target.region})`, stepDetail(s), delta(s.monthlyDeltaMicros), s.reason]),
        plan.steps.length > shown.length ? `Showing ${shown.length} of ${plan.steps.length} steps; the full plan is in --json.` : undefined,
      ),
    );
  }
  if (plan.solver) {
    const s = plan.solver;
    blocks.push(context(`Solver ${s.solver}: objective ${s.objective.toFixed(2)}, lower bound ${s.lowerBound.toFixed(2)}, gap ${(s.gap * 100).toFixed(2)}%.`));
  }
  if (plan.binding?.length) blocks.push(context(`Binding constraints: ${plan.binding.join('; ')}.`));
  const snaps = Object.entries(plan.priceSnapshots).map(([c, d]) => `${c} ${d}`).join(', ');
  if (snaps) blocks.push(context(`Prices: on-demand list, snapshots ${snaps}.`));
  return blocks;
}
