/** Builders for approvals tests: plans, actors, a demo estate with a few known instances, an executor. */
import type { Actor } from '../../src/domain/model/actor.js';
import type { Instance } from '../../src/domain/model/instance.js';
import { refOf } from '../../src/domain/model/instance.js';
import type { Plan, PlanStep } from '../../src/domain/model/plan.js';
import type { NewProposal } from '../../src/domain/model/proposal.js';
import type { Clock } from '../../src/domain/ports/clock.port.js';
import type { Db } from '../../src/persistence/db.js';
import { createEstateStore } from '../../src/persistence/estate-store.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { createDemoProvider } from '../../src/providers/demo/index.js';
import { toArray } from '../../src/lib/collections.js';

export const actor = (id: string, groups?: string[]): Actor => {
  const [surface, name] = id.split(':') as [Actor['surface'], string];
  return { id, displayName: name, surface, ...(groups ? { groups } : {}) };
};

export function planOf(steps: PlanStep[], kind: Plan['kind'] = 'direct'): Plan {
  return {
    kind,
    title: steps.map((s) => `${s.kind} ${s.targetName}`).join(', '),
    steps,
    totals: { beforeMonthlyMicros: 0, afterMonthlyMicros: 0, savingsMonthlyMicros: 0 },
    priceSnapshots: {},
  };
}

export function fakeStep(id: string, kind: 'start' | 'stop' | 'delete' = 'stop'): PlanStep {
  return { id, kind, target: { provider: 'aws', account: '1', region: 'eu-west-1', id: `i-${id}` }, targetName: `vm-${id}`, expect: { state: 'running' }, reason: 'test' };
}

export function newProposal(id: string, opts: Partial<NewProposal> = {}): NewProposal {
  const now = opts.createdAt ?? new Date('2030-01-01T10:00:00Z');
  return {
    id,
    plan: planOf([fakeStep('s1')]),
    risk: 'medium',
    required: { count: 1, role: 'approver' },
    requester: { id: 'console:alice', name: 'alice', surface: 'console' },
    permissions: [],
    createdAt: now,
    expiresAt: new Date(now.getTime() + 3600_000),
    ...opts,
  };
}

export function fixedClock(start = new Date('2030-01-01T10:00:00Z')): Clock & { advance(ms: number): void; set(d: Date): void } {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms), set: (d) => void (t = d.getTime()) };
}

/** The demo provider on `db` with a freshly generated estate; returns a few running and stopped instances. */
export async function demoEstate(db: Db, opts: { seed?: number; instances?: number } = {}) {
  const catalog = loadPriceCatalog();
  const store = createEstateStore(db);
  const demo = createDemoProvider({ store, catalog, seed: opts.seed ?? 7, instances: opts.instances ?? 40 });
  await demo.reset({ seed: opts.seed ?? 7, instances: opts.instances ?? 40 });
  const all = await toArray(demo.listInstances({}));
  const running = all.filter((i) => i.state === 'running');
  const stopped = all.filter((i) => i.state === 'stopped');
  /** Makes `kind` fail on this instance (the demo provider's fault injection). */
  async function injectFault(i: Instance, kind: PlanStep['kind']) {
    const key = `instance:${i.provider}:${i.id}`;
    const rec = await store.get(key);
    if (!rec) throw new Error(`no record ${key}`);
    await store.update(key, rec.version, { ...(rec.data as object), faults: [kind] });
  }
  return { demo, catalog, all, running, stopped, injectFault, estateStore: store };
}

export function step(kind: 'start' | 'stop' | 'snapshot', i: Instance, id = 's1'): PlanStep {
  return { id, kind, target: refOf(i), targetName: i.name, expect: { state: i.state, type: i.type }, reason: 'test' };
}

export function resizeStep(i: Instance, toType: string, id = 's1'): PlanStep {
  return { id, kind: 'resize', toType, target: refOf(i), targetName: i.name, expect: { state: i.state, type: i.type }, reason: 'test' };
}

/** Another type of the same cloud that the catalog prices in the instance's region. */
export function otherType(catalog: ReturnType<typeof loadPriceCatalog>, i: Instance): string {
  const candidates: Record<string, string[]> = {
    aws: ['t3.small', 't3.medium', 'm5.large', 'm6i.large', 'c6i.large', 't3.large'],
    azure: ['Standard_B2s', 'Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_B2ms'],
    gcp: ['e2-small', 'e2-medium', 'e2-standard-2', 'n2-standard-2', 'e2-standard-4'],
  };
  const t = (candidates[i.provider] ?? []).find((c) => c !== i.type && catalog.price(i.provider, i.region, c).kind === 'priced');
  if (!t) throw new Error(`no other priced type for ${i.provider} ${i.region}`);
  return t;
}
