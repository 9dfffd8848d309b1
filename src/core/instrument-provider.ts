/**
 * Counts and times every call the domain makes to a cloud adapter (steward_provider_calls_total by provider,
 * operation and outcome; steward_provider_call_duration_seconds; throttles) and logs it at debug with the
 * invocation's correlation id (the logger adds it). Wraps the port, so the demo estate and every cloud are
 * measured the same way, and an adapter needs no metrics code of its own.
 */
import type { CloudProvider, Gap } from '../domain/ports/cloud-provider.port.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

const ASYNC_ITERABLE_OPS = new Set(['listInstances', 'securityPosture', 'posture']);
const PROMISE_OPS = new Set(['utilization', 'apply', 'describe', 'vetStep']);

function codeOf(err: unknown): string {
  const c = (err as { code?: unknown })?.code;
  return typeof c === 'string' && /^[A-Z]+\.[A-Z_]+$/.test(c) ? c : 'INTERNAL';
}

export function instrumentProvider<P extends CloudProvider>(provider: P, deps: { metrics: Metrics; log?: Logger }): P {
  const { metrics } = deps;
  const log = deps.log?.child({ area: 'provider', provider: provider.id });
  const record = (operation: string, started: number, outcome: string, gaps: Gap[]) => {
    const labels = { provider: provider.id, operation };
    metrics.providerCalls.inc({ ...labels, outcome });
    metrics.providerSeconds.observe(labels, (performance.now() - started) / 1000);
    const throttled = gaps.filter((g) => g.code === 'PROVIDER.THROTTLED').length + (outcome === 'PROVIDER.THROTTLED' ? 1 : 0);
    if (throttled) metrics.providerThrottles.inc(labels, throttled);
    log?.debug({ operation, outcome, ms: Math.round(performance.now() - started), gaps: gaps.length }, 'provider call');
  };
  /**
   * The options object with its onGap wrapped, so per-region failures are seen too (outcome "partial"). Only when
   * the caller gave one: without onGap an adapter throws the first failure instead, and that must not change.
   */
  const watchGaps = (args: unknown[], at: number, gaps: Gap[]) => {
    const opts = args[at] as { onGap?: (g: Gap) => void } | undefined;
    if (!opts?.onGap) return args;
    const copy = [...args];
    copy[at] = { ...opts, onGap: (g: Gap) => (gaps.push(g), opts.onGap?.(g)) };
    return copy;
  };
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (ASYNC_ITERABLE_OPS.has(prop)) {
        return (...args: unknown[]) => {
          const gaps: Gap[] = [];
          const it = fn.apply(target, watchGaps(args, 1, gaps)) as AsyncIterable<unknown>;
          return (async function* () {
            const started = performance.now();
            try {
              yield* it;
              record(prop, started, gaps.length ? 'partial' : 'ok', gaps);
            } catch (err) {
              record(prop, started, codeOf(err), gaps);
              throw err;
            }
          })();
        };
      }
      if (PROMISE_OPS.has(prop)) {
        return async (...args: unknown[]) => {
          const gaps: Gap[] = [];
          const started = performance.now();
          try {
            const out = await fn.apply(target, prop === 'utilization' ? watchGaps(args, 2, gaps) : args);
            record(prop, started, gaps.length ? 'partial' : 'ok', gaps);
            return out;
          } catch (err) {
            record(prop, started, codeOf(err), gaps);
            throw err;
          }
        };
      }
      return fn.bind(target);
    },
  });
}
