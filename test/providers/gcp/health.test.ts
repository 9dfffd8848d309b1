/**
 * Google Cloud health signals through the real Compute client (REST transport) and google-auth-library against
 * msw: REPAIRING instances are impaired, RUNNING ok, TERMINATED not checked; upcoming host maintenance; Personalized
 * Service Health events (the docs' sample event, in a ListEvents page) for Compute Engine; PSH refused → a gap.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGcpHealthSource, SERVICE_HEALTH_URL } from '../../../src/providers/gcp/health.js';
import { aggregatedInstances, fakeAuth, gcpError, gcpFixture } from '../../msw/gcp.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const P = 'cloud-custodian';
const made: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(made.map((m) => m.close()));
});
const source = () => {
  const s = createGcpHealthSource({ projectIds: [P], intervalMs: 60_000 }, { authClient: fakeAuth(), retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
  made.push(s);
  return s;
};

/** The recorded aggregatedList with one RUNNING instance turned REPAIRING and another given upcoming maintenance. */
function items() {
  const all = structuredClone(gcpFixture('compute.instances.aggregatedList.json').items) as Record<string, { instances?: Record<string, unknown>[] }>;
  const running = Object.values(all).flatMap((z) => z.instances ?? []).filter((i) => i.status === 'RUNNING');
  const [repairing, maintained] = running;
  if (!repairing || !maintained) throw new Error('fixture has fewer than two RUNNING instances');
  repairing.status = 'REPAIRING';
  maintained.resourceStatus = { upcomingMaintenance: { type: 'SCHEDULED', canReschedule: true, windowStartTime: '2026-12-05T02:00:00Z', windowEndTime: '2026-12-05T06:00:00Z', maintenanceStatus: 'PENDING' } };
  return { all, repairing: repairing.name as string, maintained: maintained.name as string };
}

function pshPage(events: unknown[]) {
  return http.get(`${SERVICE_HEALTH_URL}/projects/${P}/locations/global/events`, ({ request }) => {
    expect(request.headers.get('authorization')).toBe('Bearer fake-gcp-token');
    return HttpResponse.json({ events });
  });
}

describe('Google Cloud health source', () => {
  it('instance status: REPAIRING impaired, RUNNING ok, TERMINATED not checked; upcoming maintenance as a scheduled event', async () => {
    const { all, repairing, maintained } = items();
    server.use(aggregatedInstances(P, [all]), pshPage([]));
    const obs = await source().poll();
    const by = Object.fromEntries(obs.instances.map((i) => [i.ref.id, i]));
    expect(by[repairing]).toMatchObject({ status: 'impaired', ref: { provider: 'gcp', account: P } });
    expect(by[repairing]?.checks[0]).toMatch(/^REPAIRING/);
    expect(Object.values(by).filter((i) => i.status === 'unknown').every((i) => i.checks[0]?.startsWith('TERMINATED'))).toBe(true);
    expect(Object.values(by).some((i) => i.status === 'ok')).toBe(true);
    const m = obs.events.find((e) => e.kind === 'scheduled');
    expect(m).toMatchObject({ cloud: 'gcp', scope: 'instance', state: 'upcoming', started: '2026-12-05T02:00:00Z', ended: '2026-12-05T06:00:00Z' });
    expect(m?.affected[0]?.ref.id).toBe(maintained);
    expect(obs.gaps).toEqual([]);
  });

  it('Service Health: an active Compute Engine incident in a region is open; the docs sample (Cloud SQL, resolved) is left out or closed', async () => {
    const sample = gcpFixture('servicehealth.events.get.gcpdocs.json');
    const active = { ...structuredClone(sample), name: `projects/${P}/locations/global/events/ev-2`, state: 'ACTIVE', detailedState: 'CONFIRMED', relevance: 'IMPACTED', eventImpacts: [{ product: { productName: 'Google Compute Engine' }, location: { locationName: 'europe-west1' } }] };
    const resolvedCompute = { ...structuredClone(sample), name: `projects/${P}/locations/global/events/ev-3`, eventImpacts: [{ product: { productName: 'Google Compute Engine' }, location: { locationName: 'us-central1' } }] };
    server.use(aggregatedInstances(P, [items().all]), pshPage([sample, active, resolvedCompute]));
    const obs = await source().poll();
    const issues = obs.events.filter((e) => e.kind === 'issue');
    expect(issues.map((e) => [e.region, e.state, e.scope, e.severity])).toEqual([
      ['europe-west1', 'open', 'account', 'critical'],
      ['us-central1', 'closed', 'region', 'info'],
    ]);
    expect(issues[0]?.summary).toMatch(/CONFIRMED, IMPACTED/);
  });

  it('Service Health refused (API disabled) is a labelled gap; instance status still answers', async () => {
    server.use(
      aggregatedInstances(P, [items().all]),
      http.get(`${SERVICE_HEALTH_URL}/projects/${P}/locations/global/events`, () => gcpError(403, 'SERVICE_DISABLED', 'Service Health API has not been used in project before or it is disabled.')),
    );
    const obs = await source().poll();
    expect(obs.gaps).toEqual([expect.objectContaining({ provider: 'gcp', cloud: 'gcp', account: P, code: 'HEALTH.SERVICE_HEALTH_UNAVAILABLE' })]);
    expect(obs.gaps[0]?.message).toMatch(/HTTP 403/);
    expect(obs.instances.length).toBeGreaterThan(0);
  });
});
