import { ProviderError } from '../model/errors.js';
import type { ResourcePosture } from '../model/posture.js';
import type { CloudProvider, Gap, Scope } from '../ports/cloud-provider.port.js';
import type { Clock } from '../ports/clock.port.js';

/** Reads the normalized posture from every provider at once; a provider that fails becomes a gap, never silence. */
export async function collectPosture(providers: readonly CloudProvider[], scope: Scope = {}, signal?: AbortSignal): Promise<{ postures: ResourcePosture[]; gaps: Gap[] }> {
  const gaps: Gap[] = [];
  const lists = await Promise.all(
    providers
      .filter((p) => !scope.clouds?.length || p.clouds.some((c) => scope.clouds?.includes(c)))
      .map(async (p) => {
        const out: ResourcePosture[] = [];
        if (!p.posture) {
          gaps.push({ provider: p.id, code: 'PROVIDER.UNSUPPORTED', message: `${p.id} does not report a normalized posture` });
          return out;
        }
        try {
          for await (const x of p.posture(scope, { ...(signal ? { signal } : {}), onGap: (g) => gaps.push(g) })) out.push(x);
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
  const postures = lists.flat().filter((x) => (!scope.clouds?.length || scope.clouds.includes(x.resource.provider)) && (!scope.regions?.length || scope.regions.includes(x.resource.region)));
  return { postures, gaps };
}

export interface PostureService {
  /** The estate's posture, cached per scope for the inventory TTL like the inventory itself; `refresh` reads again. */
  collect(scope?: Scope, opts?: { refresh?: boolean }): Promise<{ postures: ResourcePosture[]; gaps: Gap[]; fetchedAt: Date }>;
  invalidate(): void;
}

export function createPostureService(deps: { providers: () => readonly CloudProvider[]; clock: Clock; ttlMs: number }): PostureService {
  const cache = new Map<string, { at: number; value: Promise<{ postures: ResourcePosture[]; gaps: Gap[]; fetchedAt: Date }> }>();
  return {
    collect(scope = {}, opts = {}) {
      const key = JSON.stringify([scope.clouds ?? [], scope.regions ?? [], scope.accounts ?? []]);
      const now = deps.clock.now().getTime();
      const hit = cache.get(key);
      if (!opts.refresh && hit && now - hit.at < deps.ttlMs) return hit.value;
      const value = collectPosture(deps.providers(), scope).then((r) => ({ ...r, fetchedAt: deps.clock.now() }));
      cache.set(key, { at: now, value });
      // A failed or partial read is not kept: the next report tries again.
      value.then(
        (r) => {
          if (r.gaps.length) cache.delete(key);
        },
        () => cache.delete(key),
      );
      return value;
    },
    invalidate: () => cache.clear(),
  };
}
