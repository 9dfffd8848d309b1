import type { Cloud } from './cloud.js';
import type { PlanOrigin } from './health.js';
import type { InstanceRef, InstanceState } from './instance.js';

export type Risk = 'low' | 'medium' | 'critical';
export const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, critical: 2 };

/** What a step expects to find when it runs; a difference is drift and aborts the plan. */
export interface Expectation {
  state?: InstanceState;
  type?: string;
}

interface StepBase {
  /** Stable within the plan: `s1`, `s2`, … */
  id: string;
  target: InstanceRef;
  /** The target's name, for people. */
  targetName: string;
  expect: Expectation;
  /** Why this step is in the plan, in words a reader can check. */
  reason: string;
  /** Change in monthly run-rate this step causes (negative saves money), micro-dollars. */
  monthlyDeltaMicros?: number;
  /** How risky this step is on its own (the plan's risk is the highest of its steps). */
  risk?: Risk;
}

export type PlanStep =
  | (StepBase & { kind: 'start' })
  | (StepBase & { kind: 'stop' })
  /** Restart a running instance in place (an impaired instance's first remedy); its type and disks stay. */
  | (StepBase & { kind: 'reboot' })
  | (StepBase & { kind: 'resize'; toType: string })
  | (StepBase & { kind: 'snapshot' })
  | (StepBase & {
      kind: 'create';
      /** Where the replacement goes. `fromSnapshotStep` names the snapshot step whose result seeds it. */
      placement: { provider: Cloud; account: string; region: string; zone?: string; type: string };
      name: string;
      fromSnapshotStep?: string;
      image?: string;
      tags: Record<string, string>;
    })
  | (StepBase & {
      kind: 'delete';
      /** What a create made besides the instance (its image, a copied snapshot, disk, NIC), removed after it. */
      alsoRemove?: MadeResource[];
    })
  | (StepBase & { kind: 'tag'; tags: Record<string, string> });

export type StepKind = PlanStep['kind'];

/** The outcome of applying one step (or of its dry-run / preflight). */
export interface StepResult {
  ok: boolean;
  /** 'dry-run' when the cloud validated without acting (AWS DryRun), 'preflight' when Steward checked itself. */
  mode: 'applied' | 'dry-run' | 'preflight';
  message: string;
  /** For create: the new instance. */
  created?: InstanceRef;
  /** For snapshot: the snapshot ids, usable by a later create step. */
  snapshotIds?: string[];
  /** The instance state/type before the step, to roll it back. */
  before?: Expectation;
  /**
   * Resources other than `created` that the step made and left in place (an image, a copied snapshot, a disk, a
   * network interface), by id: a rollback that removes the instance reports these as left behind unless it removes them.
   */
  resources?: MadeResource[];
}

/** Something a step created besides the instance itself. */
export interface MadeResource {
  kind: 'image' | 'snapshot' | 'disk' | 'network-interface' | 'instance';
  id: string;
  region: string;
}

export interface PlanTotals {
  beforeMonthlyMicros: number;
  afterMonthlyMicros: number;
  savingsMonthlyMicros: number;
}

/** What the solver proved about the plan. */
export interface SolverReport {
  solver: string;
  objective: number;
  lowerBound: number;
  gap: number;
  models?: { name: string; solver: string; variables: number; ms: number }[];
  /**
   * Set when `lowerBound` is a valid lower bound of the full model (every fitting offer, reduced only by exact
   * reductions): only then may a card say "within X% of the best possible plan".
   */
  boundOf?: 'full model';
  /** Which solver served which part of the model: what produced its plan and what proved its bound. */
  parts?: { part: string; instances: number; plan: string; bound: string }[];
}

export interface Plan {
  kind: 'optimize' | 'failover' | 'direct';
  title: string;
  steps: PlanStep[];
  totals: PlanTotals;
  solver?: SolverReport;
  /** Constraints that bind the optimum, in words ("EU vCPU quota for azure: 96 of 96 used"). */
  binding?: string[];
  /** Price snapshot dates used, per cloud. */
  priceSnapshots: Partial<Record<Cloud, string>>;
  /** Set when the health watch proposed it: which incident and remedy (the drift check re-reads that incident). */
  origin?: PlanOrigin;
  /** Why it was proposed, for the card: which signals, since when, how many instances, the blast radius. */
  evidence?: string[];
  /**
   * Parts of the estate (regions, accounts, metrics calls) that could not be read when the plan was made: set
   * when it was built on a partial read, so its card, its audit row and its approval say so.
   */
  readGaps?: ReadGap[];
}

/** A part of the estate a plan could not see (the same shape as the provider port's Gap). */
export interface ReadGap {
  provider: string;
  account?: string;
  region?: string;
  code: string;
  message: string;
  advice?: string;
}

/** "aws eu-west-1 (PROVIDER.THROTTLED); azure sub-1 (PROVIDER.FORBIDDEN)": the places a plan could not see, in one line. */
export function readGapsSummary(gaps: readonly ReadGap[]): string {
  return gaps.map((g) => `${[g.provider, g.account, g.region].filter(Boolean).join(' ')} (${g.code})`).join('; ');
}

/** The states each step kind may start from (declared in step-kinds.ts, with the rest of what a kind is). */
export { VALID_FROM } from './step-kinds.js';
