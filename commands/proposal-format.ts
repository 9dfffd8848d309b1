/** How a proposal reads in any reply: the plan, who decided, who still has to, execution progress, buttons. */
import type { CommandContext } from '../src/core/command.js';
import { AppError } from '../src/core/errors.js';
import { actions, code, context, divider, fields, literal, reply, table, text, type Block, type Button, type Reply } from '../src/core/reply.js';
import type { ApprovalService } from '../src/domain/approvals/approval.service.js';
import type { AuditEntry, Execution, Proposal, StepStatus, StoredMessageRef } from '../src/domain/model/proposal.js';
import type { ExecutionView, ProgressSink } from '../src/domain/plans/execute-plan.js';
import { CARD_STEPS, planBlocks, planFigures, STEP_COLUMNS, stepRow } from './plan-format.js';
import { gapLines } from './format.js';
import { readGapsSummary } from '../src/domain/model/plan.js';
import type { Gap } from '../src/domain/ports/cloud-provider.port.js';

export function approvalsOf(ctx: CommandContext): ApprovalService {
  const a = ctx.services.approvals;
  if (!a) throw new AppError('APPROVALS.OFF', 'approvals are not configured', { userMessage: 'Approvals are not available in this deployment.' });
  return a;
}

export function utc(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

const STATUS_LABEL: Record<Proposal['status'], string> = {
  proposed: '🕓 waiting for approval',
  approved: '✅ approved, starting',
  rejected: '⛔ rejected',
  expired: '⌛ expired',
  cancelled: '🚫 cancelled',
  executing: '⚙️ executing',
  succeeded: '✅ done',
  failed: '❌ failed',
  rolled_back: '↩️ rolled back',
};

const STEP_LABEL: Record<StepStatus, string> = {
  pending: 'pending',
  running: 'running…',
  succeeded: 'done',
  failed: 'FAILED',
  skipped: 'skipped',
  undoing: 'undoing…',
  undone: 'undone',
  undo_failed: 'UNDO FAILED',
  not_undoable: 'not undone',
};

/** The warning on every card of a plan built on a partial read: what it could not see, and what that means. */
export function partialReadBlocks(p: Proposal): Block[] {
  const gaps = p.plan.readGaps ?? [];
  if (!gaps.length) return [];
  return [
    text(
      `⚠️ **Built on a partial read**: ${gaps.length} part${gaps.length === 1 ? '' : 's'} of the estate could not be read when this plan was made, so it does not cover ${gaps.length === 1 ? 'it' : 'them'} (nothing there is changed, moved to or counted). Approve only if that is acceptable, or propose again once ${gaps.length === 1 ? 'it reads' : 'they read'}.\n${gapLines(gaps as Gap[]).join('\n')}`,
    ),
  ];
}

export function decisionButtons(p: Proposal): Button[] {
  const critical = p.risk === 'critical';
  const partial = (p.plan.readGaps ?? []).length > 0;
  if (partial && !critical) {
    // Approving a plan built on a partial read is a choice: the button says what was not seen before it acts.
    return [
      {
        actionId: 'proposal.approve',
        label: 'Approve',
        value: p.id,
        style: 'primary',
        confirm: {
          title: 'Approve a plan built on a partial read?',
          text: `${p.plan.title}: made without ${readGapsSummary(p.plan.readGaps ?? [])}. It changes nothing there.`,
          confirm: 'Approve',
          deny: 'Not yet',
        },
      },
      { actionId: 'proposal.reject', label: 'Reject', value: p.id, style: 'danger' },
    ];
  }
  return [
    {
      actionId: 'proposal.approve',
      label: 'Approve',
      value: p.id,
      style: 'primary',
      ...(critical
        ? {
            confirm: {
              title: 'Approve a critical change?',
              text: `${p.plan.title}: ${p.plan.steps.length} step${p.plan.steps.length === 1 ? '' : 's'}, including ${[...new Set(p.plan.steps.map((s) => s.kind))].join(', ')}. It needs ${p.required.count} distinct approvers.${partial ? ` Built on a partial read: made without ${readGapsSummary(p.plan.readGaps ?? [])}.` : ''}`,
              confirm: 'Approve',
              deny: 'Not yet',
            },
          }
        : {}),
    },
    { actionId: 'proposal.reject', label: 'Reject', value: p.id, style: 'danger' },
  ];
}

const MAX_STEP_ROWS = 40;

/** The button under a card that lists fewer steps than its plan has: the whole list, to the clicker only. */
export const STEPS_ACTION = 'proposal.steps';
export function stepsButton(p: Pick<Proposal, 'id'>): Button {
  return { actionId: STEPS_ACTION, label: 'Show all steps', value: p.id };
}

/** What the note under a cut list names as the way to the rest. */
const theRest = (p: Proposal) => `**Show all steps** or ${code(`proposal ${p.id} --steps`)} lists every one`;

/** The execution table's rows: every step that did something, untouched ones only up to the cap. */
function executionRows(e: Execution): Execution['steps'] {
  const quiet = (s: Execution['steps'][number]) => s.status === 'pending' || s.status === 'skipped';
  const busy = e.steps.filter((s) => !quiet(s));
  return [...busy, ...e.steps.filter(quiet).slice(0, Math.max(0, MAX_STEP_ROWS - busy.length))].sort((a, b) => a.index - b.index);
}

/** Whether the card lists fewer steps than the plan has (its plan table or its execution table is cut). */
export function cardCutsSteps(p: Proposal, e?: Execution): boolean {
  return p.plan.steps.length > CARD_STEPS || (e !== undefined && executionRows(e).length < e.steps.length);
}

const stepResult = (s: Execution['steps'][number]) => s.undo ?? s.error ?? s.result?.message ?? '';

function executionBlocks(p: Proposal, e: Execution): Block[] {
  // Long plans: every step that did something is shown; untouched (pending/skipped) ones only up to the cap.
  const shown = executionRows(e);
  const rows = shown.map((s) => {
    const step = p.plan.steps[s.index];
    return [s.stepId, step ? `${step.kind} ${literal(step.targetName)}` : s.kind, STEP_LABEL[s.status], literal(stepResult(s))];
  });
  const hidden = e.steps.length - shown.length;
  return [table(['#', 'Step', 'Status', 'Detail'], rows, hidden > 0 ? `${hidden} more step${hidden === 1 ? '' : 's'} not started; ${theRest(p)}.` : undefined)];
}

/**
 * Every step of a proposal's plan, with the plan's figures on top and, once it ran, each step's status and result:
 * what "Show all steps" and `proposal <id> --steps` answer. No cap: the reply is `whole`, so a surface that cannot
 * hold it in one message sends several rather than cut a row.
 */
export function stepsReply(p: Proposal, opts: { execution?: Execution; visibility: Reply['visibility'] }): Reply {
  const e = opts.execution;
  const byIndex = new Map((e?.steps ?? []).map((s) => [s.index, s]));
  const rows = p.plan.steps.map((step, i) => {
    if (!e) return stepRow(step);
    const ran = byIndex.get(i);
    return [...stepRow(step), ran ? STEP_LABEL[ran.status] : '', literal(ran ? stepResult(ran) : '')];
  });
  const n = p.plan.steps.length;
  return reply({
    title: `Proposal ${p.id}: all ${n} step${n === 1 ? '' : 's'}`,
    blocks: [
      text(`**${literal(p.plan.title)}** · ${STATUS_LABEL[p.status]}`),
      planFigures(p.plan),
      table(e ? [...STEP_COLUMNS, 'Status', 'Result'] : [...STEP_COLUMNS], rows),
      context(`${code(`proposal ${p.id}`)} shows its card and audit trail · ${code(`proposal ${p.id} --steps --json`)} gives these steps as data`),
    ],
    visibility: opts.visibility,
    whole: true,
  });
}

/** The steps as data (`proposal <id> --steps --json`): each plan step, with its status and result once it ran. */
export function stepsData(p: Proposal, e?: Execution) {
  const byIndex = new Map((e?.steps ?? []).map((s) => [s.index, s]));
  return p.plan.steps.map((step, i) => {
    const ran = byIndex.get(i);
    return { ...step, status: ran?.status ?? null, detail: ran ? stepResult(ran) || null : null };
  });
}

/** The proposal card: the same for the first post, every progress update and `proposal <id>`. */
export function proposalCard(p: Proposal, opts: { awaiting?: string; execution?: Execution; phase?: string } = {}): Reply {
  const blocks: Block[] = [
    fields({
      Status: STATUS_LABEL[p.status],
      Risk: p.risk,
      'Requested by': `${literal(p.requester.name)} (${p.requester.surface})`,
      ...(p.status === 'proposed' ? { Expires: utc(p.expiresAt) } : {}),
      Approvals: `${p.approvals} of ${p.required.count} (${p.required.role} or higher)`,
    }),
    ...partialReadBlocks(p),
    ...planBlocks(p.plan, { more: theRest(p) }),
  ];
  if (p.permissions.length) blocks.push(context(`Cloud permissions needed: ${p.permissions.map(code).join(', ')}`));
  if (p.decisions.length) {
    blocks.push(
      text(p.decisions.map((d) => `- ${d.decision === 'approve' ? '✅' : '⛔'} **${literal(d.by.name)}** (${d.role}, ${d.by.surface}) ${d.decision === 'approve' ? 'approved' : 'rejected'} at ${utc(d.at)}${d.reason ? `: ${literal(d.reason)}` : ''}`).join('\n')),
    );
  }
  if (p.status === 'proposed' && opts.awaiting) blocks.push(text(`Still ${opts.awaiting}.`));
  if (opts.execution) blocks.push(divider(), ...executionBlocks(p, opts.execution));
  const final = ['succeeded', 'failed', 'rolled_back', 'rejected', 'expired', 'cancelled'].includes(p.status);
  if (final && p.outcome) blocks.push(text(`**${STATUS_LABEL[p.status]}**: ${literal(p.outcome)}`));
  if (p.status === 'failed' && p.outcome?.includes('the estate drifted')) blocks.push(text(`To propose it again against the estate as it is now: ${code(reproposeCommand(p))}`));
  // A finished card says how it ended once: the phase line often repeats the outcome ("All 1 step applied.").
  else if (opts.phase && !(final && p.outcome && (opts.phase.includes(p.outcome) || p.outcome.includes(opts.phase)))) blocks.push(context(literal(opts.phase)));
  // The decision buttons while it can be decided, and "Show all steps" whenever the card lists fewer than the plan has.
  const buttons = [...(p.status === 'proposed' ? decisionButtons(p) : []), ...(cardCutsSteps(p, opts.execution) ? [stepsButton(p)] : [])];
  if (buttons.length) blocks.push(actions(...buttons));
  // Only a proposal that can still be decided says how to decide it.
  const decide = p.status === 'proposed' ? ` · from a terminal: ${code(`approve ${p.id}`)} or ${code(`reject ${p.id}`)}` : '';
  blocks.push(context(`Proposal ${code(p.id)} · ${code(`proposal ${p.id}`)} shows its audit trail${decide}`));
  return reply({ title: `Proposal ${p.id}: ${p.plan.title}`, blocks, visibility: 'channel', cardOf: p.id });
}

/** The command that makes a fresh proposal for the same intent. */
export function reproposeCommand(p: Proposal): string {
  const first = p.plan.steps[0];
  if (p.plan.kind === 'direct' && p.plan.steps.length === 1 && first && (first.kind === 'stop' || first.kind === 'start' || first.kind === 'resize')) {
    return first.kind === 'resize' ? `resize ${first.target.id} ${first.toType}` : `${first.kind} ${first.target.id}`;
  }
  return p.plan.kind === 'failover' ? 'failover' : 'optimize';
}

export function viewCard(v: ExecutionView): Reply {
  return proposalCard(v.proposal, { execution: v.execution, phase: v.phase });
}

export function auditBlocks(entries: AuditEntry[]): Block[] {
  if (entries.length === 0) return [];
  return [
    table(
      ['When', 'Who', 'What', 'Change', 'Detail'],
      entries.map((a) => [
        a.at.toISOString().slice(0, 19).replace('T', ' '),
        `${literal(a.actor.name)} (${a.actor.surface})`,
        a.stepId ? `${a.action} ${a.stepId}` : a.action,
        a.from || a.to ? `${a.from ?? ''} → ${a.to ?? ''}` : '',
        literal(a.detail ?? ''),
      ]),
    ),
  ];
}

/**
 * Progress of an execution into one message, latest first: while an update is being sent, newer views replace
 * the queued one instead of piling up (chat APIs rate-limit message edits).
 */
export function progressTo(send: (r: Reply) => Promise<unknown>): ProgressSink {
  let pending: ExecutionView | undefined;
  let sending: Promise<void> | undefined;
  const drain = async () => {
    while (pending) {
      const v = pending;
      pending = undefined;
      await send(viewCard(v)).catch(() => undefined);
    }
    sending = undefined;
  };
  return (view) => {
    pending = view;
    sending ??= drain();
    // The final view is awaited so the execution ends only once its result is shown.
    return view.done ? sending : undefined;
  };
}

/** Progress of an execution to every message its card is on (each card is its own ordered queue in the notifier). */
export function progressToCards(update: (ref: StoredMessageRef, r: Reply) => Promise<unknown>, refs: StoredMessageRef[]): ProgressSink {
  let current = refs;
  const sink = progressTo((r) => Promise.all(current.map((ref) => update(ref, r).catch(() => undefined))));
  return (view) => {
    // A card posted while it runs (`proposal <id>` elsewhere) joins from the next step on.
    if (view.proposal.messages.length) current = view.proposal.messages;
    return sink(view);
  };
}

/** Progress of executions nobody is clicking on (CLI approvals, recovery): to every message that holds its card. */
export function progressToStoredMessages(update: (ref: StoredMessageRef, r: Reply) => Promise<unknown>): ProgressSink {
  const sinks = new Map<string, ProgressSink>();
  return (view) => {
    if (!view.proposal.messages.length) return undefined;
    let sink = sinks.get(view.proposal.id);
    if (!sink) sinks.set(view.proposal.id, (sink = progressToCards(update, view.proposal.messages)));
    if (view.done) sinks.delete(view.proposal.id);
    return sink(view);
  };
}

const sameMessage = (a: StoredMessageRef, b: StoredMessageRef) => a.surface === b.surface && JSON.stringify(Object.entries(a.address).sort()) === JSON.stringify(Object.entries(b.address).sort());

/**
 * Replaces the proposal's card on every message it was posted on, except `skip` (the clicked one, which the reply
 * replaces). Resolves with how many were updated.
 */
export async function updateCards(ctx: Pick<CommandContext, 'updateMessage'>, p: Proposal, card: Reply, skip?: StoredMessageRef): Promise<number> {
  const targets = p.messages.filter((m) => !skip || !sameMessage(m, skip));
  const done = await Promise.all(targets.map((m) => ctx.updateMessage(m, card)));
  return done.filter(Boolean).length;
}
