import type { VirtualMachine } from '@azure/arm-compute';
import pLimit from 'p-limit';
import { azureRegionInfo } from './regions.js';
import { ProviderError } from '../../domain/model/errors.js';
import type { Finding } from '../../domain/model/finding.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import type { PlanStep, StepResult } from '../../domain/model/plan.js';
import { gapFromError, type CloudProvider, type ListOptions, type Scope } from '../../domain/ports/cloud-provider.port.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import { inCompletionOrder, loadOnce } from '../../lib/async.js';
import { createRateLimiters, type RateLimiters } from '../../lib/rate-limiter.js';
import { AZURE_PERMISSIONS, createAzureActions } from './actions.js';
import { createAzureClients, type AzureClientDeps } from './clients.js';
import { AZURE_CREDENTIALS_HINT, toAzureError } from './errors.js';
import { nicsByVm, parseVmId, readSubscription, resolveShapes, toInstance, type Nic, type RawSubscription, type Shape } from './instances.js';
import { azureFindings, readNsgs } from './posture.js';
import { azurePosture } from './posture-doc.js';
import type { ResourcePosture } from '../../domain/model/posture.js';
import { azureUtilization } from './utilization.js';

export interface AzureProviderConfig {
  subscriptionIds: string[];
  catalog: PriceCatalog;
  /** ARM reads refill at 25/s per subscription and principal. */
  requestsPerSecond?: number;
  /** Subscriptions read at the same time. */
  concurrency?: number;
  /** Subnet id per region for replacement VMs created by failover plans. */
  subnets?: Record<string, string>;
}

export interface AzureProviderDeps extends AzureClientDeps {
  limiters?: RateLimiters;
  /** Long-running operation poll interval (Azure's Retry-After header wins when present). */
  pollIntervalMs?: number;
}

export const AZURE_DEFAULTS = { requestsPerSecond: 25, concurrency: 24 } as const;
const ARM_SCOPE = 'https://management.azure.com/.default';
const lc = (s: string | undefined) => (s ?? '').toLowerCase();

export function createAzureProvider(config: AzureProviderConfig, deps: AzureProviderDeps = {}): CloudProvider {
  const limiters = deps.limiters ?? createRateLimiters({ limit: config.requestsPerSecond ?? AZURE_DEFAULTS.requestsPerSecond, intervalMs: 1000 });
  const clients = createAzureClients(deps, limiters);
  const limit = pLimit(config.concurrency ?? AZURE_DEFAULTS.concurrency);
  const shapes = new Map<string, Shape>();
  const sizeLists = new Map<string, Promise<void>>();

  async function checkCredentials(): Promise<void> {
    if (!config.subscriptionIds.length) {
      throw new ProviderError('PROVIDER.AUTH', 'no Azure subscriptions configured: set AZURE_SUBSCRIPTION_IDS', { provider: 'azure', operation: 'configure' });
    }
    try {
      const token = await clients.credential().getToken(deps.credentialScope ?? ARM_SCOPE);
      if (!token) throw Object.assign(new Error(AZURE_CREDENTIALS_HINT), { name: 'CredentialUnavailableError' });
    } catch (err) {
      const e = toAzureError(err, 'get a token');
      if (e.code === 'PROVIDER.AUTH') throw e;
      throw new ProviderError('PROVIDER.AUTH', `${AZURE_CREDENTIALS_HINT} (${e.message})`, { provider: 'azure', operation: 'get a token' });
    }
  }

  async function shape(sub: string, location: string, size: string): Promise<Shape | undefined> {
    const known = config.catalog.shape('azure', size) ?? shapes.get(lc(size));
    if (known) return known;
    await loadOnce(sizeLists, `${sub}|${location}`, () => resolveShapes(clients, sub, location, shapes));
    return shapes.get(lc(size));
  }

  async function normalize(raw: RawSubscription, scope: Scope): Promise<{ instance: Instance; vm: VirtualMachine }[]> {
    const vms = raw.vms.filter((v) => !scope.regions?.length || scope.regions.includes(v.location ?? ''));
    const sized = await Promise.all(vms.map(async (vm) => ({ vm, shape: await shape(raw.subscription, vm.location ?? '', vm.hardwareProfile?.vmSize ?? '') })));
    const nics = nicsByVm(raw.nics);
    return sized.map(({ vm, shape: s }) => ({
      vm,
      instance: toInstance(vm, { subscription: raw.subscription, power: raw.power.get(lc(vm.id)), nics: nics.get(lc(vm.id)) ?? [], publicIps: raw.publicIps, shape: s, catalog: config.catalog }),
    }));
  }

  async function* eachSubscription<T>(scope: Scope, opts: ListOptions, read: (sub: string) => Promise<T[]>): AsyncGenerator<T> {
    if (scope.clouds?.length && !scope.clouds.includes('azure')) return;
    await checkCredentials();
    const subs = scope.accounts?.length ? config.subscriptionIds.filter((s) => scope.accounts?.includes(s)) : config.subscriptionIds;
    const tasks = subs.map((sub) =>
      limit(async () => {
        try {
          const out = await read(sub);
          opts.onPart?.({ account: sub });
          return out;
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          const e = toAzureError(err, 'read', sub);
          opts.onGap?.(gapFromError(e, { provider: 'azure', cloud: 'azure', account: sub }));
          return [];
        }
      }),
    );
    yield* inCompletionOrder(tasks);
  }

  async function readOne(ref: InstanceRef): Promise<{ instance: Instance; vm: VirtualMachine } | undefined> {
    const { subscription, resourceGroup, name } = parseVmId(ref.id);
    try {
      const vm = await clients.compute(subscription).virtualMachines.get(resourceGroup, name, { expand: 'instanceView' });
      const network = clients.network(subscription);
      const nics: Nic[] = [];
      const publicIps = new Map<string, string>();
      for (const n of vm.networkProfile?.networkInterfaces ?? []) {
        const m = /resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces\/([^/]+)/i.exec(n.id ?? '');
        if (!m) continue;
        const nic = await network.networkInterfaces.get(m[1] as string, m[2] as string);
        const pipIds = (nic.ipConfigurations ?? []).map((c) => c.publicIPAddress?.id).filter((x): x is string => !!x);
        for (const id of pipIds) {
          const pm = /resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/publicIPAddresses\/([^/]+)/i.exec(id);
          if (!pm) continue;
          const pip = await network.publicIPAddresses.get(pm[1] as string, pm[2] as string);
          if (pip.ipAddress) publicIps.set(lc(id), pip.ipAddress);
        }
        nics.push({
          id: nic.id ?? '',
          vmId: vm.id,
          privateIps: (nic.ipConfigurations ?? []).map((c) => c.privateIPAddress).filter((x): x is string => !!x),
          publicIpIds: pipIds,
          nsgId: nic.networkSecurityGroup?.id,
        });
      }
      const power = vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
      const raw: RawSubscription = { subscription, vms: [vm], power: new Map(power ? [[lc(vm.id), power]] : []), nics, publicIps };
      return (await normalize(raw, {}))[0];
    } catch (err) {
      const e = toAzureError(err, 'read virtual machine', subscription, ref.region);
      if (e.code === 'PROVIDER.NOT_FOUND') return undefined;
      throw e;
    }
  }

  const actions = createAzureActions({ clients, read: readOne, shape, subnets: config.subnets ?? {}, pollIntervalMs: deps.pollIntervalMs ?? 5000 });
  const metricsLimit = pLimit(8);

  return {
    id: 'azure',
    clouds: ['azure'],
    listInstances(scope, opts = {}) {
      return eachSubscription(scope, opts, async (sub) => (await normalize(await readSubscription(clients, sub, opts.signal), scope)).map((x) => x.instance));
    },
    securityPosture(scope, opts = {}) {
      return eachSubscription<Finding>(scope, opts, async (sub) => {
        const [raw, nsgs] = await Promise.all([readSubscription(clients, sub, opts.signal), readNsgs(clients, sub, opts.signal)]);
        const nics = nicsByVm(raw.nics);
        return (await normalize(raw, scope)).flatMap(({ instance, vm }) => azureFindings(instance, vm, nics.get(lc(vm.id)) ?? [], nsgs));
      });
    },
    posture(scope, opts = {}) {
      return eachSubscription<ResourcePosture>(scope, opts, async (sub) => {
        const [raw, nsgs] = await Promise.all([readSubscription(clients, sub, opts.signal), readNsgs(clients, sub, opts.signal)]);
        const nics = nicsByVm(raw.nics);
        return (await normalize(raw, scope)).map(({ instance, vm }) => azurePosture(instance, vm, nics.get(lc(vm.id)) ?? [], nsgs));
      });
    },
    utilization(refs, window) {
      const mine = refs.filter((r) => r.provider === 'azure');
      return azureUtilization(
        clients,
        mine,
        window,
        // Memory total from the VM's size: one light read per VM, no NIC or IP lookups.
        async (ref) => {
          const { subscription, resourceGroup, name } = parseVmId(ref.id);
          const vm = await clients.compute(subscription).virtualMachines.get(resourceGroup, name).catch(() => undefined);
          const size = vm?.hardwareProfile?.vmSize;
          return size ? ((await shape(subscription, vm.location ?? ref.region, size).catch(() => undefined))?.memoryGiB ?? null) : null;
        },
        (f) => metricsLimit(f),
      );
    },
    async describe(ref) {
      return (await readOne(ref))?.instance;
    },
    regionInfo: azureRegionInfo,
    permissionsFor: (step: PlanStep) => AZURE_PERMISSIONS[step.kind],
    apply: (step: PlanStep, opts: { dryRun: boolean; snapshotIds?: string[] }): Promise<StepResult> => actions.apply(step, opts),
    vetStep: (step: PlanStep) => actions.vet(step),
  };
}
