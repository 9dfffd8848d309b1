import { learnRegion, regionInfo, type Cloud } from '../model/cloud.js';
import { ProviderError } from '../model/errors.js';
import type { Instance, InstanceRef, Utilization } from '../model/instance.js';
import { AppError } from '../model/errors.js';
import type { CloudProvider, Gap, Scope, UtilizationOptions, UtilizationWindow } from '../ports/cloud-provider.port.js';
import type { Clock } from '../ports/clock.port.js';

/** The estate as read at one moment, with the parts that could not be read. */
export interface InventoryReport {
  instances: Instance[];
  /** Non-empty means the result is partial; every reply says so. */
  gaps: Gap[];
  /** How many parts (regions, subscriptions, projects, or a provider that answered as a whole) answered, even empty. */
  partsRead?: number;
  fetchedAt: Date;
  fromCache: boolean;
}

export interface InventoryService {
  collect(scope?: Scope, opts?: { refresh?: boolean; signal?: AbortSignal }): Promise<InventoryReport>;
  /** Per-call failures go to `opts.onGap` (those instances have no utilization); without it they throw. */
  utilization(refs: InstanceRef[], window: UtilizationWindow, opts?: UtilizationOptions): Promise<Utilization[]>;
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
    let partsRead = 0;
    const wanted = deps.providers.filter((p) => !scope.clouds?.length || p.clouds.some((c) => scope.clouds?.includes(c)));
    const lists = await Promise.all(
      wanted.map(async (p) => {
        const out: Instance[] = [];
        let parts = 0;
        const before = gaps.length;
        try {
          for await (const i of p.listInstances(scope, { ...(signal ? { signal } : {}), onGap: (g) => gaps.push(g), onPart: () => void parts++ })) out.push(i);
          // A provider that reports no parts (the demo estate) and no gaps answered as a whole.
          partsRead += parts || (out.length || gaps.length === before ? 1 : 0);
        } catch (err) {
          if (signal?.aborted) throw err;
          gaps.push(gapOfProvider(p, err, 'inventory'));
        }
        return out;
      }),
    );
    // Regions come from the providers: whatever region an adapter reads instances in, the domain learns from it.
    for (const [i, p] of wanted.entries()) {
      for (const region of new Set((lists[i] ?? []).map((x) => x.region))) {
        if (regionInfo(region)) continue;
        const info = p.regionInfo?.(region);
        if (info) learnRegion(region, info);
      }
    }
    const instances = lists.flat().filter(
      (i) => (!scope.clouds?.length || scope.clouds.includes(i.provider)) && (!scope.regions?.length || scope.regions.includes(i.region)),
    );
    return { instances, gaps, partsRead, fetchedAt: deps.clock.now(), fromCache: false };
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
    async utilization(refs, window, opts) {
      const byProvider = new Map<CloudProvider, InstanceRef[]>();
      for (const r of refs) {
        const p = this.providerFor(r.provider);
        byProvider.set(p, [...(byProvider.get(p) ?? []), r]);
      }
      const results = await Promise.all(
        [...byProvider].map(async ([p, rs]) => {
          if (!opts?.onGap) return p.utilization(rs, window, opts);
          try {
            return await p.utilization(rs, window, opts);
          } catch (err) {
            // A provider that throws as a whole costs its own instances' utilization, not the command.
            if (opts.signal?.aborted) throw err;
            opts.onGap(gapOfProvider(p, err, 'utilization'));
            return [];
          }
        }),
      );
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

/** A provider that failed as a whole, as a gap: the operation and message without the provider named twice. */
function gapOfProvider(p: CloudProvider, err: unknown, what: string): Gap {
  if (err instanceof ProviderError) {
    return { provider: p.id, ...(err.region ? { region: err.region } : {}), code: err.code, message: err.detail };
  }
  return { provider: p.id, code: 'PROVIDER.UNAVAILABLE', message: `${what}: ${p.id} failed to answer` };
}

/**
 * An estate of which no part answered (every region refused, no credentials, a closed endpoint) is a failure,
 * not an empty estate: throws INVENTORY.UNREADABLE naming each gap. A read where some part answered is returned.
 */
export function requireSomePartRead(report: InventoryReport): InventoryReport {
  if (report.gaps.length === 0 || report.instances.length > 0 || (report.partsRead ?? 1) > 0) return report;
  const lines = report.gaps.map((g) => `- ${[g.provider, g.account, g.region].filter(Boolean).join(' ')}: ${g.message}${g.advice ? ` — ${g.advice}` : ''}`);
  throw new AppError('INVENTORY.UNREADABLE', `no part of the estate could be read (${report.gaps.length} failed)`, {
    userMessage: `No part of the estate could be read, so there is nothing to report (this is not an empty estate):\n${lines.join('\n')}`,
    details: { gaps: report.gaps },
  });
}
