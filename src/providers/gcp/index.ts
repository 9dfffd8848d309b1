import pLimit from 'p-limit';
import { gcpRegionInfo } from './regions.js';
import { ProviderError } from '../../domain/model/errors.js';
import type { Finding } from '../../domain/model/finding.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import type { PlanStep, StepResult } from '../../domain/model/plan.js';
import { gapFromError, type CloudProvider, type ListOptions, type Scope } from '../../domain/ports/cloud-provider.port.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import { inCompletionOrder, loadOnce } from '../../lib/async.js';
import { createRateLimiters, type RateLimiters } from '../../lib/rate-limiter.js';
import { createGcpActions, GCP_PERMISSIONS } from './actions.js';
import { createGcpClients, type GcpClientDeps } from './clients.js';
import { GCP_CREDENTIALS_HINT, toGcpError } from './errors.js';
import { customShape, readProject, regionOfZone, resolveShape, toInstance, type GceInstance, type Shape } from './instances.js';
import { gcpFindings, readFirewalls } from './posture.js';
import { gcpPosture } from './posture-doc.js';
import type { ResourcePosture } from '../../domain/model/posture.js';
import { gcpUtilization } from './utilization.js';

export interface GcpProviderConfig {
  projectIds: string[];
  catalog: PriceCatalog;
  /** Compute Engine list/read quotas are per project per minute (1,500 list calls/min by default). */
  requestsPerMinute?: number;
  /** Projects read at the same time. */
  concurrency?: number;
}

export interface GcpProviderDeps extends GcpClientDeps {
  limiters?: RateLimiters;
  /** Longest time to wait for one change (zone operation) to finish. */
  timeoutMs?: number;
}

export const GCP_DEFAULTS = { requestsPerMinute: 1500, concurrency: 24 } as const;

export function createGcpProvider(config: GcpProviderConfig, deps: GcpProviderDeps = {}): CloudProvider & { close(): Promise<void> } {
  const limiters = deps.limiters ?? createRateLimiters({ limit: config.requestsPerMinute ?? GCP_DEFAULTS.requestsPerMinute, intervalMs: 60_000 });
  const clients = createGcpClients(deps, limiters);
  const limit = pLimit(config.concurrency ?? GCP_DEFAULTS.concurrency);
  const shapes = new Map<string, Promise<Shape | undefined>>();

  async function checkCredentials(): Promise<void> {
    if (!config.projectIds.length) {
      throw new ProviderError('PROVIDER.AUTH', 'no Google Cloud projects configured: set GCP_PROJECT_IDS', { provider: 'gcp', operation: 'configure' });
    }
    try {
      const auth = await clients.authClient();
      const { token } = await auth.getAccessToken();
      if (!token) throw new Error('Could not load the default credentials');
    } catch (err) {
      const e = toGcpError(err, 'get an access token');
      if (e.code === 'PROVIDER.AUTH') throw e;
      throw new ProviderError('PROVIDER.AUTH', `${GCP_CREDENTIALS_HINT} (${e.message})`, { provider: 'gcp', operation: 'get an access token' });
    }
  }

  function shape(project: string, zone: string, type: string): Promise<Shape | undefined> {
    const known = config.catalog.shape('gcp', type) ?? customShape(type);
    if (known) return Promise.resolve(known);
    return loadOnce(shapes, `${type}|${zone}`, () => resolveShape(clients, project, zone, type));
  }

  async function normalize(project: string, rows: { zone: string; raw: GceInstance }[], scope: Scope): Promise<{ instance: Instance; raw: GceInstance }[]> {
    const wanted = rows.filter(({ zone }) => !scope.regions?.length || scope.regions.includes(regionOfZone(zone)));
    return Promise.all(
      wanted.map(async ({ zone, raw }) => {
        const type = (raw.machineType ?? '').split('/').pop() ?? '';
        return { raw, instance: toInstance(raw, { project, zone, shape: await shape(project, zone, type), catalog: config.catalog }) };
      }),
    );
  }

  async function* eachProject<T>(scope: Scope, opts: ListOptions, read: (project: string) => Promise<T[]>): AsyncGenerator<T> {
    if (scope.clouds?.length && !scope.clouds.includes('gcp')) return;
    await checkCredentials();
    const projects = scope.accounts?.length ? config.projectIds.filter((p) => scope.accounts?.includes(p)) : config.projectIds;
    const tasks = projects.map((project) =>
      limit(async () => {
        try {
          const out = await read(project);
          opts.onPart?.({ account: project });
          return out;
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          const e = toGcpError(err, 'read');
          opts.onGap?.(gapFromError(e, { provider: 'gcp', cloud: 'gcp', account: project }));
          return [];
        }
      }),
    );
    yield* inCompletionOrder(tasks);
  }

  async function readOne(ref: InstanceRef): Promise<{ instance: Instance; raw: GceInstance } | undefined> {
    const zone = ref.zone;
    if (!zone) throw new ProviderError('PROVIDER.INVALID', `${ref.id} has no zone`, { provider: 'gcp', operation: 'describe', region: ref.region });
    try {
      const [raw] = await (await clients.instances()).get({ project: ref.account, zone, instance: ref.id });
      return (await normalize(ref.account, [{ zone, raw }], {}))[0];
    } catch (err) {
      const e = toGcpError(err, 'get instance', ref.region);
      if (e.code === 'PROVIDER.NOT_FOUND') return undefined;
      throw e;
    }
  }

  const actions = createGcpActions({ clients, read: readOne, shape, timeoutMs: deps.timeoutMs ?? 15 * 60_000 });

  return {
    id: 'gcp',
    clouds: ['gcp'],
    listInstances(scope, opts = {}) {
      return eachProject(scope, opts, async (project) =>
        (await normalize(project, await readProject(clients, project, (g) => opts.onGap?.(g), opts.signal), scope)).map((x) => x.instance),
      );
    },
    securityPosture(scope, opts = {}) {
      return eachProject<Finding>(scope, opts, async (project) => {
        const [rows, firewalls] = await Promise.all([readProject(clients, project, (g) => opts.onGap?.(g), opts.signal), readFirewalls(clients, project)]);
        return (await normalize(project, rows, scope)).flatMap(({ instance, raw }) => gcpFindings(instance, raw, firewalls));
      });
    },
    posture(scope, opts = {}) {
      return eachProject<ResourcePosture>(scope, opts, async (project) => {
        const [rows, firewalls] = await Promise.all([readProject(clients, project, (g) => opts.onGap?.(g), opts.signal), readFirewalls(clients, project)]);
        return (await normalize(project, rows, scope)).map(({ instance, raw }) => gcpPosture(instance, raw, firewalls));
      });
    },
    utilization: (refs, window) => gcpUtilization(clients, refs.filter((r) => r.provider === 'gcp'), window),
    async describe(ref) {
      return (await readOne(ref))?.instance;
    },
    regionInfo: gcpRegionInfo,
    permissionsFor: (step: PlanStep) => GCP_PERMISSIONS[step.kind],
    apply: (step: PlanStep, opts: { dryRun: boolean; snapshotIds?: string[] }): Promise<StepResult> => actions.apply(step, opts),
    vetStep: (step: PlanStep) => actions.vet(step),
    close: () => clients.close(),
  };
}
