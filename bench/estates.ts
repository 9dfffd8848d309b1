/**
 * Generated estates for the optimizer benchmark (and the tests that need an estate of its shape): deployments
 * over the bundled catalog with quotas below today's use, HA spread, pins, residency, GPU and Arm-capable apps.
 */
import { CLOUDS, type Cloud } from '../src/domain/model/cloud.js';
import type { Instance, Utilization } from '../src/domain/model/instance.js';
import { indexOffers } from '../src/domain/optimizer/model.js';
import type { Quota } from '../src/domain/optimizer/settings.js';
import { createRandom } from '../src/lib/random.js';
import { loadPriceCatalog } from '../src/pricing/catalog.js';

const catalog = loadPriceCatalog();
const byDomain = indexOffers(catalog.offers());
const QUOTA_SLACK = Number(process.env.BENCH_QUOTA_SLACK ?? 0.96);

const APPS = ['web', 'api', 'checkout', 'worker', 'cache', 'search', 'reports', 'etl', 'queue', 'auth', 'media', 'billing'];
const ENVS = ['prod', 'prod', 'staging', 'dev'];

export interface Estate {
  instances: Instance[];
  utilization: Utilization[];
  idle: Utilization[];
}

/**
 * Deployments (scale sets): identical replicas of one type, one disk layout, similar load, over 1–3 regions of
 * one provider and geography. 6% are GPU deployments (half of them report GPU utilization); a third of the AWS
 * x86 apps are tagged `steward:arch=any` (a multi-arch image).
 */
export function generate(n: number, seed: number): Estate {
  const r = createRandom(seed);
  const instances: Instance[] = [];
  const utilization: Utilization[] = [];
  const idle: Utilization[] = [];
  const domains = [...byDomain.keys()];
  let dep = 0;
  while (instances.length < n) {
    dep++;
    const provider = CLOUDS[dep % 3] as Cloud;
    const own = domains.filter((d) => d.startsWith(provider + '/'));
    const home = r.pick(own);
    const region = home.split('/')[1] as string;
    const gpuApp = r.chance(0.06) && (byDomain.get(home) ?? []).some((o) => o.gpu > 0);
    const candidates = (byDomain.get(home) ?? []).filter((o) => (gpuApp ? o.gpu > 0 : o.gpu === 0 && o.vcpu >= 2 && o.vcpu <= 32));
    const offer = r.pick(candidates);
    const app = `${gpuApp ? 'train' : r.pick(APPS)}-${dep % 40}`;
    const env = r.pick(ENVS);
    const replicas = Math.min(n - instances.length, r.int(2, 24));
    // Other regions of the same geography and provider where the type exists: HA spread over two or three regions.
    const others = own.filter((d) => d !== home && geo(d) === geo(home) && (byDomain.get(d) ?? []).some((o) => o.type === offer.type));
    const spreadTo = r.chance(0.35) ? others.slice(0, r.int(1, 2)) : [];
    const regions = [region, ...spreadTo.map((d) => d.split('/')[1] as string)];
    const kind = r.next();
    const cpu = kind < 0.08 ? 1 + r.next() * 1.5 : kind < 0.55 ? 5 + r.next() * 20 : kind < 0.9 ? 30 + r.next() * 30 : 70 + r.next() * 25;
    const mem = kind < 0.08 ? 10 : 20 + r.next() * 60;
    const disk = r.pick([30, 50, 64, 128, 256]);
    const residency = geo(home) === 'eu' && r.chance(0.5);
    const pin = r.chance(0.2);
    const archAny = !gpuApp && provider === 'aws' && r.chance(0.33);
    const gpuReported = gpuApp && r.chance(0.5);
    for (let k = 0; k < replicas; k++) {
      const reg = regions[k % regions.length] as string;
      const id = `i-${dep}-${k}`;
      const account = `acct-${provider}`;
      const zoneIdx = Math.floor(k / regions.length) % 3;
      const zone = provider === 'aws' ? `${reg}${'abc'[zoneIdx]}` : provider === 'gcp' ? `${reg}-${'abc'[zoneIdx]}` : `${reg}-${zoneIdx + 1}`;
      const price = catalog.price(provider, reg, offer.type);
      instances.push({
        provider, account, region: reg, zone, id, name: `${app}-${env}-${dep}-${k}`, type: offer.type,
        vcpu: offer.vcpu, memoryGiB: offer.memoryGiB, gpu: offer.gpu, state: 'running',
        tags: { app, env, ...(residency ? { residency: 'eu' } : {}), ...(pin ? { 'steward:provider': provider } : {}), ...(archAny && k === 0 ? { 'steward:arch': 'any' } : {}) },
        publicIps: [], privateIps: [], disks: [{ id: `${id}-os`, sizeGiB: disk, encrypted: true }], price,
      });
      const ref = { provider, account, region: reg, zone, id };
      // Replicas load alike; a little jitter per replica, unrounded as measured.
      const p95 = Math.min(100, cpu * (0.97 + (k % 3) * 0.02));
      const gpu = gpuReported ? { gpuP95: kind < 0.08 ? 1 : 40 + r.next() * 50 } : {};
      utilization.push({ ref, windowDays: 14, samples: 336, cpuP50: p95 / 2, cpuP95: p95, memP95: mem, ...gpu });
      idle.push({ ref, windowDays: 7, samples: 168, cpuP50: p95 / 2, cpuP95: p95, memP95: mem, ...gpu });
    }
  }
  return { instances, utilization, idle };
}

function geo(domain: string): string {
  const region = domain.split('/')[1] ?? '';
  return /^(eu|europe|westeurope|northeurope)/.test(region) ? 'eu' : /^(ap|asia|southeastasia)/.test(region) ? 'apac' : 'us';
}

/**
 * Quotas that bind: every region must give back 4% of today's vCPU (a capacity-reduction target, so "no change"
 * is not feasible on its own), and the cheapest provider may not grow at all.
 */
export function quotasFor(e: Estate): Quota[] {
  const region = new Map<string, number>();
  const provider = new Map<Cloud, number>();
  for (const i of e.instances) {
    region.set(`${i.provider}/${i.region}`, (region.get(`${i.provider}/${i.region}`) ?? 0) + (i.vcpu ?? 0));
    provider.set(i.provider, (provider.get(i.provider) ?? 0) + (i.vcpu ?? 0));
  }
  const out: Quota[] = [];
  for (const [d, v] of [...region].sort()) {
    const [p, r] = d.split('/') as [Cloud, string];
    out.push({ provider: p, region: r, vcpu: Math.ceil(v * QUOTA_SLACK) });
  }
  // The cheapest provider may not grow at all.
  for (const [p, v] of [...provider].sort()) if (p === 'gcp') out.push({ provider: p, vcpu: v });
  return out;
}

