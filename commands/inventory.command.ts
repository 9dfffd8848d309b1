import { defineCommand } from '../src/core/command.js';
import { requireSomePartRead } from '../src/domain/inventory/inventory.service.js';
import { context, fields, reply, table, text, code } from '../src/core/reply.js';
import { costBy, monthlyRunRate, snapshotNote, totalMonthly } from '../src/domain/inventory/cost.js';
import { INSTANCE_STATES, isBilling } from '../src/domain/model/instance.js';
import { sortBy } from '../src/lib/collections.js';
import { PROVIDER_FLAG, REFRESH_FLAG, REGION_FLAG, filterInstances, gapBlocks, hourly, monthlyOrUnpriced, scopeOf } from './format.js';

const DEFAULT_LIMIT = 25;

export const inventoryCommand = defineCommand({
  name: 'inventory',
  aliases: ['inv', 'ls'],
  summary: 'List instances across clouds with counts and monthly run-rate',
  usage: `inventory [--provider aws|azure|gcp] [--region R] [--state ${INSTANCE_STATES.join('|')}] [--tag key=value] [--limit N] [--refresh]`,
  examples: ['inventory', 'inventory --provider aws --state running', 'inventory --tag env=prod --region eu-west-1'],
  permission: 'read',
  flags: {
    provider: PROVIDER_FLAG,
    region: REGION_FLAG,
    state: { kind: 'enum', values: INSTANCE_STATES, multiple: true, description: 'only instances in this state (repeatable)' },
    tag: { kind: 'pair', multiple: true, placeholder: 'key=value', description: 'only instances with this tag (repeatable; all must match)' },
    limit: { kind: 'int', min: 1, max: 500, placeholder: 'N', description: `rows to list (default ${DEFAULT_LIMIT})` },
    refresh: REFRESH_FLAG,
  },
  async run(ctx, { flags }) {
    await ctx.progress('Reading the estate…');
    const report = requireSomePartRead(await ctx.services.inventory.collect(scopeOf(flags), { refresh: flags.refresh }));
    const found = sortBy(filterInstances(report.instances, flags), (i) => i.provider, (i) => i.region, (i) => i.name, (i) => i.id);
    const limit = flags.limit ?? DEFAULT_LIMIT;
    const running = found.filter((i) => isBilling(i.state)).length;
    const unpriced = found.filter((i) => i.price.kind === 'unpriced');
    const groups = sortBy(costBy(found, (i) => `${i.provider} ${i.region}`), (g) => g.key);
    const snapshots = ctx.services.catalog.snapshotDates();

    const shown = found.slice(0, limit);
    const note =
      found.length > shown.length
        ? `Showing ${shown.length} of ${found.length}. Narrow with --provider, --region, --state or --tag key=value, or raise --limit (at most 500).`
        : undefined;

    const blocks = [
      fields({
        Instances: `${found.length} (${running} running)`,
        'Monthly run-rate': monthlyOrUnpriced(totalMonthly(found), found.filter((i) => isBilling(i.state) && i.price.kind === 'unpriced').length),
        Providers: [...new Set(found.map((i) => i.provider))].sort().join(', ') || '—',
        ...(report.fromCache ? { Freshness: `cached ${report.fetchedAt.toISOString().slice(11, 19)} UTC (use --refresh)` } : {}),
      }),
      ...gapBlocks(report.gaps),
    ];
    if (found.length === 0) {
      blocks.push(text('No instances match. Try fewer filters, or `inventory --refresh`.'));
    } else {
      blocks.push(
        table(
          ['Provider', 'Region', 'Instances', 'Running', { label: 'Monthly', align: 'right' }],
          groups.map((g) => {
            const [provider = '', region = ''] = g.key.split(' ');
            return [provider, region, String(g.instances), String(g.billing), monthlyOrUnpriced(g.monthlyMicros, g.unpriced)];
          }),
        ),
        table(
          ['Name', 'Provider', 'Region', 'Type', 'State', { label: 'Per hour', align: 'right' }],
          shown.map((i) => [i.name, i.provider, i.region, i.type, i.state, hourly(i)]),
          note,
        ),
      );
    }
    if (unpriced.length) {
      blocks.push(context(`${unpriced.length} instance${unpriced.length === 1 ? ' has a type' : 's have types'} not in the price catalog (${[...new Set(unpriced.map((i) => i.type))].slice(0, 5).map(code).join(', ')}); they are counted but not priced.`));
    }
    blocks.push(context(snapshotNote(snapshots, found.map((i) => i.provider))));

    return {
      reply: reply({ title: 'Inventory', blocks }),
      data: {
        total: found.length,
        running,
        monthlyUsd: totalMonthly(found) / 1e6,
        partial: report.gaps.length > 0,
        gaps: report.gaps,
        priceSnapshots: snapshots,
        byProviderRegion: groups.map((g) => ({ key: g.key, instances: g.instances, running: g.billing, monthlyUsd: g.monthlyMicros / 1e6 })),
        instances: found.map((i) => ({
          provider: i.provider,
          account: i.account,
          region: i.region,
          zone: i.zone ?? null,
          id: i.id,
          name: i.name,
          type: i.type,
          state: i.state,
          vcpu: i.vcpu,
          memoryGiB: i.memoryGiB,
          gpu: i.gpu,
          hourlyUsd: i.price.kind === 'priced' ? i.price.hourlyMicros / 1e6 : null,
          priced: i.price.kind === 'priced',
          monthlyUsd: monthlyRunRate(i) / 1e6,
          tags: i.tags,
          publicIps: i.publicIps,
          privateIps: i.privateIps,
          launchedAt: i.launchedAt ?? null,
        })),
      },
    };
  },
});

