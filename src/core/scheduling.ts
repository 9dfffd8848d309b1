/**
 * What the scheduler (src/scheduler, which sees only the command layer) needs from the domain: digest subscriptions,
 * the database claims behind exactly-once runs, and the schedule arithmetic that names each period.
 */
export type { DigestSubscription, DigestStore } from '../domain/ports/digest-store.port.js';
export type { RunClaim, RunClaims } from '../domain/ports/run-claims.port.js';
export type { DigestSchedule } from '../domain/model/digest.js';
export { cronExpression, latestOccurrence, nextOccurrences, periodOf, type Occurrence } from '../domain/digests/schedule.js';
export { SYSTEM_ACTOR, WATCH_ACTOR } from '../domain/model/actor.js';

/** The claim job of a digest subscription (one row per period in scheduled_runs). */
export const digestJob = (subscriptionId: string) => `digest:${subscriptionId}`;
