import { defineCommand } from '../src/core/command.js';
import { requireSomePartRead } from '../src/domain/inventory/inventory.service.js';
import { UsageError } from '../src/core/errors.js';
import { chart, code, context, fields, reply, table, text } from '../src/core/reply.js';
import { costBy, monthlyRunRate, snapshotNote, totalMonthly } from '../src/domain/inventory/cost.js';
import { isBilling, type Instance } from '../src/domain/model/instance.js';
import { formatMonthly } from '../src/lib/money.js';
import { PROVIDER_FLAG, REFRESH_FLAG, REGION_FLAG, filterInstances, gapBlocks, hourly, monthlyOrUnpriced, scopeOf } from './format.js';

const DIMENSIONS: Record<string, (i: Instance) => string> = {
  provider: (i) => i.provider,
  region: (i) => `${i.provider} ${i.region}`,
  type: (i) => `${i.provider} ${i.type}`,
  account: (i) => `${i.provider} ${i.account}`,
};

export const costCommand = defineCommand({
  name: 'cost',
  summary: 'Monthly run-rate by provider, region, type or tag, with the top spenders',
  usage: 'cost [--by provider|region|type|account|tag:<key>] [--top N] [--provider P] [--region R] [--tag key=value] [--refresh]',
  examples: ['cost', 'cost --by region', 'cost --by tag:team --top 5'],
  description: 'The run-rate is what the instances running now cost per month at on-demand list prices (730 h). Stopped instances cost nothing for compute.',
  permission: 'read',
  flags: {
    by: { kind: 'string', placeholder: 'dimension', description: 'group by provider (default), region, type, account or tag:<key>' },
    top: { kind: 'int', min: 1, max: 50, placeholder: 'N', description: 'how many top spenders to list (default 5)' },
    provider: PROVIDER_FLAG,
    region: REGION_FLAG,
    tag: { kind: 'pair', multiple: true, placeholder: 'key=value', description: 'only instances with this tag (repeatable)' },
    refresh: REFRESH_FLAG,
  },
  async run(ctx, { flags }) {
    const by = (flags.by ?? 'provider').trim();
    let keyOf = DIMENSIONS[by.toLowerCase()];
    let label = by.toLowerCase();
    if (!keyOf && by.toLowerCase().startsWith('tag:') && by.length > 4) {
      const tagKey = by.slice(4);
      keyOf = (i) => i.tags[tagKey] ?? `(no ${tagKey})`;
      label = `tag ${tagKey}`;
    }
    if (!keyOf) throw new UsageError(`Cannot group by ${code(by)}: use provider, region, type, account or tag:<key> (e.g. ${code('tag:team')}).`);

    await ctx.progress('Reading the estate…');
    const report = requireSomePartRead(await ctx.services.inventory.collect(scopeOf(flags), { refresh: flags.refresh }));
    const found = filterInstances(report.instances, { tag: flags.tag });
    const total = totalMonthly(found);
    const groups = costBy(found, keyOf);
    const top = [...found].filter((i) => monthlyRunRate(i) > 0).sort((a, b) => monthlyRunRate(b) - monthlyRunRate(a) || a.name.localeCompare(b.name)).slice(0, flags.top ?? 5);
    // "Billing" means the same in the header and the column: in a billing state (running, pending, stopping),
    // priced or not; the unpriced ones are counted there and named in a note, never priced at zero.
    const billing = found.filter((i) => isBilling(i.state)).length;
    const unpriced = found.filter((i) => i.price.kind === 'unpriced' && isBilling(i.state)).length;
    const share = (m: number) => (total > 0 ? `${((m / total) * 100).toFixed(1)}%` : '—');

    const blocks = [
      fields({ 'Monthly run-rate': monthlyOrUnpriced(total, unpriced), Instances: `${found.length} (${billing} billing)`, 'Grouped by': label }),
      ...gapBlocks(report.gaps),
    ];
    if (found.length === 0) blocks.push(text('No instances match.'));
    else {
      blocks.push(
        table([label, 'Instances', 'Billing', { label: 'Monthly', align: 'right' }, { label: 'Share', align: 'right' }],
          groups.map((g) => [g.key, String(g.instances), String(g.billing), monthlyOrUnpriced(g.monthlyMicros, g.unpriced), g.monthlyMicros === 0 && g.unpriced ? '—' : share(g.monthlyMicros)])),
        chart(`Monthly run-rate by ${label}`, groups.slice(0, 12).map((g) => ({ label: g.key, value: g.monthlyMicros / 1e6, display: monthlyOrUnpriced(g.monthlyMicros, g.unpriced) }))),
        table(['Top spender', 'Provider', 'Region', 'Type', { label: 'Per hour', align: 'right' }, { label: 'Monthly', align: 'right' }],
          top.map((i) => [i.name, i.provider, i.region, i.type, hourly(i), formatMonthly(monthlyRunRate(i))])),
      );
    }
    if (unpriced) blocks.push(context(`${unpriced} billing instance${unpriced === 1 ? ' is' : 's are'} not in the price catalog and count as unpriced, not as zero.`));
    blocks.push(context(snapshotNote(ctx.services.catalog.snapshotDates(), found.map((i) => i.provider))));

    return {
      reply: reply({ title: 'Cost', blocks }),
      data: {
        groupedBy: label,
        monthlyUsd: total / 1e6,
        partial: report.gaps.length > 0,
        gaps: report.gaps,
        unpricedRunning: unpriced,
        priceSnapshots: ctx.services.catalog.snapshotDates(),
        groups: groups.map((g) => ({ key: g.key, instances: g.instances, billing: g.billing, monthlyUsd: g.monthlyMicros / 1e6, unpriced: g.unpriced })),
        top: top.map((i) => ({ provider: i.provider, region: i.region, id: i.id, name: i.name, type: i.type, monthlyUsd: monthlyRunRate(i) / 1e6 })),
      },
    };
  },
});
