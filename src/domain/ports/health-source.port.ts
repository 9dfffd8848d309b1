import type { Cloud, ProviderId } from '../model/cloud.js';
import type { HealthEvent, InstanceHealth } from '../model/health.js';
import type { Gap } from './cloud-provider.port.js';

/** What one poll of a provider's health feeds returned. */
export interface HealthObservation {
  /** Service / region / scheduled events (AWS Health, Azure Resource Health, GCP Service Health, the demo's outages). */
  events: HealthEvent[];
  /** Status checks of the instances it could read; an instance not listed was not checked (never "healthy"). */
  instances: InstanceHealth[];
  /**
   * Feeds that could not be read (no support plan, no permission, throttled): the watch reports them as unknown,
   * never as healthy. `cloud` + optional `region` say what is blind.
   */
  gaps: Gap[];
}

/**
 * The health signals of one adapter (issue 15). Each cloud adapter implements it with its own SDK only; the demo
 * provider implements it from its injected faults and outages.
 */
export interface HealthSource {
  readonly id: ProviderId;
  readonly clouds: readonly Cloud[];
  /** How often to poll, within the adapter's configured request-rate limits. */
  readonly intervalMs: number;
  /** How long a signal must persist before it counts, unless several instances confirm it (hysteresis). */
  readonly holdMs?: number;
  poll(opts?: { signal?: AbortSignal }): Promise<HealthObservation>;
}

/** What reading one scope of a health feed (a region, a subscription, a project) yields. */
export interface ScopeObservation {
  events?: HealthEvent[];
  instances?: InstanceHealth[];
}

/** One feed read per scope, and the gap that says what is blind when that read fails. */
export interface ScopeRead<S> {
  /** May add gaps of its own (part of a feed unreadable) and still return what it read. */
  read(scope: S, gaps: Gap[]): Promise<ScopeObservation>;
  unreadable(scope: S, err: unknown): Gap;
}

/**
 * One poll of an adapter's health feeds over all its scopes at once: each scope's reads run one after the other
 * (within the adapter's request rate), what they yield is merged, and a read that fails becomes its gap while the
 * other reads and scopes still count. The tail every cloud adapter's poll() shares.
 */
export async function observeScopes<S>(scopes: readonly S[], reads: readonly ScopeRead<S>[]): Promise<HealthObservation> {
  const obs: HealthObservation = { events: [], instances: [], gaps: [] };
  await Promise.all(
    scopes.map(async (scope) => {
      for (const r of reads) {
        try {
          const got = await r.read(scope, obs.gaps);
          obs.instances.push(...(got.instances ?? []));
          obs.events.push(...(got.events ?? []));
        } catch (err) {
          obs.gaps.push(r.unreadable(scope, err));
        }
      }
    }),
  );
  return obs;
}
