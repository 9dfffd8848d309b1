/**
 * From instances and their utilization to workloads with a requirement: observed P95 CPU and memory over the
 * lookback × (1 + headroom), mapped onto vCPU and GiB, plus where each may go (residency, provider pins) and
 * which HA group it belongs to.
 */
import { CLOUDS, geographyOf, isCloud, type Cloud, type Geography } from '../model/cloud.js';
import { isBilling, refKey, type Instance, type Utilization } from '../model/instance.js';
import { TAGS, type OptimizerSettings } from './settings.js';

export interface Workload {
  key: string;
  inst: Instance;
  vcpu: number;
  memoryGiB: number;
  gpu: number;
  hourlyMicros: number;
  cpuP95: number;
  /** null when the cloud does not report memory: the requirement then keeps today's memory. */
  memP95: number | null;
  /** P95 CPU over the idle window (7 d). */
  idleCpuP95: number | null;
  reqVcpu: number;
  reqMemGiB: number;
  reqGpu: number;
  idle: boolean;
  geographies: Geography[];
  providers: Cloud[];
  /** `provider/region`. */
  domain: string;
  zoneIndex: number | undefined;
  diskGiB: number;
  /** `app|env` when the instance carries an app tag. */
  group: string | undefined;
  /** May move between x86 and Arm (`--allow-arch-change`, or `steward:arch=any` on it or on a replica of its app). */
  archAny: boolean;
}

export interface Excluded {
  inst: Instance;
  reason: string;
}

export function domainOf(provider: string, region: string): string {
  return `${provider}/${region}`;
}

export function zoneIndexOf(zone: string | undefined): number | undefined {
  if (!zone) return undefined;
  const last = zone.slice(-1).toLowerCase();
  if (/[a-z]/.test(last)) return last.charCodeAt(0) - 97;
  if (/[0-9]/.test(last)) return Math.max(0, Number(last) - 1);
  return undefined;
}

/** The zone with the same index in another region (each cloud names zones its own way). */
export function zoneIn(provider: Cloud, region: string, index: number | undefined): string | undefined {
  if (index === undefined) return undefined;
  const i = index % 3;
  if (provider === 'aws') return `${region}${'abc'[i]}`;
  if (provider === 'gcp') return `${region}-${'abc'[i]}`;
  return `${region}-${i + 1}`;
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

const GEOS: readonly Geography[] = ['us', 'eu', 'apac'];

/** Geographies a workload may be placed in: its own (or its `residency` tag), widened by `steward:allow-geo`. */
export function allowedGeographies(inst: Instance): Geography[] {
  const own = geographyOf(inst.region);
  const residency = inst.tags[TAGS.residency]?.trim().toLowerCase();
  if (residency && (GEOS as readonly string[]).includes(residency)) return [residency as Geography];
  if (own === 'other') return ['other'];
  const extra = list(inst.tags[TAGS.allowGeo]);
  if (extra.includes('any') || residency === 'any') return [...GEOS];
  const set = new Set<Geography>([own]);
  for (const g of extra) if ((GEOS as readonly string[]).includes(g)) set.add(g as Geography);
  return GEOS.filter((g) => set.has(g));
}

/** Providers a workload may be placed on: pins and allow-lists from tags, intersected with the config allow-list. */
export function allowedProviders(inst: Instance, settings: Pick<OptimizerSettings, 'allowedProviders' | 'crossProvider'>): Cloud[] {
  let allowed: Cloud[] = [...CLOUDS];
  const pin = inst.tags[TAGS.pinProvider]?.trim().toLowerCase();
  if (pin && isCloud(pin)) allowed = [pin];
  const tagList = list(inst.tags[TAGS.allowProviders]).filter(isCloud);
  if (tagList.length) allowed = allowed.filter((c) => tagList.includes(c));
  if (settings.allowedProviders?.length) allowed = allowed.filter((c) => settings.allowedProviders?.includes(c));
  if (!settings.crossProvider) allowed = allowed.filter((c) => c === inst.provider);
  return allowed;
}

/**
 * The settings narrowed to clouds a plan can create on: configured (the allow-list) and with an account that
 * exists in the estate (a create names the account; an instance's own cloud always has its own).
 */
export function withKnownAccounts(settings: OptimizerSettings, instances: readonly Instance[]): OptimizerSettings {
  const withAccount = new Set(instances.filter((i) => i.account).map((i) => i.provider));
  const allowed = (settings.allowedProviders?.length ? settings.allowedProviders : CLOUDS).filter((c) => withAccount.has(c));
  return { ...settings, allowedProviders: allowed };
}

export function groupOf(inst: Instance): string | undefined {
  const app = inst.tags[TAGS.app];
  return app ? `${app}|${inst.tags[TAGS.env] ?? ''}` : undefined;
}

export function buildWorkloads(
  instances: readonly Instance[],
  utilization: readonly Utilization[],
  idleUtilization: readonly Utilization[],
  settings: OptimizerSettings,
): { workloads: Workload[]; excluded: Excluded[] } {
  const util = new Map(utilization.map((u) => [refKey(u.ref), u]));
  const idleUtil = new Map(idleUtilization.map((u) => [refKey(u.ref), u]));
  const workloads: Workload[] = [];
  const excluded: Excluded[] = [];
  // `steward:arch=any` on one replica of an app speaks for the app.
  const archAnyGroups = new Set<string>();
  for (const inst of instances) {
    const g = groupOf(inst);
    if (g && archAnyTag(inst)) archAnyGroups.add(g);
  }
  const sorted = instances.map((inst) => ({ inst, key: refKey(inst) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { inst, key } of sorted) {
    if (!isBilling(inst.state)) continue;
    const off = inst.tags[TAGS.optimize]?.toLowerCase();
    if (off === 'off' || off === 'skip' || off === 'false') {
      excluded.push({ inst, reason: `tagged ${TAGS.optimize}=${off}` });
      continue;
    }
    if (inst.price.kind !== 'priced') {
      excluded.push({ inst, reason: `unpriced: ${inst.price.reason}` });
      continue;
    }
    if (inst.vcpu === null || inst.memoryGiB === null) {
      excluded.push({ inst, reason: `size of ${inst.type} unknown` });
      continue;
    }
    const u = util.get(key);
    if (!u) {
      excluded.push({ inst, reason: `no utilization over ${settings.lookbackDays} days` });
      continue;
    }
    const iu = idleUtil.get(key);
    const group = groupOf(inst);
    const factor = 1 + settings.headroom;
    const reqVcpu = (u.cpuP95 / 100) * inst.vcpu * factor;
    const reqMemGiB = u.memP95 === null ? inst.memoryGiB : (u.memP95 / 100) * inst.memoryGiB * factor;
    workloads.push({
      key,
      inst,
      vcpu: inst.vcpu,
      memoryGiB: inst.memoryGiB,
      gpu: inst.gpu,
      hourlyMicros: inst.price.hourlyMicros,
      cpuP95: u.cpuP95,
      memP95: u.memP95,
      idleCpuP95: iu ? iu.cpuP95 : null,
      // As measured: a rounded requirement could fit a type slightly smaller than the stated need.
      reqVcpu,
      reqMemGiB,
      reqGpu: inst.gpu,
      idle: settings.stopIdle && isIdle(inst, iu, settings),
      geographies: settings.crossRegion ? allowedGeographies(inst) : [geographyOf(inst.region)],
      providers: allowedProviders(inst, settings),
      domain: domainOf(inst.provider, inst.region),
      zoneIndex: zoneIndexOf(inst.zone),
      diskGiB: inst.disks.reduce((s, d) => s + d.sizeGiB, 0),
      group,
      archAny: settings.allowArchChange || archAnyTag(inst) || (group !== undefined && archAnyGroups.has(group)),
    });
  }
  return { workloads, excluded };
}

function archAnyTag(inst: Instance): boolean {
  return inst.tags[TAGS.arch]?.trim().toLowerCase() === 'any';
}

/**
 * Idle by Azure Advisor's rule: P95 CPU below the threshold over the idle window. A GPU instance is idle only if
 * its GPU is idle too, where the cloud reports GPU utilization; without a GPU figure it is never called idle
 * (a training job can keep the GPU busy with the CPU nearly still).
 */
export function isIdle(inst: Pick<Instance, 'gpu'>, iu: Utilization | undefined, s: Pick<OptimizerSettings, 'idleCpuPct'>): boolean {
  if (!iu || !(iu.cpuP95 < s.idleCpuPct)) return false;
  if (inst.gpu > 0) return iu.gpuP95 !== undefined && iu.gpuP95 !== null && iu.gpuP95 < s.idleCpuPct;
  return true;
}
