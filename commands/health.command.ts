import { defineCommand, type CommandContext } from '../src/core/command.js';
import type { HealthServices } from '../src/core/services.js';
import { UsageError } from '../src/core/errors.js';
import { code, context, fields, reply, table, text, type Block } from '../src/core/reply.js';
import { CLOUD_LABEL } from '../src/domain/model/cloud.js';

export function healthOf(ctx: CommandContext): HealthServices {
  const h = ctx.services.health;
  if (!h) throw new UsageError('The health watch is not running here (STEWARD_WATCH=off).');
  return h;
}

const STATE_ICON = { degraded: '🔴 degraded', suspect: '🟠 suspect', impaired: '🟡 instances impaired', unknown: '⚪ unknown', healthy: '🟢 healthy' } as const;
const ago = (iso: string | undefined, now: Date) => (iso ? `${Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000))} s ago` : 'never');

export const healthCommand = defineCommand({
  name: 'health',
  summary: 'The health of every region and instance Steward watches, with the evidence and the open incidents',
  usage: 'health [--all] [--json]',
  description:
    'What the health watch sees: per region degraded (an open incident), suspect (a provider issue not yet confirmed), instances impaired, unknown (a feed that could not be read, ' +
    'e.g. AWS Health without a Business support plan) or healthy; the open incidents with their evidence and the proposals the watch made. `--all` lists healthy regions too.',
  examples: ['health', 'health --all', 'health --json'],
  permission: 'read',
  flags: { all: { kind: 'boolean', description: 'list healthy regions too' } },
  async run(ctx, { flags }) {
    const report = await healthOf(ctx).watch.status();
    const now = ctx.clock.now();
    const shown = flags.all ? report.regions : report.regions.filter((r) => r.state !== 'healthy');
    const healthy = report.regions.filter((r) => r.state === 'healthy').length;
    const blocks: Block[] = [
      fields({
        Degraded: String(report.regions.filter((r) => r.state === 'degraded').length),
        Suspect: String(report.regions.filter((r) => r.state === 'suspect').length),
        'Impaired instances': String(report.regions.reduce((n, r) => n + r.impaired, 0)),
        Unknown: String(report.regions.filter((r) => r.state === 'unknown').length),
        Healthy: String(healthy),
      }),
    ];
    if (shown.length) {
      blocks.push(
        table(
          ['Region', 'State', { label: 'Instances', align: 'right' }, { label: 'Impaired', align: 'right' }, 'Evidence'],
          shown.map((r) => [`${CLOUD_LABEL[r.cloud]} ${r.region}`, STATE_ICON[r.state], String(r.instances), String(r.impaired), r.evidence.slice(0, 3).join(' · ') + (r.evidence.length > 3 ? ` · +${r.evidence.length - 3} more` : '')]),
        ),
      );
    } else blocks.push(text(`All ${healthy} regions with instances are healthy by every feed Steward can read.`));
    const open = report.incidents.filter((i) => i.state === 'open');
    if (open.length) {
      blocks.push(
        table(
          ['Incident', 'Scope', 'Since', 'Confirmed by', 'Proposal'],
          open.map((i) => [i.id, i.kind === 'region' ? `${i.cloud} ${i.region}` : `${i.evidence.impaired[0]?.name ?? i.instance?.id} (${i.cloud} ${i.region})`, i.openedAt.toISOString().slice(0, 19) + 'Z', i.evidence.confirmedBy, i.proposalId ?? '—']),
        ),
      );
    }
    const gaps = report.sources.flatMap((s) => s.gaps.map((g) => `${s.source}${g.region ? ` ${g.region}` : ''}: ${g.code} — ${g.message}`));
    if (gaps.length) blocks.push(text(`**Not visible** (reported as unknown, never as healthy):\n${gaps.map((g) => `- ${g}`).join('\n')}`));
    blocks.push(context(report.sources.map((s) => `${s.source}: polled ${ago(s.polledAt, now)}, every ${Math.round(s.intervalMs / 1000)} s, hold ${Math.round(s.holdMs / 1000)} s`).join(' · ') + ` · ${code('watch subscribe')} posts the watch's proposals to this channel`));
    return {
      reply: reply({ title: open.length ? `Health: ${open.length} open incident${open.length === 1 ? '' : 's'}` : 'Health', blocks }),
      data: {
        asOf: report.asOf,
        regions: report.regions,
        incidents: report.incidents.map((i) => ({ ...i, openedAt: i.openedAt.toISOString(), updatedAt: i.updatedAt.toISOString(), ...(i.closedAt ? { closedAt: i.closedAt.toISOString() } : {}) })),
        events: report.events.map((e) => ({ ...e, firstSeen: e.firstSeen.toISOString(), lastSeen: e.lastSeen.toISOString(), stateSince: e.stateSince.toISOString() })),
        sources: report.sources,
      },
    };
  },
});
