import { awsRegionInfo } from './regions.js';
import { DescribeRegionsCommand, type Instance as Ec2Instance } from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';
import type { Finding } from '../../domain/model/finding.js';
import type { Instance, InstanceRef } from '../../domain/model/instance.js';
import type { PlanStep, StepResult } from '../../domain/model/plan.js';
import { gapFromError, type CloudProvider, type Gap, type ListOptions, type Scope } from '../../domain/ports/cloud-provider.port.js';
import type { PriceCatalog } from '../../domain/ports/price-catalog.port.js';
import { inCompletionOrder } from '../../lib/async.js';
import { createRateLimiters, type RateLimiters } from '../../lib/rate-limiter.js';
import { AWS_PERMISSIONS, createAwsActions } from './actions.js';
import { createAwsClients, type AwsClientDeps } from './clients.js';
import { AWS_CREDENTIALS_HINT, awsAdvice, toAwsError } from './errors.js';
import { readRegion, resolveShapes, toInstance, type RawRegion, type Shape } from './instances.js';
import { awsFindings, readSecurityGroups } from './posture.js';
import { awsPosture } from './posture-doc.js';
import type { ResourcePosture } from '../../domain/model/posture.js';
import { awsUtilization } from './utilization.js';

export interface AwsProviderConfig {
  /** Regions to read; empty: every region DescribeRegions reports as enabled. */
  regions: string[];
  catalog: PriceCatalog;
  /** Request-rate limit per region (EC2 refills non-mutating calls at about 20/s). */
  requestsPerSecond?: number;
  /** Regions read at the same time. */
  concurrency?: number;
}

export interface AwsProviderDeps extends AwsClientDeps {
  /** Shared limiters (tests and the benchmark watch them); default: one per region at requestsPerSecond. */
  limiters?: RateLimiters;
  /** How often to re-read state while waiting for a change to land, and for how long. */
  pollIntervalMs?: number;
  timeoutMs?: number;
}

export const AWS_DEFAULTS = { requestsPerSecond: 20, concurrency: 24 } as const;

export function createAwsProvider(config: AwsProviderConfig, deps: AwsProviderDeps = {}): CloudProvider & { close(): void } {
  const limiters = deps.limiters ?? createRateLimiters({ limit: config.requestsPerSecond ?? AWS_DEFAULTS.requestsPerSecond, intervalMs: 1000 });
  const clients = createAwsClients(deps, limiters);
  const shapes = new Map<string, Shape | null>();
  const limit = pLimit(config.concurrency ?? AWS_DEFAULTS.concurrency);
  let discovered: Promise<string[]> | undefined;

  async function checkCredentials(region: string): Promise<void> {
    try {
      await clients.ec2(region).config.credentials();
    } catch (err) {
      const e = toAwsError(err, 'credentials');
      throw e.code === 'PROVIDER.AUTH' ? e : toAwsError(Object.assign(new Error(AWS_CREDENTIALS_HINT), { name: 'CredentialsProviderError' }), 'credentials');
    }
  }

  async function regionsFor(scope: Scope): Promise<string[]> {
    let all = config.regions;
    if (!all.length) {
      discovered ??= clients
        .ec2('us-east-1')
        .send(new DescribeRegionsCommand({}))
        .then((o) => (o.Regions ?? []).map((r) => r.RegionName).filter((r): r is string => !!r).sort())
        .catch((err: unknown) => {
          discovered = undefined;
          throw toAwsError(err, 'DescribeRegions', 'us-east-1');
        });
      all = await discovered;
    }
    return scope.regions?.length ? all.filter((r) => scope.regions?.includes(r)) : all;
  }

  function shapeOf(type: string): Shape | undefined {
    return config.catalog.shape('aws', type) ?? shapes.get(type) ?? undefined;
  }

  /**
   * A failing DescribeInstanceTypes (only asked for types the catalog lacks) costs the sizes of those types, not
   * the region: their instances are listed with what DescribeInstances says (vCPU from CpuOptions, memory unknown).
   */
  async function normalize(raw: RawRegion, scope: Scope, onGap?: (g: Gap) => void): Promise<{ instance: Instance; raw: Ec2Instance }[]> {
    const unknown = raw.instances.map(({ raw: i }) => i.InstanceType ?? '').filter((t) => t && !config.catalog.shape('aws', t));
    if (unknown.length) {
      try {
        await resolveShapes(clients, raw.region, unknown, shapes);
      } catch (err) {
        const e = toAwsError(err, 'DescribeInstanceTypes', raw.region);
        if (!onGap) throw e;
        const types = [...new Set(unknown)].filter((t) => !shapes.has(t));
        onGap({
          ...gapFromError(e, { provider: 'aws', cloud: 'aws', region: raw.region }, awsAdvice(e.code, e.operation)),
          message: `${e.detail}; sizes of ${types.slice(0, 5).join(', ')}${types.length > 5 ? ` and ${types.length - 5} more` : ''} unknown (memory not counted)`,
        });
      }
    }
    return raw.instances
      .filter(({ owner }) => !scope.accounts?.length || scope.accounts.includes(owner))
      .map(({ owner, raw: i }) => ({
        raw: i,
        instance: toInstance(i, { owner, region: raw.region, volumes: raw.volumes, shape: shapeOf(i.InstanceType ?? ''), catalog: config.catalog }),
      }))
      .filter(({ instance }) => instance.state !== 'terminated');
  }

  /** Reads every region in scope; a failing region becomes a gap, the others still answer. */
  async function* eachRegion<T>(scope: Scope, opts: ListOptions, read: (region: string) => Promise<T[]>): AsyncGenerator<T> {
    if (scope.clouds?.length && !scope.clouds.includes('aws')) return;
    const regions = await regionsFor(scope);
    if (!regions.length) return;
    await checkCredentials(regions[0] as string);
    const tasks = regions.map((region) =>
      limit(async () => {
        try {
          const out = await read(region);
          opts.onPart?.({ region });
          return out;
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          const e = toAwsError(err, 'read', region);
          opts.onGap?.(gapFromError(e, { provider: 'aws', cloud: 'aws', region }, awsAdvice(e.code, e.operation)));
          return [];
        }
      }),
    );
    yield* inCompletionOrder(tasks);
  }

  async function readOne(ref: InstanceRef): Promise<{ instance: Instance; raw: Ec2Instance } | undefined> {
    try {
      const raw = await readRegion(clients, ref.region, { instanceIds: [ref.id] });
      const [first] = await normalize(raw, {});
      return first;
    } catch (err) {
      const e = toAwsError(err, 'DescribeInstances', ref.region);
      if (e.code === 'PROVIDER.NOT_FOUND') return undefined;
      throw e;
    }
  }

  const actions = createAwsActions({ clients, read: readOne, pollIntervalMs: deps.pollIntervalMs ?? 5000, timeoutMs: deps.timeoutMs ?? 15 * 60_000 });

  return {
    id: 'aws',
    clouds: ['aws'],
    listInstances(scope, opts = {}) {
      return eachRegion(scope, opts, async (region) => (await normalize(await readRegion(clients, region, opts.signal ? { signal: opts.signal } : {}), scope, opts.onGap)).map((x) => x.instance));
    },
    securityPosture(scope, opts = {}) {
      return eachRegion<Finding>(scope, opts, async (region) => {
        const [raw, groups] = await Promise.all([readRegion(clients, region, opts.signal ? { signal: opts.signal } : {}), readSecurityGroups(clients, region, opts.signal)]);
        return (await normalize(raw, scope, opts.onGap)).flatMap(({ instance, raw: r }) => awsFindings(instance, r, groups));
      });
    },
    posture(scope, opts = {}) {
      return eachRegion<ResourcePosture>(scope, opts, async (region) => {
        const [raw, groups] = await Promise.all([readRegion(clients, region, opts.signal ? { signal: opts.signal } : {}), readSecurityGroups(clients, region, opts.signal)]);
        return (await normalize(raw, scope, opts.onGap)).map(({ instance, raw: r }) => awsPosture(instance, r, groups, raw.volumes));
      });
    },
    utilization: (refs, window, opts) => awsUtilization(clients, refs.filter((r) => r.provider === 'aws'), window, opts),
    async describe(ref) {
      const found = await readOne(ref);
      return found && found.instance.state !== 'terminated' ? found.instance : undefined;
    },
    regionInfo: awsRegionInfo,
    permissionsFor: (step: PlanStep) => AWS_PERMISSIONS[step.kind],
    apply: (step: PlanStep, opts: { dryRun: boolean; snapshotIds?: string[] }): Promise<StepResult> => actions.apply(step, opts),
    vetStep: (step: PlanStep) => actions.vet(step),
    close: () => clients.destroy(),
  };
}
