/**
 * Google Cloud health signals (issue 15): Compute Engine instance status (REPAIRING = impaired; TERMINATED and the
 * other non-running states are not checked) and upcoming host maintenance (`resourceStatus.upcomingMaintenance`),
 * from the same paged aggregatedList as the inventory; and Personalized Service Health events
 * (`projects/{p}/locations/global/events`). `@google-cloud/servicehealth` is not available from the registry this
 * project installs from, so PSH is called over REST through the same google-auth-library client (ADC), which the
 * gapic clients use too. A project whose PSH cannot be read (API disabled, no permission) is a labelled gap.
 */
import type { Gap } from '../../domain/ports/cloud-provider.port.js';
import type { HealthEvent, HealthEventState, InstanceHealth } from '../../domain/model/health.js';
import { observeScopes, type HealthObservation, type HealthSource } from '../../domain/ports/health-source.port.js';
import { createRateLimiters } from '../../lib/rate-limiter.js';
import { createGcpClients, type GcpClientDeps } from './clients.js';
import { last, readProject, regionOfZone } from './instances.js';

export interface GcpHealthConfig {
  projectIds: string[];
  intervalMs: number;
  holdMs?: number;
  /** Request rate per project for these calls. */
  requestsPerMinute?: number;
}

export const SERVICE_HEALTH_URL = 'https://servicehealth.googleapis.com/v1';
const COMPUTE_PRODUCTS = /compute engine|persistent disk/i;

interface PshEvent {
  name?: string;
  title?: string;
  category?: string;
  detailedCategory?: string;
  state?: string;
  detailedState?: string;
  relevance?: string;
  eventImpacts?: { product?: { productName?: string }; location?: { locationName?: string } }[];
  updateTime?: string;
  startTime?: string;
  endTime?: string;
}

/** ACTIVE + CONFIRMED or EMERGING is open; RESOLVED, MERGED, AUTO_CLOSED and FALSE_POSITIVE are closed. */
function pshState(e: PshEvent): HealthEventState {
  return e.state === 'ACTIVE' && e.detailedState !== 'FALSE_POSITIVE' && e.detailedState !== 'AUTO_CLOSED' ? 'open' : 'closed';
}

export function createGcpHealthSource(config: GcpHealthConfig, deps: GcpClientDeps = {}): HealthSource & { close(): Promise<void> } {
  const limiters = createRateLimiters({ limit: config.requestsPerMinute ?? 60, intervalMs: 60_000 });
  const clients = createGcpClients(deps, limiters);

  async function instancesOf(project: string, gaps: Gap[], now: string): Promise<{ instances: InstanceHealth[]; events: HealthEvent[] }> {
    const rows = await readProject(clients, project, (g) => gaps.push({ ...g, code: 'HEALTH.STATUS_UNREADABLE' }));
    const instances: InstanceHealth[] = [];
    const events: HealthEvent[] = [];
    for (const { zone, raw } of rows) {
      const name = raw.name ?? '';
      if (!name) continue;
      const ref = { provider: 'gcp' as const, account: project, region: regionOfZone(zone), zone, id: name };
      const status = String(raw.status ?? '');
      if (status === 'REPAIRING') instances.push({ ref, name, status: 'impaired', checks: ['REPAIRING: Compute Engine is repairing the instance after a host error'] });
      else if (status === 'RUNNING') instances.push({ ref, name, status: 'ok', checks: [] });
      else instances.push({ ref, name, status: 'unknown', checks: [`${status || 'unknown'}: not checked`] });
      const m = raw.resourceStatus?.upcomingMaintenance;
      if (m?.windowStartTime) {
        events.push({
          key: `gcp:maintenance:${project}:${last(zone)}:${name}:${m.windowStartTime}`,
          source: 'gcp',
          cloud: 'gcp',
          region: ref.region,
          scope: 'instance',
          kind: 'scheduled',
          service: 'Compute Engine',
          state: m.maintenanceStatus === 'ONGOING' ? 'open' : 'upcoming',
          severity: 'info',
          started: m.windowStartTime,
          updated: now,
          ...(m.windowEndTime ? { ended: m.windowEndTime } : {}),
          affected: [{ ref, name }],
          summary: `${m.type ?? 'SCHEDULED'} host maintenance ${m.windowStartTime}${m.windowEndTime ? ` – ${m.windowEndTime}` : ''}${m.canReschedule ? ' (can be rescheduled)' : ''}`,
        });
      }
    }
    return { instances, events };
  }

  async function serviceHealthOf(project: string, now: string): Promise<HealthEvent[]> {
    const auth = await clients.authClient();
    const out: HealthEvent[] = [];
    let pageToken: string | undefined;
    do {
      const res = await auth.request<{ events?: PshEvent[]; nextPageToken?: string }>({
        url: `${SERVICE_HEALTH_URL}/projects/${encodeURIComponent(project)}/locations/global/events`,
        params: { pageSize: 100, ...(pageToken ? { pageToken } : {}) },
      });
      for (const e of res.data.events ?? []) {
        if (e.category !== 'INCIDENT' || !e.name) continue;
        if (e.relevance === 'NOT_IMPACTED') continue;
        const state = pshState(e);
        const compute = (e.eventImpacts ?? []).filter((i) => COMPUTE_PRODUCTS.test(i.product?.productName ?? ''));
        for (const impact of compute) {
          const region = impact.location?.locationName ?? 'global';
          out.push({
            key: `gcp:psh:${e.name}:${region}`,
            source: 'gcp',
            cloud: 'gcp',
            region,
            scope: e.relevance === 'IMPACTED' ? 'account' : 'region',
            kind: 'issue',
            service: impact.product?.productName ?? 'Compute Engine',
            state,
            // EMERGING is not confirmed yet: it counts only after the hold time or with Steward's own evidence.
            severity: state === 'open' ? (e.detailedState === 'CONFIRMED' && e.relevance === 'IMPACTED' ? 'critical' : 'warning') : 'info',
            started: e.startTime ?? now,
            updated: e.updateTime ?? now,
            ...(e.endTime ? { ended: e.endTime } : {}),
            affected: [],
            summary: `${e.title ?? 'Service Health incident'} (${e.detailedState ?? e.state ?? '?'}, ${e.relevance ?? 'UNKNOWN'})`,
          });
        }
      }
      pageToken = res.data.nextPageToken || undefined;
    } while (pageToken);
    return out;
  }

  return {
    id: 'gcp',
    clouds: ['gcp'],
    intervalMs: config.intervalMs,
    ...(config.holdMs !== undefined ? { holdMs: config.holdMs } : {}),
    async poll(): Promise<HealthObservation> {
      const now = new Date().toISOString();
      return observeScopes(config.projectIds, [
        {
          read: (project, gaps) => instancesOf(project, gaps, now),
          unreadable: (project, err) => ({ provider: 'gcp', cloud: 'gcp', account: project, code: 'HEALTH.STATUS_UNREADABLE', message: `instance status of ${project} could not be read: ${(err as Error).message}` }),
        },
        {
          read: async (project) => ({ events: await serviceHealthOf(project, now) }),
          unreadable: (project, err) => {
            const e = err as { status?: number; response?: { status?: number }; message?: string };
            const status = e.status ?? e.response?.status;
            return {
              provider: 'gcp',
              cloud: 'gcp',
              account: project,
              code: 'HEALTH.SERVICE_HEALTH_UNAVAILABLE',
              message: `Personalized Service Health of ${project} could not be read${status ? ` (HTTP ${status})` : ''}: ${e.message ?? 'error'}; enable servicehealth.googleapis.com and grant roles/servicehealth.viewer. Region-wide Google Cloud incidents are not visible; instance status still is`,
            };
          },
        },
      ]);
    },
    close: () => clients.close(),
  };
}
