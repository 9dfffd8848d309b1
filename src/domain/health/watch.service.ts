/**
 * The health watch (issue 15): polls each adapter's health feeds on its own interval, keeps the events with their
 * history, turns persistent or confirmed signals into incidents (evaluate.ts), and proposes the remedy by itself as
 * `steward:watch` — a restart, a failover, a failback — through the approvals that already exist. It never executes.
 *
 * Replicas: each (source, poll slot) is claimed in the database (RunClaims, like digests), an incident key can be
 * open only once (unique index), and each incident's remedy and failback are claimed before they are proposed, so
 * any number of replicas propose each remedy once.
 */
import type { Logger } from '../../lib/logger.js';
import { WATCH_ACTOR } from '../model/actor.js';
import type { Cloud } from '../model/cloud.js';
import { CLOUD_LABEL } from '../model/cloud.js';
import { regionKey, type HealthEvent, type Incident, type WatchAction } from '../model/health.js';
import type { Plan } from '../model/plan.js';
import type { Proposal } from '../model/proposal.js';
import type { Gap } from '../ports/cloud-provider.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { HealthSource } from '../ports/health-source.port.js';
import type { HealthStore, StoredHealthEvent } from '../ports/health-store.port.js';
import type { ProposalStore } from '../ports/proposal-store.port.js';
import type { RunClaims } from '../ports/run-claims.port.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { evaluateHealth, unhealthyRegions, type IncidentDecision, type WatchSettings } from './evaluate.js';
import type { WatchPlanner } from './planner.js';

export interface HealthWatchSettings extends WatchSettings {
  /** How long a failover proposal stays open (default 30 minutes: a stale failover is worse than none). */
  failoverExpiryMs: number;
  /** Lease of a poll claim; a replica that died mid-poll is taken over after it. */
  leaseMs: number;
}

export const DEFAULT_HEALTH_WATCH_SETTINGS: HealthWatchSettings = { holdMs: 5 * 60_000, confirmInstances: 2, failoverExpiryMs: 30 * 60_000, leaseMs: 2 * 60_000 };

/** What the watch did on a tick, for the channels subscribed with `watch subscribe`. */
export interface WatchNotice {
  kind: 'proposed' | 'withdrawn' | 'updated' | 'opened' | 'closed' | 'not-proposed';
  incident: Incident;
  action?: WatchAction;
  proposal?: Proposal;
  note: string;
}

export interface WatchProposer {
  propose(input: { plan: Plan; requester: typeof WATCH_ACTOR; expiresInMs?: number }): Promise<Proposal>;
}

export interface HealthWatchDeps {
  sources: readonly HealthSource[];
  store: HealthStore;
  claims: RunClaims;
  proposals: ProposalStore;
  approvals: WatchProposer;
  planner: WatchPlanner;
  inventory: InventoryService;
  clock: Clock;
  owner: string;
  settings?: Partial<HealthWatchSettings>;
  log?: Logger;
}

export interface SourceStatus {
  source: string;
  clouds: Cloud[];
  intervalMs: number;
  holdMs: number;
  polledAt?: string;
  gaps: Gap[];
  error?: string;
}

export interface RegionHealth {
  cloud: Cloud;
  region: string;
  /** degraded: an open incident; suspect: a provider issue not yet confirmed; impaired: some instances fail; unknown: a feed is blind here. */
  state: 'degraded' | 'suspect' | 'impaired' | 'healthy' | 'unknown';
  instances: number;
  impaired: number;
  incident?: string;
  evidence: string[];
}

export interface HealthStatusReport {
  asOf: string;
  regions: RegionHealth[];
  incidents: Incident[];
  events: StoredHealthEvent[];
  sources: SourceStatus[];
}

const pollJob = (source: string) => `health-poll:${source}`;
const proposeJob = (incident: string, action: WatchAction) => `health-propose:${incident}:${action}`;
const OPEN_STATUSES = ['proposed', 'approved'] as const;
const WATCH_STAMP = { id: WATCH_ACTOR.id, name: WATCH_ACTOR.displayName, surface: WATCH_ACTOR.surface };

function newIncidentId(): string {
  const abc = 'abcdefghjkmnpqrstuvwxyz23456789';
  let id = 'inc-';
  for (let i = 0; i < 6; i++) id += abc[Math.floor(Math.random() * abc.length)];
  return id;
}

/** Instance status checks → events of scope `instance` (open while impaired, closed once they pass). */
function statusEvents(source: HealthSource, obs: Awaited<ReturnType<HealthSource['poll']>>, open: readonly StoredHealthEvent[], now: Date): HealthEvent[] {
  const at = now.toISOString();
  const out: HealthEvent[] = [];
  const reported = new Set<string>();
  const keyOf = (cloud: Cloud, id: string) => `${source.id}:status:${cloud}:${id}`;
  for (const i of obs.instances) {
    const key = keyOf(i.ref.provider, i.ref.id);
    reported.add(key);
    const prev = open.find((e) => e.key === key);
    // Not checked (stopped, or the check could not run): an earlier failure no longer stands, but nothing is "ok".
    if (i.status === 'unknown') {
      if (prev?.state === 'open') out.push({ ...prev, state: 'closed', severity: 'info', updated: at, ended: at, summary: i.checks.join('; ') || 'not running: no status checks' });
      continue;
    }
    if (i.status === 'ok' && !prev) continue;
    out.push({
      key,
      source: source.id,
      cloud: i.ref.provider,
      region: i.ref.region,
      scope: 'instance',
      kind: 'status',
      service: 'compute',
      state: i.status === 'impaired' ? 'open' : 'closed',
      severity: i.status === 'impaired' ? 'warning' : 'info',
      started: i.status === 'impaired' && prev?.state === 'open' ? prev.started : at,
      updated: prev && prev.state === (i.status === 'impaired' ? 'open' : 'closed') ? prev.updated : at,
      ...(i.status === 'ok' ? { ended: at } : {}),
      affected: [{ ref: i.ref, ...(i.name ? { name: i.name } : {}) }],
      summary: i.status === 'impaired' ? i.checks.join('; ') || 'status checks failing' : 'status checks pass',
    });
  }
  // An open status event whose instance is no longer reported at all (deleted, or outside the feed): closed.
  for (const e of open) {
    if (e.source !== source.id || e.kind !== 'status' || e.state !== 'open' || reported.has(e.key) || !source.clouds.includes(e.cloud)) continue;
    out.push({ ...e, state: 'closed', severity: 'info', updated: at, ended: at, summary: 'no longer reported' });
  }
  return out;
}

export function createHealthWatch(deps: HealthWatchDeps) {
  const settings: HealthWatchSettings = { ...DEFAULT_HEALTH_WATCH_SETTINGS, ...deps.settings };
  const now = () => deps.clock.now();
  const log = deps.log?.child({ area: 'health-watch' });
  const holdOf = (s: HealthSource) => s.holdMs ?? settings.holdMs;

  async function instanceCounts(): Promise<(cloud: Cloud, region: string) => number> {
    const report = await deps.inventory.collect({}).catch(() => undefined);
    const counts = new Map<string, number>();
    for (const i of report?.instances ?? []) if (i.state === 'running' || i.state === 'pending') counts.set(regionKey(i.provider, i.region), (counts.get(regionKey(i.provider, i.region)) ?? 0) + 1);
    return (cloud, region) => counts.get(regionKey(cloud, region)) ?? 0;
  }

  /** Claims a one-off job (an incident's remedy or failback) so only one replica ever proposes it. */
  async function claimOnce(job: string): Promise<boolean> {
    const at = now();
    return deps.claims.claim({ job, period: 'once', scheduledFor: at, owner: deps.owner, leaseMs: settings.leaseMs, now: at });
  }

  async function propose(inc: Incident, action: WatchAction, notices: WatchNotice[]): Promise<void> {
    const job = proposeJob(inc.id, action);
    if (!(await claimOnce(job))) return;
    try {
      let outcome;
      if (action === 'restart') outcome = await deps.planner.restart(inc);
      else if (action === 'failover') {
        const [events, incidents] = await Promise.all([deps.store.events(), deps.store.incidents({ state: 'open' })]);
        outcome = await deps.planner.failover(inc, unhealthyRegions(events, incidents));
      } else {
        const remedy = inc.proposalId ? await deps.proposals.get(inc.proposalId) : undefined;
        const execution = remedy ? await deps.proposals.getExecution(remedy.id) : undefined;
        outcome = remedy && execution ? deps.planner.failback(inc, remedy, execution) : { ok: false as const, reason: 'no executed failover to undo' };
      }
      if (!outcome.ok) {
        await deps.claims.finish(job, 'once', deps.owner, { status: 'failed', error: outcome.reason }, now());
        notices.push({ kind: 'not-proposed', incident: inc, action, note: `No ${action} proposed for incident ${inc.id}: ${outcome.reason}` });
        log?.warn({ incident: inc.id, action, reason: outcome.reason }, 'watch: remedy not proposed');
        return;
      }
      const proposal = await deps.approvals.propose({ plan: outcome.plan, requester: WATCH_ACTOR, ...(action === 'failover' ? { expiresInMs: settings.failoverExpiryMs } : {}) });
      await deps.store.attachProposal(inc.id, action === 'failback' ? 'failback' : 'proposal', proposal.id);
      await deps.claims.finish(job, 'once', deps.owner, { status: 'done', result: { proposal: proposal.id } }, now());
      notices.push({ kind: 'proposed', incident: { ...inc, ...(action === 'failback' ? { failbackProposalId: proposal.id } : { proposalId: proposal.id }) }, action, proposal, note: `${CLOUD_LABEL[inc.cloud]} ${inc.region}: ${action} proposed as ${proposal.id} (${proposal.risk} risk)` });
      log?.info({ incident: inc.id, action, proposal: proposal.id }, 'watch: remedy proposed');
    } catch (err) {
      await deps.claims.finish(job, 'once', deps.owner, { status: 'failed', error: (err as Error).message }, now()).catch(() => undefined);
      throw err;
    }
  }

  /** A resolved incident withdraws its proposals nobody has approved into execution yet, with a note saying why. */
  async function withdraw(inc: Incident, reason: string, notices: WatchNotice[]): Promise<Proposal | undefined> {
    if (!inc.proposalId) return undefined;
    const p = await deps.proposals.get(inc.proposalId);
    if (!p) return undefined;
    if (!(OPEN_STATUSES as readonly string[]).includes(p.status)) return p;
    const note = `withdrawn by the health watch: incident ${inc.id} resolved (${reason})`;
    const moved = await deps.proposals.transition(p.id, [...OPEN_STATUSES], 'cancelled', { by: WATCH_STAMP, now: now(), outcome: note, detail: note });
    if (moved) notices.push({ kind: 'withdrawn', incident: inc, proposal: moved, note: `Proposal ${p.id} ${note}` });
    return moved ?? (await deps.proposals.get(p.id));
  }

  async function act(decisions: IncidentDecision[], notices: WatchNotice[]): Promise<void> {
    for (const d of decisions) {
      if (d.kind === 'open') {
        const { incident, created } = await deps.store.openIncident({ id: newIncidentId(), key: d.key, kind: d.incident, cloud: d.cloud, region: d.region, ...(d.instance ? { instance: d.instance } : {}), evidence: d.evidence, now: now() });
        if (created) notices.push({ kind: 'opened', incident, note: `${d.incident === 'region' ? 'Region' : 'Instance'} incident ${incident.id} opened: ${d.evidence.confirmedBy}` });
      } else if (d.kind === 'update') {
        await deps.store.updateEvidence(d.incident.id, d.evidence, now());
        if (d.evidence.impaired.length !== d.incident.evidence.impaired.length || d.evidence.signals.length !== d.incident.evidence.signals.length) {
          notices.push({
            kind: 'updated',
            incident: { ...d.incident, evidence: d.evidence },
            note: `Incident ${d.incident.id} (${d.incident.cloud} ${d.incident.region}) updated: ${d.evidence.signals.length} signal(s), ${d.evidence.impaired.length} impaired instance(s)${d.incident.proposalId ? `; proposal ${d.incident.proposalId} stays the one to decide on` : ''}`,
          });
        }
      } else {
        if (!(await deps.store.closeIncident(d.incident.id, now(), d.reason))) continue;
        const closed: Incident = { ...d.incident, state: 'closed', closedAt: now() };
        notices.push({ kind: 'closed', incident: closed, note: `Incident ${closed.id} (${closed.cloud} ${closed.region}) closed: ${d.reason}` });
        const remedy = await withdraw(closed, d.reason, notices);
        if (closed.kind === 'region' && remedy?.status === 'succeeded') await propose(closed, 'failback', notices);
      }
    }
    // Every open incident without its remedy gets one (also the ones whose proposer died before proposing).
    for (const inc of await deps.store.incidents({ state: 'open' })) {
      if (inc.proposalId) continue;
      const claim = await deps.claims.get(proposeJob(inc.id, inc.kind === 'region' ? 'failover' : 'restart'), 'once');
      if (claim && claim.status !== 'claimed') continue;
      await propose(inc, inc.kind === 'region' ? 'failover' : 'restart', notices);
    }
  }

  async function pollSource(source: HealthSource, notices: WatchNotice[]): Promise<'polled' | 'not-due'> {
    const at = now();
    const slot = Math.floor(at.getTime() / source.intervalMs);
    const period = new Date(slot * source.intervalMs).toISOString();
    const job = pollJob(source.id);
    if (!(await deps.claims.claim({ job, period, scheduledFor: new Date(slot * source.intervalMs), owner: deps.owner, leaseMs: settings.leaseMs, now: at }))) return 'not-due';
    try {
      const obs = await source.poll();
      const openBefore = await deps.store.events({ clouds: source.clouds });
      await deps.store.recordEvents([...obs.events, ...statusEvents(source, obs, openBefore, at)], at);
      const since = new Date(at.getTime() - 24 * 3600_000);
      const [events, incidents, counts] = await Promise.all([
        deps.store.events({ clouds: source.clouds, closedSince: since }),
        deps.store.incidents({ state: 'open' }),
        instanceCounts(),
      ]);
      const mine = incidents.filter((i) => source.clouds.includes(i.cloud));
      const decisions = evaluateHealth({ now: at, events, incidents: mine, instancesIn: counts, settings: { holdMs: holdOf(source), confirmInstances: settings.confirmInstances } });
      await act(decisions, notices);
      await deps.claims.finish(job, period, deps.owner, { status: 'done', result: { polledAt: at.toISOString(), gaps: obs.gaps, events: obs.events.length, instances: obs.instances.length } }, now());
      return 'polled';
    } catch (err) {
      const message = (err as Error).message;
      log?.error({ err, source: source.id }, 'watch: poll failed');
      await deps.claims.finish(job, period, deps.owner, { status: 'failed', error: message, result: { polledAt: at.toISOString(), gaps: [{ provider: source.id, code: 'HEALTH.POLL_FAILED', message }] } }, now()).catch(() => undefined);
      return 'polled';
    }
  }

  return {
    settings,
    sources: deps.sources,

    /** One pass: every source whose poll slot is due and unclaimed is polled, evaluated and acted on. */
    async tick(): Promise<{ notices: WatchNotice[]; polled: string[] }> {
      const notices: WatchNotice[] = [];
      const polled: string[] = [];
      for (const s of deps.sources) if ((await pollSource(s, notices)) === 'polled') polled.push(s.id);
      return { notices, polled };
    },

    /** The current state, with evidence, for `health`. */
    async status(): Promise<HealthStatusReport> {
      const at = now();
      const [events, incidents, inventory] = await Promise.all([
        deps.store.events({ closedSince: new Date(at.getTime() - 3600_000) }),
        deps.store.incidents({ limit: 50 }),
        deps.inventory.collect({}).catch(() => undefined),
      ]);
      const sources: SourceStatus[] = [];
      for (const s of deps.sources) {
        const last = (await deps.claims.latest(pollJob(s.id))) ?? undefined;
        const result = last?.result as { polledAt?: string; gaps?: Gap[] } | undefined;
        sources.push({ source: s.id, clouds: [...s.clouds], intervalMs: s.intervalMs, holdMs: holdOf(s), ...(result?.polledAt ? { polledAt: result.polledAt } : {}), gaps: result?.gaps ?? [], ...(last?.error ? { error: last.error } : {}) });
      }
      const regions = new Map<string, RegionHealth>();
      const get = (cloud: Cloud, region: string) => {
        const k = regionKey(cloud, region);
        let r = regions.get(k);
        if (!r) regions.set(k, (r = { cloud, region, state: 'healthy', instances: 0, impaired: 0, evidence: [] }));
        return r;
      };
      for (const i of inventory?.instances ?? []) if (i.state === 'running' || i.state === 'pending') get(i.provider, i.region).instances++;
      for (const e of events) {
        if (e.state !== 'open') continue;
        const r = get(e.cloud, e.region);
        if (e.kind === 'status') {
          r.impaired++;
          if (r.state === 'healthy') r.state = 'impaired';
          r.evidence.push(`${e.affected[0]?.name ?? e.affected[0]?.ref.id}: ${e.summary} (since ${e.stateSince.toISOString()})`);
        } else if (e.kind === 'issue' && e.scope !== 'instance') {
          if (r.state !== 'degraded') r.state = 'suspect';
          r.evidence.unshift(`${e.source} ${e.service}: ${e.summary} (since ${e.started})`);
        }
      }
      for (const inc of incidents) {
        if (inc.state !== 'open' || inc.kind !== 'region') continue;
        const r = get(inc.cloud, inc.region);
        r.state = 'degraded';
        r.incident = inc.id;
        r.evidence.unshift(`incident ${inc.id} since ${inc.openedAt.toISOString()}: ${inc.evidence.confirmedBy}`);
      }
      // A feed that could not be read leaves its clouds (or region) unknown, never healthy.
      for (const s of sources) {
        for (const g of s.gaps) {
          for (const r of regions.values()) {
            if (r.state !== 'healthy') continue;
            if ((g.cloud ? r.cloud === g.cloud : s.clouds.includes(r.cloud)) && (!g.region || g.region === r.region)) {
              r.state = 'unknown';
              r.evidence.push(`${g.code}: ${g.message}`);
            }
          }
        }
        if (!s.polledAt) for (const r of regions.values()) if (r.state === 'healthy' && s.clouds.includes(r.cloud)) { r.state = 'unknown'; r.evidence.push(`${s.source} has not been polled yet`); }
      }
      const order = { degraded: 0, suspect: 1, impaired: 2, unknown: 3, healthy: 4 };
      return {
        asOf: at.toISOString(),
        regions: [...regions.values()].sort((a, b) => order[a.state] - order[b.state] || a.cloud.localeCompare(b.cloud) || a.region.localeCompare(b.region)),
        incidents,
        events,
        sources,
      };
    },

    /**
     * The drift check's health half, right before a plan runs: a watch failover whose incident has closed, or any
     * plan whose target region is unhealthy now, stops with a message that says so. undefined = go ahead.
     */
    async preflight(plan: Plan): Promise<string | undefined> {
      const problems: string[] = [];
      if (plan.origin?.by === 'health-watch' && plan.origin.action === 'failover') {
        const inc = await deps.store.incident(plan.origin.incidentId);
        if (inc?.state === 'closed') problems.push(`incident ${inc.id} (${inc.cloud} ${inc.region}) closed at ${inc.closedAt?.toISOString() ?? 'an earlier tick'}: the region recovered, so this failover is no longer needed`);
      }
      const [events, incidents] = await Promise.all([deps.store.events(), deps.store.incidents({ state: 'open' })]);
      const unhealthy = unhealthyRegions(events, incidents);
      const targets = new Set<string>();
      for (const s of plan.steps) {
        if (s.kind === 'create') targets.add(regionKey(s.placement.provider, s.placement.region));
        if (plan.origin?.action === 'failback' && s.kind === 'start') targets.add(regionKey(s.target.provider, s.target.region));
      }
      for (const t of targets) {
        if (!unhealthy.has(t)) continue;
        const [, cloud, region] = t.split(':');
        const why = incidents.find((i) => i.kind === 'region' && regionKey(i.cloud, i.region) === t)?.evidence.confirmedBy ?? events.find((e) => e.state === 'open' && regionKey(e.cloud, e.region) === t)?.summary ?? 'an open health issue';
        problems.push(`target region ${cloud} ${region} is unhealthy now (${why})`);
      }
      return problems.length ? `Nothing was changed: ${problems.join('; ')}.` : undefined;
    },
  };
}

export type HealthWatch = ReturnType<typeof createHealthWatch>;
