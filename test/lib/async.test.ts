import { describe, expect, it } from 'vitest';
import { loadOnce } from '../../src/lib/async.js';

describe('loadOnce', () => {
  it('shares one load per key between concurrent and later callers', async () => {
    const cache = new Map<string, Promise<number>>();
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([loadOnce(cache, 'k', load), loadOnce(cache, 'k', load)]);
    expect([a, b, await loadOnce(cache, 'k', load)]).toEqual([1, 1, 1]);
    expect(await loadOnce(cache, 'other', load)).toBe(2);
  });

  it('forgets a failed load so the next call tries again', async () => {
    const cache = new Map<string, Promise<string>>();
    await expect(loadOnce(cache, 'k', async () => { throw new Error('throttled'); })).rejects.toThrow('throttled');
    expect(cache.has('k')).toBe(false);
    expect(await loadOnce(cache, 'k', async () => 'ok')).toBe('ok');
  });
});
