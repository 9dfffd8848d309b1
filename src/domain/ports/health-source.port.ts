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
