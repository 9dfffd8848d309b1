/**
 * The demo estate's health feeds, driven by a newcomer (issue 15): `demo fault <instance>` makes one instance fail
 * its status checks, `demo outage <provider>/<region>` makes a region's instances fail theirs and its service-health
 * feed report an incident, `demo recover …` undoes either. Everything is stored with the estate, so every replica
 * and the CLI see the same faults, and they survive a restart.
 */
import { z } from 'zod';
import { CLOUDS, type Cloud } from '../../domain/model/cloud.js';
import type { HealthEvent, InstanceHealth } from '../../domain/model/health.js';
import type { EstateStore } from '../../domain/ports/estate-store.port.js';
import type { HealthSource } from '../../domain/ports/health-source.port.js';
import type { DemoHealthControl, DemoOutage } from '../../domain/ports/demo-health.port.js';
import { demoInstanceSchema } from './estate.js';

const outageSchema = z
  .object({
    cloud: z.enum(CLOUDS),
    region: z.string().min(1),
    seq: z.number().int().min(1),
    state: z.enum(['open', 'closed']),
    started: z.string(),
    updated: z.string(),
    ended: z.string().optional(),
  })
  .strict();
type Outage = DemoOutage;

const outageKey = (cloud: Cloud, region: string) => `outage:${cloud}:${region}`;
const SERVICE: Record<Cloud, string> = { aws: 'EC2', azure: 'Virtual Machines', gcp: 'Compute Engine' };


export function createDemoHealth(store: EstateStore, opts: { intervalMs: number; holdMs: number }): { source: HealthSource; control: DemoHealthControl } {
  async function instances() {
    return (await store.list()).filter((r) => r.key.startsWith('instance:')).map((rec) => ({ rec, inst: demoInstanceSchema.parse(rec.data) }));
  }
  async function outages(): Promise<Outage[]> {
    return (await store.list()).filter((r) => r.key.startsWith('outage:')).map((r) => outageSchema.parse(r.data));
  }
  async function findInstance(nameOrId: string) {
    const all = (await instances()).filter((x) => x.inst.state !== 'terminated');
    const hits = all.filter((x) => x.inst.id === nameOrId || x.inst.name === nameOrId);
    if (hits.length > 1) throw new Error(`${nameOrId} names ${hits.length} instances; use the instance id`);
    return hits[0];
  }

  const control: DemoHealthControl = {
    outages,
    async fault(nameOrId, now) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const hit = await findInstance(nameOrId);
        if (!hit) throw new Error(`there is no demo instance ${nameOrId}`);
        const next = { ...hit.inst, impaired: `instance status check failed: reachability (demo fault injected at ${now.toISOString()})` };
        if (await store.update(hit.rec.key, hit.rec.version, next)) return next;
      }
      throw new Error(`${nameOrId} kept changing; try again`);
    },
    async outage(cloud, region, now) {
      const key = outageKey(cloud, region);
      const inRegion = (await instances()).filter((x) => x.inst.provider === cloud && x.inst.region === region && x.inst.state !== 'terminated').length;
      const rec = await store.get(key);
      const prev = rec ? outageSchema.parse(rec.data) : undefined;
      if (prev?.state === 'open') return { outage: prev, instances: inRegion, created: false };
      const at = now.toISOString();
      const outage: Outage = { cloud, region, seq: (prev?.seq ?? 0) + 1, state: 'open', started: at, updated: at };
      if (rec) {
        if (!(await store.update(key, rec.version, outage))) throw new Error(`the ${cloud}/${region} outage changed meanwhile; try again`);
      } else await store.insert(key, outage);
      return { outage, instances: inRegion, created: true };
    },
    async recover(target, now) {
      const at = now.toISOString();
      const slash = target.indexOf('/');
      if (slash > 0 && (CLOUDS as readonly string[]).includes(target.slice(0, slash))) {
        const key = outageKey(target.slice(0, slash) as Cloud, target.slice(slash + 1));
        const rec = await store.get(key);
        if (!rec) return undefined;
        const o = outageSchema.parse(rec.data);
        if (o.state === 'closed') return { kind: 'region', outage: o };
        const next: Outage = { ...o, state: 'closed', updated: at, ended: at };
        if (!(await store.update(key, rec.version, next))) throw new Error(`the ${target} outage changed meanwhile; try again`);
        return { kind: 'region', outage: next };
      }
      const hit = await findInstance(target);
      if (!hit) return undefined;
      const { impaired: _gone, ...rest } = hit.inst;
      if (!(await store.update(hit.rec.key, hit.rec.version, rest))) throw new Error(`${target} changed meanwhile; try again`);
      return { kind: 'instance', instance: rest };
    },
  };

  const source: HealthSource = {
    id: 'demo',
    clouds: CLOUDS,
    intervalMs: opts.intervalMs,
    holdMs: opts.holdMs,
    async poll() {
      const [all, outs] = await Promise.all([instances(), outages()]);
      const down = new Map(outs.filter((o) => o.state === 'open').map((o) => [`${o.cloud}:${o.region}`, o]));
      const statuses: InstanceHealth[] = [];
      for (const { inst } of all) {
        if (inst.state === 'terminated') continue;
        const ref = { provider: inst.provider, account: inst.account, region: inst.region, ...(inst.zone ? { zone: inst.zone } : {}), id: inst.id };
        // Like EC2's status checks, only running instances are checked.
        if (inst.state !== 'running') {
          statuses.push({ ref, name: inst.name, status: 'unknown', checks: [] });
          continue;
        }
        const checks: string[] = [];
        if (down.has(`${inst.provider}:${inst.region}`)) checks.push(`system status check failed: ${inst.region} outage (demo)`);
        if (inst.impaired) checks.push(inst.impaired);
        statuses.push({ ref, name: inst.name, status: checks.length ? 'impaired' : 'ok', checks });
      }
      const events: HealthEvent[] = outs.map((o) => {
        const affected = all.filter((x) => x.inst.provider === o.cloud && x.inst.region === o.region && x.inst.state === 'running');
        return {
          key: `demo:outage:${o.cloud}:${o.region}:${o.seq}`,
          source: 'demo',
          cloud: o.cloud,
          region: o.region,
          scope: 'region',
          kind: 'issue',
          service: SERVICE[o.cloud],
          state: o.state,
          severity: o.state === 'open' ? 'critical' : 'info',
          started: o.started,
          updated: o.updated,
          ...(o.ended ? { ended: o.ended } : {}),
          affected: o.state === 'open' ? affected.map((x) => ({ ref: { provider: x.inst.provider, account: x.inst.account, region: x.inst.region, ...(x.inst.zone ? { zone: x.inst.zone } : {}), id: x.inst.id }, name: x.inst.name })) : [],
          summary: o.state === 'open' ? `${SERVICE[o.cloud]} instances unreachable in ${o.region} (demo outage #${o.seq})` : `resolved: ${SERVICE[o.cloud]} in ${o.region} operating normally (demo outage #${o.seq})`,
        };
      });
      return { events, instances: statuses, gaps: [] };
    },
  };
  return { source, control };
}
