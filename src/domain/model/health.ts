import type { Cloud, ProviderId } from './cloud.js';
import type { InstanceRef } from './instance.js';

/**
 * A health signal normalised across clouds (issue 15): AWS Health events and DescribeInstanceStatus, Azure Resource
 * Health and instance views, Google Cloud Personalized Service Health and instance status, the demo's injected faults.
 * One per provider event id (`key`); instance status checks become events of scope `instance`.
 */
export type HealthScope = 'instance' | 'region' | 'account';
export type HealthEventState = 'open' | 'upcoming' | 'closed';
export type HealthSeverity = 'info' | 'warning' | 'critical';
/** `issue`: something is broken now; `scheduled`: maintenance or retirement ahead; `status`: Steward's own status checks. */
export type HealthEventKind = 'issue' | 'scheduled' | 'status';

export interface HealthEvent {
  /** Unique per provider event: `aws:health:<eventArn>`, `demo:outage:aws:eu-west-1:1`, `aws:status:i-0abc`. */
  key: string;
  source: ProviderId;
  cloud: Cloud;
  region: string;
  scope: HealthScope;
  kind: HealthEventKind;
  /** The affected service as the provider names it (EC2, Virtual Machines, Compute Engine). */
  service: string;
  state: HealthEventState;
  severity: HealthSeverity;
  /** ISO instants as the provider gives them (or when Steward first saw them). */
  started: string;
  updated: string;
  ended?: string;
  affected: HealthAffected[];
  /** One line, for people ("System status check failed", "Increased API error rates"). */
  summary: string;
}

export interface HealthAffected {
  ref: InstanceRef;
  name?: string;
}

/** What one instance's status checks say (AWS system/instance checks, Azure instance view, GCP status). */
export type InstanceHealthStatus = 'ok' | 'impaired' | 'unknown';

export interface InstanceHealth {
  ref: InstanceRef;
  name?: string;
  status: InstanceHealthStatus;
  /** Which checks failed, in the provider's words ("system reachability: failed", "REPAIRING"). */
  checks: string[];
}

/** An incident Steward acts on: a degraded region (→ failover, failback) or an impaired instance (→ restart). */
export type IncidentKind = 'region' | 'instance';
export type IncidentState = 'open' | 'closed';
export type WatchAction = 'restart' | 'failover' | 'failback';

export interface IncidentEvidence {
  /** Provider events behind it (key, summary, since). */
  signals: { key: string; summary: string; since: string; state: HealthEventState; source: ProviderId }[];
  /** Instances whose own status checks failed (Steward's evidence). */
  impaired: { id: string; name?: string; checks: string[] }[];
  /** How it was confirmed: the signal persisted for the hold time, or several instances failed their checks. */
  confirmedBy: string;
  /** Instances in the scope (the blast radius). */
  instancesInScope: number;
}

export interface Incident {
  id: string;
  /** `region:aws:eu-west-1` or `instance:aws:i-0abc`: at most one open incident per key. */
  key: string;
  kind: IncidentKind;
  cloud: Cloud;
  region: string;
  instance?: InstanceRef;
  state: IncidentState;
  openedAt: Date;
  updatedAt: Date;
  closedAt?: Date;
  evidence: IncidentEvidence;
  /** The open remedy (restart or failover) and the failback, when proposed. */
  proposalId?: string;
  failbackProposalId?: string;
}

/** Where a plan proposed by the watch came from (carried on the Plan, so the drift check can re-read health). */
export interface PlanOrigin {
  by: 'health-watch';
  incidentId: string;
  action: WatchAction;
  cloud: Cloud;
  region: string;
}

export const regionKey = (cloud: Cloud, region: string) => `region:${cloud}:${region}`;
export const instanceKey = (ref: Pick<InstanceRef, 'provider' | 'id'>) => `instance:${ref.provider}:${ref.id}`;
