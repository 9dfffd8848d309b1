import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { getPriority } from 'node:os';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/model/errors.js';
import { planReallocation } from '../../src/domain/optimizer/optimize.js';
import type { OptimizeJob } from '../../src/domain/ports/planner.port.js';
import { createPlanningPool } from '../../src/workers/planning-pool.js';
import { optimizeJobFor } from '../support/estate-input.js';

/** A promise for the `started` event of the next job on the pool's worker. */
function startedSignal() {
  let fire: () => void = () => undefined;
  const started = new Promise<void>((r) => (fire = r));
  return { started, onStarted: () => fire() };
}

describe('planning in a worker thread (issue 12: nothing blocks the event loop)', () => {
  let big: OptimizeJob;
  let small: OptimizeJob;
  beforeAll(() => {
    big = optimizeJobFor(10_000);
    small = optimizeJobFor(40, 5);
  });

  // Linux: each thread has its own nice value; field 19 of /proc/self/task/<tid>/stat.
  const threadNice = () => new Map(readdirSync('/proc/self/task').map((t) => [t, Number(readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1]?.split(' ')[16])]));

  it.runIf(process.platform === 'linux')('runs its plans at a lower CPU priority than the event loop (a busy machine serves the acks first; Linux only, read from /proc)', async () => {
    const before = threadNice();
    const mainNice = getPriority();
    const pool = createPlanningPool({ size: 1 });
    try {
      await pool.optimize(small);
      const added = [...threadNice()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      expect(added.length).toBeGreaterThan(0);
      expect(Math.max(...added)).toBeGreaterThanOrEqual(Math.min(19, mainNice + 10));
      expect(getPriority()).toBe(mainNice); // the event loop's own thread keeps its priority
    } finally {
      await pool.close();
    }
  });

  it('returns the same plan as planning on the main thread', async () => {
    const pool = createPlanningPool({ size: 1 });
    try {
      const { useHighs: _h, ...input } = small;
      const [viaWorker, inline] = await Promise.all([pool.optimize(small), planReallocation(input)]);
      expect(viaWorker.plan.steps).toEqual(inline.plan.steps);
      expect(viaWorker.report.objectiveUsd).toBe(inline.report.objectiveUsd);
      expect(viaWorker.report.changes).toEqual(inline.report.changes);
    } finally {
      await pool.close();
    }
  });

  it('answers /healthz while a 10,000-instance optimize runs', async () => {
    const events: string[] = [];
    const { started, onStarted } = startedSignal();
    const pool = createPlanningPool({ size: 1, onStarted });
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    try {
      let planned = false;
      const plan = pool.optimize(big).then((r) => {
        planned = true;
        events.push('plan');
        return r;
      });
      await started;
      events.push('started');
      // Health checks, one after the other, for as long as the plan is being computed.
      let answered = 0;
      while (!planned) {
        const res = await fetch(url);
        expect(await res.text()).toBe('ok');
        if (!planned) {
          answered++;
          if (answered === 1) events.push('health');
        }
        await new Promise((r) => setImmediate(r));
      }
      const result = await plan;
      expect(result.report.instances.billing).toBeGreaterThan(5000);
      expect(events).toEqual(['started', 'health', 'plan']);
      expect(answered).toBeGreaterThanOrEqual(1);
    } finally {
      server.close();
      await pool.close();
    }
  });

  it('cancels a running plan with its AbortSignal and plans the next one on a fresh worker', async () => {
    const { started, onStarted } = startedSignal();
    const pool = createPlanningPool({ size: 1, onStarted });
    try {
      const ac = new AbortController();
      const running = pool.optimize(big, { signal: ac.signal });
      await started;
      ac.abort();
      await expect(running).rejects.toMatchObject({ code: 'PLAN.CANCELLED' });
      await expect(running).rejects.toBeInstanceOf(AppError);
      const next = await pool.optimize(small);
      expect(next.report.feasible).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('refuses a plan whose signal is already aborted, without starting it', async () => {
    let starts = 0;
    const pool = createPlanningPool({ size: 1, onStarted: () => starts++ });
    try {
      await expect(pool.optimize(small, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'PLAN.CANCELLED' });
      expect(starts).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('stops a plan past its time limit with PLAN.TIMEOUT and a message for people', async () => {
    const pool = createPlanningPool({ size: 1 });
    try {
      // A limit far below what 10,000 instances take, once the worker has begun (no wall-clock assertion).
      await pool.optimize(small);
      const running = pool.optimize(big, { timeLimitMs: 50 });
      await expect(running).rejects.toMatchObject({ code: 'PLAN.TIMEOUT', userMessage: expect.stringContaining('Planning took longer') });
      const next = await pool.optimize(small);
      expect(next.report.feasible).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('queues plans beyond its workers and runs them in order', async () => {
    const order: string[] = [];
    const pool = createPlanningPool({ size: 1 });
    try {
      await Promise.all([
        pool.optimize(small).then(() => order.push('a')),
        pool.optimize(small).then(() => order.push('b')),
        pool.costDigest({ today: '2026-01-10', cadence: 'daily', instances: small.instances, utilization: small.utilization, history: [], offers: small.offers, anomaly: { absoluteUsd: 100, relativePct: 20, criticalUsd: 1000 }, idle: { cpuPct: 3, underusedCpuPct: 20, headroom: 0.2 } }).then((d) => {
          expect(d.totalMonthlyUsd).toBeGreaterThan(0);
          order.push('c');
        }),
      ]);
      expect(order).toEqual(['a', 'b', 'c']);
    } finally {
      await pool.close();
    }
  });

  it('rejects a plan that fails in the worker and keeps serving the next one', async () => {
    const pool = createPlanningPool({ size: 1 });
    try {
      await expect(pool.optimize({ ...small, instances: null } as unknown as OptimizeJob)).rejects.toThrow(/null|undefined|iterable/i);
      const next = await pool.optimize(small);
      expect(next.report.feasible).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('planning pool shutdown', () => {
  let small: OptimizeJob;
  beforeAll(() => {
    small = optimizeJobFor(40, 5);
  });

  it('rejects plans once closed', async () => {
    const pool = createPlanningPool({ size: 1 });
    await pool.close();
    await expect(pool.optimize(small)).rejects.toMatchObject({ code: 'PLAN.CLOSED' });
  });
});
