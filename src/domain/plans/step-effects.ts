/**
 * What each step kind does to an instance, as far as execution needs to know: how to undo it, and how to tell
 * from a fresh `describe` whether it took effect (after a crash left it "running").
 */
import type { Instance } from '../model/instance.js';
import { refKey } from '../model/instance.js';
import type { Expectation, PlanStep, StepKind, StepResult } from '../model/plan.js';
import { STEP_KINDS, type Inverse, type Observation, type StepKindDeclaration } from '../model/step-kinds.js';

export type { Inverse, Observation } from '../model/step-kinds.js';

/** The step that undoes `step`, given what it returned (and what the resource was before it). */
export function inverseOf(step: PlanStep, result: StepResult | undefined, before: Expectation | undefined): Inverse {
  const was = before ?? result?.before ?? step.expect;
  return (STEP_KINDS[step.kind] as StepKindDeclaration<StepKind>).undo(step as never, result, was);
}

/** Whether `step` has taken effect on `live` (the target re-read after a restart). */
export function observe(step: PlanStep, live: Instance | undefined): Observation {
  return (STEP_KINDS[step.kind] as StepKindDeclaration<StepKind>).observe(step as never, live);
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
  return (STEP_KINDS[s.kind] as StepKindDeclaration<StepKind>).describe(s as never);
}
