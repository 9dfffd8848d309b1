/**
 * What each step kind does to an instance, as far as execution needs to know: how to undo it, and how to tell
 * from a fresh `describe` whether it took effect (after a crash left it "running").
 */
import type { Instance } from '../model/instance.js';
import { refKey } from '../model/instance.js';
import type { Expectation, PlanStep, StepResult } from '../model/plan.js';

export type Inverse = { step: PlanStep } | { step?: undefined; reason: string };

/** The step that undoes `step`, given what it returned (and what the resource was before it). */
export function inverseOf(step: PlanStep, result: StepResult | undefined, before: Expectation | undefined): Inverse {
  const base = { id: `${step.id}-undo`, target: step.target, targetName: step.targetName, reason: `undo ${step.id} (${step.kind})` };
  const was = before ?? result?.before ?? step.expect;
  switch (step.kind) {
    case 'start':
      return { step: { ...base, kind: 'stop', expect: { state: 'running' } } };
    case 'stop':
      return { step: { ...base, kind: 'start', expect: { state: 'stopped' } } };
    case 'resize':
      if (!was.type) return { reason: 'the original type was not recorded, so it cannot be resized back' };
      if (was.type === step.toType) return { reason: `it already had type ${step.toType}` };
      return { step: { ...base, kind: 'resize', toType: was.type, expect: { type: step.toType } } };
    case 'create':
      if (!result?.created) return { reason: 'the cloud did not say which instance it created; check for it by name' };
      return { step: { ...base, kind: 'delete', target: result.created, targetName: step.name, expect: {} } };
    case 'snapshot':
      return { reason: `snapshots are kept (they only cost storage)${result?.snapshotIds?.length ? `: ${result.snapshotIds.join(', ')}` : ''}; delete them by hand if unwanted` };
    case 'delete':
      return { reason: 'a deleted instance cannot be brought back; restore it from a snapshot if one was taken' };
    case 'tag':
      return { reason: 'tags are left as they are (the earlier values were not recorded)' };
  }
}

export type Observation = 'applied' | 'not-applied' | 'unknown';

function matches(live: Instance | undefined, e: Expectation): boolean {
  return !!live && (e.state === undefined || live.state === e.state) && (e.type === undefined || live.type === e.type);
}

/** Whether `step` has taken effect on `live` (the target re-read after a restart). */
export function observe(step: PlanStep, live: Instance | undefined): Observation {
  switch (step.kind) {
    case 'start':
      if (live?.state === 'running' || live?.state === 'pending') return 'applied';
      return live?.state === 'stopped' ? 'not-applied' : 'unknown';
    case 'stop':
      if (live?.state === 'stopped' || live?.state === 'stopping') return 'applied';
      return live?.state === 'running' ? 'not-applied' : 'unknown';
    case 'resize':
      if (live?.type === step.toType) return 'applied';
      return live && (step.expect.type === undefined || live.type === step.expect.type) ? 'not-applied' : 'unknown';
    case 'delete':
      if (!live || live.state === 'terminated') return 'applied';
      return 'not-applied';
    case 'tag':
      if (live && Object.entries(step.tags).every(([k, v]) => live.tags[k] === v)) return 'applied';
      return matches(live, step.expect) ? 'not-applied' : 'unknown';
    case 'snapshot':
    case 'create':
      // Neither leaves a mark on the target that `describe` shows.
      return 'unknown';
  }
}

/** Indexes of steps that are the first in the plan to touch their resource (their expectation is about now). */
export function firstTouches(steps: readonly PlanStep[]): Set<number> {
  const seen = new Set<string>();
  const out = new Set<number>();
  steps.forEach((s, i) => {
    const k = refKey(s.target);
    if (!seen.has(k)) out.add(i);
    seen.add(k);
  });
  return out;
}

/** How the live resource differs from what the step expects, or undefined when it does not. */
export function driftOf(step: PlanStep, live: Instance | undefined): string | undefined {
  const who = `${step.targetName} (${step.target.provider} ${step.target.region} ${step.target.id})`;
  if (!live) return `${who} no longer exists`;
  const diffs: string[] = [];
  if (step.expect.state !== undefined && live.state !== step.expect.state) diffs.push(`is ${live.state}, the plan expected ${step.expect.state}`);
  if (step.expect.type !== undefined && live.type !== step.expect.type) diffs.push(`has type ${live.type}, the plan expected ${step.expect.type}`);
  return diffs.length ? `${who} ${diffs.join(' and ')}` : undefined;
}

export function describeStep(s: PlanStep): string {
  switch (s.kind) {
    case 'resize':
      return `resize ${s.targetName} to ${s.toType}`;
    case 'create':
      return `create ${s.name} in ${s.placement.provider} ${s.placement.region}`;
    default:
      return `${s.kind} ${s.targetName}`;
  }
}
