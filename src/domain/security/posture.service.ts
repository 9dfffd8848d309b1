import { ProviderError } from '../model/errors.js';
import type { ResourcePosture } from '../model/posture.js';
import type { CloudProvider, Gap, Scope } from '../ports/cloud-provider.port.js';

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
