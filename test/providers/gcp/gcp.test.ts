import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/model/errors.js';
import type { PlanStep } from '../../../src/domain/model/plan.js';
import type { Gap } from '../../../src/domain/ports/cloud-provider.port.js';
import { toArray } from '../../../src/lib/collections.js';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createGcpProvider, type GcpProviderDeps } from '../../../src/providers/gcp/index.js';
import { aggregatedInstances, compute, fakeAuth, gcpError, gcpFixture, MONITORING, operation, type GcpCall } from '../../msw/gcp.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const P = 'cloud-custodian';
const catalog = loadPriceCatalog();
const fast: GcpProviderDeps = { retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 5000 };
const made: { close(): Promise<void> }[] = [];
const gcp = (projects: string[] = [P], deps: GcpProviderDeps = {}) => {
  const p = createGcpProvider({ projectIds: projects, catalog }, { authClient: fakeAuth(), ...fast, ...deps });
  made.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(made.map((p) => p.close()));
});

const items = () => gcpFixture('compute.instances.aggregatedList.json').items as Record<string, any>;

describe('Google Cloud adapter: inventory', () => {
  it('reads through an endpoint override (host, port and protocol from the URL)', async () => {
    server.use(aggregatedInstances(P, [items()], { base: 'http://compute.psc.example.internal:8080/compute/v1' }));
    const found = await toArray(gcp([P], { endpoint: 'http://compute.psc.example.internal:8080' }).listInstances({}));
    expect(found.map((i) => i.name).sort()).toEqual(['c7n-jenkins', 'custodian', 'custodian-dev', 'drone']);
  });

  it('normalizes aggregatedList instances: zone and region, state, addresses, labels, size and price', async () => {
    server.use(aggregatedInstances(P, [items()]));
    const found = await toArray(gcp().listInstances({}));
    expect(found.map((i) => i.name).sort()).toEqual(['c7n-jenkins', 'custodian', 'custodian-dev', 'drone']);
    expect(found.find((i) => i.name === 'c7n-jenkins')).toMatchObject({
      provider: 'gcp',
      account: P,
      region: 'us-central1',
      zone: 'us-central1-b',
      id: 'c7n-jenkins',
      type: 'n1-standard-1',
      vcpu: 1,
      memoryGiB: 3.75,
      state: 'running',
      publicIps: ['104.154.233.11'],
      privateIps: ['10.128.0.3'],
      price: { kind: 'priced' },
    });
    expect(found.find((i) => i.name === 'drone')?.state).toBe('stopped');
    // us-east1 is not in the bundled GCP price table: flagged, never zero
    expect(found.find((i) => i.name === 'custodian')?.price).toEqual({ kind: 'unpriced', reason: 'n1-standard-2 has no catalog price in us-east1' });
    expect(found.find((i) => i.name === 'custodian')?.tags).toMatchObject({ ci: '', drone: '' });
  });

  it('pages at 500 with partial success, and labels an unreachable zone as a gap', async () => {
    const calls: GcpCall[] = [];
    const all = items();
    const page1 = { 'zones/us-central1-b': all['zones/us-central1-b'], 'zones/europe-west1-b': { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope zones/europe-west1-b on this page.' } } };
    const page2 = { 'zones/us-east1-b': all['zones/us-east1-b'], 'zones/us-east1-d': all['zones/us-east1-d'], 'zones/asia-east1-a': { warning: { code: 'UNREACHABLE', message: 'The resource zones/asia-east1-a is unreachable.' } } };
    server.use(aggregatedInstances(P, [page1, page2], { calls }));
    const gaps: Gap[] = [];
    const found = await toArray(gcp().listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(found).toHaveLength(4);
    expect(calls.map((c) => [c.query.maxResults, c.query.returnPartialSuccess, c.query.pageToken])).toEqual([
      ['500', 'true', undefined],
      ['500', 'true', 'p1'],
    ]);
    expect(calls.every((c) => c.auth === 'Bearer fake-gcp-token')).toBe(true);
    expect(gaps).toEqual([{ provider: 'gcp', cloud: 'gcp', account: P, region: 'asia-east1', code: 'PROVIDER.UNAVAILABLE', message: expect.stringMatching(/asia-east1-a.*unreachable.*UNREACHABLE/) }]);
  });

  it('backs off on 403 rateLimitExceeded and then answers', async () => {
    let n = 0;
    server.use(aggregatedInstances(P, [items()], { respond: () => (++n <= 2 ? gcpError(403, 'rateLimitExceeded', 'Rate Limit Exceeded') : undefined) }));
    const found = await toArray(gcp().listInstances({}));
    expect(found).toHaveLength(4);
    expect(n).toBe(3);
  });

  it('labels a forbidden project as a gap while the other project answers', async () => {
    server.use(
      aggregatedInstances(P, [items()]),
      aggregatedInstances('other-project', [], { respond: () => gcpError(403, 'forbidden', "Required 'compute.instances.list' permission for 'projects/other-project'") }),
    );
    const gaps: Gap[] = [];
    const found = await toArray(gcp([P, 'other-project']).listInstances({}, { onGap: (g) => gaps.push(g) }));
    expect(new Set(found.map((i) => i.account))).toEqual(new Set([P]));
    expect(gaps).toMatchObject([{ provider: 'gcp', account: 'other-project', code: 'PROVIDER.FORBIDDEN' }]);
    expect(gaps[0]?.message).toMatch(/compute\.instances\.list.*\(forbidden, request req-forbidden\)/);
  });

  it('without credentials or projects throws PROVIDER.AUTH naming what to set', async () => {
    const broken = fakeAuth();
    broken.getAccessToken = async () => {
      throw new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    };
    const e1 = (await toArray(gcp([P], { authClient: broken }).listInstances({})).catch((e: unknown) => e)) as ProviderError;
    expect([e1.code, e1.message]).toEqual(['PROVIDER.AUTH', expect.stringMatching(/GOOGLE_APPLICATION_CREDENTIALS.*application-default login/)]);
    const e2 = (await toArray(gcp([]).listInstances({})).catch((e: unknown) => e)) as ProviderError;
    expect([e2.code, e2.message]).toEqual(['PROVIDER.AUTH', expect.stringMatching(/GCP_PROJECT_IDS/)]);
  });
});

const ref = { provider: 'gcp' as const, account: P, region: 'us-central1', zone: 'us-central1-b', id: 'c7n-jenkins' };
const base = { id: 's1', target: ref, targetName: 'c7n-jenkins', expect: {}, reason: 'test' };
const OP = 'operation-1533298821393-57286f3956a69-7fe72172-a282995b';

/** The instance from compute.instances.get.json with a state the test controls, plus its zone operations. */
function liveInstance(live: { status: string; type?: string }, calls: GcpCall[], more: Record<string, (c: GcpCall) => Response> = {}) {
  let waits = 0;
  const pending = (op: string) => () => HttpResponse.json({ ...gcpFixture(`compute.instances.${op}.operation-pending.json`), zone: `https://www.googleapis.com/compute/v1/projects/${P}/zones/us-central1-b` });
  return compute(
    P,
    {
      'GET zones/us-central1-b/instances/c7n-jenkins': () => {
        const doc = gcpFixture('compute.instances.get.json');
        doc.status = live.status;
        if (live.type) doc.machineType = doc.machineType.replace(/[^/]+$/, live.type);
        return HttpResponse.json(doc);
      },
      'POST zones/us-central1-b/instances/c7n-jenkins/stop': () => {
        live.status = 'TERMINATED';
        return pending('stop')();
      },
      'POST zones/us-central1-b/instances/c7n-jenkins/start': () => {
        live.status = 'RUNNING';
        return pending('start')();
      },
      'POST zones/us-central1-b/instances/c7n-jenkins/setMachineType': (c) => {
        live.type = String(c.body?.machineType).split('/').pop();
        return HttpResponse.json(operation(OP, 'us-central1-b', P, 'PENDING', { operationType: 'setMachineType' }));
      },
      // zoneOperations.wait: RUNNING once, then DONE (the recorded jclouds DONE document)
      'POST zones/us-central1-b/operations/:op/wait': () =>
        HttpResponse.json(waits++ % 2 === 0 ? operation(OP, 'us-central1-b', P, 'RUNNING') : { ...gcpFixture('compute.zoneOperations.get.done.jclouds.json'), name: OP, zone: `https://www.googleapis.com/compute/v1/projects/${P}/zones/us-central1-b` }),
      'GET zones/us-central1-b/machineTypes/:type': (c) => {
        const type = c.path.split('/').pop();
        const mt = gcpFixture('compute.machineTypes.aggregatedList.trimmed.json').items['zones/us-central1-a'].machineTypes.find((m: any) => m.name === type);
        return mt ? HttpResponse.json(mt) : gcpError(404, 'notFound', `The resource 'projects/${P}/zones/us-central1-b/machineTypes/${type}' was not found`);
      },
      'GET regions/us-central1': () => HttpResponse.json({ name: 'us-central1', quotas: [{ metric: 'CPUS', limit: 24, usage: 10 }] }),
      'POST zones/us-central1-b/instances/c7n-jenkins/testIamPermissions': (c) => HttpResponse.json({ permissions: c.body?.permissions ?? [] }),
      ...more,
    },
    calls,
  );
}

describe('Google Cloud adapter: actions', () => {
  it('stops an instance and waits on the zone operation until it is DONE', async () => {
    const calls: GcpCall[] = [];
    server.use(liveInstance({ status: 'RUNNING' }, calls));
    const res = await gcp().apply({ ...base, kind: 'stop' }, { dryRun: false });
    expect(res).toMatchObject({ ok: true, mode: 'applied', before: { state: 'running', type: 'n1-standard-1' } });
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path.split('/').slice(-2).join('/'))).toEqual(['c7n-jenkins/stop', `${OP}/wait`, `${OP}/wait`]);
  });

  it('turns an operation that finished with an error into a ProviderError with its code', async () => {
    server.use(
      liveInstance({ status: 'TERMINATED' }, [], {
        'POST zones/us-central1-b/instances/c7n-jenkins/start': () => HttpResponse.json({ ...gcpFixture('compute.zoneOperations.get.error.jclouds.json'), zone: `https://www.googleapis.com/compute/v1/projects/${P}/zones/us-central1-b` }),
      }),
    );
    const err = (await gcp().apply({ ...base, kind: 'start' }, { dryRun: false }).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect([err.code, err.nativeCode]).toEqual(['PROVIDER.INVALID', 'RESOURCE_ALREADY_EXISTS']);
  });

  it('resizes a running instance: stop, setMachineType, start, each waited on', async () => {
    const calls: GcpCall[] = [];
    const live = { status: 'RUNNING' };
    server.use(liveInstance(live, calls));
    const provider = gcp();
    const res = await provider.apply({ ...base, kind: 'resize', toType: 'n1-standard-2' } as PlanStep, { dryRun: false });
    expect(res).toMatchObject({ ok: true, mode: 'applied' });
    const writes = calls.filter((c) => c.method === 'POST' && !c.path.endsWith('/wait')).map((c) => c.path.split('/').pop());
    expect(writes).toEqual(['stop', 'setMachineType', 'start']);
    expect(calls.find((c) => c.path.endsWith('/setMachineType'))?.body).toEqual({ machineType: 'zones/us-central1-b/machineTypes/n1-standard-2' });
    expect(await provider.describe(ref)).toMatchObject({ state: 'running', type: 'n1-standard-2' });
  });

  it('preflights with testIamPermissions, type offered in the zone and CPU quota, and changes nothing', async () => {
    const calls: GcpCall[] = [];
    server.use(liveInstance({ status: 'RUNNING' }, calls));
    const res = await gcp().apply({ ...base, kind: 'resize', toType: 'n1-standard-2' } as PlanStep, { dryRun: true });
    expect(res).toMatchObject({ ok: true, mode: 'preflight', message: expect.stringMatching(/CPUS quota 11\/24/) });
    expect(calls.find((c) => c.path.endsWith('testIamPermissions'))?.body.permissions).toEqual(['compute.instances.get', 'compute.instances.stop', 'compute.instances.setMachineType', 'compute.instances.start']);
    expect(calls.filter((c) => c.method === 'POST' && !c.path.endsWith('testIamPermissions'))).toEqual([]);
  });

  it('fails the preflight with PROVIDER.FORBIDDEN naming the permissions the caller lacks', async () => {
    server.use(
      liveInstance({ status: 'RUNNING' }, [], {
        'POST zones/us-central1-b/instances/c7n-jenkins/testIamPermissions': () => HttpResponse.json({ permissions: ['compute.instances.get'] }),
      }),
    );
    const err = (await gcp().apply({ ...base, kind: 'delete' }, { dryRun: true }).catch((e: unknown) => e)) as ProviderError;
    expect([err.code, err.message]).toEqual(['PROVIDER.FORBIDDEN', 'missing permission(s) on c7n-jenkins: compute.instances.delete']);
  });

  it('refuses a type the zone does not offer', async () => {
    server.use(liveInstance({ status: 'RUNNING' }, []));
    const err = (await gcp().apply({ ...base, kind: 'resize', toType: 'a3-megagpu-8g' } as PlanStep, { dryRun: true }).catch((e: unknown) => e)) as ProviderError;
    expect([err.code, err.message]).toEqual(['PROVIDER.INVALID', 'a3-megagpu-8g is not offered in us-central1-b']);
  });

  it('creates a failover replacement from a snapshot in another region', async () => {
    const calls: GcpCall[] = [];
    server.use(
      compute(P, {
        'GET zones/us-central1-b/instances/c7n-jenkins': () => HttpResponse.json(gcpFixture('compute.instances.get.json')),
        'GET zones/europe-west1-b/machineTypes/n1-standard-1': () => HttpResponse.json(gcpFixture('compute.machineTypes.aggregatedList.trimmed.json').items['zones/europe-west1-b'].machineTypes.find((m: any) => m.name === 'n1-standard-1')),
        'GET regions/europe-west1': () => HttpResponse.json({ name: 'europe-west1', quotas: [{ metric: 'CPUS', limit: 24, usage: 0 }] }),
        'POST zones/europe-west1-b/instances': () => HttpResponse.json(operation('op-insert', 'europe-west1-b', P, 'DONE', { operationType: 'insert' })),
      }, calls),
    );
    const step = { ...base, kind: 'create', name: 'c7n-jenkins-ew1', placement: { provider: 'gcp', account: P, region: 'europe-west1', zone: 'europe-west1-b', type: 'n1-standard-1' }, fromSnapshotStep: 's0', tags: { failover: 'true' } } as PlanStep;
    const res = await gcp().apply(step, { dryRun: false, snapshotIds: [`projects/${P}/global/snapshots/c7n-jenkins-boot-1`] } as never);
    expect(res.created).toEqual({ provider: 'gcp', account: P, region: 'europe-west1', zone: 'europe-west1-b', id: 'c7n-jenkins-ew1' });
    const insert = calls.find((c) => c.path.endsWith('zones/europe-west1-b/instances'))?.body;
    expect(insert).toMatchObject({
      name: 'c7n-jenkins-ew1',
      machineType: 'zones/europe-west1-b/machineTypes/n1-standard-1',
      disks: [{ boot: true, initializeParams: { sourceSnapshot: `projects/${P}/global/snapshots/c7n-jenkins-boot-1` } }],
      labels: { failover: 'true', 'steward-source-instance': 'c7n-jenkins' },
    });
  });
});

describe('Google Cloud adapter: posture and utilization', () => {
  it('reports SSH open by a firewall on the instance network, the default service account and external IPs', async () => {
    server.use(aggregatedInstances(P, [items()]), compute(P, { 'GET global/firewalls': () => HttpResponse.json(gcpFixture('compute.firewalls.list.libcloud.json')) }));
    const findings = await toArray(gcp().securityPosture({}));
    const of = (name: string) => findings.filter((f) => f.resource.name === name).map((f) => f.checkId).sort();
    expect(of('c7n-jenkins')).toEqual(['compute_firewall_ssh_access_from_the_internet_allowed', 'compute_instance_default_service_account_in_use', 'compute_instance_public_ip']);
    expect(findings.find((f) => f.checkId.startsWith('compute_firewall_ssh'))?.detail).toBe('firewall default-ssh allows tcp/22 from 0.0.0.0/0');
  });

  it('computes p50/p95 CPU from hourly Cloud Monitoring means', async () => {
    let query: Record<string, string> = {};
    server.use(
      http.get(`${MONITORING}/projects/${P}/timeSeries`, ({ request }) => {
        query = Object.fromEntries(new URL(request.url).searchParams);
        return HttpResponse.json({
          timeSeries: [
            {
              metric: { type: 'compute.googleapis.com/instance/cpu/utilization', labels: { instance_name: 'c7n-jenkins' } },
              resource: { type: 'gce_instance', labels: { zone: 'us-central1-b', instance_id: '1', project_id: P } },
              points: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95].map((v, h) => ({ interval: { endTime: new Date(Date.UTC(2024, 4, 1, h)).toISOString() }, value: { doubleValue: v } })),
            },
          ],
        });
      }),
    );
    const [u] = await gcp().utilization([ref], { days: 8, end: new Date('2024-05-02T00:00:00Z') });
    expect(u).toMatchObject({ samples: 10, cpuP50: 50, cpuP95: 95, memP95: null });
    expect(query['aggregation.alignmentPeriod']).toBe('3600s');
    expect(query.filter).toMatch(/instance\/cpu\/utilization.*instance_name = one_of\("c7n-jenkins"\)/);
  });
});
