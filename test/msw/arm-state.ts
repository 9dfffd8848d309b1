/**
 * A small stateful Azure Resource Manager for the mutation tests: one VM (the shared `web-eu-1` fixture) whose power
 * state, size and tags change with the calls, and the disks, NICs, snapshots and VMs a step creates. Long-running
 * operations answer 202 + Azure-AsyncOperation and succeed on the first poll (or fail, when refused). `refuse` makes
 * one operation fail: `'<METHOD> <last path segment>'`, e.g. `'PATCH web-eu-1'`, `'POST start'`, `'PUT web-eu-1-ne'`
 * (a key ending in `*` matches by prefix).
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import { ARM, armError, azureFixture, type ArmCall } from './azure.js';

export const SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';
export const RG = `/subscriptions/${SUB}/resourceGroups/rg-web`;
export const VM_PATH = `${RG}/providers/Microsoft.Compute/virtualMachines/web-eu-1`;
export const VM_ID = VM_PATH;

export interface ArmRefusal {
  status: number;
  code: string;
  message: string;
  /** Fail inside the long-running operation (202, then status Failed) instead of at once. */
  async?: boolean;
}

export interface ArmWorld {
  vm: { power: string; size: string; tags: Record<string, string>; hyperVGeneration?: string };
  /** Sizes the VM's current cluster offers without deallocation, and sizes the region offers. */
  inPlace: string[];
  regional: Record<string, { name: string; numberOfCores: number; memoryInMB: number }[]>;
  /** Created resources by path. */
  made: Map<string, unknown>;
  calls: ArmCall[];
  refuse: Record<string, ArmRefusal>;
  handlers(): HttpHandler[];
  /** Write calls as `METHOD last-segment`. */
  writes(): string[];
}

export function armWorld(): ArmWorld {
  let opSeq = 0;
  const w: ArmWorld = {
    vm: { power: 'PowerState/running', size: 'Standard_D2s_v3', tags: { env: 'prod', team: 'web' } },
    inPlace: [],
    regional: {
      westeurope: [
        { name: 'Standard_D2s_v3', numberOfCores: 2, memoryInMB: 8192 },
        { name: 'Standard_D4s_v3', numberOfCores: 4, memoryInMB: 16384 },
      ],
      northeurope: [{ name: 'Standard_D2s_v3', numberOfCores: 2, memoryInMB: 8192 }],
    },
    made: new Map(),
    calls: [],
    refuse: {},
    handlers,
    writes: () => w.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path.split('/').pop()}`),
  };

  const record = async (request: Request, withBody: boolean) => {
    const url = new URL(request.url);
    const body = withBody ? await request.json().catch(() => undefined) : undefined;
    const call = { method: request.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, at: performance.now() };
    w.calls.push(call);
    return call;
  };

  /** 202 + an operation that succeeds on its first poll after `effect` ran (or fails, refused asynchronously). */
  function lro(key: string, effect: () => void, result?: unknown): Response {
    const r = w.refuse[key] ?? Object.entries(w.refuse).find(([k]) => k.endsWith('*') && key.startsWith(k.slice(0, -1)))?.[1];
    if (r && !r.async) return armError(r.status, r.code, r.message, `req-${key.replace(' ', '-')}`);
    const n = ++opSeq;
    ops.set(n, r ? { fail: r } : { result });
    if (!r) effect();
    return new HttpResponse(result === undefined ? null : JSON.stringify(result), {
      status: 202,
      headers: { 'Azure-AsyncOperation': `${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/operations/op-${n}`, 'content-type': 'application/json' },
    });
  }
  const ops = new Map<number, { fail?: ArmRefusal; result?: unknown }>();

  function vmDoc() {
    const vm = structuredClone(azureFixture('virtualMachines_listAll.priced.ours.json').value[0]);
    vm.properties.hardwareProfile.vmSize = w.vm.size;
    vm.tags = { ...w.vm.tags };
    vm.properties.instanceView = { statuses: [{ code: 'ProvisioningState/succeeded' }, { code: w.vm.power }], ...(w.vm.hyperVGeneration ? { hyperVGeneration: w.vm.hyperVGeneration } : {}) };
    return vm;
  }

  function handlers(): HttpHandler[] {
    return [
      http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/operations/:op`, ({ params }) => {
        const op = ops.get(Number(String(params.op).slice(3)));
        return op?.fail ? HttpResponse.json({ status: 'Failed', error: { code: op.fail.code, message: op.fail.message } }) : HttpResponse.json({ status: 'Succeeded' });
      }),
      http.get(`${ARM}${VM_PATH}`, () => (w.vm.power === 'gone' ? armError(404, 'ResourceNotFound', "The Resource 'Microsoft.Compute/virtualMachines/web-eu-1' was not found.") : HttpResponse.json(vmDoc()))),
      http.get(`${ARM}${RG}/providers/Microsoft.Network/networkInterfaces/web-eu-1-nic`, () => HttpResponse.json(azureFixture('networkInterfaces_listAll.ours.json').value[1])),
      http.get(`${ARM}${VM_PATH}/vmSizes`, () => HttpResponse.json({ value: w.regional.westeurope?.filter((s) => w.inPlace.includes(s.name)) ?? [] })),
      http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/:loc/vmSizes`, ({ params }) => HttpResponse.json({ value: w.regional[String(params.loc)] ?? [] })),
      http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/skus`, ({ request }) => {
        const filter = new URL(request.url).searchParams.get('$filter');
        return HttpResponse.json(filter === "location eq 'westeurope'" ? azureFixture('resourceSkus_westeurope.ours.json') : { value: [] });
      }),
      http.get(`${ARM}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/:loc/usages`, () => HttpResponse.json(azureFixture('usages_list.ours.json'))),
      http.post(`${ARM}${VM_PATH}/:action`, async ({ request, params }) => {
        await record(request, false);
        const action = String(params.action);
        return lro(`POST ${action}`, () => {
          if (action === 'deallocate') w.vm.power = 'PowerState/deallocated';
          if (action === 'start' || action === 'restart') w.vm.power = 'PowerState/running';
        });
      }),
      http.patch(`${ARM}${VM_PATH}`, async ({ request }) => {
        const call = await record(request, true);
        const body = call.body as { properties?: { hardwareProfile?: { vmSize?: string } }; tags?: Record<string, string> };
        const size = body.properties?.hardwareProfile?.vmSize;
        if (size && w.vm.power === 'PowerState/running' && !w.inPlace.includes(size)) {
          return armError(409, 'OperationNotAllowed', `Unable to resize the VM 'web-eu-1' because the requested size ${size} is not available in the current hardware cluster.`);
        }
        return lro('PATCH web-eu-1', () => {
          if (size) w.vm.size = size;
          if (body.tags) w.vm.tags = body.tags;
        }, vmDoc());
      }),
      http.delete(`${ARM}${VM_PATH}`, async ({ request }) => {
        await record(request, false);
        return lro('DELETE web-eu-1', () => void (w.vm.power = 'gone'));
      }),
      http.put(`${ARM}${RG}/providers/:ns/:type/:name`, async ({ request, params }) => {
        const call = await record(request, true);
        const path = new URL(request.url).pathname;
        const doc = { ...(call.body as object), id: path, name: String(params.name) };
        return lro(`PUT ${String(params.name)}`, () => void w.made.set(path, doc), doc);
      }),
      http.delete(`${ARM}${RG}/providers/:ns/:type/:name`, async ({ request, params }) => {
        await record(request, false);
        const path = new URL(request.url).pathname;
        if (!w.made.has(path)) return armError(404, 'ResourceNotFound', `The Resource '${String(params.name)}' was not found.`);
        return lro(`DELETE ${String(params.name)}`, () => void w.made.delete(path));
      }),
      http.get(`${ARM}${RG}/providers/:ns/:type/:name`, ({ request, params }) => {
        const doc = w.made.get(new URL(request.url).pathname);
        return doc ? HttpResponse.json(doc) : armError(404, 'ResourceNotFound', `The Resource '${String(params.name)}' was not found.`);
      }),
    ];
  }
  return w;
}
