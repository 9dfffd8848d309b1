import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { loadPriceCatalog } from '../../../src/pricing/catalog.js';
import { createAzureProvider } from '../../../src/providers/azure/index.js';
import { ARM, armError, armCredential, azureFixture, subscriptionLists } from '../../msw/azure.js';
import { providerContract } from '../contract.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';
const credential = armCredential();

providerContract('azure', async () => {
  const vm = azureFixture('virtualMachines_listAll.priced.ours.json').value[0];
  const power = azureFixture('virtualMachines_listAll_statusOnly.ours.json').value;
  server.use(
    ...subscriptionLists(SUB, { vms: [azureFixture('virtualMachines_listAll.recorded.json').value, [vm]], statusOnly: [power], nics: [azureFixture('networkInterfaces_listAll.ours.json').value], pips: [azureFixture('publicIPAddresses_listAll.ours.json').value] }),
    http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/:location/vmSizes`, () => HttpResponse.json(azureFixture('VirtualMachine_ListAvailableVmSizes.json'))),
    http.get(`${ARM}/subscriptions/${SUB}/resourceGroups/:rg/providers/Microsoft.Compute/virtualMachines/:name`, ({ params }) => {
      const doc = [...azureFixture('virtualMachines_listAll.recorded.json').value, vm].find((v: any) => v.name === params.name);
      if (!doc) return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/virtualMachines/${String(params.name)}' was not found.`);
      const state = power.find((p: any) => p.name === params.name);
      return HttpResponse.json({ ...doc, properties: { ...doc.properties, instanceView: state.properties.instanceView } });
    }),
    http.get(`${ARM}/subscriptions/${SUB}/resourceGroups/:rg/providers/Microsoft.Network/networkInterfaces/:name`, ({ params }) =>
      HttpResponse.json(azureFixture('networkInterfaces_listAll.ours.json').value.find((n: any) => n.name === params.name)),
    ),
    http.get(`${ARM}/subscriptions/${SUB}/resourceGroups/:rg/providers/Microsoft.Network/publicIPAddresses/:name`, () => HttpResponse.json(azureFixture('publicIPAddresses_listAll.ours.json').value[0])),
  );
  return {
    provider: createAzureProvider({ subscriptionIds: [SUB], catalog: loadPriceCatalog() }, { credential, retryOptions: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 2 }, pollIntervalMs: 1 }),
    missing: { provider: 'azure', account: SUB, region: 'westeurope', id: `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/gone-vm` },
    throttleEverything: () => server.use(http.get(`${ARM}/subscriptions/${SUB}/providers/*`, () => armError(429, 'TooManyRequests', 'The request is being throttled.', 'req-429', { 'Retry-After': '0' }))),
  };
});
