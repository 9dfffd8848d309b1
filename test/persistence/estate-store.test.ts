import { expect, it } from 'vitest';
import { createEstateStore } from '../../src/persistence/estate-store.js';
import { describeStores } from '../support/db.js';

describeStores('estate store', (db) => {
  it('replaces the estate atomically and remembers where it came from', async () => {
    const store = createEstateStore(db().db);
    await store.replaceAll({ fingerprint: 'seed:1:2', source: 'generated', seed: 1 }, [
      { key: 'instance:aws:i-1', data: { name: 'a' } },
      { key: 'instance:aws:i-2', data: { name: 'b' } },
    ]);
    await store.replaceAll({ fingerprint: 'seed:2:1', source: 'generated again', seed: 2 }, [{ key: 'instance:gcp:x', data: { name: 'c' } }]);
    expect(await store.meta()).toEqual({ fingerprint: 'seed:2:1', source: 'generated again', seed: 2 });
    expect((await store.list()).map((r) => r.key)).toEqual(['instance:gcp:x']);
  });

  it('updates only when the version it read is still current', async () => {
    const store = createEstateStore(db().db);
    const rec = await store.insert('instance:azure:vm-1', { state: 'running' });
    const first = await store.update(rec.key, rec.version, { state: 'stopped' });
    const second = await store.update(rec.key, rec.version, { state: 'running' });
    expect(first?.version).toBe(rec.version + 1);
    expect(second).toBeUndefined();
    expect((await store.get(rec.key))?.data).toEqual({ state: 'stopped' });
  });

  it('removes a record once', async () => {
    const store = createEstateStore(db().db);
    await store.insert('snapshot:s-1', {});
    expect(await store.remove('snapshot:s-1')).toBe(true);
    expect(await store.remove('snapshot:s-1')).toBe(false);
  });
});

describeStores('estate store: batched reads and writes', (db) => {
  it('keeps every record of an estate larger than one insert statement, with its data, in key order', async () => {
    const store = createEstateStore(db().db);
    const records = Array.from({ length: 12_001 }, (_, i) => ({ key: `instance:aws:i-${String(i).padStart(6, '0')}`, data: { n: i, name: `vm "${i}"`, tags: { a: 'ü' } } }));
    await store.replaceAll({ fingerprint: 'big', source: 'test', seed: null }, [...records].reverse());
    const listed = await store.list();
    expect(listed).toHaveLength(records.length);
    expect(listed.map((r) => r.key)).toEqual(records.map((r) => r.key));
    expect(listed[12_000]).toEqual({ key: records[12_000]!.key, data: records[12_000]!.data, version: 1 });
  });

  it('reads many keys at once, leaving out the missing ones', async () => {
    const store = createEstateStore(db().db);
    await store.replaceAll({ fingerprint: 'm', source: 'test', seed: null }, [
      { key: 'instance:aws:i-1', data: { name: 'a' } },
      { key: 'instance:aws:i-2', data: { name: 'b' } },
      { key: 'snapshot:s-1', data: {} },
    ]);
    const got = await store.getMany(['instance:aws:i-2', 'instance:aws:missing', 'instance:aws:i-1', 'instance:aws:i-2']);
    expect(got.map((r) => r.key)).toEqual(['instance:aws:i-1', 'instance:aws:i-2']);
    expect(got[1]).toEqual({ key: 'instance:aws:i-2', data: { name: 'b' }, version: 1 });
    expect(await store.getMany([])).toEqual([]);
  });

  it('counts records by key prefix, treating _ and % as plain characters', async () => {
    const store = createEstateStore(db().db);
    await store.replaceAll({ fingerprint: 'c', source: 'test', seed: null }, [
      { key: 'instance:aws:i-1', data: {} },
      { key: 'instance:gcp:x', data: {} },
      { key: 'instanceXaws', data: {} },
      { key: 'snap_1', data: {} },
      { key: 'snapX1', data: {} },
    ]);
    expect(await store.count('instance:')).toBe(2);
    expect(await store.count('snap_')).toBe(1);
    expect(await store.count('nothing')).toBe(0);
    expect((await store.list()).length).toBe(5);
  });
});
