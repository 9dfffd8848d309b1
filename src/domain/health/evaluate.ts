/**
 * From stored health signals to incident decisions, with hysteresis (issue 15 §2; next-phase.md §5 step 4):
 *
 * - a **region** is degraded when a provider feed reports an open issue there AND either the issue has persisted for
 *   the hold time or Steward's own evidence confirms it (at least `confirmInstances` instances there fail their
 *   status checks); without any feed event, only its own evidence counts, and then it must persist for the hold time
 *   and cover at least half of the region's instances;
 * - an **instance** is impaired when its status checks have failed for the hold time without a pause, and its region
 *   is not itself degraded or suspect (a regional outage is answered by a failover, not by twenty restarts);
 * - an incident closes when its signals have closed (the region's feed events closed and its instances pass again;
 *   the instance passes its checks again or is gone).
 *
 * A flapping signal never persists for the hold time, because every pass closes the status event and its clock
 * (`stateSince`) starts again when it fails the next time.
 */
import type { Cloud } from '../model/cloud.js';
import { instanceKey, regionKey, type Incident, type IncidentEvidence } from '../model/health.js';
import type { InstanceRef } from '../model/instance.js';
import type { StoredHealthEvent } from '../ports/health-store.port.js';

export interface WatchSettings {
  /** A signal must persist this long before it counts (default 5 minutes; seconds in the demo). */
  holdMs: number;
  /** Instances whose failed status checks confirm a regional signal at once. */
  confirmInstances: number;
}

export const DEFAULT_WATCH_SETTINGS: WatchSettings = { holdMs: 5 * 60_000, confirmInstances: 2 };

export type IncidentDecision =
  | { kind: 'open'; key: string; incident: 'region' | 'instance'; cloud: Cloud; region: string; instance?: InstanceRef; evidence: IncidentEvidence }
  | { kind: 'update'; incident: Incident; evidence: IncidentEvidence }
  | { kind: 'close'; incident: Incident; reason: string };

export interface EvaluationInput {
  now: Date;
  /** Open, upcoming and recently closed events of the clouds this evaluation covers. */
  events: readonly StoredHealthEvent[];
  /** Open incidents of those clouds. */
  incidents: readonly Incident[];
  /** Instances Steward knows per `cloud:region` (blast radius and the half-the-region rule). */
  instancesIn(cloud: Cloud, region: string): number;
  settings: WatchSettings;
}

const minutes = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);
const sameEvidence = (a: IncidentEvidence, b: IncidentEvidence) =>
  JSON.stringify([a.signals.map((s) => [s.key, s.state]), a.impaired.map((i) => i.id).sort()]) === JSON.stringify([b.signals.map((s) => [s.key, s.state]), b.impaired.map((i) => i.id).sort()]);

function persisted(e: StoredHealthEvent, now: Date, holdMs: number): boolean {
  return now.getTime() - e.stateSince.getTime() >= holdMs;
}

export function evaluateHealth(input: EvaluationInput): IncidentDecision[] {
  const { now, settings } = input;
  const out: IncidentDecision[] = [];
  const openByKey = new Map(input.incidents.filter((i) => i.state === 'open').map((i) => [i.key, i]));

  const regions = new Map<string, { cloud: Cloud; region: string; issues: StoredHealthEvent[]; impaired: StoredHealthEvent[] }>();
  const regionOf = (cloud: Cloud, region: string) => {
    const k = regionKey(cloud, region);
    let r = regions.get(k);
    if (!r) regions.set(k, (r = { cloud, region, issues: [], impaired: [] }));
    return r;
  };
  for (const e of input.events) {
    if (e.state !== 'open') continue;
    if (e.kind === 'status' && e.scope === 'instance') regionOf(e.cloud, e.region).impaired.push(e);
    else if (e.kind === 'issue' && e.scope !== 'instance') regionOf(e.cloud, e.region).issues.push(e);
  }
  // Regions with an open incident are evaluated even when nothing is reported any more (so they can close).
  for (const inc of openByKey.values()) if (inc.kind === 'region') regionOf(inc.cloud, inc.region);

  const suspectRegions = new Set<string>();
  for (const [key, r] of regions) {
    const inScope = input.instancesIn(r.cloud, r.region);
    const evidence: IncidentEvidence = {
      signals: r.issues.map((e) => ({ key: e.key, summary: e.summary, since: e.started, state: e.state, source: e.source })),
      impaired: r.impaired.flatMap((e) => e.affected.map((a) => ({ id: a.ref.id, ...(a.name ? { name: a.name } : {}), checks: e.summary ? [e.summary] : [] }))),
      confirmedBy: '',
      instancesInScope: inScope,
    };
    const open = openByKey.get(key);
    const regionWide = r.impaired.length >= Math.max(settings.confirmInstances, Math.ceil(inScope / 2));
    if (r.issues.length) suspectRegions.add(key);
    if (open) {
      if (!r.issues.length && !regionWide) {
        out.push({ kind: 'close', incident: open, reason: r.impaired.length ? `the provider reports no open issue and only ${r.impaired.length} instance(s) still fail their checks` : 'the provider reports the issue closed and the instances pass their checks' });
      } else {
        suspectRegions.add(key);
        const next = { ...evidence, confirmedBy: open.evidence.confirmedBy };
        if (!sameEvidence(open.evidence, next)) out.push({ kind: 'update', incident: open, evidence: next });
      }
      continue;
    }
    let confirmedBy: string | undefined;
    if (r.issues.length) {
      if (r.impaired.length >= settings.confirmInstances) confirmedBy = `${r.impaired.length} instance(s) in ${r.region} fail their status checks while the provider reports an issue`;
      else {
        const lasting = r.issues.find((e) => persisted(e, now, settings.holdMs));
        if (lasting) confirmedBy = `the provider's issue has lasted at least ${minutes(settings.holdMs)} (since ${lasting.stateSince.toISOString()})`;
      }
    } else if (regionWide) {
      const lasting = r.impaired.filter((e) => persisted(e, now, settings.holdMs));
      if (lasting.length >= Math.max(settings.confirmInstances, Math.ceil(inScope / 2))) {
        confirmedBy = `${lasting.length} of ${inScope} instance(s) in ${r.region} have failed their status checks for at least ${minutes(settings.holdMs)} (no provider feed reports it yet)`;
      }
      suspectRegions.add(key);
    }
    if (confirmedBy) {
      suspectRegions.add(key);
      out.push({ kind: 'open', key, incident: 'region', cloud: r.cloud, region: r.region, evidence: { ...evidence, confirmedBy } });
    }
  }

  // Instances: only outside suspect or degraded regions.
  const statusByInstance = new Map<string, StoredHealthEvent>();
  for (const e of input.events) if (e.kind === 'status' && e.scope === 'instance') for (const a of e.affected) statusByInstance.set(instanceKey(a.ref), e);
  for (const e of statusByInstance.values()) {
    if (e.state !== 'open') continue;
    const a = e.affected[0];
    if (!a) continue;
    const key = instanceKey(a.ref);
    if (openByKey.has(key) || suspectRegions.has(regionKey(e.cloud, e.region))) continue;
    if (!persisted(e, now, settings.holdMs)) continue;
    out.push({
      kind: 'open',
      key,
      incident: 'instance',
      cloud: e.cloud,
      region: e.region,
      instance: a.ref,
      evidence: {
        signals: [{ key: e.key, summary: e.summary, since: e.stateSince.toISOString(), state: e.state, source: e.source }],
        impaired: [{ id: a.ref.id, ...(a.name ? { name: a.name } : {}), checks: [e.summary] }],
        confirmedBy: `its status checks have failed for at least ${minutes(settings.holdMs)} without a pause (since ${e.stateSince.toISOString()})`,
        instancesInScope: 1,
      },
    });
  }
  for (const inc of openByKey.values()) {
    if (inc.kind !== 'instance' || !inc.instance) continue;
    const e = statusByInstance.get(inc.key);
    if (!e || e.state === 'closed') out.push({ kind: 'close', incident: inc, reason: e ? `${e.affected[0]?.name ?? inc.instance.id} passes its status checks again` : `${inc.instance.id} is no longer reported` });
  }
  return out;
}

/** Regions that are degraded (open incident) or suspect (an open provider issue) right now: never failover targets. */
export function unhealthyRegions(events: readonly StoredHealthEvent[], incidents: readonly Incident[]): Set<string> {
  const out = new Set<string>();
  for (const e of events) if (e.state === 'open' && e.kind === 'issue' && e.scope !== 'instance') out.add(regionKey(e.cloud, e.region));
  for (const i of incidents) if (i.state === 'open' && i.kind === 'region') out.add(regionKey(i.cloud, i.region));
  return out;
}
