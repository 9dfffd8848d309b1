import type { Cloud } from '../model/cloud.js';
import { ProviderError } from '../model/errors.js';
import type { Instance, InstanceRef, Utilization } from '../model/instance.js';
import type { CloudProvider, Gap, Scope, UtilizationWindow } from '../ports/cloud-provider.port.js';
import type { Clock } from '../ports/clock.port.js';

/** The estate as read at one moment, with the parts that could not be read. */
export interface InventoryReport {
  instances: Instance[];
  /** Non-empty means the result is partial; every reply says so. */
  gaps: Gap[];
  fetchedAt: Date;
  fromCache: boolean;
}

export interface InventoryService {
  collect(scope?: Scope, opts?: { refresh?: boolean; signal?: AbortSignal }): Promise<InventoryReport>;
  utilization(refs: InstanceRef[], window: UtilizationWindow): Promise<Utilization[]>;
  describe(ref: InstanceRef): Promise<Instance | undefined>;
  providerFor(cloud: Cloud): CloudProvider;
  providers(): readonly CloudProvider[];
  /** Forget cached inventory (after a change was applied). */
  invalidate(): void;
}

/**
 * Reads every configured provider concurrently. A provider that fails as a whole becomes a Gap;
 * results are cached for `ttlMs` per scope so chat commands don't hammer the cloud APIs.
 */
export function createInventoryService(deps: { providers: readonly CloudProvider[]; clock: Clock; ttlMs: number }): InventoryService {
  const cache = new Map<string, { at: number; report: InventoryReport }>();
  const inFlight = new Map<string, Promise<InventoryReport>>();
  const owner = new Map<Cloud, CloudProvider>();
  for (const p of deps.providers) {
    for (const c of p.clouds) {
      if (owner.has(c)) throw new Error(`two providers answer for ${c}: ${owner.get(c)?.id} and ${p.id}`);
      owner.set(c, p);
    }
  }

  async function read(scope: Scope, signal?: AbortSignal): Promise<InventoryReport> {
    const gaps: Gap[] = [];
    const wanted = deps.providers.filter((p) => !scope.clouds?.length || p.clouds.some((c) => scope.clouds?.includes(c)));
    const lists = await Promise.all(
      wanted.map(async (p) => {
        const out: Instance[] = [];
        try {
          for await (const i of p.listInstances(scope, { ...(signal ? { signal } : {}), onGap: (g) => gaps.push(g) })) out.push(i);
        } catch (err) {
          if (signal?.aborted) throw err;
          gaps.push({
            provider: p.id,
            code: err instanceof ProviderError ? err.code : 'PROVIDER.UNAVAILABLE',
            message: err instanceof ProviderError ? (err.userMessage ?? err.message) : `${p.id} failed to answer`,
          });
        }
        return out;
      }),
    );
    const instances = lists.flat().filter(
      (i) => (!scope.clouds?.length || scope.clouds.includes(i.provider)) && (!scope.regions?.length || scope.regions.includes(i.region)),
    );
    return { instances, gaps, fetchedAt: deps.clock.now(), fromCache: false };
  }

  return {
    async collect(scope = {}, opts = {}) {
      const key = JSON.stringify([scope.clouds ?? [], scope.regions ?? [], scope.accounts ?? []]);
      const now = deps.clock.now().getTime();
      const hit = cache.get(key);
      if (!opts.refresh && hit && now - hit.at < deps.ttlMs) return { ...hit.report, fromCache: true };
      // Concurrent callers for the same scope share one read.
      const pending = inFlight.get(key);
      if (pending && !opts.refresh) return pending;
      const p = read(scope, opts.signal).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      const report = await p;
      // A partial read is not cached: the next command tries the missing parts again.
      if (report.gaps.length === 0) cache.set(key, { at: now, report });
      return report;
    },
    async utilization(refs, window) {
      const byProvider = new Map<CloudProvider, InstanceRef[]>();
      for (const r of refs) {
        const p = this.providerFor(r.provider);
        byProvider.set(p, [...(byProvider.get(p) ?? []), r]);
      }
      const results = await Promise.all([...byProvider].map(([p, rs]) => p.utilization(rs, window)));
      return results.flat();
    },
    describe(ref) {
      return this.providerFor(ref.provider).describe(ref);
    },
    providerFor(cloud) {
      const p = owner.get(cloud);
      if (!p) throw new ProviderError('PROVIDER.AUTH', `${cloud} is not enabled (set STEWARD_PROVIDERS)`, { provider: cloud, operation: 'route' });
      return p;
    },
    providers: () => deps.providers,
    invalidate: () => cache.clear(),
  };
}
