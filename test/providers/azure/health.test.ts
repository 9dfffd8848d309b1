/**
 * Azure health signals through the real SDK clients (@azure/arm-compute instance views, @azure/arm-resourcehealth)
 * against msw serving the Azure REST examples: Resource Health Unavailable → impaired, Available → ok, deallocated
 * → not checked; a Service Health ServiceIssue for Virtual Machines → an open regional issue; Resource Health
 * refused → a labelled gap while instance views still answer.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { azureLocation, createAzureHealthSource } from '../../../src/providers/azure/health.js';
import { ARM, armError, armCredential, armList, azureFixture } from '../../msw/azure.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';
const credential = armCredential();
const source = () => createAzureHealthSource({ subscriptionIds: [SUB], intervalMs: 60_000 }, { credential, retryOptions: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 2 } });

const statusOnly = () => azureFixture('virtualMachines_listAll_statusOnly.ours.json').value as { id: string; name: string }[];
const base = `/subscriptions/${SUB}/providers`;
const vmLists = () => armList(`${base}/Microsoft.Compute/virtualMachines`, [statusOnly()], { when: (q) => q.get('statusOnly') === 'true' });

/** The example's statuses, with `<resourceId>` replaced by our VM's id (nextLink dropped: one page). */
function availability(state: 'Available' | 'Unavailable') {
  const [available, unavailable] = azureFixture('AvailabilityStatuses_ListBySubscriptionId.json').value as { id: string }[];
  const vm = statusOnly()[0] as { id: string };
  const pick = structuredClone(state === 'Available' ? available : unavailable) as { id: string };
  pick.id = pick.id.replace('<resourceId>', vm.id.toUpperCase());
  return pick;
}
const events = () => azureFixture('Events_ListBySubscriptionId.json').value as unknown[];

describe('Azure health source', () => {
  it('Resource Health Unavailable makes a running VM impaired; a deallocated VM is not checked; a Virtual Machines ServiceIssue is an open issue in its region', async () => {
    server.use(vmLists(), armList(`${base}/Microsoft.ResourceHealth/availabilityStatuses`, [[availability('Unavailable')]]), armList(`${base}/Microsoft.ResourceHealth/events`, [events()]));
    const obs = await source().poll();
    const [running, deallocated] = statusOnly();
    const by = Object.fromEntries(obs.instances.map((i) => [i.ref.id, i]));
    expect(by[running?.id ?? '']).toMatchObject({ status: 'impaired', name: 'cctestvm', ref: { provider: 'azure', account: SUB, region: 'southcentralus' } });
    expect(by[running?.id ?? '']?.checks[0]).toMatch(/^Resource Health Unavailable: We are sorry/);
    expect(by[deallocated?.id ?? '']?.status).toBe('unknown');
    const issue = obs.events.find((e) => e.kind === 'issue');
    expect(issue).toMatchObject({ cloud: 'azure', region: 'westus', scope: 'region', state: 'open', severity: 'warning', service: 'Virtual Machines', started: '2025-05-12T14:45:48.120Z' });
    expect(issue?.key).toBe(`azure:event:${SUB}:BC_1-FXZ:westus`);
    expect(obs.gaps).toEqual([]);
  });

  it('Available is ok', async () => {
    server.use(vmLists(), armList(`${base}/Microsoft.ResourceHealth/availabilityStatuses`, [[availability('Available')]]), armList(`${base}/Microsoft.ResourceHealth/events`, [[]]));
    const obs = await source().poll();
    expect(obs.instances.find((i) => i.name === 'cctestvm')?.status).toBe('ok');
  });

  it('Resource Health refused is a labelled gap; the instance view still answers (not checked, never ok)', async () => {
    server.use(
      vmLists(),
      http.get(`${ARM}${base}/Microsoft.ResourceHealth/availabilityStatuses`, () => armError(403, 'AuthorizationFailed', 'The client does not have authorization to perform action Microsoft.ResourceHealth/availabilityStatuses/read')),
      armList(`${base}/Microsoft.ResourceHealth/events`, [[]]),
    );
    const obs = await source().poll();
    expect(obs.gaps).toEqual([expect.objectContaining({ provider: 'azure', cloud: 'azure', account: SUB, code: 'HEALTH.RESOURCE_HEALTH_UNREADABLE' })]);
    expect(obs.instances.find((i) => i.name === 'cctestvm')?.status).toBe('unknown');
  });

  it('names regions as ARM locations', () => {
    expect(azureLocation('West US')).toBe('westus');
    expect(azureLocation('North Europe')).toBe('northeurope');
  });
});
