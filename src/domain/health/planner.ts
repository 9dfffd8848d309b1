/**
 * The remedies the watch proposes (never executes): restart an impaired instance, fail a degraded region over with
 * the existing failover model (that region removed, and every other unhealthy region left out as a target), and fail
 * back once the incident closed, from what the failover actually did.
 */
import type { Cloud } from '../model/cloud.js';
import { CLOUD_LABEL } from '../model/cloud.js';
import { regionKey, type Incident, type IncidentEvidence, type PlanOrigin } from '../model/health.js';
import { isBilling, refOf, type Instance } from '../model/instance.js';
import type { Plan, PlanStep } from '../model/plan.js';
import type { Execution, Proposal } from '../model/proposal.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { planFailover } from '../optimizer/failover.js';
import type { OptimizerSettings } from '../optimizer/settings.js';
import type { PriceCatalog } from '../ports/price-catalog.port.js';
import type { SolverPort } from '../ports/solver.port.js';
import { formatMonthly } from '../../lib/money.js';

export interface WatchPlannerDeps {
  inventory: InventoryService;
  catalog: PriceCatalog;
  settings: () => OptimizerSettings;
  highs?: SolverPort;
}

export type PlanOutcome = { ok: true; plan: Plan } | { ok: false; reason: string };

const ZERO_TOTALS = { beforeMonthlyMicros: 0, afterMonthlyMicros: 0, savingsMonthlyMicros: 0 };

export function evidenceLines(inc: Incident, ev: IncidentEvidence = inc.evidence): string[] {
  const lines = [`Incident ${inc.id} (${CLOUD_LABEL[inc.cloud]} ${inc.region}), open since ${inc.openedAt.toISOString()}: ${ev.confirmedBy}.`];
  for (const s of ev.signals.slice(0, 5)) lines.push(`Signal ${s.source}: ${s.summary} (since ${s.since}, ${s.state}).`);
  if (ev.signals.length > 5) lines.push(`… and ${ev.signals.length - 5} more signal(s).`);
  if (ev.impaired.length) {
    const names = ev.impaired.slice(0, 8).map((i) => i.name ?? i.id);
    lines.push(`${ev.impaired.length} instance(s) fail their status checks: ${names.join(', ')}${ev.impaired.length > 8 ? ', …' : ''}.`);
  }
  return lines;
}

const origin = (inc: Incident, action: PlanOrigin['action']): PlanOrigin => ({ by: 'health-watch', incidentId: inc.id, action, cloud: inc.cloud, region: inc.region });

export function createWatchPlanner(deps: WatchPlannerDeps) {
  return {
    /** One `reboot` step for the impaired instance (medium risk; the adapters dry-run it like the others). */
    async restart(inc: Incident): Promise<PlanOutcome> {
      if (!inc.instance) return { ok: false, reason: 'the incident names no instance' };
      // The inventory knows the instance's account (a status feed may not say it); then re-read it live.
      const ref = inc.instance;
      const known = (await deps.inventory.collect({}).catch(() => undefined))?.instances.find((i) => i.provider === ref.provider && i.id === ref.id);
      const live = await deps.inventory.describe(known ? refOf(known) : ref).catch(() => undefined);
      if (!live) return { ok: false, reason: `${inc.instance.id} could not be read` };
      if (live.state !== 'running') return { ok: false, reason: `${live.name} is ${live.state}, not running: a restart would not help` };
      const step: PlanStep = {
        id: 's1',
        kind: 'reboot',
        target: refOf(live),
        targetName: live.name,
        expect: { state: 'running', type: live.type },
        reason: `its status checks fail (${inc.evidence.impaired[0]?.checks.join('; ') || 'impaired'}); a restart moves it off a failing host process`,
        risk: 'medium',
      };
      return {
        ok: true,
        plan: {
          kind: 'direct',
          title: `Restart ${live.name} (${CLOUD_LABEL[live.provider]} ${live.region}): status checks failing`,
          steps: [step],
          totals: ZERO_TOTALS,
          priceSnapshots: {},
          origin: origin(inc, 'restart'),
          evidence: [...evidenceLines(inc), `Blast radius: 1 instance (${live.name}); a reboot keeps its disks, addresses and type.`],
        },
      };
    },

    /** The failover model with the incident's region removed; other unhealthy regions are not offered as targets. */
    async failover(inc: Incident, unhealthy: ReadonlySet<string>): Promise<PlanOutcome> {
      const report = await deps.inventory.collect({}, { refresh: true });
      const settings = deps.settings();
      const affected = report.instances.filter((i) => i.provider === inc.cloud && i.region === inc.region && isBilling(i.state));
      if (!affected.length) return { ok: false, reason: `no running instance in ${inc.cloud} ${inc.region} to fail over` };
      const util = await deps.inventory.utilization(affected, { days: settings.lookbackDays });
      const offers = deps.catalog.offers().filter((o) => !unhealthy.has(regionKey(o.provider as Cloud, o.region)) || (o.provider === inc.cloud && o.region === inc.region));
      const { plan, report: r } = await planFailover({
        target: { region: inc.region },
        instances: report.instances,
        utilization: util,
        offers,
        priceSnapshots: deps.catalog.snapshotDates(),
        settings,
        ...(deps.highs ? { highs: deps.highs } : {}),
      });
      if (!r.feasible) return { ok: false, reason: r.explanation.join(' ') };
      if (!plan.steps.length) return { ok: false, reason: 'the failover model found nothing to move' };
      const targets = [...new Set(r.replacements.map((x) => `${x.to.provider} ${x.to.region}`))];
      const delta = r.replacementMonthlyUsd - r.replacedMonthlyUsd;
      const excluded = [...unhealthy].filter((k) => k !== regionKey(inc.cloud, inc.region)).map((k) => k.slice('region:'.length).replace(':', ' '));
      return {
        ok: true,
        plan: {
          ...plan,
          title: `Failover of ${CLOUD_LABEL[inc.cloud]} ${inc.region} (degraded): ${r.affected} instance(s) to ${targets.join(', ')}`,
          origin: origin(inc, 'failover'),
          evidence: [
            ...evidenceLines(inc),
            `Blast radius: ${r.affected} running instance(s) in ${inc.region} (${affected.slice(0, 8).map((i) => i.name).join(', ')}${affected.length > 8 ? ', …' : ''}), replaced in ${targets.join(', ')}; originals are stopped, not deleted.`,
            `Cost delta: replacements ${formatMonthly(Math.round(r.replacementMonthlyUsd * 1e6))} vs ${formatMonthly(Math.round(r.replacedMonthlyUsd * 1e6))} replaced (${delta >= 0 ? '+' : '−'}${formatMonthly(Math.round(Math.abs(delta) * 1e6))}).`,
            ...(excluded.length ? [`Not used as targets (unhealthy too): ${excluded.join(', ')}.`] : []),
            'When the incident closes, the watch proposes the failback; it never fails back by itself.',
          ],
        },
      };
    },

    /**
     * Back to the recovered region, from what the executed failover did: start each original it stopped, then stop
     * each replacement it created (stopped, not deleted, so the failback can itself be undone).
     */
    failback(inc: Incident, failover: Proposal, execution: Execution): PlanOutcome {
      const steps: PlanStep[] = [];
      let n = 0;
      let monthly = 0;
      const done = execution.steps.filter((s) => s.status === 'succeeded');
      for (const rec of done) {
        const step = failover.plan.steps[rec.index];
        if (step?.kind !== 'stop') continue;
        monthly -= step.monthlyDeltaMicros ?? 0;
        steps.push({ id: `s${++n}`, kind: 'start', target: step.target, targetName: step.targetName, expect: { state: 'stopped', ...(step.expect.type ? { type: step.expect.type } : {}) }, reason: `${inc.region} recovered (incident ${inc.id} closed): bring the original back`, monthlyDeltaMicros: -(step.monthlyDeltaMicros ?? 0), risk: 'medium' });
      }
      for (const rec of done) {
        const step = failover.plan.steps[rec.index];
        const created = rec.result?.created;
        if (step?.kind !== 'create' || !created) continue;
        monthly += step.monthlyDeltaMicros ? -step.monthlyDeltaMicros : 0;
        steps.push({ id: `s${++n}`, kind: 'stop', target: created, targetName: step.name, expect: { state: 'running', type: step.placement.type }, reason: `replacement made by failover ${failover.id}; stopped, not deleted, so this failback can be rolled back`, ...(step.monthlyDeltaMicros ? { monthlyDeltaMicros: -step.monthlyDeltaMicros } : {}), risk: 'medium' });
      }
      if (!steps.length) return { ok: false, reason: `failover ${failover.id} changed nothing that needs undoing` };
      return {
        ok: true,
        plan: {
          kind: 'failover',
          title: `Failback to ${CLOUD_LABEL[inc.cloud]} ${inc.region} (recovered) after failover ${failover.id}`,
          steps,
          totals: { beforeMonthlyMicros: 0, afterMonthlyMicros: 0, savingsMonthlyMicros: -monthly },
          priceSnapshots: failover.plan.priceSnapshots,
          origin: origin(inc, 'failback'),
          evidence: [
            `Incident ${inc.id} closed at ${(inc.closedAt ?? new Date()).toISOString()}: the provider reports ${inc.region} healthy again and its instances pass their checks.`,
            `Blast radius: ${steps.filter((s) => s.kind === 'start').length} original(s) started in ${inc.region}, ${steps.filter((s) => s.kind === 'stop').length} replacement(s) stopped.`,
            'Proposed, never automatic: approve when the region has been stable long enough for you.',
          ],
        },
      };
    },
  };
}

export type WatchPlanner = ReturnType<typeof createWatchPlanner>;
export type { Instance };
