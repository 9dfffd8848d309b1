/**
 * Carries out an approved plan: claimed exactly once (a conditional update), drift check, dry-run, steps in order
 * with durable progress, retries for transient errors, and rollback in reverse when a step fails. Recovery after a
 * crash rolls interrupted executions back (docs/approvals.md explains why) without applying any step twice.
 */
import type { Logger } from '../../lib/logger.js';
import type { Cloud } from '../model/cloud.js';
import type { PlanStep, StepResult } from '../model/plan.js';
import type { ActorStamp, Execution, ExecutionStepRecord, Proposal } from '../model/proposal.js';
import type { ApplyOptions, CloudProvider } from '../ports/cloud-provider.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { ProposalStore, StepPatch } from '../ports/proposal-store.port.js';
import { StepLeftError } from '../model/step-kinds.js';
import { DEFAULT_RETRY, attemptsOf, errorText, withRetry, type RetryOptions } from './retry.js';
import { describeStep, driftOf, firstTouches, inverseOf, observe } from './step-effects.js';

export const EXECUTOR_ACTOR: ActorStamp = { id: 'system:executor', name: 'Steward executor', surface: 'system' };

export interface ExecutionView {
  proposal: Proposal;
  execution: Execution;
  /** What is happening right now, in words ("Step 2 of 3: resize web-1 to t3.small"). */
  phase: string;
  done: boolean;
}

export type ProgressSink = (view: ExecutionView) => void | Promise<void>;

export interface ExecutionReport {
  proposalId: string;
  status: Execution['status'];
  summary: string;
}

export interface PlanExecutorDeps {
  store: ProposalStore;
  providerFor(cloud: Cloud): CloudProvider;
  /** Forget cached inventory once the estate changed. */
  invalidate(): void;
  clock: Clock;
  /** This process, as recorded on the executions it owns. */
  owner: string;
  retry?: Partial<RetryOptions>;
  heartbeatMs?: number;
  log?: Logger;
  /**
   * Checks beyond the resources, right before the drift check (the health watch: a failover whose incident closed, a
   * target region that became unhealthy). A message stops the plan before any change; undefined lets it run.
   */
  preflight?(plan: Proposal['plan']): Promise<string | undefined>;
}

interface Ctx {
  proposal: Proposal;
  execution: Execution;
  steps: PlanStep[];
  emit(phase: string, done?: boolean): Promise<void>;
}

class LostOwnership extends Error {
  constructor(executionId: string) {
    super(`execution ${executionId} is no longer owned by this process`);
  }
}

export function createPlanExecutor(deps: PlanExecutorDeps) {
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...deps.retry };
  const now = () => deps.clock.now();
  const note = (detail?: string, extra: { before?: unknown; after?: unknown } = {}) => ({ by: EXECUTOR_ACTOR, now: now(), ...(detail ? { detail } : {}), ...extra });

  function provider(step: PlanStep): CloudProvider {
    return deps.providerFor(step.kind === 'create' ? step.placement.provider : step.target.provider);
  }

  async function move(c: Ctx, index: number, from: ExecutionStepRecord['status'][], to: ExecutionStepRecord['status'], patch: StepPatch, detail?: string, extra?: { before?: unknown; after?: unknown }) {
    const ok = await deps.store.stepTransition(c.execution.id, deps.owner, index, from, to, patch, note(detail, extra));
    if (!ok) throw new LostOwnership(c.execution.id);
  }

  function makeCtx(proposal: Proposal, execution: Execution, onProgress?: ProgressSink): Ctx {
    const c: Ctx = {
      proposal,
      execution,
      steps: proposal.plan.steps,
      async emit(phase, done = false) {
        if (!onProgress) return;
        try {
          const [p, e] = await Promise.all([deps.store.get(proposal.id), deps.store.getExecution(proposal.id)]);
          if (p && e) await onProgress({ proposal: p, execution: e, phase, done });
        } catch (err) {
          deps.log?.warn({ err, proposalId: proposal.id }, 'progress report failed');
        }
      },
    };
    return c;
  }

  async function finish(c: Ctx, status: 'succeeded' | 'failed' | 'rolled_back', summary: string): Promise<ExecutionReport> {
    const ok = await deps.store.finishExecution(c.execution.id, deps.owner, status, summary, note());
    if (!ok) throw new LostOwnership(c.execution.id);
    await c.emit(summary, true);
    return { proposalId: c.proposal.id, status, summary };
  }

  function withHeartbeat<T>(executionId: string, body: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      deps.store.heartbeat(executionId, deps.owner, now()).catch((err: unknown) => deps.log?.warn({ err, executionId }, 'heartbeat failed'));
    }, deps.heartbeatMs ?? 10_000);
    timer.unref?.();
    return body().finally(() => clearInterval(timer));
  }

  async function skipPending(c: Ctx, reason: string): Promise<void> {
    const fresh = await deps.store.getExecution(c.proposal.id);
    for (const s of fresh?.steps ?? []) {
      if (s.status === 'pending') await move(c, s.index, ['pending'], 'skipped', {}, reason);
    }
  }

  /** Undoes every succeeded step, last first; says exactly what was and was not undone. */
  async function rollBack(c: Ctx, cause: string, uncertain: string[] = [], leftChanged: string[] = []): Promise<ExecutionReport> {
    const fresh = await deps.store.getExecution(c.proposal.id);
    const done = (fresh?.steps ?? []).filter((s) => s.status === 'succeeded' || s.status === 'undoing').sort((a, b) => b.index - a.index);
    const undone: string[] = [];
    const notUndone: string[] = [...leftChanged, ...uncertain.map((u) => `${u}: may have taken effect; check by hand`)];
    if (done.length) await c.emit(`${cause} Rolling back ${done.length} completed step${done.length === 1 ? '' : 's'}…`);
    for (const rec of done) {
      const step = c.steps[rec.index];
      if (!step) continue;
      const inv = inverseOf(step, rec.result, rec.before);
      const label = `${step.id} (${describeStep(step)})`;
      if (!inv.step) {
        await move(c, rec.index, ['succeeded'], 'not_undoable', { undo: inv.reason }, inv.reason);
        notUndone.push(`${label}: ${inv.reason}`);
        continue;
      }
      if (rec.status === 'succeeded') await move(c, rec.index, ['succeeded'], 'undoing', {}, `undo: ${describeStep(inv.step)}`);
      else {
        // Interrupted while undoing: look before acting, so the undo is not applied twice either.
        const seen = observe(inv.step, await provider(inv.step).describe(inv.step.target).catch(() => undefined));
        if (seen === 'applied') {
          await move(c, rec.index, ['undoing'], 'undone', { undo: `${describeStep(inv.step)} (found done after restart)` });
          undone.push(label);
          continue;
        }
      }
      await c.emit(`Undoing ${label}…`);
      try {
        const { value, attempts } = await withRetry(() => provider(inv.step).apply(inv.step, { dryRun: false }), retry);
        await move(c, rec.index, ['undoing'], 'undone', { undo: value.message, attempts }, value.message);
        undone.push(label);
        if (value.resources?.length) notUndone.push(`${label}: left behind ${value.resources.map((r) => `${r.kind} ${r.id} (${r.region})`).join(', ')}; delete by hand`);
        deps.invalidate();
      } catch (err) {
        if (err instanceof LostOwnership) throw err;
        const why = errorText(err);
        await move(c, rec.index, ['undoing'], 'undo_failed', { undo: `undo failed: ${why}`, attempts: attemptsOf(err) }, why);
        notUndone.push(`${label}: undo failed: ${why}`);
      }
    }
    const lines = [cause];
    if (done.length === 0) lines.push(leftChanged.length ? 'No step had completed.' : 'No step had completed, so nothing needed undoing.');
    if (undone.length) lines.push(`Undone: ${undone.join('; ')}.`);
    if (notUndone.length) lines.push(`NOT undone: ${notUndone.join('; ')}.`);
    return finish(c, notUndone.length === 0 ? 'rolled_back' : 'failed', lines.join(' '));
  }

  async function run(c: Ctx): Promise<ExecutionReport> {
    const { steps } = c;
    const first = firstTouches(steps);
    // 1. Drift: re-read each resource the plan touches; any difference aborts the whole plan before a change.
    await c.emit('Checking that the estate still looks the way the plan saw it…');
    const stop = deps.preflight ? await deps.preflight(c.proposal.plan) : undefined;
    if (stop) {
      await skipPending(c, 'health check');
      return finish(c, 'failed', stop);
    }
    const drift: string[] = [];
    for (const i of first) {
      const step = steps[i] as PlanStep;
      try {
        const { value: live } = await withRetry(() => provider(step).describe(step.target), retry);
        const d = driftOf(step, live);
        if (d) drift.push(d);
      } catch (err) {
        drift.push(`${step.targetName} could not be read: ${errorText(err)}`);
      }
    }
    if (drift.length) {
      await skipPending(c, 'drift');
      return finish(c, 'failed', `Nothing was changed: the estate drifted since the plan was made. ${drift.join('; ')}. Re-propose to plan against the current state.`);
    }
    // 2. Dry-run every step whose resource is untouched by an earlier step (the others are checked just before they run).
    await c.emit(`Dry-run of ${first.size} step${first.size === 1 ? '' : 's'}…`);
    for (const i of first) {
      const step = steps[i] as PlanStep;
      try {
        const { value } = await withRetry(() => provider(step).apply(step, { dryRun: true }), retry);
        if (!value.ok) throw new Error(value.message);
      } catch (err) {
        await skipPending(c, 'dry-run failed');
        return finish(c, 'failed', `Nothing was changed: the dry-run of ${step.id} (${describeStep(step)}) failed: ${errorText(err)}`);
      }
    }
    // 3. The steps, in order, each recorded before and after it runs. A create step that names a snapshot step
    // gets the snapshot ids that step produced (failover: snapshot → create the replacement from it).
    const snapshotsOf = new Map<string, string[]>();
    const optsFor = (step: PlanStep, dryRun: boolean): ApplyOptions => {
      const ids = step.kind === 'create' && step.fromSnapshotStep ? snapshotsOf.get(step.fromSnapshotStep) : undefined;
      return { dryRun, ...(ids?.length ? { snapshotIds: ids } : {}) };
    };
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as PlanStep;
      await move(c, i, ['pending'], 'running', {}, describeStep(step));
      await c.emit(`Step ${i + 1} of ${steps.length}: ${describeStep(step)}…`);
      let result: StepResult;
      let attempts = 1;
      try {
        if (!first.has(i)) {
          const dry = await withRetry(() => provider(step).apply(step, optsFor(step, true)), retry);
          if (!dry.value.ok) throw new Error(dry.value.message);
        }
        const applied = await withRetry(() => provider(step).apply(step, optsFor(step, false)), retry);
        result = applied.value;
        attempts = applied.attempts;
        if (!result.ok) throw Object.assign(new Error(result.message), { attempts });
      } catch (err) {
        const why = errorText(err);
        await move(c, i, ['running'], 'failed', { error: why, attempts: attemptsOf(err) }, why);
        await skipPending(c, `${step.id} failed`);
        // A step that failed part-way and could not put its resource back is a change left in place: say so.
        const left = err instanceof StepLeftError && !err.restored
          ? [`${step.id} (${describeStep(step)}) was left part-done: ${err.leftAs}${err.leftBehind.length ? `; left behind ${err.leftBehind.map((r) => `${r.kind} ${r.id} (${r.region})`).join(', ')}` : ''}`]
          : [];
        return rollBack(c, `Step ${step.id} (${describeStep(step)}) failed after ${attemptsOf(err)} attempt${attemptsOf(err) === 1 ? '' : 's'}: ${why}.`, [], left);
      }
      if (result.snapshotIds?.length) snapshotsOf.set(step.id, result.snapshotIds);
      deps.invalidate();
      await move(c, i, ['running'], 'succeeded', { result, before: result.before ?? step.expect, attempts }, result.message, { before: result.before ?? step.expect, after: result.message });
    }
    return finish(c, 'succeeded', `All ${steps.length} step${steps.length === 1 ? '' : 's'} applied.`);
  }

  async function guarded(c: Ctx, body: () => Promise<ExecutionReport>): Promise<ExecutionReport | undefined> {
    try {
      return await withHeartbeat(c.execution.id, body);
    } catch (err) {
      if (err instanceof LostOwnership) {
        deps.log?.warn({ proposalId: c.proposal.id }, err.message);
        return undefined;
      }
      // A database error mid-run: leave the execution as it is; its heartbeat stops and recovery takes it over.
      deps.log?.error({ err, proposalId: c.proposal.id }, 'execution interrupted');
      throw err;
    }
  }

  return {
    /** Claims and runs an approved proposal; undefined when another process (or call) already claimed it. */
    async execute(proposalId: string, by: ActorStamp, onProgress?: ProgressSink): Promise<ExecutionReport | undefined> {
      const proposal = await deps.store.get(proposalId);
      if (!proposal) return undefined;
      const execution = await deps.store.claimExecution(proposalId, deps.owner, proposal.plan.steps, { by, now: now(), detail: `execution started by ${deps.owner}` });
      if (!execution) return undefined;
      const c = makeCtx({ ...proposal, status: 'executing' }, execution, onProgress);
      return guarded(c, () => run(c));
    },

    /**
     * Takes over executions whose process stopped (no heartbeat since `staleBefore`) and rolls each back (or, when
     * every step had in fact taken effect, records it as done): a step left "running" is first re-read to tell
     * whether it took effect, and no forward step is ever applied again.
     */
    async recover(staleBefore: Date, onProgress?: ProgressSink): Promise<ExecutionReport[]> {
      const reports: ExecutionReport[] = [];
      for (const stale of await deps.store.staleExecutions(staleBefore)) {
        const execution = await deps.store.adoptExecution(stale.id, deps.owner, staleBefore, { by: EXECUTOR_ACTOR, now: now(), detail: `taken over by ${deps.owner} after its process stopped` });
        const proposal = execution && (await deps.store.get(execution.proposalId));
        if (!execution || !proposal) continue;
        const c = makeCtx(proposal, execution, onProgress);
        const report = await guarded(c, async () => {
          const uncertain: string[] = [];
          for (const rec of execution.steps) {
            const step = c.steps[rec.index];
            if (!step) continue;
            if (rec.status === 'pending') await move(c, rec.index, ['pending'], 'skipped', {}, 'interrupted before it started');
            if (rec.status !== 'running') continue;
            const live = await provider(step).describe(step.target).catch(() => undefined);
            const seen = observe(step, live);
            if (seen === 'applied') {
              const result: StepResult = { ok: true, mode: 'applied', message: `${describeStep(step)} (found done after restart)`, before: step.expect };
              await move(c, rec.index, ['running'], 'succeeded', { result, before: step.expect }, result.message);
            } else {
              const why = seen === 'not-applied' ? 'interrupted before it took effect' : 'interrupted; whether it took effect could not be told';
              await move(c, rec.index, ['running'], 'failed', { error: why }, why);
              if (seen === 'unknown') uncertain.push(`${step.id} (${describeStep(step)})`);
            }
          }
          const after = await deps.store.getExecution(c.proposal.id);
          if (after && after.steps.every((s) => s.status === 'succeeded')) {
            // Every step had taken effect; only the final bookkeeping was lost. Undoing a finished plan helps nobody.
            return finish(c, 'succeeded', `All ${after.steps.length} step${after.steps.length === 1 ? '' : 's'} had been applied when Steward stopped; recorded as done after the restart.`);
          }
          return rollBack(c, 'Steward stopped while this plan was running, so it was rolled back when it started again.', uncertain);
        });
        if (report) reports.push(report);
      }
      return reports;
    },
  };
}

export type PlanExecutor = ReturnType<typeof createPlanExecutor>;
