import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../src/domain/model/plan.js';
import { refOf, type Instance } from '../../src/domain/model/instance.js';
import { toArray } from '../../src/lib/collections.js';
import { openDatabase, type Database } from '../../src/persistence/db.js';
import { createEstateStore } from '../../src/persistence/estate-store.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { createDemoProvider, type DemoProvider } from '../../src/providers/demo/index.js';
import { generateEstate } from '../../src/providers/demo/generate.js';

const catalog = loadPriceCatalog();

function step(kind: PlanStep['kind'], i: Instance, extra: Record<string, unknown> = {}): PlanStep {
  return { id: 's1', kind, target: refOf(i), targetName: i.name, expect: { state: i.state, type: i.type }, reason: 'test', ...extra } as PlanStep;
}

describe('demo estate generator', () => {
  const estate = generateEstate({ seed: 42, instances: 120, catalog });

  it('is the same for the same seed and differs for another', () => {
    expect(generateEstate({ seed: 42, instances: 120, catalog })).toEqual(estate);
    expect(generateEstate({ seed: 43, instances: 120, catalog })).not.toEqual(estate);
  });

  it('spreads over several regions of each cloud, with app/team/env tags', () => {
    for (const cloud of ['aws', 'azure', 'gcp'] as const) {
      expect(new Set(estate.filter((i) => i.provider === cloud).map((i) => i.region)).size).toBeGreaterThanOrEqual(2);
    }
    expect(estate.every((i) => i.tags.app && i.tags.team && i.tags.env)).toBe(true);
  });

  it('uses catalog types, except one deliberately unpriced instance', () => {
    const unpriced = estate.filter((i) => catalog.price(i.provider, i.region, i.type).kind === 'unpriced');
    expect(unpriced).toHaveLength(1);
  });

  it('has idle and hot workloads and the usual security slips', () => {
    const pct = (i: (typeof estate)[number]) => (i.load.cpuP95Cores / (catalog.shape(i.provider, i.type)?.vcpu ?? 1)) * 100;
    expect(estate.some((i) => pct(i) < 3)).toBe(true);
    expect(estate.some((i) => pct(i) > 75)).toBe(true);
    expect(estate.some((i) => i.posture.sshOpenToWorld)).toBe(true);
    expect(estate.some((i) => i.posture.imdsV1)).toBe(true);
    expect(estate.some((i) => i.disks.some((d) => d.encrypted === false))).toBe(true);
    expect(estate.some((i) => i.publicIps.length > 0)).toBe(true);
    expect(estate.some((i) => i.posture.serialPort || i.posture.defaultServiceAccount)).toBe(true);
  });
});

describe('demo provider on a file-backed PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-demo-'));
  let database: Database;
  let demo: DemoProvider;
  const open = async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: dir });
    demo = createDemoProvider({ store: createEstateStore(database.db), catalog, seed: 7, instances: 30 });
    return demo.ensureEstate();
  };
  beforeAll(open);
  afterAll(() => database.close());

  const first = async (pred: (i: Instance) => boolean) => {
    const found = (await toArray(demo.listInstances({}))).find(pred);
    if (!found) throw new Error('no instance matches');
    return found;
  };

  it('lists priced instances of all three clouds, filtered by scope', async () => {
    const all = await toArray(demo.listInstances({}));
    expect(all).toHaveLength(30);
    expect(new Set(all.map((i) => i.provider))).toEqual(new Set(['aws', 'azure', 'gcp']));
    expect(all.filter((i) => i.price.kind === 'priced').length).toBe(29);
    const eu = await toArray(demo.listInstances({ clouds: ['aws'], regions: ['eu-west-1', 'eu-central-1'] }));
    expect(eu.every((i) => i.provider === 'aws' && i.region.startsWith('eu-'))).toBe(true);
  });

  it('keeps a stopped instance stopped after a restart', async () => {
    const victim = await first((i) => i.state === 'running');
    const r = await demo.apply(step('stop', victim), { dryRun: false });
    expect(r).toMatchObject({ ok: true, mode: 'applied', before: { state: 'running' } });
    await database.close();
    const reopened = await open();
    expect(reopened.created).toBe(false);
    expect((await demo.describe(refOf(victim)))?.state).toBe('stopped');
  });

  it('changes nothing on a dry run', async () => {
    const victim = await first((i) => i.state === 'running');
    const r = await demo.apply(step('stop', victim), { dryRun: true });
    expect(r.mode).toBe('dry-run');
    expect((await demo.describe(refOf(victim)))?.state).toBe('running');
  });

  it('resizes, snapshots, creates a replacement from it and deletes, durably', async () => {
    const src = await first((i) => i.provider === 'gcp' && i.state === 'running' && i.price.kind === 'priced');
    const resized = await demo.apply(step('resize', src, { toType: 'e2-standard-2' }), { dryRun: false });
    expect(resized.before?.type).toBe(src.type);
    expect((await demo.describe(refOf(src)))?.type).toBe('e2-standard-2');

    const snap = await demo.apply(step('snapshot', src), { dryRun: false });
    expect(snap.snapshotIds?.length).toBe(src.disks.length);

    const placement = { provider: 'gcp' as const, account: src.account, region: 'europe-west1', zone: 'europe-west1-b', type: 'n2-standard-4' };
    const created = await demo.apply(step('create', src, { placement, name: `${src.name}-dr`, fromSnapshotStep: 's2', tags: { 'steward:failover-of': src.name } }), { dryRun: false });
    expect(created.created).toMatchObject({ provider: 'gcp', region: 'europe-west1' });
    const replacement = await demo.describe(created.created!);
    expect(replacement).toMatchObject({ name: `${src.name}-dr`, type: 'n2-standard-4', state: 'running', tags: expect.objectContaining({ 'steward:failover-of': src.name }) });

    await demo.apply(step('delete', replacement!), { dryRun: false });
    expect(await demo.describe(created.created!)).toBeUndefined();
  });

  it('refuses a step from a state it cannot start from, and a type the region does not offer', async () => {
    const stopped = await first((i) => i.state === 'stopped');
    await expect(demo.apply(step('stop', stopped), { dryRun: true })).rejects.toMatchObject({ code: 'PROVIDER.INVALID', message: expect.stringContaining('it is stopped') });
    const src = await first((i) => i.provider === 'aws' && i.state === 'running');
    const placement = { provider: 'aws' as const, account: src.account, region: 'eu-central-1', type: 'c6i.large' };
    await expect(demo.apply(step('create', src, { placement, name: 'nope', tags: {} }), { dryRun: true })).rejects.toMatchObject({ code: 'PROVIDER.INVALID' });
  });

  it('reports a vanished instance as not found', async () => {
    const src = await first(() => true);
    await expect(demo.apply(step('start', { ...src, id: 'i-gone' }), { dryRun: false })).rejects.toMatchObject({ code: 'PROVIDER.NOT_FOUND' });
    expect(await demo.describe({ ...refOf(src), id: 'i-gone' })).toBeUndefined();
  });

  it('gives the same utilization for the same window, and higher percentages after a downsize', async () => {
    const src = await first((i) => i.provider === 'aws' && i.state === 'running' && (i.vcpu ?? 0) >= 4 && i.price.kind === 'priced');
    const [a] = await demo.utilization([refOf(src)], { days: 14 });
    const [b] = await demo.utilization([refOf(src)], { days: 14 });
    expect(a).toEqual(b);
    expect(a?.samples).toBe(14 * 24);
    expect(a!.cpuP95).toBeGreaterThanOrEqual(a!.cpuP50);
    await demo.apply(step('resize', src, { toType: 't3.large' }), { dryRun: false });
    const [c] = await demo.utilization([refOf(src)], { days: 14 });
    expect(c!.cpuP95).toBeGreaterThan(a!.cpuP95);
  });

  it('emits security findings with Prowler check ids', async () => {
    const findings = await toArray(demo.securityPosture({}));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => /^[a-z0-9_]+$/.test(f.checkId) && f.resource.name)).toBe(true);
  });

  it('fails a step with an injected fault, and only when applying', async () => {
    const records = await createEstateStore(database.db).list();
    const rec = records.find((r) => r.key.startsWith('instance:azure:') && (r.data as { state: string }).state === 'running')!;
    await createEstateStore(database.db).update(rec.key, rec.version, { ...(rec.data as object), faults: ['stop'] });
    const victim = await first((i) => `instance:${i.provider}:${i.id}` === rec.key);
    await expect(demo.apply(step('stop', victim), { dryRun: true })).resolves.toMatchObject({ ok: true });
    await expect(demo.apply(step('stop', victim), { dryRun: false })).rejects.toMatchObject({ code: 'PROVIDER.UNAVAILABLE', retryable: true });
  });
});

describe('demo provider from an estate file', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  });
  afterAll(() => database.close());

  it('loads the documented example', async () => {
    const demo = createDemoProvider({ store: createEstateStore(database.db), catalog, estateFile: 'docs/examples/demo-estate.json', seed: 1, instances: 1 });
    expect(await demo.ensureEstate()).toMatchObject({ instances: 6, seed: null, created: true });
    const all = await toArray(demo.listInstances({}));
    expect(all.find((i) => i.name === 'shop-web-1')).toMatchObject({ type: 'm5.2xlarge', vcpu: 8, price: { kind: 'priced' } });
    const [u] = await demo.utilization([refOf(all.find((i) => i.name === 'jump-1')!)], { days: 7 });
    expect(u!.cpuP95).toBeLessThan(3);
  });

  it('refuses an invalid file, naming the field', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'steward-estate-')), 'bad.json');
    writeFileSync(path, JSON.stringify({ version: 1, instances: [{ provider: 'aws', id: 'x' }] }));
    const demo = createDemoProvider({ store: createEstateStore(database.db), catalog, estateFile: path, seed: 1, instances: 1 });
    await expect(demo.ensureEstate()).rejects.toThrow(/does not match docs\/demo-estate.md:[\s\S]*instances\.0\.account/);
  });
});
