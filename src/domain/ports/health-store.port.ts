import type { Actor } from '../model/actor.js';
import type { HealthEvent, Incident, IncidentEvidence, IncidentKind } from '../model/health.js';
import type { InstanceRef } from '../model/instance.js';
import type { Cloud } from '../model/cloud.js';

/** A stored health event: the latest version plus when Steward first and last saw it. */
export interface StoredHealthEvent extends HealthEvent {
  firstSeen: Date;
  lastSeen: Date;
  /** When its current state began (reset when it closes and opens again): the hysteresis clock. */
  stateSince: Date;
}

export interface HealthEventChange {
  key: string;
  at: Date;
  state: HealthEvent['state'];
  severity: HealthEvent['severity'];
  affected: number;
  summary: string;
}

/** Where the watch posts what it proposes (a Slack channel, a Teams conversation, the console). */
export interface WatchSubscription {
  id: string;
  target: { surface: 'slack' | 'teams' | 'console' | 'cli' | 'system'; address: Record<string, string> };
  createdBy: string;
  createdAt: string;
}

/**
 * Health events with their history (one row per provider event id; a change adds a history row), incidents (at
 * most one open per key: the database refuses a second) and watch subscriptions. State changes are audited.
 */
export interface HealthStore {
  /** Inserts new events, updates changed ones (one history row per change); returns the keys that changed. */
  recordEvents(events: readonly HealthEvent[], now: Date): Promise<string[]>;
  /** Open and upcoming events, plus the ones closed since `closedSince`. */
  events(filter?: { clouds?: readonly Cloud[]; closedSince?: Date }): Promise<StoredHealthEvent[]>;
  event(key: string): Promise<StoredHealthEvent | undefined>;
  history(key: string): Promise<HealthEventChange[]>;

  /** Opens an incident unless one with the same key is open: the open one is returned with `created: false`. */
  openIncident(input: { id: string; key: string; kind: IncidentKind; cloud: Cloud; region: string; instance?: InstanceRef; evidence: IncidentEvidence; now: Date }): Promise<{ incident: Incident; created: boolean }>;
  updateEvidence(id: string, evidence: IncidentEvidence, now: Date): Promise<void>;
  /** open → closed; false when it was not open. */
  closeIncident(id: string, now: Date, note: string): Promise<boolean>;
  /** Records the proposal of an incident only if it has none yet (field: the remedy or the failback). */
  attachProposal(id: string, field: 'proposal' | 'failback', proposalId: string): Promise<boolean>;
  incidents(filter: { state?: 'open' | 'closed'; limit?: number }): Promise<Incident[]>;
  incident(id: string): Promise<Incident | undefined>;
  incidentByProposal(proposalId: string): Promise<Incident | undefined>;

  subscribe(sub: WatchSubscription, by: Actor): Promise<void>;
  unsubscribe(id: string, by: Actor, at: Date): Promise<WatchSubscription | undefined>;
  subscriptions(): Promise<WatchSubscription[]>;
}
