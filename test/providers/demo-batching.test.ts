import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateStore } from '../../src/domain/ports/estate-store.port.js';
import { refOf } from '../../src/domain/model/instance.js';
import { toArray } from '../../src/lib/collections.js';
import { openDatabase, type Database } from '../../src/persistence/db.js';
import { createEstateStore } from '../../src/persistence/estate-store.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { createDemoProvider } from '../../src/providers/demo/index.js';

const catalog = loadPriceCatalog();

/** The store with a count of calls per method, to see how often the demo provider goes to the database. */
function countingStore(inner: EstateStore) {
  const calls: Record<string, number> = {};
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls, reset: () => Object.keys(calls).forEach((k) => delete calls[k]) };
}

describe('demo provider: database reads are batched (issue 12: 10,000-instance estates)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('reads the utilization of every instance in one store read, not one per instance', async () => {
    const counted = countingStore(createEstateStore(database.db));
    const demo = createDemoProvider({ store: counted.store, catalog, seed: 7, instances: 300 });
    await demo.ensureEstate();
    const refs = (await toArray(demo.listInstances({}))).map((i) => refOf(i));
    expect(refs.length).toBeGreaterThan(250);
    counted.reset();
    const util = await demo.utilization([...refs, { ...refs[0]!, id: 'i-does-not-exist' }], { days: 14 });
    expect(util).toHaveLength(refs.length);
    expect(util.map((u) => u.ref.id)).toEqual(refs.map((r) => r.id));
    expect(counted.calls).toEqual({ getMany: 1 });
  });

  it('gives the same figures as reading the instances one by one', async () => {
    const demo = createDemoProvider({ store: createEstateStore(database.db), catalog, seed: 7, instances: 300 });
    await demo.ensureEstate();
    const refs = (await toArray(demo.listInstances({}))).map((i) => refOf(i)).slice(0, 20);
    const batched = await demo.utilization(refs, { days: 14 });
    const single = (await Promise.all(refs.map((r) => demo.utilization([r], { days: 14 })))).flat();
    expect(batched).toEqual(single);
  });

  it('counts the estate without reading it when the stored estate is already the wanted one', async () => {
    const counted = countingStore(createEstateStore(database.db));
    const demo = createDemoProvider({ store: counted.store, catalog, seed: 7, instances: 300 });
    await demo.ensureEstate();
    counted.reset();
    const again = await demo.ensureEstate();
    const described = await demo.describeEstate();
    expect(again).toMatchObject({ created: false, instances: 300 });
    expect(described.instances).toBe(300);
    expect(counted.calls.list ?? 0).toBe(0);
    expect(counted.calls.count).toBe(2);
  });
});
