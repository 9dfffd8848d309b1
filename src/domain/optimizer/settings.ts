import type { Cloud } from '../model/cloud.js';

/** A vCPU quota: per provider (all regions) or per provider and region. */
export interface Quota {
  provider: Cloud;
  region?: string;
  vcpu: number;
}

/** Everything the optimizer can be told; `DEFAULT_SETTINGS` holds Compute Optimizer's and Azure Advisor's defaults. */
export interface OptimizerSettings {
  /** Headroom over the observed P95 (0.2 = 20%). */
  headroom: number;
  /** Lookback window for the P95 requirement, days (Compute Optimizer: 14). */
  lookbackDays: number;
  /**
   * Idle rule: P95 CPU below this percent over `idleDays` (Azure Advisor: 3% over 7 days). A GPU instance is idle
   * only when its P95 GPU utilization is reported and below the same percent; without a GPU figure it never is.
   */
  idleCpuPct: number;
  idleDays: number;
  /** Propose stopping idle instances. */
  stopIdle: boolean;
  /** Allow moves to another region / another provider (false = rightsizing in place only). */
  crossRegion: boolean;
  crossProvider: boolean;
  /**
   * Allow moves between x86 and Arm for every workload (`--allow-arch-change`). Off by default: an Arm move needs
   * a multi-arch image. A workload (or any replica of its app) tagged `steward:arch=any` allows it on its own.
   */
  allowArchChange: boolean;
  /** Providers the plan may place workloads on (config allow-list); undefined = all. */
  allowedProviders?: Cloud[];
  quotas: Quota[];
  /** At most this many changed instances (resize, move or stop); undefined = no budget. */
  maxMoves?: number;
  /** Data egress of a move, USD per GiB of disk: within a provider across regions, and across providers. */
  egressUsdPerGiB: { region: number; provider: number };
  /** One-off risk penalty of a move, USD: across regions, across providers. */
  riskUsd: { region: number; provider: number };
  /** One-off migration costs are spread over this many months in the objective. */
  amortizeMonths: number;
  /** Stop improving once the certified gap is at most this. */
  targetGap: number;
  /** Time limit for a HiGHS solve. */
  highsTimeLimitMs: number;
  /** Failover tie-break: USD per month per km between the original and the replacement region. */
  latencyUsdPerKm: number;
}

export const DEFAULT_SETTINGS: OptimizerSettings = {
  headroom: 0.2,
  lookbackDays: 14,
  idleCpuPct: 3,
  idleDays: 7,
  stopIdle: true,
  crossRegion: true,
  crossProvider: true,
  allowArchChange: false,
  quotas: [],
  egressUsdPerGiB: { region: 0.02, provider: 0.09 },
  riskUsd: { region: 100, provider: 300 },
  amortizeMonths: 12,
  targetGap: 0.005,
  highsTimeLimitMs: 10_000,
  latencyUsdPerKm: 0.0001,
};

/** Tags a workload's owner sets to widen or narrow what the optimizer may do with it. */
export const TAGS = {
  /** `residency=eu`: the workload must stay in that geography. */
  residency: 'residency',
  /** `steward:allow-geo=eu,us` (or `any`): geographies it may move to besides its own. */
  allowGeo: 'steward:allow-geo',
  /** `steward:provider=aws`: pinned to one provider. */
  pinProvider: 'steward:provider',
  /** `steward:allow-providers=aws,gcp`: allow-list of providers. */
  allowProviders: 'steward:allow-providers',
  /** `steward:optimize=off`: leave it alone. */
  optimize: 'steward:optimize',
  /** `steward:arch=any`: the workload (on any replica: the whole app) may move between x86 and Arm. */
  arch: 'steward:arch',
  /** HA groups: replicas share `app` (and `env`). */
  app: 'app',
  env: 'env',
} as const;

/** `aws=512,aws/eu-west-1=96` → quotas. Throws with the bad entry named. */
export function parseQuotas(text: string): Quota[] {
  const out: Quota[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(aws|azure|gcp)(?:\/([a-z0-9-]+))?=(\d+)$/i.exec(raw);
    if (!m) throw new Error(`quota ${JSON.stringify(raw)}: expected provider=vCPU or provider/region=vCPU, e.g. aws/eu-west-1=96`);
    out.push({ provider: (m[1] as string).toLowerCase() as Cloud, ...(m[2] ? { region: m[2] } : {}), vcpu: Number(m[3]) });
  }
  return out;
}

export function quotaLabel(q: Quota): string {
  return q.region ? `${q.provider} ${q.region}` : `${q.provider} (all regions)`;
}
