/**
 * An independent feasibility checker. It shares no code with the model builder: it reads the raw instances,
 * utilization, offers, tags and settings, applies per-instance decisions, and counts every broken rule
 * (residency, provider pins, CPU architecture, fit, quotas, HA spread over regions, move budget, idle-only stops).
 * The benchmark and the tests use it on our plans and on the greedy baseline alike.
 */
import { geographyOf, type Cloud } from '../model/cloud.js';
import { isBilling, type Instance, type Utilization } from '../model/instance.js';
import type { Offer } from '../model/price.js';
import { cpuArch } from './model.js';
import type { OptimizerSettings } from './settings.js';

export interface Decision {
  /** provider:account:region:id (refKey). */
  key: string;
  action: 'keep' | 'stop' | 'resize' | 'move';
  provider: Cloud;
  region: string;
  type: string;
  zone?: string;
}

export interface Violation {
  rule: 'residency' | 'provider' | 'fit' | 'arch' | 'quota' | 'ha-spread' | 'move-budget' | 'stop-not-idle' | 'unknown-offer' | 'failed-scope';
  subject: string;
  detail: string;
}

export interface CheckInput {
  instances: readonly Instance[];
  utilization: readonly Utilization[];
  idleUtilization: readonly Utilization[];
  offers: readonly Offer[];
  settings: OptimizerSettings;
  decisions: readonly Decision[];
  /** Failover: nothing may stay in or go to this region / provider. */
  failed?: { region?: string; provider?: Cloud };
}

const key = (p: string, a: string, r: string, id: string) => `${p}:${a}:${r}:${id}`;

function tagList(v: string | undefined): string[] {
  return (v ?? '').toLowerCase().split(',').map((x) => x.trim()).filter(Boolean);
}

export function checkPlan(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const s = input.settings;
  const offer = new Map(input.offers.map((o) => [`${o.provider}|${o.region}|${o.type}`, o]));
  const util = new Map(input.utilization.map((u) => [key(u.ref.provider, u.ref.account, u.ref.region, u.ref.id), u]));
  const idle = new Map(input.idleUtilization.map((u) => [key(u.ref.provider, u.ref.account, u.ref.region, u.ref.id), u]));
  const decided = new Map(input.decisions.map((d) => [d.key, d]));
  const billing = input.instances.filter((i) => isBilling(i.state));
  const accountOn = new Set(input.instances.filter((i) => i.account).map((i) => i.provider));

  const anyApps = new Set(input.instances.filter((i) => i.tags['app'] && i.tags['steward:arch']?.toLowerCase() === 'any').map((i) => `${i.tags['app']}|${i.tags['env'] ?? ''}`));
  const archAny = new Set(input.instances.filter((i) => i.tags['steward:arch']?.toLowerCase() === 'any' || (i.tags['app'] !== undefined && anyApps.has(`${i.tags['app']}|${i.tags['env'] ?? ''}`))));
  // Where every billing instance runs after the plan (undefined when stopped).
  const after = new Map<string, { provider: Cloud; region: string; zone: string | undefined; vcpu: number } | undefined>();
  let changes = 0;
  for (const inst of billing) {
    const k = key(inst.provider, inst.account, inst.region, inst.id);
    const d = decided.get(k);
    if (!d || d.action === 'keep') {
      after.set(k, { provider: inst.provider, region: inst.region, zone: inst.zone, vcpu: inst.vcpu ?? 0 });
      if (input.failed && ((input.failed.region && inst.region === input.failed.region) || (input.failed.provider && inst.provider === input.failed.provider))) {
        out.push({ rule: 'failed-scope', subject: inst.name, detail: `left in the failed ${input.failed.region ?? input.failed.provider}` });
      }
      continue;
    }
    changes++;
    if (d.action === 'stop') {
      after.set(k, undefined);
      const iu = idle.get(k);
      if (!iu || !(iu.cpuP95 < s.idleCpuPct)) out.push({ rule: 'stop-not-idle', subject: inst.name, detail: `P95 CPU ${iu?.cpuP95 ?? 'unknown'}% over ${s.idleDays} d is not below ${s.idleCpuPct}%` });
      else if (inst.gpu > 0 && !(typeof iu.gpuP95 === 'number' && iu.gpuP95 < s.idleCpuPct)) {
        out.push({ rule: 'stop-not-idle', subject: inst.name, detail: `GPU instance: P95 GPU ${iu.gpuP95 ?? 'not reported'}${typeof iu.gpuP95 === 'number' ? '%' : ''} over ${s.idleDays} d is not below ${s.idleCpuPct}%` });
      }
      continue;
    }
    const o = offer.get(`${d.provider}|${d.region}|${d.type}`);
    if (!o) {
      out.push({ rule: 'unknown-offer', subject: inst.name, detail: `${d.type} is not offered in ${d.provider} ${d.region}` });
      continue;
    }
    after.set(k, { provider: d.provider, region: d.region, zone: d.zone, vcpu: o.vcpu });
    if (input.failed && ((input.failed.region && d.region === input.failed.region) || (input.failed.provider && d.provider === input.failed.provider))) {
      out.push({ rule: 'failed-scope', subject: inst.name, detail: `placed in the failed ${input.failed.region ?? input.failed.provider}` });
    }
    // Residency: own geography (or the `residency` tag), widened only by steward:allow-geo.
    const residency = inst.tags['residency']?.toLowerCase();
    const home = geographyOf(inst.region);
    let geos: string[];
    if (residency && ['us', 'eu', 'apac'].includes(residency)) geos = [residency];
    else if (home === 'other') geos = [];
    else {
      const extra = tagList(inst.tags['steward:allow-geo']);
      geos = extra.includes('any') || residency === 'any' ? ['us', 'eu', 'apac'] : [home, ...extra];
    }
    const sameRegion = d.provider === inst.provider && d.region === inst.region;
    if (!sameRegion && !geos.includes(geographyOf(d.region))) {
      out.push({ rule: 'residency', subject: inst.name, detail: `${inst.region} (${home}) → ${d.region} (${geographyOf(d.region)}) not allowed` });
    }
    if (!sameRegion && !s.crossRegion) out.push({ rule: 'residency', subject: inst.name, detail: 'moves across regions are switched off' });
    // Providers: pin, tag allow-list, config allow-list, cross-provider switch.
    if (d.provider !== inst.provider) {
      if (!accountOn.has(d.provider)) out.push({ rule: 'provider', subject: inst.name, detail: `${d.provider} has no account in the estate to create on` });
      const pin = inst.tags['steward:provider']?.toLowerCase();
      const allowTag = tagList(inst.tags['steward:allow-providers']);
      const bad =
        (pin !== undefined && pin !== d.provider) ||
        (allowTag.length > 0 && !allowTag.includes(d.provider)) ||
        (s.allowedProviders !== undefined && s.allowedProviders.length > 0 && !s.allowedProviders.includes(d.provider)) ||
        !s.crossProvider;
      if (bad) out.push({ rule: 'provider', subject: inst.name, detail: `${inst.provider} → ${d.provider} not allowed` });
    }
    // CPU architecture: x86 ↔ Arm only when allowed (setting, or `steward:arch=any` on it or a replica of its app).
    if (cpuArch(d.provider, d.type) !== cpuArch(inst.provider, inst.type) && !s.allowArchChange && !archAny.has(inst)) {
      out.push({ rule: 'arch', subject: inst.name, detail: `${inst.type} (${cpuArch(inst.provider, inst.type)}) → ${d.type} (${cpuArch(d.provider, d.type)}) without steward:arch=any or --allow-arch-change` });
    }
    // Fit: P95 × (1 + headroom) of today's size, and GPUs.
    const u = util.get(k);
    const vcpu = inst.vcpu ?? 0;
    const mem = inst.memoryGiB ?? 0;
    const needCpu = u ? (u.cpuP95 / 100) * vcpu * (1 + s.headroom) : vcpu;
    const needMem = u && u.memP95 !== null ? (u.memP95 / 100) * mem * (1 + s.headroom) : mem;
    if (o.vcpu + 1e-6 < needCpu || o.memoryGiB + 1e-6 < needMem || o.gpu < inst.gpu) {
      out.push({ rule: 'fit', subject: inst.name, detail: `${d.type} (${o.vcpu} vCPU, ${o.memoryGiB} GiB, ${o.gpu} GPU) < need ${needCpu.toFixed(2)} vCPU, ${needMem.toFixed(2)} GiB, ${inst.gpu} GPU` });
    }
  }

  // Quotas on the estate after the plan.
  for (const q of s.quotas) {
    let used = 0;
    for (const a of after.values()) if (a && a.provider === q.provider && (!q.region || a.region === q.region)) used += a.vcpu;
    if (used > q.vcpu + 1e-9) out.push({ rule: 'quota', subject: `${q.provider}${q.region ? ' ' + q.region : ''}`, detail: `${used} vCPU used, quota ${q.vcpu}` });
  }
  if (s.maxMoves !== undefined && !input.failed && changes > s.maxMoves) {
    out.push({ rule: 'move-budget', subject: 'plan', detail: `${changes} changed instances, budget ${s.maxMoves}` });
  }

  // HA spread (optimize only): replicas of an app (and env) that are not idle keep at least as many distinct
  // regions as today (issue 11: that is the rule, not zones; a moved replica's zone is chosen to spread them).
  if (!input.failed) {
    const groups = new Map<string, Instance[]>();
    for (const inst of billing) {
      const app = inst.tags['app'];
      if (!app) continue;
      const k = key(inst.provider, inst.account, inst.region, inst.id);
      const iu = idle.get(k);
      const gpuIdle = inst.gpu === 0 || (typeof iu?.gpuP95 === 'number' && iu.gpuP95 < s.idleCpuPct);
      if (iu && iu.cpuP95 < s.idleCpuPct && gpuIdle && s.stopIdle) continue;
      const g = `${app}|${inst.tags['env'] ?? ''}`;
      const list = groups.get(g);
      if (list) list.push(inst);
      else groups.set(g, [inst]);
    }
    for (const [g, members] of groups) {
      const before = new Set(members.map((m) => `${m.provider}/${m.region}`));
      const regionsAfter = new Set<string>();
      for (const m of members) {
        const a = after.get(key(m.provider, m.account, m.region, m.id));
        if (!a) continue;
        regionsAfter.add(`${a.provider}/${a.region}`);
      }
      if (regionsAfter.size < before.size) out.push({ rule: 'ha-spread', subject: g, detail: `${before.size} regions before, ${regionsAfter.size} after` });
    }
  }
  return out;
}
