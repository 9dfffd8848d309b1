/** Runs every check over the estate's posture, applies the mutes, and compares with the previous digest. */
import { CLOUDS, type Cloud } from '../model/cloud.js';
import type { Severity } from '../model/finding.js';
import type { ResourcePosture } from '../model/posture.js';
import { SECURITY_CHECKS, SEVERITY_ORDER, remediationFor, type SecurityCheck, type SecurityCheckInfo } from './checks.js';
import { muteMatches, type SecurityMute } from './mutes.js';

export interface FailingResource {
  provider: Cloud;
  account: string;
  region: string;
  id: string;
  name: string;
  detail: string;
  remediation: string;
}

export interface CheckResult extends SecurityCheckInfo {
  failing: FailingResource[];
  /** Failures hidden by an active mute. */
  muted: number;
}

export interface SecurityReport {
  asOf: string;
  resources: number;
  checks: CheckResult[];
  failingTotal: number;
  mutedTotal: number;
  counts: { bySeverity: Record<Severity, number>; byProvider: Record<Cloud, number> };
}

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];

/** `checkId|provider:account:resourceId`: what "new" and "resolved" compare between two digests. */
export function findingKey(checkId: string, r: { provider: string; account: string; id: string }): string {
  return `${checkId}|${r.provider}:${r.account}:${r.id}`;
}

export function evaluateSecurity(postures: readonly ResourcePosture[], mutes: readonly SecurityMute[], now: Date, checks: readonly SecurityCheck[] = SECURITY_CHECKS): SecurityReport {
  const active = mutes.filter((m) => new Date(m.expiresAt).getTime() > now.getTime());
  const results: CheckResult[] = checks.map((c) => ({ id: c.id, prowler: c.prowler, cis: c.cis, severity: c.severity, title: c.title, clouds: c.clouds, remediation: c.remediation, failing: [], muted: 0 }));
  const byCloud = new Map<Cloud, { check: SecurityCheck; result: CheckResult; mutes: SecurityMute[] }[]>();
  for (const cloud of CLOUDS) {
    byCloud.set(
      cloud,
      checks.flatMap((check, i) => (check.clouds.includes(cloud) ? [{ check, result: results[i] as CheckResult, mutes: active.filter((m) => m.checkId === check.id) }] : [])),
    );
  }
  for (const p of postures) {
    if (p.state === 'terminated') continue;
    for (const { check, result, mutes: ms } of byCloud.get(p.resource.provider) ?? []) {
      const details = check.evaluate(p);
      if (!details.length) continue;
      if (ms.some((m) => muteMatches(m, p))) {
        result.muted++;
        continue;
      }
      const r = p.resource;
      result.failing.push({ provider: r.provider, account: r.account, region: r.region, id: r.id, name: r.name, detail: details.join('; '), remediation: remediationFor(check, p) });
    }
  }
  for (const r of results) r.failing.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  results.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.failing.length - a.failing.length || a.id.localeCompare(b.id));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byProvider = Object.fromEntries(CLOUDS.map((c) => [c, 0])) as Record<Cloud, number>;
  for (const r of results) {
    bySeverity[r.severity] += r.failing.length;
    for (const f of r.failing) byProvider[f.provider]++;
  }
  return {
    asOf: now.toISOString(),
    resources: postures.filter((p) => p.state !== 'terminated').length,
    checks: results,
    failingTotal: results.reduce((s, r) => s + r.failing.length, 0),
    mutedTotal: results.reduce((s, r) => s + r.muted, 0),
    counts: { bySeverity, byProvider },
  };
}

export function failingKeys(report: SecurityReport): string[] {
  return report.checks.flatMap((c) => c.failing.map((f) => findingKey(c.id, f)));
}

export interface SecurityChanges {
  /** Null when there is no previous digest to compare with. */
  since: string | null;
  added: { check: CheckResult; resource: FailingResource }[];
  resolved: { checkId: string; resource: string }[];
}

/** What changed since the previous digest's failing keys. */
export function compareWithPrevious(report: SecurityReport, previous: { at: string; keys: readonly string[] } | undefined): SecurityChanges {
  if (!previous) return { since: null, added: [], resolved: [] };
  const before = new Set(previous.keys);
  const now = new Set<string>();
  const added: SecurityChanges['added'] = [];
  for (const c of report.checks) {
    for (const f of c.failing) {
      const k = findingKey(c.id, f);
      now.add(k);
      if (!before.has(k)) added.push({ check: c, resource: f });
    }
  }
  const resolved = [...before].filter((k) => !now.has(k)).map((k) => {
    const [checkId = '', resource = ''] = k.split('|');
    return { checkId, resource };
  });
  return { since: previous.at, added, resolved };
}
