/**
 * Azure health signals (issue 15): each VM's instance view (PowerState: only running VMs are checked) with its
 * Resource Health availability status (Unavailable / Degraded = impaired), and Service Health events of the
 * subscription (Microsoft.ResourceHealth/events: ServiceIssue = issue, PlannedMaintenance = scheduled) for the
 * compute services, per impacted region. `@azure/arm-resourcehealth` for both, through the same pipeline policies
 * (rate limit, retries) as the other Azure clients.
 */
import { MicrosoftResourceHealth } from '@azure/arm-resourcehealth';
import type { HealthEvent, InstanceHealth } from '../../domain/model/health.js';
import type { Gap } from '../../domain/ports/cloud-provider.port.js';
import { observeScopes, type HealthObservation, type HealthSource } from '../../domain/ports/health-source.port.js';
import { createRateLimiters } from '../../lib/rate-limiter.js';
import { createAzureClients, type AzureClientDeps } from './clients.js';

export interface AzureHealthConfig {
  subscriptionIds: string[];
  intervalMs: number;
  holdMs?: number;
  requestsPerSecond?: number;
}

const COMPUTE_SERVICES = /^(virtual machines|virtual machine scale sets|storage|managed disks)$/i;
const lc = (s: string | undefined) => (s ?? '').toLowerCase();
/** "West Europe" → westeurope (Service Health names regions for people; ARM locations are the short names). */
export const azureLocation = (displayName: string) => displayName.toLowerCase().replace(/[^a-z0-9]/g, '');

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function createAzureHealthSource(config: AzureHealthConfig, deps: AzureClientDeps = {}): HealthSource {
  const limiters = createRateLimiters({ limit: config.requestsPerSecond ?? 5, intervalMs: 1000 });
  const health = new Map<string, MicrosoftResourceHealth>();
  const healthFor = (sub: string) => {
    let c = health.get(sub);
    if (!c) {
      const policy = {
        policy: {
          name: 'stewardRateLimit',
          async sendRequest<Req, Res>(request: Req, next: (r: Req) => Promise<Res>): Promise<Res> {
            await limiters.get(`health:${sub}`).take();
            return next(request);
          },
        },
        position: 'perRetry' as const,
      };
      c = new MicrosoftResourceHealth(azure.credential(), sub, {
        additionalPolicies: [policy],
        ...(deps.retryOptions ? { retryOptions: deps.retryOptions } : {}),
        ...(deps.endpoint ? { endpoint: deps.endpoint, credentials: { scopes: [deps.credentialScope ?? 'https://management.azure.com/.default'] } } : {}),
      } as never);
      health.set(sub, c);
    }
    return c;
  };
  // One set of clients, as the adapter's (test/manifests/iam.test.ts reads the calls made through `clients.*`).
  const azure = createAzureClients(deps, limiters);
  const clients = { ...azure, resourceHealth: healthFor };

  async function subscription(sub: string, gaps: Gap[], now: string): Promise<{ instances: InstanceHealth[]; events: HealthEvent[] }> {
    const vms = await drain(clients.compute(sub).virtualMachines.listAll({ statusOnly: 'true' }));
    const availability = new Map<string, { state: string; summary: string }>();
    try {
      for (const s of await drain(clients.resourceHealth(sub).availabilityStatuses.listBySubscriptionId())) {
        const id = lc(s.id).split('/providers/microsoft.resourcehealth/')[0] ?? '';
        if (id) availability.set(id, { state: s.properties?.availabilityState ?? 'Unknown', summary: s.properties?.summary ?? s.properties?.title ?? '' });
      }
    } catch (err) {
      gaps.push({ provider: 'azure', cloud: 'azure', account: sub, code: 'HEALTH.RESOURCE_HEALTH_UNREADABLE', message: `Resource Health of ${sub} could not be read: ${(err as Error).message}; instance views still are` });
    }
    const instances: InstanceHealth[] = [];
    for (const vm of vms) {
      if (!vm.id) continue;
      const ref = { provider: 'azure' as const, account: sub, region: vm.location ?? '', ...(vm.zones?.[0] ? { zone: vm.zones[0] } : {}), id: vm.id };
      const statuses = vm.instanceView?.statuses ?? [];
      const power = statuses.find((s) => s.code?.startsWith('PowerState/'))?.code;
      const failedProvisioning = statuses.find((s) => s.code === 'ProvisioningState/failed' || s.level === 'Error');
      if (power !== 'PowerState/running') {
        instances.push({ ref, ...(vm.name ? { name: vm.name } : {}), status: 'unknown', checks: [`${power ?? 'PowerState unknown'}: not checked`] });
        continue;
      }
      const a = availability.get(lc(vm.id));
      const checks: string[] = [];
      if (a && (a.state === 'Unavailable' || a.state === 'Degraded')) checks.push(`Resource Health ${a.state}: ${a.summary}`.trim());
      if (failedProvisioning) checks.push(`instance view: ${failedProvisioning.displayStatus ?? failedProvisioning.code ?? 'error'}`);
      instances.push({ ref, ...(vm.name ? { name: vm.name } : {}), status: checks.length ? 'impaired' : a && a.state === 'Available' ? 'ok' : 'unknown', checks });
    }
    const events: HealthEvent[] = [];
    try {
      for (const e of await drain(clients.resourceHealth(sub).eventsOperations.listBySubscriptionId())) {
        const p = e; // the SDK flattens `properties` onto the event
        const type = p?.eventType;
        if (type !== 'ServiceIssue' && type !== 'PlannedMaintenance') continue;
        const trackingId = e.name ?? p?.title ?? 'event';
        for (const impact of p?.impact ?? []) {
          if (!COMPUTE_SERVICES.test(impact.impactedService ?? '')) continue;
          for (const r of impact.impactedRegions ?? []) {
            const region = azureLocation(r.impactedRegion ?? 'global');
            const active = (r.status ?? p?.status) === 'Active';
            events.push({
              key: `azure:event:${sub}:${trackingId}:${region}`,
              source: 'azure',
              cloud: 'azure',
              region,
              scope: 'region',
              kind: type === 'ServiceIssue' ? 'issue' : 'scheduled',
              service: impact.impactedService ?? 'Virtual Machines',
              state: active ? (type === 'ServiceIssue' ? 'open' : 'upcoming') : 'closed',
              severity: active && type === 'ServiceIssue' ? (p?.level === 'Error' || p?.level === 'Critical' ? 'critical' : 'warning') : 'info',
              started: p?.impactStartTime ? new Date(p.impactStartTime).toISOString() : now,
              updated: r.lastUpdateTime ? new Date(r.lastUpdateTime).toISOString() : p?.lastUpdateTime ? new Date(p.lastUpdateTime).toISOString() : now,
              ...(p?.impactMitigationTime && !active ? { ended: new Date(p.impactMitigationTime).toISOString() } : {}),
              affected: [],
              summary: `${p?.title ?? trackingId} (${trackingId}, ${r.status ?? p?.status ?? '?'})`,
            });
          }
        }
      }
    } catch (err) {
      gaps.push({ provider: 'azure', cloud: 'azure', account: sub, code: 'HEALTH.SERVICE_HEALTH_UNREADABLE', message: `Service Health events of ${sub} could not be read: ${(err as Error).message}; region-wide Azure issues are not visible` });
    }
    return { instances, events };
  }

  return {
    id: 'azure',
    clouds: ['azure'],
    intervalMs: config.intervalMs,
    ...(config.holdMs !== undefined ? { holdMs: config.holdMs } : {}),
    async poll(): Promise<HealthObservation> {
      const now = new Date().toISOString();
      return observeScopes(config.subscriptionIds, [
        {
          read: (sub, gaps) => subscription(sub, gaps, now),
          unreadable: (sub, err) => ({ provider: 'azure', cloud: 'azure', account: sub, code: 'HEALTH.STATUS_UNREADABLE', message: `virtual machines of ${sub} could not be read: ${(err as Error).message}` }),
        },
      ]);
    },
  };
}
