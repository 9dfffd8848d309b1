import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Cloud } from '../../domain/model/cloud.js';
import { ProviderError } from '../../domain/model/errors.js';
import type { Finding } from '../../domain/model/finding.js';
import type { InstanceRef, Utilization } from '../../domain/model/instance.js';
import { VALID_FROM, type PlanStep, type StepResult } from '../../domain/model/plan.js';
import type { CloudProvider, Scope } from '../../domain/ports/cloud-provider.port.js';
import type { EstateRecord, EstateStore } from '../../domain/ports/estate-store.port.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import { createRandom, hashString } from '../../lib/random.js';
import { demoInstanceSchema, estateFileSchema, fromEstateFile, toInstance, type DemoInstance } from './estate.js';
import { DEMO_ACCOUNTS, generateEstate } from './generate.js';
import { postureFindings } from './posture.js';
import { demoPosture } from './posture-doc.js';

export interface DemoProviderConfig {
  store: EstateStore;
  catalog: PriceCatalog;
  /** A JSON estate file (docs/demo-estate.md); otherwise the estate is generated from seed and size. */
  estateFile?: string | undefined;
  seed: number;
  instances: number;
}

export interface DemoProvider extends CloudProvider {
  /** Loads (or generates) the estate unless the stored one already came from the same source. */
  ensureEstate(): Promise<{ instances: number; seed: number | null; source: string; created: boolean }>;
  reset(opts: { seed?: number; instances?: number }): Promise<{ instances: number; seed: number | null; source: string }>;
  describeEstate(): Promise<{ instances: number; seed: number | null; source: string }>;
}

/** The cloud permission each step would need, as the real adapters declare them. */
const PERMISSIONS: Record<Cloud, Record<PlanStep['kind'], string[]>> = {
  aws: {
    start: ['ec2:StartInstances'],
    stop: ['ec2:StopInstances'],
    reboot: ['ec2:RebootInstances'],
    resize: ['ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances'],
    snapshot: ['ec2:CreateSnapshots'],
    create: ['ec2:RunInstances', 'ec2:CreateTags'],
    delete: ['ec2:TerminateInstances'],
    tag: ['ec2:CreateTags'],
  },
  azure: {
    start: ['Microsoft.Compute/virtualMachines/start/action'],
    stop: ['Microsoft.Compute/virtualMachines/deallocate/action'],
    reboot: ['Microsoft.Compute/virtualMachines/restart/action'],
    resize: ['Microsoft.Compute/virtualMachines/write'],
    snapshot: ['Microsoft.Compute/snapshots/write', 'Microsoft.Compute/disks/beginGetAccess/action'],
    create: ['Microsoft.Compute/virtualMachines/write', 'Microsoft.Compute/disks/write', 'Microsoft.Network/networkInterfaces/write'],
    delete: ['Microsoft.Compute/virtualMachines/delete'],
    tag: ['Microsoft.Resources/tags/write'],
  },
  gcp: {
    start: ['compute.instances.start'],
    stop: ['compute.instances.stop'],
    reboot: ['compute.instances.reset'],
    resize: ['compute.instances.stop', 'compute.instances.setMachineType', 'compute.instances.start'],
    snapshot: ['compute.disks.createSnapshot', 'compute.snapshots.create'],
    create: ['compute.instances.create', 'compute.disks.create', 'compute.snapshots.useReadOnly'],
    delete: ['compute.instances.delete'],
    tag: ['compute.instances.setLabels'],
  },
};

const instanceKey = (provider: Cloud, id: string) => `instance:${provider}:${id}`;

/**
 * A simulated estate across AWS, Azure and Google Cloud behind the same port as the real adapters.
 * Every change is written to the database, so it survives a restart.
 */
export function createDemoProvider(cfg: DemoProviderConfig): DemoProvider {
  const { store, catalog } = cfg;

  async function source(opts: { seed?: number; instances?: number } = {}) {
    if (cfg.estateFile && opts.seed === undefined && opts.instances === undefined) {
      const text = await readFile(cfg.estateFile, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new Error(`STEWARD_DEMO_ESTATE ${cfg.estateFile} is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = estateFileSchema.safeParse(json);
      if (!parsed.success) {
        const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
        throw new Error(`STEWARD_DEMO_ESTATE ${cfg.estateFile} does not match docs/demo-estate.md:\n  ${first.join('\n  ')}`);
      }
      const fingerprint = 'file:' + createHash('sha256').update(text).digest('hex').slice(0, 16);
      return { meta: { fingerprint, source: `file ${cfg.estateFile}`, seed: null }, instances: fromEstateFile(parsed.data, catalog) };
    }
    const seed = opts.seed ?? cfg.seed;
    const count = opts.instances ?? cfg.instances;
    return {
      meta: { fingerprint: `seed:${seed}:${count}`, source: `generated (${count} instances, seed ${seed})`, seed },
      instances: generateEstate({ seed, instances: count, catalog }),
    };
  }

  async function loadAll(): Promise<{ rec: EstateRecord; inst: DemoInstance }[]> {
    const records = await store.list();
    return records.filter((r) => r.key.startsWith('instance:')).map((rec) => ({ rec, inst: demoInstanceSchema.parse(rec.data) }));
  }

  async function find(ref: InstanceRef): Promise<{ rec: EstateRecord; inst: DemoInstance } | undefined> {
    const rec = await store.get(instanceKey(ref.provider, ref.id));
    return rec ? { rec, inst: demoInstanceSchema.parse(rec.data) } : undefined;
  }

  function inScope(i: DemoInstance, scope: Scope): boolean {
    return (
      (!scope.clouds?.length || scope.clouds.includes(i.provider)) &&
      (!scope.regions?.length || scope.regions.includes(i.region)) &&
      (!scope.accounts?.length || scope.accounts.includes(i.account))
    );
  }

  function fail(code: 'PROVIDER.NOT_FOUND' | 'PROVIDER.INVALID' | 'PROVIDER.UNAVAILABLE', message: string, step: PlanStep): never {
    throw new ProviderError(code, message, { provider: step.target.provider, operation: step.kind, region: step.target.region, nativeCode: 'Demo.' + code.split('.')[1] });
  }

  async function write(rec: EstateRecord, next: DemoInstance, step: PlanStep): Promise<void> {
    const ok = await store.update(rec.key, rec.version, next);
    if (!ok) fail('PROVIDER.UNAVAILABLE', `${step.targetName} changed while the step ran; try again`, step);
  }

  async function estateSize(): Promise<number> {
    return store.count('instance:');
  }

  const provider: DemoProvider = {
    id: 'demo',
    clouds: ['aws', 'azure', 'gcp'],

    async ensureEstate() {
      const current = await store.meta();
      const wanted = await source();
      if (current?.fingerprint === wanted.meta.fingerprint) {
        return { instances: await estateSize(), seed: current.seed, source: current.source, created: false };
      }
      await store.replaceAll(wanted.meta, wanted.instances.map((i) => ({ key: instanceKey(i.provider, i.id), data: i })));
      return { instances: wanted.instances.length, seed: wanted.meta.seed, source: wanted.meta.source, created: true };
    },

    async reset(opts) {
      const wanted = await source(opts);
      await store.replaceAll(wanted.meta, wanted.instances.map((i) => ({ key: instanceKey(i.provider, i.id), data: i })));
      return { instances: wanted.instances.length, seed: wanted.meta.seed, source: wanted.meta.source };
    },

    async describeEstate() {
      const meta = await store.meta();
      return { instances: await estateSize(), seed: meta?.seed ?? null, source: meta?.source ?? 'empty' };
    },

    async *listInstances(scope) {
      for (const { inst } of await loadAll()) {
        if (inScope(inst, scope) && inst.state !== 'terminated') yield toInstance(inst, catalog);
      }
    },

    async utilization(refs, window) {
      // One read for all of them (a digest or an optimize of 10,000 instances asked for them one by one).
      const byKey = new Map<string, DemoInstance>();
      for (const rec of await store.getMany(refs.map((r) => instanceKey(r.provider, r.id)))) byKey.set(rec.key, demoInstanceSchema.parse(rec.data));
      const out: Utilization[] = [];
      for (const ref of refs) {
        const inst = byKey.get(instanceKey(ref.provider, ref.id));
        if (inst) out.push(simulateUtilization(inst, window.days, catalog));
      }
      return out;
    },

    async *securityPosture(scope) {
      for (const { inst } of await loadAll()) {
        if (inScope(inst, scope) && inst.state !== 'terminated') yield* postureFindings(inst) as Iterable<Finding>;
      }
    },

    async *posture(scope) {
      for (const { inst } of await loadAll()) {
        if (inScope(inst, scope) && inst.state !== 'terminated') yield demoPosture(inst);
      }
    },

    async describe(ref) {
      const found = await find(ref);
      return found && found.inst.state !== 'terminated' ? toInstance(found.inst, catalog) : undefined;
    },

    permissionsFor(step) {
      return PERMISSIONS[step.target.provider][step.kind];
    },

    async apply(step, { dryRun, snapshotIds }): Promise<StepResult> {
      const mode = dryRun ? 'dry-run' : 'applied';
      const found = await find(step.target);
      if (!found || found.inst.state === 'terminated') fail('PROVIDER.NOT_FOUND', `${step.targetName} (${step.target.id}) does not exist`, step);
      const { rec, inst } = found;
      if (!VALID_FROM[step.kind].includes(inst.state)) {
        fail('PROVIDER.INVALID', `cannot ${step.kind} ${inst.name}: it is ${inst.state}`, step);
      }
      if (!dryRun && inst.faults.includes(step.kind)) {
        fail('PROVIDER.UNAVAILABLE', `simulated failure while trying to ${step.kind} ${inst.name} (fault injected in the demo estate)`, step);
      }
      const before = { state: inst.state, type: inst.type };
      switch (step.kind) {
        case 'start':
        case 'stop': {
          const state = step.kind === 'start' ? 'running' : 'stopped';
          if (!dryRun) await write(rec, { ...inst, state }, step);
          return { ok: true, mode, message: `${inst.name}: ${inst.state} → ${state}`, before };
        }
        case 'reboot': {
          // A reboot leaves a simulated instance as it was: running, same type; a fault injected with `demo fault`
          // (a failing status check) is cleared by it, as a restart clears a hung guest.
          if (!dryRun && inst.impaired) {
            const { impaired: _cleared, ...healthy } = inst;
            await write(rec, healthy, step);
          }
          return { ok: true, mode, message: `${inst.name}: ${dryRun ? 'reboot would be allowed' : `rebooted (restarted in place)${inst.impaired ? '; its status checks pass again' : ''}`}`, before };
        }
        case 'resize': {
          if (catalog.price(inst.provider, inst.region, step.toType).kind !== 'priced' && !catalog.shape(inst.provider, step.toType)) {
            fail('PROVIDER.INVALID', `${step.toType} is not offered in ${inst.region}`, step);
          }
          if (!dryRun) await write(rec, { ...inst, type: step.toType }, step);
          return { ok: true, mode, message: `${inst.name}: ${inst.type} → ${step.toType}`, before };
        }
        case 'snapshot': {
          const ids = inst.disks.map((d) => `snap-${hashString(d.id + randomUUID()).toString(16)}`);
          if (!dryRun) await write(rec, { ...inst, snapshotIds: [...inst.snapshotIds, ...ids] }, step);
          return { ok: true, mode, message: `${inst.name}: ${inst.disks.length} disk snapshot(s)`, ...(dryRun ? {} : { snapshotIds: ids }), before };
        }
        case 'create': {
          const p = step.placement;
          if (catalog.price(p.provider, p.region, p.type).kind !== 'priced') {
            fail('PROVIDER.INVALID', `${p.type} is not offered in ${p.provider} ${p.region}`, step);
          }
          const r = createRandom(hashString(step.name + p.region));
          const id = p.provider === 'aws' ? `i-0${r.int(0, 2 ** 30).toString(16).padStart(16, '0')}` : p.provider === 'azure'
            ? `/subscriptions/${p.account}/resourceGroups/rg-${p.region}/providers/Microsoft.Compute/virtualMachines/${step.name}`
            : step.name;
          const { zone: _sourceZone, ...rest } = inst;
          const created: DemoInstance = {
            ...rest,
            provider: p.provider,
            account: p.account || DEMO_ACCOUNTS[p.provider],
            region: p.region,
            ...(p.zone ? { zone: p.zone } : {}),
            id,
            name: step.name,
            type: p.type,
            state: 'running',
            launchedAt: new Date().toISOString(),
            tags: { ...inst.tags, ...step.tags },
            publicIps: [],
            privateIps: [`10.${r.int(32, 63)}.${r.int(0, 255)}.${r.int(1, 254)}`],
            disks: inst.disks.map((d) => ({ ...d, id: `${step.name}-${d.id.split('-').pop()}`, encrypted: true })),
            faults: [],
            snapshotIds: [],
          };
          const ref = { provider: created.provider, account: created.account, region: created.region, ...(created.zone ? { zone: created.zone } : {}), id };
          const existing = await store.get(instanceKey(created.provider, id));
          if (existing && demoInstanceSchema.parse(existing.data).state !== 'terminated') {
            fail('PROVIDER.INVALID', `an instance named ${step.name} already exists in ${p.region}`, step);
          }
          if (!dryRun) {
            if (existing) await store.remove(existing.key);
            await store.insert(instanceKey(created.provider, id), created);
          }
          const from = snapshotIds?.length ? ` from ${snapshotIds.join(', ')}` : '';
          return { ok: true, mode, message: `${step.name} created in ${p.provider} ${p.region} as ${p.type}${from}`, ...(dryRun ? {} : { created: ref }), before };
        }
        case 'delete': {
          if (!dryRun) await write(rec, { ...inst, state: 'terminated' }, step);
          return { ok: true, mode, message: `${inst.name}: deleted`, before };
        }
        case 'tag': {
          if (!dryRun) await write(rec, { ...inst, tags: { ...inst.tags, ...step.tags } }, step);
          return { ok: true, mode, message: `${inst.name}: tagged ${Object.entries(step.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`, before };
        }
      }
    },
  };
  return provider;
}

/**
 * Hourly CPU samples over the window, derived from the instance's absolute load and its current size,
 * with a daily rhythm and seeded noise: the same instance and window always give the same figures.
 */
export function simulateUtilization(inst: DemoInstance, days: number, catalog: PriceCatalog): Utilization {
  const shape = catalog.shape(inst.provider, inst.type);
  const vcpu = shape?.vcpu ?? 2;
  const mem = shape?.memoryGiB ?? 4;
  const r = createRandom(hashString(inst.provider + inst.id));
  const hours = Math.max(1, Math.round(days * 24));
  const samples: number[] = [];
  const p95 = inst.load.cpuP95Cores;
  const p50 = Math.min(inst.load.cpuP50Cores, p95);
  for (let h = 0; h < hours; h++) {
    const busy = Math.sin(((h % 24) - 8) * (Math.PI / 12)) > 0.2;
    const base = busy ? p95 * (0.82 + r.next() * 0.22) : p50 * (0.7 + r.next() * 0.5);
    samples.push(Math.min(100, (base / vcpu) * 100));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? 0;
  return {
    ref: { provider: inst.provider, account: inst.account, region: inst.region, ...(inst.zone ? { zone: inst.zone } : {}), id: inst.id },
    windowDays: days,
    samples: hours,
    // As measured, unrounded: the optimizer sizes from these figures, and 20.84% rounded to 20.8% would fit a
    // type slightly smaller than the stated need. Rounding is for display only.
    cpuP50: pct(0.5),
    cpuP95: pct(0.95),
    memP95: Math.min(100, (inst.load.memP95GiB / mem) * 100),
    // GPU load follows the CPU load of the training jobs (the demo's stand-in for DCGM metrics).
    ...((shape?.gpu ?? 0) > 0 ? { gpuP95: Math.min(100, pct(0.95) * 1.1) } : {}),
  };
}
