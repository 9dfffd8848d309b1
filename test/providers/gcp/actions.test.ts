/**
 * Every step kind on Compute Engine through the real client (REST fallback) against a stateful msw Compute API:
 * success, the preflight refusal (testIamPermissions), a failure after a partial change (restored, or the exact state
 * left), and a plan failing in its middle, run by the real executor.
 */
import { HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderError } from '../../../src/domain/model/errors.js';
import type { PlanStep } from '../../../src/domain/model/plan.js';
import { StepLeftError } from '../../../src/domain/model/step-kinds.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { labelKey } from '../../../src/providers/gcp/actions.js';
import { createGcpProvider } from '../../../src/providers/gcp/index.js';
import { compute, fakeAuth, gcpError, gcpFixture, operation, type GcpCall } from '../../msw/gcp.js';
import { useMswServer } from '../../support/msw.js';
import { usePlanRunner } from '../../support/plan-runner.js';

const server = useMswServer();
const P = 'cloud-custodian';
const Z = 'us-central1-b';
const provider = createGcpProvider({ projectIds: [P], catalog: loadPriceCatalog() }, { authClient: fakeAuth(), retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 }, timeoutMs: 5000 });
const runner = usePlanRunner(provider);
afterAll(() => provider.close());

const ref = { provider: 'gcp' as const, account: P, region: 'us-central1', zone: Z, id: 'c7n-jenkins' };
const s = <T extends Partial<PlanStep>>(id: string, rest: T) => ({ id, target: ref, targetName: 'c7n-jenkins', reason: 'test', expect: {}, ...rest }) as PlanStep;
const failOf = (p: Promise<unknown>) => p.then(() => expect.fail('expected the step to fail'), (e: unknown) => e as ProviderError);
const zoneUrl = `https://www.googleapis.com/compute/v1/projects/${P}/zones/${Z}`;

interface GceWorld {
  live: { status: string; type: string; labels: Record<string, string> };
  calls: GcpCall[];
  /** 'setMachineType' → an operation that finishes with this error */
  refuse: Record<string, { code: string; message: string; status?: number }>;
  granted?: string[];
  /** Fields merged into the instance document (guestAccelerators, disks…). */
  raw: Record<string, unknown>;
  writes(): string[];
}

/** The recorded instance (compute.instances.get.json) with state, type and labels the calls change. */
function world(setup: (w: GceWorld) => void = () => undefined): GceWorld {
  const w: GceWorld = {
    live: { status: 'RUNNING', type: 'n1-standard-1', labels: {} },
    calls: [],
    refuse: {},
    raw: {},
    writes: () => w.calls.filter((c) => c.method !== 'GET' && !c.path.endsWith('/wait') && !c.path.endsWith('testIamPermissions')).map((c) => `${c.method} ${c.path.split('/').pop()}`),
  };
  setup(w);
  /** The operation for `op`: DONE with the recorded error document when refused, else PENDING and then DONE. */
  const answer = (op: string, effect: () => void) => {
    const r = w.refuse[op];
    if (r) {
      const doc = gcpFixture('compute.zoneOperations.get.error.jclouds.json');
      return HttpResponse.json({ ...doc, zone: zoneUrl, httpErrorStatusCode: r.status ?? 400, error: { errors: [{ code: r.code, message: r.message }] } });
    }
    effect();
    const pending = op === 'reset' ? gcpFixture('compute.instances.reset.operation-pending.libcloud.json') : operation(`op-${op}`, Z, P, 'PENDING', { operationType: op });
    return HttpResponse.json({ ...pending, zone: zoneUrl });
  };
  const doc = () => {
    const d = gcpFixture('compute.instances.get.json');
    d.status = w.live.status;
    d.machineType = d.machineType.replace(/[^/]+$/, w.live.type);
    d.labels = { ...w.live.labels };
    return { ...d, ...w.raw };
  };
  server.use(
    compute(
      P,
      {
        [`GET zones/${Z}/instances/c7n-jenkins`]: () => (w.live.status === 'GONE' ? gcpError(404, 'notFound', "The resource 'c7n-jenkins' was not found") : HttpResponse.json(doc())),
        [`POST zones/${Z}/instances/c7n-jenkins/stop`]: () => answer('stop', () => void (w.live.status = 'TERMINATED')),
        [`POST zones/${Z}/instances/c7n-jenkins/start`]: () => answer('start', () => void (w.live.status = 'RUNNING')),
        [`POST zones/${Z}/instances/c7n-jenkins/reset`]: () => answer('reset', () => void (w.live.status = 'RUNNING')),
        [`DELETE zones/${Z}/instances/c7n-jenkins`]: () => answer('delete', () => void (w.live.status = 'GONE')),
        [`POST zones/${Z}/instances/c7n-jenkins/setMachineType`]: (c) => answer('setMachineType', () => void (w.live.type = String(c.body?.machineType).split("/").pop() ?? w.live.type)),
        [`POST zones/${Z}/instances/c7n-jenkins/setLabels`]: (c) => answer('setLabels', () => void (w.live.labels = c.body?.labels ?? {})),
        [`POST zones/${Z}/disks/:disk/createSnapshot`]: () => answer('createSnapshot', () => undefined),
        [`DELETE global/snapshots/:name`]: () => HttpResponse.json(operation('op-del-snap', Z, P, 'PENDING', { operationType: 'delete' })),
        [`POST zones/${Z}/operations/:op/wait`]: (c) => {
          const name = c.path.split('/').at(-2);
          return HttpResponse.json({ ...gcpFixture(name?.includes('reset') ? 'compute.zoneOperations.get.reset-done.libcloud.json' : 'compute.zoneOperations.get.done.jclouds.json'), name, zone: zoneUrl });
        },
        [`GET zones/${Z}/machineTypes/:type`]: (c) => {
          const type = c.path.split('/').pop();
          const types = gcpFixture('compute.machineTypes.aggregatedList.trimmed.json').items['zones/us-central1-a'].machineTypes;
          // Newer families the 2013 fixture lacks: the n1-standard-4 document under their names (same shape).
          const like = (name: string) => ({ ...types.find((m: any) => m.name === 'n1-standard-4'), name, selfLink: undefined });
          const mt = types.find((m: any) => m.name === type) ?? (['t2a-standard-4', 'c3-standard-4'].includes(type ?? '') ? like(type as string) : undefined);
          return mt ? HttpResponse.json(mt) : gcpError(404, 'notFound', `The resource 'projects/${P}/zones/${Z}/machineTypes/${type}' was not found`);
        },
        'GET regions/us-central1': () => HttpResponse.json({ name: 'us-central1', quotas: [{ metric: 'CPUS', limit: 24, usage: 10 }] }),
        [`POST zones/${Z}/instances/c7n-jenkins/testIamPermissions`]: (c) => HttpResponse.json({ permissions: w.granted ?? c.body?.permissions ?? [] }),
      },
      w.calls,
    ),
  );
  return w;
}

describe('Google Cloud steps: start, stop, reboot', () => {
  it('reboots with instances.reset (the recorded reset operation), waited on until DONE; the preflight checks the permission', async () => {
    const w = world();
    expect(await provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true })).toMatchObject({ mode: 'preflight' });
    expect(w.calls.find((c) => c.path.endsWith('testIamPermissions'))?.body.permissions).toEqual(['compute.instances.get', 'compute.instances.reset']);
    expect(w.writes()).toEqual([]);
    expect(await provider.apply(s('s1', { kind: 'reboot' }), { dryRun: false })).toMatchObject({ mode: 'applied', message: 'c7n-jenkins: reset (restarted in place)' });
    expect(w.writes()).toEqual(['POST reset']);
    expect(w.calls.filter((c) => c.path.endsWith('/wait')).map((c) => c.path.split('/').at(-2))).toEqual(['operation-zones_us-central1-a_instances_node-name_reset_post']);
  });

  it('fails the reboot preflight naming the missing permission', async () => {
    world((w) => void (w.granted = ['compute.instances.get']));
    const err = await failOf(provider.apply(s('s1', { kind: 'reboot' }), { dryRun: true }));
    expect([err.code, err.message]).toEqual(['PROVIDER.FORBIDDEN', 'missing permission(s) on c7n-jenkins: compute.instances.reset']);
  });

  it('stops and starts; a start whose operation fails leaves it stopped with the operation error', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'stop' }), { dryRun: false });
    expect(w.live.status).toBe('TERMINATED');
    w.refuse.start = { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: "The zone 'projects/cloud-custodian/zones/us-central1-b' does not have enough resources available to fulfill the request.", status: 503 };
    const err = await failOf(provider.apply(s('s2', { kind: 'start' }), { dryRun: false }));
    expect([err.code, err.nativeCode]).toEqual(['PROVIDER.UNAVAILABLE', 'ZONE_RESOURCE_POOL_EXHAUSTED']);
    expect(w.live.status).toBe('TERMINATED');
  });
});

describe('Google Cloud steps: resize restores the instance when setMachineType is refused', () => {
  it('stop → setMachineType refused → starts it again; the step is not applied', async () => {
    const w = world((w) => void (w.refuse.setMachineType = { code: 'UNSUPPORTED_OPERATION', message: "Machine type 'n1-standard-2' is not supported for instances with a GPU attached." }));
    const err = (await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'n1-standard-2' }), { dryRun: false }))) as StepLeftError;
    expect(err).toBeInstanceOf(StepLeftError);
    expect(err.restored).toBe(true);
    expect(w.writes()).toEqual(['POST stop', 'POST setMachineType', 'POST start']);
    expect(w.live).toMatchObject({ status: 'RUNNING', type: 'n1-standard-1' });
    expect(err.userMessage).toMatch(/not applied: c7n-jenkins was started again, so c7n-jenkins is running with type n1-standard-1 \(as before\)/);
  });

  it('says it left the instance stopped when it cannot be started again', async () => {
    const w = world((w) => {
      w.refuse.setMachineType = { code: 'UNSUPPORTED_OPERATION', message: 'not supported' };
      w.refuse.start = { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'The zone does not have enough resources available.', status: 503 };
    });
    const err = (await failOf(provider.apply(s('s1', { kind: 'resize', toType: 'n1-standard-2' }), { dryRun: false }))) as StepLeftError;
    expect([err.restored, err.leftAs, err.retryable]).toEqual([false, 'c7n-jenkins is stopped with type n1-standard-1', false]);
    expect(w.live.status).toBe('TERMINATED');
  });

  it('through the executor: a plan failing in its middle restores the failing resize and names the tag before it as not undone', async () => {
    const w = world((w) => void (w.refuse.setMachineType = { code: 'UNSUPPORTED_OPERATION', message: 'not supported for this instance' }));
    const { report, execution } = await runner.run([
      s('s1', { kind: 'tag', tags: { owner: 'ops' }, expect: { state: 'running' } }),
      s('s2', { kind: 'resize', toType: 'n1-standard-2' }),
    ]);
    expect(execution?.steps.map((x) => x.status)).toEqual(['not_undoable', 'failed']);
    expect(report?.summary).toMatch(/c7n-jenkins was started again, so c7n-jenkins is running with type n1-standard-1/);
    expect(w.live).toMatchObject({ status: 'RUNNING', type: 'n1-standard-1', labels: { owner: 'ops' } });
  });
});

describe('Google Cloud steps: snapshot, tag, delete', () => {
  it('snapshots every disk; preflight checks the snapshot permissions and writes nothing', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: true });
    expect(w.writes()).toEqual([]);
    const res = await provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: false });
    expect(res.snapshotIds).toEqual([expect.stringMatching(new RegExp(`^projects/${P}/global/snapshots/c7n-jenkins-boot-\\d{14}$`))]);
    expect(w.calls.find((c) => c.path.endsWith('createSnapshot'))?.body).toMatchObject({ labels: { 'steward-source-instance': 'c7n-jenkins', 'steward-step': 's1' } });
  });

  it('a refused snapshot fails with the operation error and takes no other snapshot', async () => {
    const w = world((w) => void (w.refuse.createSnapshot = { code: 'QUOTA_EXCEEDED', message: "Quota 'SNAPSHOTS' exceeded. Limit: 0.0 globally.", status: 403 }));
    const err = await failOf(provider.apply(s('s1', { kind: 'snapshot' }), { dryRun: false }));
    expect([err.code, err.nativeCode]).toEqual(['PROVIDER.FORBIDDEN', 'QUOTA_EXCEEDED']);
    expect(w.writes()).toEqual(['POST createSnapshot']);
  });

  it('labels with the instance fingerprint, keys folded to what labels allow; a refused setLabels changes nothing', async () => {
    const w = world();
    await provider.apply(s('s1', { kind: 'tag', tags: { 'Steward:Owner': 'Team A', '9lives': 'x' } }), { dryRun: false });
    expect(w.live.labels).toEqual({ 'steward-owner': 'team-a', 'k-9lives': 'x' });
    expect(w.calls.find((c) => c.path.endsWith('setLabels'))?.body.labelFingerprint).toBe(gcpFixture('compute.instances.get.json').labelFingerprint);
    expect(labelKey('Name')).toBe('name');
    w.refuse.setLabels = { code: 'CONDITION_NOT_MET', message: 'Labels fingerprint either invalid or resource labels have changed', status: 412 };
    const err = await failOf(provider.apply(s('s2', { kind: 'tag', tags: { env: 'prod' } }), { dryRun: false }));
    expect(err.nativeCode).toBe('CONDITION_NOT_MET');
    expect(w.live.labels).toEqual({ 'steward-owner': 'team-a', 'k-9lives': 'x' });
  });

  it('deletes after its preflight; a refused delete leaves the instance', async () => {
    const w = world((w) => void (w.refuse.delete = { code: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', message: "The instance 'c7n-jenkins' is being used by 'instanceGroupManagers/web'" }));
    await provider.apply(s('s1', { kind: 'delete' }), { dryRun: true });
    const err = await failOf(provider.apply(s('s1', { kind: 'delete' }), { dryRun: false }));
    expect(err.nativeCode).toBe('RESOURCE_IN_USE_BY_ANOTHER_RESOURCE');
    expect(await provider.describe(ref)).toMatchObject({ state: 'running' });
    delete w.refuse.delete;
    await provider.apply(s('s1', { kind: 'delete' }), { dryRun: false });
    expect(await provider.describe(ref)).toBeUndefined();
  });
});

describe('Google Cloud steps: a resize is checked against Compute Engine rules when it is proposed', () => {
  const resize = (toType: string) => s('s1', { kind: 'resize', toType });

  it('refuses an x86 instance to an Arm (T2A) machine type', async () => {
    world();
    expect(await provider.vetStep?.(resize('t2a-standard-4'))).toBe(
      "t2a-standard-4 is an Arm machine type and c7n-jenkins (n1-standard-1) is x86: Compute Engine cannot change an instance's CPU architecture. Pick an x86 type, or create a new instance from an Arm image.",
    );
  });

  it('refuses an NVMe-only family (C3) for an instance whose disks are SCSI, and a non-N1 type for an instance with GPUs', async () => {
    world((w) => void (w.raw = { guestAccelerators: [{ acceleratorType: 'zones/us-central1-b/acceleratorTypes/nvidia-tesla-t4', acceleratorCount: 1 }] }));
    expect(await provider.vetStep?.(resize('n2-standard-4'))).toBe('c7n-jenkins has GPUs attached, which Compute Engine allows only on N1 machine types; detach them first or pick an n1 type.');
    world();
    expect(await provider.vetStep?.(resize('c3-standard-4'))).toMatch(/^c3-standard-4 attaches disks only as NVMe \(and networks only with gVNIC\), and c7n-jenkins's disks are attached as SCSI/);
  });

  it('refuses a machine type the zone does not offer and lets a compatible one through', async () => {
    world();
    expect(await provider.vetStep?.(resize('a3-megagpu-8g'))).toBe('a3-megagpu-8g is not a machine type offered in us-central1-b.');
    expect(await provider.vetStep?.(resize('n1-standard-2'))).toBeUndefined();
  });
});
