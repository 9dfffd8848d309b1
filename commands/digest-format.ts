/** The cost and security digests as Replies (not a command itself): one message, within Slack's 50 blocks. */
import { actions, code, context, fields, table, text, type Block, type ImageBlock } from '../src/core/reply.js';
import type { CostDigest } from '../src/domain/digests/cost-digest.js';
import type { SecurityChanges, SecurityReport } from '../src/domain/security/report.js';
import { changesBlocks, checksTable, failingResourceBlocks, summaryBlocks } from './security-format.js';

export const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${usd(Math.abs(n))}`;

export interface DigestMeta {
  /** Set when the scheduler posts a period it missed (Steward was down at the time). */
  lateFor?: string;
  /** Who gets it: "#C123 daily 09:00 Europe/Berlin", or "preview". */
  where: string;
}

function lateBlocks(meta: DigestMeta): Block[] {
  return meta.lateFor ? [context(`⏰ **Late**: this digest was due ${meta.lateFor}; Steward was not running then.`)] : [];
}

export function forecastLine(d: CostDigest): string {
  const f = d.forecast;
  if (!f.ok) return `Month-end forecast: not shown — ${f.reason}.`;
  return `Month-end forecast ${usd(f.monthEndUsd)} (80%: ${usd(f.lowUsd)}–${usd(f.highUsd)}), as of ${f.asOf}: ${f.method}.`;
}

export function anomalyLines(d: CostDigest, max = 5): string | undefined {
  if (!d.anomalies.length) return undefined;
  const lines = d.anomalies.slice(0, max).map((a) => `- ${a.critical ? '🚨' : '⚠️'} ${a.day} **${a.scope === 'total' ? 'all clouds' : a.scope}**: ${usd(a.actualUsd)} vs ${usd(a.expectedUsd)} expected, ${usd(a.excessUsd)} (${a.excessPct}%) above the band`);
  return `**Cost anomalies** (beyond the expected band by both thresholds)\n${lines.join('\n')}${d.anomalies.length > max ? `\n- … and ${d.anomalies.length - max} more` : ''}`;
}

export function costDigestBlocks(d: CostDigest, chart: ImageBlock | undefined, meta: DigestMeta): Block[] {
  const change =
    d.change.deltaUsd === null ? 'no earlier snapshot yet' : `${signed(d.change.deltaUsd)} (${d.change.deltaPct === null ? '—' : `${d.change.deltaPct >= 0 ? '+' : ''}${d.change.deltaPct}%`}) since ${d.change.previousDay}`;
  const blocks: Block[] = [
    ...lateBlocks(meta),
    fields({
      'Monthly run-rate': usd(d.totalMonthlyUsd),
      [d.cadence === 'weekly' ? 'Change this week' : 'Change since yesterday']: change,
      'Month-end forecast': d.forecast.ok ? `${usd(d.forecast.monthEndUsd)} (${usd(d.forecast.lowUsd)}–${usd(d.forecast.highUsd)})` : 'not enough history',
      'Savings available now': `${usd(d.savings.monthlyUsd)}/month (${d.savings.stops} stop${d.savings.stops === 1 ? '' : 's'}, ${d.savings.resizes} resize${d.savings.resizes === 1 ? '' : 's'})`,
    }),
    context(forecastLine(d)),
  ];
  if (chart) blocks.push(chart);
  const anomalies = anomalyLines(d);
  if (anomalies) blocks.push(text(anomalies));
  blocks.push(
    table(['Provider', { label: 'Instances', align: 'right' }, { label: 'Monthly', align: 'right' }], d.byProvider.map((g) => [g.key, String(g.instances), usd(g.monthlyUsd)])),
    table(['Team', { label: 'Instances', align: 'right' }, { label: 'Monthly', align: 'right' }], d.byTeam.slice(0, 8).map((g) => [g.key, String(g.instances), usd(g.monthlyUsd)]), d.byTeam.length > 8 ? `top 8 of ${d.byTeam.length} teams` : undefined),
    table(['Region', { label: 'Instances', align: 'right' }, { label: 'Monthly', align: 'right' }], d.byRegion.slice(0, 8).map((g) => [g.key, String(g.instances), usd(g.monthlyUsd)]), d.byRegion.length > 8 ? `top 8 of ${d.byRegion.length} regions` : undefined),
  );
  if (d.movers.length) {
    blocks.push(table(['Top movers', { label: 'Before', align: 'right' }, { label: 'Now', align: 'right' }, { label: 'Change', align: 'right' }], d.movers.map((m) => [m.key, usd(m.beforeUsd), usd(m.afterUsd), signed(m.deltaUsd)]), `monthly run-rate against ${d.change.previousDay}`));
  }
  if (d.underused.length) {
    blocks.push(
      table(
        ['Idle or underused', 'Provider', 'Judged by', { label: 'P95', align: 'right' }, { label: 'Monthly', align: 'right' }, 'Suggestion', { label: 'Saves', align: 'right' }],
        d.underused.slice(0, 8).map((u) => [u.name, `${u.provider} ${u.region}`, u.metric === 'gpu' ? 'GPU' : 'CPU', `${Math.round(u.p95 * 10) / 10}%`, usd(u.monthlyUsd), u.suggestion, usd(u.savingUsd)]),
        `${d.underused.length > 8 ? `top 8 of ${d.underused.length}; ` : ''}P95 over 7 days; savings are an in-place estimate — the proposal is solved by ${code('optimize')} with every constraint`,
      ),
    );
  }
  const buttons = [];
  if (d.underused.length) buttons.push({ actionId: 'digest.optimize', label: 'Create the savings proposal', value: 'optimize', style: 'primary' as const });
  if (d.underused.length > 8 || d.byRegion.length > 8 || d.byTeam.length > 8) buttons.push({ actionId: 'digest.more', label: 'Show more', value: 'cost' });
  if (buttons.length) blocks.push(actions(...buttons));
  blocks.push(context(`Run-rate = on-demand list prices of running instances × 730 h. ${d.historyDays} days of cost history. ${meta.where}.`));
  return blocks;
}

export function securityDigestBlocks(r: SecurityReport, changes: SecurityChanges, meta: DigestMeta): Block[] {
  const blocks: Block[] = [...lateBlocks(meta), ...summaryBlocks(r), ...changesBlocks(changes), checksTable(r, 15), ...failingResourceBlocks(r, { perCheck: 3, maxChecks: 4 })];
  if (r.failingTotal > 0) blocks.push(actions({ actionId: 'digest.more', label: 'Show all failing resources', value: 'security' }));
  blocks.push(context(`Checks follow Prowler's ids and CIS mapping. ${code('security --check <id>')} lists every failing resource; ${code('security mute …')} silences one with a reason. ${meta.where}.`));
  return blocks;
}
