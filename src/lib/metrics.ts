/**
 * Prometheus metrics (prom-client), one registry per app (tests start several in one process). What is counted
 * and where (docs/operations.md lists every metric):
 *
 * - commands: latency histogram by command, surface and outcome, and errors by code (core/dispatch.ts);
 * - provider calls by provider, operation and outcome, their latency, and throttles (core/instrument-provider.ts);
 * - proposals by state, executions by outcome and health-watch events by state: read from the database when
 *   scraped, so every replica reports the shared truth (sum() over replicas would double it: use max());
 * - digest posts and watch posts by outcome (main.ts wraps the schedulers' post);
 * - Slack/Teams deliveries refused as repeats (the retry dedupe);
 * - Node's default process metrics (CPU, memory, event-loop lag, GC), turned on by the server only.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Counts = Record<string, number>;

export interface MetricsSources {
  /** Proposals per status, executions per status, health events per state (a database query each). */
  proposals?: () => Promise<Counts>;
  executions?: () => Promise<Counts>;
  watchEvents?: () => Promise<Counts>;
}

export const PROPOSAL_STATES = ['proposed', 'approved', 'rejected', 'expired', 'cancelled', 'executing', 'succeeded', 'failed', 'rolled_back'] as const;
export const EXECUTION_OUTCOMES = ['running', 'succeeded', 'failed', 'rolled_back'] as const;
export const WATCH_EVENT_STATES = ['open', 'upcoming', 'closed'] as const;

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  commandSeconds: Histogram<'command' | 'surface' | 'outcome'>;
  commandErrors: Counter<'code' | 'surface'>;
  providerCalls: Counter<'provider' | 'operation' | 'outcome'>;
  providerSeconds: Histogram<'provider' | 'operation'>;
  providerThrottles: Counter<'provider' | 'operation'>;
  digestPosts: Counter<'surface' | 'outcome'>;
  watchPosts: Counter<'surface' | 'outcome'>;
  deliveryRepeats: Counter<'surface'>;
  /** Binds the database-backed gauges (once the database is open). */
  setSources(sources: MetricsSources): void;
  /** Node's default process metrics (the server turns them on; the CLI never does). */
  enableProcessMetrics(): void;
  /** The Prometheus text exposition. */
  text(): Promise<string>;
}

function dbGauge(registry: Registry, name: string, help: string, label: string, known: readonly string[], read: () => (() => Promise<Counts>) | undefined) {
  return new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      const fn = read();
      if (!fn) return;
      const counts = await fn();
      for (const k of new Set([...known, ...Object.keys(counts)])) this.set({ [label]: k }, counts[k] ?? 0);
    },
  });
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  let sources: MetricsSources = {};
  let processMetrics = false;
  const m: Metrics = {
    registry,
    contentType: registry.contentType,
    commandSeconds: new Histogram({
      name: 'steward_command_duration_seconds',
      help: 'Time from dispatch to answer of a command or button, by command (action id for buttons), surface and outcome',
      labelNames: ['command', 'surface', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    commandErrors: new Counter({ name: 'steward_command_errors_total', help: 'Commands that ended in an error or refusal, by error code (AREA.REASON) and surface', labelNames: ['code', 'surface'], registers: [registry] }),
    providerCalls: new Counter({
      name: 'steward_provider_calls_total',
      help: 'Calls to a cloud adapter (one port operation, which may be many API requests), by provider, operation and outcome (ok, partial: some regions failed, error code otherwise)',
      labelNames: ['provider', 'operation', 'outcome'],
      registers: [registry],
    }),
    providerSeconds: new Histogram({
      name: 'steward_provider_call_duration_seconds',
      help: 'Duration of calls to a cloud adapter, by provider and operation',
      labelNames: ['provider', 'operation'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    providerThrottles: new Counter({ name: 'steward_provider_throttles_total', help: 'Cloud API throttling seen by an adapter call (PROVIDER.THROTTLED, thrown or as a region gap)', labelNames: ['provider', 'operation'], registers: [registry] }),
    digestPosts: new Counter({ name: 'steward_digest_posts_total', help: 'Scheduled digests posted, by surface and outcome (posted, failed, no_surface)', labelNames: ['surface', 'outcome'], registers: [registry] }),
    watchPosts: new Counter({ name: 'steward_watch_posts_total', help: 'Health-watch proposals and notices posted to subscribed channels, by surface and outcome', labelNames: ['surface', 'outcome'], registers: [registry] }),
    deliveryRepeats: new Counter({ name: 'steward_delivery_repeats_total', help: 'Slack/Teams deliveries refused because another delivery of them was already taken (retries, on any replica)', labelNames: ['surface'], registers: [registry] }),
    setSources(s) {
      sources = s;
    },
    enableProcessMetrics() {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
    text: () => registry.metrics(),
  };
  dbGauge(registry, 'steward_proposals', 'Proposals by state (the shared database: the same on every replica)', 'state', PROPOSAL_STATES, () => sources.proposals);
  dbGauge(registry, 'steward_executions', 'Plan executions by outcome (running, succeeded, failed, rolled_back; the shared database)', 'outcome', EXECUTION_OUTCOMES, () => sources.executions);
  dbGauge(registry, 'steward_watch_events', 'Provider health events the watch knows, by state (the shared database)', 'state', WATCH_EVENT_STATES, () => sources.watchEvents);
  return m;
}
