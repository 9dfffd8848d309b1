import { describe, expect, it } from 'vitest';
import { createAckFirstQueue } from '../../../src/surfaces/slack/ack-first.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('ack-first queue', () => {
  it('holds work while requests keep arriving and runs it at the first quiet turn', async () => {
    const q = createAckFirstQueue({ maxDeferMs: 10_000 });
    const ran: number[] = [];
    q.acked();
    q.defer(() => ran.push(1));
    // Each turn takes another request: the work waits.
    for (let i = 0; i < 5; i++) {
      await turn();
      q.acked();
    }
    expect(ran).toEqual([]);
    await turn();
    await turn();
    expect(ran).toEqual([1]);
    expect(q.pending).toBe(0);
  });

  it('never starves work behind a steady stream (maxDeferMs)', async () => {
    let t = 0;
    const q = createAckFirstQueue({ maxDeferMs: 50, now: () => t });
    const ran: string[] = [];
    q.defer(() => ran.push('a'));
    q.defer(() => ran.push('b'));
    for (let i = 0; i < 10 && ran.length === 0; i++) {
      q.acked();
      t += 10;
      await turn();
    }
    expect(ran).toEqual(['a', 'b']);
    expect(t).toBeLessThanOrEqual(60);
  });
});
