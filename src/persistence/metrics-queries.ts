/** Counts that /metrics reports from the shared database (src/lib/metrics.ts): read at scrape time, one query each. */
import { count } from 'drizzle-orm';
import type { Db } from './db.js';
import { executions, healthEvents, proposals } from './schema.js';

const toCounts = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));

export function createMetricsQueries(db: Db) {
  return {
    proposals: async () => toCounts(await db.select({ k: proposals.status, n: count() }).from(proposals).groupBy(proposals.status)),
    executions: async () => toCounts(await db.select({ k: executions.status, n: count() }).from(executions).groupBy(executions.status)),
    watchEvents: async () => toCounts(await db.select({ k: healthEvents.state, n: count() }).from(healthEvents).groupBy(healthEvents.state)),
  };
}
