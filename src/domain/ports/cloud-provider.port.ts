import type { Cloud, ProviderId, RegionInfo } from '../model/cloud.js';
import type { ProviderError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { Instance, InstanceRef, Utilization } from '../model/instance.js';
import type { ResourcePosture } from '../model/posture.js';
import type { PlanStep, StepResult } from '../model/plan.js';

/** Which part of the estate to look at. Empty lists mean "everything configured". */
export interface Scope {
  clouds?: Cloud[];
  regions?: string[];
  accounts?: string[];
}

/** A part of the estate that could not be read; results are labelled partial, never silently short. */
export interface Gap {
  provider: ProviderId;
  cloud?: Cloud;
  account?: string;
  region?: string;
  code: string;
  /** What failed, without the place (provider, account, region are their own fields): "DescribeInstances: Request limit exceeded. (RequestLimitExceeded, request …)". */
  message: string;
  /** What a person can do about it ("try again in a minute", "grant ec2:DescribeInstances"). */
  advice?: string;
}

/** A gap from a translated provider error: the place in its own fields, the message without that place repeated. */
export function gapFromError(e: ProviderError, where: Pick<Gap, 'provider'> & Partial<Pick<Gap, 'cloud' | 'account' | 'region'>>, advice?: string): Gap {
  return { ...where, code: e.code, message: e.detail, ...(advice ? { advice } : {}) };
}

export interface ListOptions {
  signal?: AbortSignal;
  /** Called for each region/account that failed while the others still answer. */
  onGap?: (gap: Gap) => void;
  /** Called for each region/account (or other part) that answered, even with nothing in it: an estate with no part read is a failure, not empty. */
  onPart?: (part: { region?: string; account?: string }) => void;
}

export interface UtilizationOptions {
  /** Called for each metrics call that failed (its instances have no utilization); the others still answer. */
  onGap?: (gap: Gap) => void;
  signal?: AbortSignal;
}

export interface UtilizationWindow {
  days: number;
  /** The end of the window (defaults to now). */
  end?: Date;
}

export interface ApplyOptions {
  dryRun: boolean;
  /**
   * For a `create` step with `fromSnapshotStep`: the snapshot ids that step produced in this execution. When absent,
   * an adapter may fall back to the newest snapshots Steward tagged on the source instance.
   */
  snapshotIds?: string[];
}

/**
 * The port every cloud adapter implements with its own SDK only (DESIGN §3).
 * Whole-provider failures (no credentials) throw a ProviderError; per-region failures go to `onGap`.
 */
export interface CloudProvider {
  readonly id: ProviderId;
  /** The clouds this adapter answers for (the demo estate covers all three). */
  readonly clouds: readonly Cloud[];
  listInstances(scope: Scope, opts?: ListOptions): AsyncIterable<Instance>;
  utilization(refs: InstanceRef[], window: UtilizationWindow, opts?: UtilizationOptions): Promise<Utilization[]>;
  securityPosture(scope: Scope, opts?: ListOptions): AsyncIterable<Finding>;
  /** The normalized posture of each instance, which the security checks read (src/domain/security). */
  posture?(scope: Scope, opts?: ListOptions): AsyncIterable<ResourcePosture>;
  apply(step: PlanStep, opts: ApplyOptions): Promise<StepResult>;
  /** Re-reads live state (drift checks). undefined when the instance is gone. */
  describe(ref: InstanceRef): Promise<Instance | undefined>;
  /** Cloud permissions the step needs, shown on approval cards. */
  permissionsFor(step: PlanStep): string[];
  /**
   * Why the cloud would refuse this step, checked when it is proposed (a resize to another CPU architecture, a size
   * the VM's region or family cannot take…): a sentence for the requester, or undefined when nothing stands in its way.
   * The cloud knowledge stays in the adapter; absent means the adapter has no such rules.
   */
  vetStep?(step: PlanStep): Promise<string | undefined>;
  /**
   * What this cloud's naming says about a region: its geography (data residency) and approximate location.
   * The domain learns it as the inventory reads instances there; undefined when the adapter cannot tell.
   */
  regionInfo?(region: string): RegionInfo | undefined;
}
