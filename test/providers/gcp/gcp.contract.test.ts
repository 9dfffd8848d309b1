import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createGcpProvider } from '../../../src/providers/gcp/index.js';
import { aggregatedInstances, compute, fakeAuth, gcpError, gcpFixture } from '../../msw/gcp.js';
import { providerContract } from '../contract.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const P = 'cloud-custodian';

providerContract('gcp', async () => {
  const items = gcpFixture('compute.instances.aggregatedList.json').items as Record<string, { instances?: any[] }>;
  const byName = new Map(Object.entries(items).flatMap(([, v]) => (v.instances ?? []).map((i) => [i.name as string, i])));
  server.use(
    aggregatedInstances(P, [items]),
    compute(P, {
      'GET zones/:zone/instances/:name': (c) => {
        const i = byName.get(c.path.split('/').pop() ?? '');
        return i ? HttpResponse.json(i) : gcpError(404, 'notFound', `The resource '${c.path}' was not found`);
      },
      'POST zones/:zone/instances/:name/testIamPermissions': (c) => HttpResponse.json({ permissions: c.body?.permissions ?? [] }),
    }),
  );
  const provider = createGcpProvider({ projectIds: [P], catalog: loadPriceCatalog() }, { authClient: fakeAuth(), retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
  return {
    provider,
    missing: { provider: 'gcp', account: P, region: 'us-central1', zone: 'us-central1-b', id: 'gone-vm' },
    throttleEverything: () => server.use(aggregatedInstances(P, [], { respond: () => gcpError(403, 'rateLimitExceeded', 'Rate Limit Exceeded') })),
    dispose: () => provider.close(),
  };
});
