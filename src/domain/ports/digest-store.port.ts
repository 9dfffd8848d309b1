import type { Actor } from '../model/actor.js';
import type { DigestKind, DigestSchedule, SecurityMute } from '../model/digest.js';

/** Where a digest goes: a Slack channel, a Teams conversation, the console (same shape as core's ChannelTarget). */
export interface DigestTarget {
  surface: 'slack' | 'teams' | 'console' | 'cli' | 'system';
  address: Record<string, string>;
}

export interface DigestSubscription {
  id: string;
  kind: DigestKind;
  schedule: DigestSchedule;
  target: DigestTarget;
  createdBy: string;
  createdAt: string;
}

/** One row of daily cost history: the run-rate of one (provider, region, account, team) on one UTC day. */
export interface CostSnapshotRow {
  day: string;
  provider: string;
  region: string;
  account: string;
  team: string;
  hourlyMicros: number;
  instances: number;
  /** `live` (taken from the estate) or `seeded` (the demo's synthetic history). */
  source: 'live' | 'seeded';
}

/** Subscriptions, security mutes and cost history. Every state change writes an audit row in the same transaction. */
export interface DigestStore {
  subscribe(sub: DigestSubscription, by: Actor): Promise<void>;
  /** Removes a subscription; undefined when there is none with that id. */
  unsubscribe(id: string, by: Actor, at: Date): Promise<DigestSubscription | undefined>;
  subscription(id: string): Promise<DigestSubscription | undefined>;
  subscriptions(): Promise<DigestSubscription[]>;

  addMute(m: SecurityMute, by: Actor): Promise<void>;
  /** Mutes not yet expired at `now`. */
  mutes(now: Date): Promise<SecurityMute[]>;

  /** Rows from `fromDay` (inclusive, `YYYY-MM-DD`) on. */
  costHistory(fromDay: string): Promise<CostSnapshotRow[]>;
  costHistoryDays(): Promise<number>;
  /** Inserts rows; a (day, provider, region, account, team) already stored is kept (one snapshot a day). */
  saveCostSnapshot(rows: readonly CostSnapshotRow[]): Promise<number>;
}
