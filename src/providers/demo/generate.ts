import type { Cloud } from '../../domain/model/cloud.js';
import type { Offer } from '../../domain/model/price.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import { createRandom, type Random } from '../../lib/random.js';
import type { DemoInstance } from './estate.js';

export const DEMO_ACCOUNTS: Record<Cloud, string> = {
  aws: '123456789012',
  azure: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
  gcp: 'acme-prod-31337',
};

interface AppProfile {
  app: string;
  team: string;
  family: Offer['family'];
  /** vCPU sizes this app is usually deployed on. */
  sizes: number[];
  gpu?: boolean;
  replicas: [number, number];
}

const APPS: AppProfile[] = [
  { app: 'web', team: 'storefront', family: 'general-purpose', sizes: [2, 4, 8], replicas: [2, 4] },
  { app: 'api', team: 'storefront', family: 'general-purpose', sizes: [4, 8, 16], replicas: [2, 4] },
  { app: 'checkout', team: 'payments', family: 'compute-optimized', sizes: [4, 8], replicas: [2, 3] },
  { app: 'worker', team: 'platform', family: 'compute-optimized', sizes: [2, 4, 8, 16], replicas: [1, 4] },
  { app: 'cache', team: 'platform', family: 'memory-optimized', sizes: [2, 4, 8], replicas: [2, 3] },
  { app: 'search', team: 'search', family: 'memory-optimized', sizes: [4, 8], replicas: [2, 3] },
  { app: 'reports', team: 'data', family: 'general-purpose', sizes: [4, 8, 16], replicas: [1, 2] },
  { app: 'etl', team: 'data', family: 'compute-optimized', sizes: [8, 16], replicas: [1, 2] },
  { app: 'train', team: 'ml', family: 'gpu', sizes: [4, 8, 12], gpu: true, replicas: [1, 2] },
  { app: 'bastion', team: 'platform', family: 'general-purpose', sizes: [1, 2], replicas: [1, 1] },
];

const ENVS = ['prod', 'prod', 'prod', 'staging', 'dev'] as const;

/** A type in the catalog that is deliberately unknown, so the demo shows how unpriced instances look. */
const UNPRICED_TYPE: Record<Cloud, string> = { aws: 'x2gd.medium', azure: 'Standard_L8s_v3', gcp: 't2d-standard-4' };

function zoneFor(provider: Cloud, region: string, n: number): string {
  if (provider === 'aws') return `${region}${'abc'[n % 3]}`;
  if (provider === 'gcp') return `${region}-${'abc'[n % 3]}`;
  return `${region}-${(n % 3) + 1}`;
}

function hex(r: Random, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += r.int(0, 15).toString(16);
  return s;
}

function instanceId(provider: Cloud, r: Random, name: string, region: string): string {
  if (provider === 'aws') return `i-0${hex(r, 16)}`;
  if (provider === 'azure') {
    return `/subscriptions/${DEMO_ACCOUNTS.azure}/resourceGroups/rg-${region}/providers/Microsoft.Compute/virtualMachines/${name}`;
  }
  return `${name}`;
}

function ip(r: Random, prefix: string): string {
  return `${prefix}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

/**
 * Generates a realistic estate from a seed: apps with replicas spread over zones and regions of each cloud,
 * types from the catalog, tags (app, team, env), a mix of idle, quiet, busy and hot load, and the usual
 * security slips (SSH/RDP open to the world, unencrypted disks, IMDSv1, public IPs, serial ports).
 */
export function generateEstate(opts: { seed: number; instances: number; catalog: PriceCatalog }): DemoInstance[] {
  const r = createRandom(opts.seed);
  const out: DemoInstance[] = [];
  const names = new Set<string>();
  const clouds: Cloud[] = ['aws', 'azure', 'gcp'];
  const regionsOf = Object.fromEntries(clouds.map((c) => [c, opts.catalog.regions(c)])) as Record<Cloud, string[]>;
  let serial = 0;

  while (out.length < opts.instances) {
    const profile = r.pick(APPS);
    const provider = clouds[serial % 3] as Cloud;
    serial++;
    const env = r.pick(ENVS);
    const regions = regionsOf[provider];
    if (!regions?.length) continue;
    const home = r.pick(regions);
    const secondRegion = r.chance(0.3) ? r.pick(regions) : home;
    const size = r.pick(profile.sizes);
    const offers = opts.catalog
      .offers({ providers: [provider], regions: [home] })
      .filter((o) => o.family === profile.family && (profile.gpu ? o.gpu > 0 : o.gpu === 0));
    if (offers.length === 0) continue;
    const closest = Math.min(...offers.map((o) => Math.abs(o.vcpu - size)));
    const fitting = offers.filter((o) => Math.abs(o.vcpu - size) === closest);
    const offer = r.pick(fitting);
    const replicas = Math.min(r.int(profile.replicas[0], profile.replicas[1]), opts.instances - out.length);
    // One kind of load per app deployment: replicas of one app behave alike.
    const kind = r.next();
    const cpuPct = kind < 0.15 ? r.int(1, 2) + r.next() : kind < 0.6 ? r.int(5, 25) : kind < 0.9 ? r.int(30, 60) : r.int(75, 95);
    const memPct = kind < 0.15 ? r.int(5, 15) : r.int(20, 85);
    const stopped = env !== 'prod' && r.chance(0.25);

    for (let k = 0; k < replicas; k++) {
      let name = `${profile.app}-${env}-${provider}-${String(k + 1).padStart(2, '0')}`;
      while (names.has(name)) name = `${name}x`;
      names.add(name);
      // The second region only when it offers the same type (not every type is in every region).
      const region = k % 2 === 1 && opts.catalog.price(provider, secondRegion, offer.type).kind === 'priced' ? secondRegion : home;
      const type = offer.type;
      const exposed = profile.app === 'web' || profile.app === 'bastion' || r.chance(0.15);
      const cpu = Math.min(100, cpuPct * (0.9 + r.next() * 0.2));
      out.push({
        provider,
        account: DEMO_ACCOUNTS[provider],
        region,
        zone: zoneFor(provider, region, k),
        id: instanceId(provider, r, name, region),
        name,
        type,
        state: stopped ? 'stopped' : 'running',
        launchedAt: new Date(Date.UTC(2025, r.int(0, 11), r.int(1, 28), r.int(0, 23), r.int(0, 59))).toISOString(),
        tags: { app: profile.app, team: profile.team, env, ...(r.chance(0.1) && region.startsWith('eu') ? { residency: 'eu' } : {}) },
        publicIps: exposed ? [ip(r, '203.0')] : [],
        privateIps: [ip(r, '10.' + r.int(0, 31))],
        disks: [
          { id: `${name}-os`, sizeGiB: r.pick([30, 50, 64, 128]), encrypted: !r.chance(0.15) },
          ...(r.chance(0.3) ? [{ id: `${name}-data`, sizeGiB: r.pick([100, 256, 512, 1024]), encrypted: !r.chance(0.25) }] : []),
        ],
        load: {
          cpuP95Cores: round2((cpu / 100) * offer.vcpu),
          cpuP50Cores: round2((cpu / 100) * offer.vcpu * (0.45 + r.next() * 0.2)),
          memP95GiB: round2((memPct / 100) * offer.memoryGiB),
        },
        posture: {
          sshOpenToWorld: profile.app === 'bastion' || r.chance(0.08),
          rdpOpenToWorld: provider === 'azure' && r.chance(0.1),
          imdsV1: provider === 'aws' && r.chance(0.35),
          serialPort: provider === 'gcp' && r.chance(0.2),
          defaultServiceAccount: provider === 'gcp' && r.chance(0.4),
        },
        faults: [],
        snapshotIds: [],
      });
    }
  }
  // One instance of a type the catalog does not know, so "unpriced" is visible in the demo.
  if (out.length >= 20) {
    const victim = out[out.length - 1] as DemoInstance;
    victim.type = UNPRICED_TYPE[victim.provider];
  }
  return out.slice(0, opts.instances);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
