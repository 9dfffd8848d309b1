/**
 * The CloudProvider contract every adapter passes, the demo estate included (DESIGN §3, §6).
 * Each `*.contract.test.ts` provides a harness: the demo over PGlite, the real clouds over msw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/domain/model/errors.js';
import { INSTANCE_STATES, refOf, type Instance, type InstanceRef } from '../../src/domain/model/instance.js';
import type { PlanStep, StepKind } from '../../src/domain/model/plan.js';
import type { CloudProvider, Gap } from '../../src/domain/ports/cloud-provider.port.js';
import { toArray } from '../../src/lib/collections.js';

export interface ContractHarness {
  provider: CloudProvider;
  /** An instance that does not exist (any more). */
  missing: InstanceRef;
  /** Makes every read answer with the cloud's throttling error from now on (real clouds). */
  throttleEverything?: () => void;
  dispose?: () => Promise<void>;
}

const KINDS: StepKind[] = ['start', 'stop', 'resize', 'snapshot', 'create', 'delete', 'tag'];

function stepFor(i: Instance, kind: 'start' | 'stop'): PlanStep {
  return { id: 's1', kind, target: refOf(i), targetName: i.name, expect: { state: i.state }, reason: 'contract test' };
}

export function providerContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`${name}: CloudProvider contract`, () => {
    let h: ContractHarness;
    let listed: Instance[] = [];
    let gaps: Gap[] = [];
    beforeAll(async () => {
      h = await make();
      listed = await toArray(h.provider.listInstances({}, { onGap: (g) => gaps.push(g) }));
    });
    afterAll(async () => {
      await h?.dispose?.();
    });

    it('lists instances of its own clouds with stable, unique ids and a known state', () => {
      expect(listed.length).toBeGreaterThan(0);
      expect(gaps).toEqual([]);
      for (const i of listed) {
        expect(h.provider.clouds).toContain(i.provider);
        expect(i.id).not.toBe('');
        expect(i.account).not.toBe('');
        expect(i.region).not.toBe('');
        expect(INSTANCE_STATES).toContain(i.state);
        expect(i.state).not.toBe('terminated');
      }
      const keys = listed.map((i) => `${i.provider}:${i.account}:${i.region}:${i.id}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('prices every instance in integer micro-dollars or flags it unpriced with a reason, never zero', () => {
      for (const i of listed) {
        if (i.price.kind === 'priced') {
          expect(Number.isInteger(i.price.hourlyMicros)).toBe(true);
          expect(i.price.hourlyMicros).toBeGreaterThan(0);
          expect(i.price.snapshotDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        } else {
          expect(i.price.reason).toMatch(/\S/);
        }
      }
    });

    it('re-reads live state with describe(), and answers undefined for an instance that is gone', async () => {
      const first = listed[0] as Instance;
      const again = await h.provider.describe(refOf(first));
      expect(again).toMatchObject({ id: first.id, type: first.type, state: first.state, provider: first.provider });
      expect(await h.provider.describe(h.missing)).toBeUndefined();
    });

    it('validates a step without changing anything when dryRun is set, and says how it validated', async () => {
      const target = listed.find((i) => i.state === 'running' || i.state === 'stopped') as Instance;
      const res = await h.provider.apply(stepFor(target, target.state === 'running' ? 'stop' : 'start'), { dryRun: true });
      expect(res.ok).toBe(true);
      expect(['dry-run', 'preflight']).toContain(res.mode);
      expect(res.before).toMatchObject({ state: target.state, type: target.type });
      expect((await h.provider.describe(refOf(target)))?.state).toBe(target.state);
    });

    it('refuses a step from a state it cannot start from, as PROVIDER.INVALID', async () => {
      const target = listed.find((i) => i.state === 'running' || i.state === 'stopped') as Instance;
      const err = await h.provider.apply(stepFor(target, target.state === 'running' ? 'start' : 'stop'), { dryRun: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).code).toBe('PROVIDER.INVALID');
    });

    it('declares the cloud permissions of every step kind', () => {
      const i = listed[0] as Instance;
      for (const kind of KINDS) {
        const step = { ...stepFor(i, 'stop'), kind, toType: i.type, tags: {}, name: 'x', placement: { provider: i.provider, account: i.account, region: i.region, type: i.type } } as PlanStep;
        expect(h.provider.permissionsFor(step).length).toBeGreaterThan(0);
      }
    });

    it('turns lasting throttling into PROVIDER.THROTTLED (retryable), as a gap or an error, never silence', async () => {
      if (!h.throttleEverything) {
        expect(h.provider.id).toBe('demo'); // only the simulated estate has no API to throttle
        return;
      }
      h.throttleEverything();
      const seen: Gap[] = [];
      let thrown: unknown;
      const items = await toArray(h.provider.listInstances({}, { onGap: (g) => seen.push(g) })).catch((e: unknown) => {
        thrown = e;
        return [];
      });
      expect(items).toEqual([]);
      const codes = [...seen.map((g) => g.code), ...(thrown instanceof ProviderError ? [thrown.code] : [])];
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.every((c) => c === 'PROVIDER.THROTTLED')).toBe(true);
      if (thrown instanceof ProviderError) expect(thrown.retryable).toBe(true);
    });
  });
}
