/** Presentation of the security report, shared by `security` and the security digest (not a command itself). */
import { code, context, fields, table, text, type Block } from '../src/core/reply.js';
import { CLOUD_LABEL, CLOUDS } from '../src/domain/model/cloud.js';
import type { CheckResult, SecurityChanges, SecurityReport } from '../src/domain/security/report.js';
import { SEVERITIES } from '../src/domain/security/report.js';

const SEVERITY_ICON: Record<string, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '⚪' };

export function severityLine(r: SecurityReport): string {
  return SEVERITIES.map((s) => `${SEVERITY_ICON[s]} ${s} ${r.counts.bySeverity[s]}`).join(' · ');
}

export function summaryBlocks(r: SecurityReport): Block[] {
  const failingChecks = r.checks.filter((c) => c.failing.length > 0).length;
  return [
    fields({
      'Resources checked': String(r.resources),
      Checks: `${r.checks.length} (${failingChecks} failing)`,
      'Failing findings': String(r.failingTotal) + (r.mutedTotal ? ` (+${r.mutedTotal} muted)` : ''),
      'By severity': severityLine(r),
      'By provider': CLOUDS.map((c) => `${CLOUD_LABEL[c]} ${r.counts.byProvider[c]}`).join(' · '),
    }),
  ];
}

export function checksTable(r: SecurityReport, limit = 30): Block {
  const failing = r.checks.filter((c) => c.failing.length > 0);
  const rows = failing.slice(0, limit).map((c) => [`${SEVERITY_ICON[c.severity]} ${c.severity}`, c.title, code(c.prowler), c.cis, String(c.failing.length)]);
  const passing = r.checks.length - failing.length;
  const note = `${passing} of ${r.checks.length} checks pass${failing.length > limit ? `; ${failing.length - limit} more failing checks with ${code('security --json')}` : ''}.`;
  return table(['Severity', 'Check', 'Prowler id', 'CIS', { label: 'Failing', align: 'right' }], rows, note);
}

/** The failing resources of the worst checks, a few per check, within `maxLines` lines. */
export function failingResourceBlocks(r: SecurityReport, opts: { perCheck: number; maxChecks: number }): Block[] {
  const worst = r.checks.filter((c) => c.failing.length > 0 && (c.severity === 'critical' || c.severity === 'high')).slice(0, opts.maxChecks);
  if (!worst.length) return [];
  return worst.map((c) => text(resourceLines(c, opts.perCheck)));
}

export function resourceLines(c: CheckResult, max: number): string {
  const lines = c.failing.slice(0, max).map((f) => `- ${f.provider} ${f.region} **${f.name}**: ${f.detail}`);
  const more = c.failing.length > max ? `\n- … and ${c.failing.length - max} more (${code(`security --check ${c.id}`)})` : '';
  return `**${c.title}** (${code(c.prowler)}, ${c.severity}) — fix: ${c.failing[0]?.remediation ?? c.remediation}\n${lines.join('\n')}${more}`;
}

export function changesBlocks(ch: SecurityChanges, max = 8): Block[] {
  if (ch.since === null) return [context('First security digest here: the next one lists what is new and what was resolved since this one.')];
  const out: string[] = [`**Since the previous digest** (${ch.since.slice(0, 16).replace('T', ' ')} UTC): ${ch.added.length} new, ${ch.resolved.length} resolved.`];
  for (const a of ch.added.slice(0, max)) out.push(`- 🆕 ${a.check.severity} ${a.check.title}: **${a.resource.name}** (${a.resource.provider} ${a.resource.region})`);
  if (ch.added.length > max) out.push(`- … and ${ch.added.length - max} more new`);
  for (const r of ch.resolved.slice(0, Math.max(0, max - Math.min(max, ch.added.length)))) out.push(`- ✅ resolved ${r.checkId}: ${r.resource}`);
  return [text(out.join('\n'))];
}

/** The machine-readable report (`security --json`, `digest preview security --json`). */
export function securityJson(r: SecurityReport) {
  return {
    asOf: r.asOf,
    resources: r.resources,
    failingTotal: r.failingTotal,
    mutedTotal: r.mutedTotal,
    counts: r.counts,
    checks: r.checks.map((c) => ({ id: c.id, prowler: c.prowler, cis: c.cis, severity: c.severity, title: c.title, clouds: c.clouds, remediation: c.remediation, muted: c.muted, failing: c.failing })),
  };
}
