/**
 * AWS health signals (issue 15): EC2 DescribeInstanceStatus (system and instance status checks, scheduled events)
 * per region, and the AWS Health API (DescribeEvents + DescribeAffectedEntities) for EC2/EBS issues. The Health API
 * needs a Business, Enterprise On-Ramp or Enterprise support plan; without one it answers
 * SubscriptionRequiredException, which becomes a labelled gap (region-wide events unknown), never "healthy".
 */
import { DescribeInstanceStatusCommand, DescribeRegionsCommand, EC2Client, type InstanceStatus } from '@aws-sdk/client-ec2';
import { DescribeAffectedEntitiesCommand, DescribeEventsCommand, HealthClient, type Event as AwsHealthEvent } from '@aws-sdk/client-health';
import type { HealthEvent, HealthEventState, InstanceHealth } from '../../domain/model/health.js';
import type { Gap } from '../../domain/ports/cloud-provider.port.js';
import { observeScopes, type HealthObservation, type HealthSource } from '../../domain/ports/health-source.port.js';
import { createRateLimiters, type RateLimiters } from '../../lib/rate-limiter.js';
import type { AwsClientDeps } from './clients.js';

export interface AwsHealthConfig {
  /** Regions to watch; empty: every region DescribeRegions reports as enabled. */
  regions: string[];
  intervalMs: number;
  holdMs?: number;
  /** The account the instances belong to, when known (DescribeInstanceStatus does not say). */
  accountId?: string;
  /** Request rate per region for these calls (a share of the adapter's configured limit). */
  requestsPerSecond?: number;
}

/** AWS Health's global endpoint lives in us-east-1 (active-passive with us-east-2). */
const HEALTH_REGION = 'us-east-1';
const SERVICES = ['EC2', 'EBS'];
const LOOKBACK_MS = 24 * 3600_000;

const iso = (d: Date | undefined, fallback: string) => (d && !Number.isNaN(d.getTime()) ? d.toISOString() : fallback);

function checksOf(s: InstanceStatus): { status: InstanceHealth['status']; checks: string[] } {
  if (s.InstanceState?.Name !== 'running') return { status: 'unknown', checks: [`${s.InstanceState?.Name ?? 'unknown'}: not checked`] };
  const parts: [string, InstanceStatus['SystemStatus']][] = [
    ['system', s.SystemStatus],
    ['instance', s.InstanceStatus],
  ];
  const failed: string[] = [];
  let unknown = false;
  for (const [label, sum] of parts) {
    const st = sum?.Status;
    if (st === 'impaired') {
      const details = (sum?.Details ?? []).filter((d) => d.Status === 'failed').map((d) => `${d.Name ?? 'check'}: failed${d.ImpairedSince && !Number.isNaN(d.ImpairedSince.getTime()) ? ` since ${d.ImpairedSince.toISOString()}` : ''}`);
      failed.push(`${label} status check impaired${details.length ? ` (${details.join(', ')})` : ''}`);
    } else if (st !== 'ok') unknown = true;
  }
  if (failed.length) return { status: 'impaired', checks: failed };
  return unknown ? { status: 'unknown', checks: ['status checks: insufficient data or initializing'] } : { status: 'ok', checks: [] };
}

function healthState(code: string | undefined): HealthEventState {
  return code === 'open' ? 'open' : code === 'upcoming' ? 'upcoming' : 'closed';
}

export function createAwsHealthSource(config: AwsHealthConfig, deps: AwsClientDeps & { limiters?: RateLimiters } = {}): HealthSource & { close(): void } {
  const limiters = deps.limiters ?? createRateLimiters({ limit: config.requestsPerSecond ?? 5, intervalMs: 1000 });
  const common = {
    ...(deps.credentials ? { credentials: deps.credentials } : {}),
    ...(deps.retryStrategy ? { retryStrategy: deps.retryStrategy } : {}),
    ...(deps.maxAttempts ? { maxAttempts: deps.maxAttempts } : {}),
  };
  const ec2 = new Map<string, EC2Client>();
  const limited = <C extends { middlewareStack: EC2Client['middlewareStack'] }>(c: C, key: string): C => {
    c.middlewareStack.add(
      (next) => async (args) => {
        await limiters.get(key).take();
        return next(args);
      },
      { step: 'deserialize', name: 'stewardRateLimit', override: true },
    );
    return c;
  };
  const ec2For = (region: string) => {
    let c = ec2.get(region);
    if (!c) ec2.set(region, (c = limited(new EC2Client({ region, ...common, ...(deps.endpoint ? { endpoint: deps.endpoint.replaceAll('{region}', region) } : {}) }), region)));
    return c;
  };
  const health = limited(new HealthClient({ region: HEALTH_REGION, ...common }) as unknown as EC2Client, `health:${HEALTH_REGION}`) as unknown as HealthClient;
  let regions: Promise<string[]> | undefined;

  async function regionList(): Promise<string[]> {
    if (config.regions.length) return config.regions;
    regions ??= ec2For('us-east-1')
      .send(new DescribeRegionsCommand({}))
      .then((r) => (r.Regions ?? []).map((x) => x.RegionName ?? '').filter(Boolean))
      .catch((err: unknown) => {
        regions = undefined;
        throw err;
      });
    return regions;
  }

  async function statusOf(region: string, now: string): Promise<{ instances: InstanceHealth[]; events: HealthEvent[] }> {
    const instances: InstanceHealth[] = [];
    const events: HealthEvent[] = [];
    let token: string | undefined;
    do {
      const page = await ec2For(region).send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true, MaxResults: 1000, ...(token ? { NextToken: token } : {}) }));
      for (const s of page.InstanceStatuses ?? []) {
        if (!s.InstanceId) continue;
        const ref = { provider: 'aws' as const, account: config.accountId ?? '', region, ...(s.AvailabilityZone ? { zone: s.AvailabilityZone } : {}), id: s.InstanceId };
        instances.push({ ref, ...checksOf(s) });
        for (const ev of s.Events ?? []) {
          const done = /^\[(Completed|Canceled)\]/.test(ev.Description ?? '');
          const notBefore = iso(ev.NotBefore, now);
          events.push({
            key: `aws:scheduled:${s.InstanceId}:${ev.Code ?? 'event'}:${ev.InstanceEventId ?? notBefore}`,
            source: 'aws',
            cloud: 'aws',
            region,
            scope: 'instance',
            kind: 'scheduled',
            service: 'EC2',
            state: done ? 'closed' : 'upcoming',
            severity: ev.Code === 'instance-retirement' || ev.Code === 'system-maintenance' ? 'warning' : 'info',
            started: notBefore,
            updated: now,
            ...(ev.NotAfter && !Number.isNaN(ev.NotAfter.getTime()) ? { ended: ev.NotAfter.toISOString() } : {}),
            affected: [{ ref }],
            summary: `${ev.Code ?? 'scheduled event'}: ${ev.Description ?? ''}`.trim(),
          });
        }
      }
      token = page.NextToken;
    } while (token);
    return { instances, events };
  }

  async function healthEvents(watched: string[], now: string): Promise<HealthEvent[]> {
    const out: AwsHealthEvent[] = [];
    let token: string | undefined;
    do {
      const page = await health.send(
        new DescribeEventsCommand({
          filter: { services: SERVICES, regions: watched, lastUpdatedTimes: [{ from: new Date(Date.now() - LOOKBACK_MS) }] },
          maxResults: 100,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      out.push(...(page.events ?? []));
      token = page.nextToken;
    } while (token);
    const relevant = out.filter((e) => e.arn && SERVICES.includes(e.service ?? '') && e.eventTypeCategory !== 'accountNotification' && e.eventTypeCategory !== 'investigation');
    // Which of our instances an account-specific event names (10 events per call, as the API allows).
    const affected = new Map<string, string[]>();
    const specific = relevant.filter((e) => e.eventScopeCode === 'ACCOUNT_SPECIFIC' && e.statusCode !== 'closed').map((e) => e.arn as string);
    for (let i = 0; i < specific.length; i += 10) {
      let next: string | undefined;
      do {
        const r = await health.send(new DescribeAffectedEntitiesCommand({ filter: { eventArns: specific.slice(i, i + 10) }, ...(next ? { nextToken: next } : {}) }));
        for (const ent of r.entities ?? []) if (ent.eventArn && ent.entityValue?.startsWith('i-')) affected.set(ent.eventArn, [...(affected.get(ent.eventArn) ?? []), ent.entityValue]);
        next = r.nextToken;
      } while (next);
    }
    return relevant.map((e): HealthEvent => {
      const state = healthState(e.statusCode);
      const region = e.region ?? 'global';
      return {
        key: `aws:health:${e.arn}`,
        source: 'aws',
        cloud: 'aws',
        region,
        scope: e.eventScopeCode === 'ACCOUNT_SPECIFIC' ? 'account' : 'region',
        kind: e.eventTypeCategory === 'issue' ? 'issue' : 'scheduled',
        service: e.service ?? 'EC2',
        state,
        severity: e.eventTypeCategory === 'issue' && state === 'open' ? (e.eventScopeCode === 'ACCOUNT_SPECIFIC' ? 'critical' : 'warning') : 'info',
        started: iso(e.startTime, now),
        updated: iso(e.lastUpdatedTime, now),
        ...(e.endTime ? { ended: iso(e.endTime, now) } : {}),
        affected: (affected.get(e.arn as string) ?? []).map((id) => ({ ref: { provider: 'aws', account: config.accountId ?? '', region, id } })),
        summary: `${e.service ?? 'AWS'} ${e.eventTypeCode ?? 'event'} (${e.statusCode ?? 'unknown'})`,
      };
    });
  }

  return {
    id: 'aws',
    clouds: ['aws'],
    intervalMs: config.intervalMs,
    ...(config.holdMs !== undefined ? { holdMs: config.holdMs } : {}),
    async poll(): Promise<HealthObservation> {
      const now = new Date().toISOString();
      const watched = await regionList();
      const { events, instances, gaps } = await observeScopes(watched, [
        {
          read: (region) => statusOf(region, now),
          unreadable: (region, err) => {
            const e = err as { name?: string; message?: string };
            return { provider: 'aws', cloud: 'aws', region, code: `HEALTH.STATUS_UNREADABLE`, message: `DescribeInstanceStatus failed in ${region}: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim() };
          },
        },
      ]);
      try {
        events.push(...(await healthEvents(watched, now)));
      } catch (err) {
        const e = err as { name?: string; message?: string };
        gaps.push(
          e.name === 'SubscriptionRequiredException'
            ? { provider: 'aws', cloud: 'aws', code: 'HEALTH.SUBSCRIPTION_REQUIRED', message: 'AWS Health API needs a Business, Enterprise On-Ramp or Enterprise support plan (SubscriptionRequiredException): region-wide AWS events are not visible; instance status checks still are' }
            : { provider: 'aws', cloud: 'aws', code: 'HEALTH.EVENTS_UNREADABLE', message: `AWS Health DescribeEvents failed: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim() },
        );
      }
      return { events, instances, gaps };
    },
    close() {
      for (const c of ec2.values()) c.destroy();
      health.destroy();
    },
  };
}
