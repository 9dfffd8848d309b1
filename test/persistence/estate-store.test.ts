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
