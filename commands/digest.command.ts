import { randomUUID } from 'node:crypto';
import { parseArgs } from '../src/core/args.js';
import { defineAction, defineCommand, type CommandContext, type CommandOutput } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { digestJob } from '../src/core/scheduling.js';
import { code, context, reply, table, text, type Block } from '../src/core/reply.js';
import { describeSchedule, nextOccurrences, parseSchedule, ScheduleError, SCHEDULE_FORMS, type DigestKind } from '../src/domain/digests/schedule.js';
import type { DigestSubscription, DigestTarget } from '../src/domain/ports/digest-store.port.js';
import { failingKeys } from '../src/domain/security/report.js';
import { anomalyKey, buildCost, buildSecurity, digestServices } from './digest-build.js';
import { anomalyLines, costDigestBlocks, securityDigestBlocks, usd } from './digest-format.js';
import { gapBlocks, percent } from './format.js';
import { resourceLines, securityJson } from './security-format.js';

const USAGE = 'digest subscribe cost|security <daily HH:MM zone | weekly mon HH:MM zone> | digest list | digest unsubscribe <id> | digest preview cost|security';

function kindOf(word: string | undefined): DigestKind {
  if (word === 'cost' || word === 'security') return word;
  throw new UsageError(`Which digest? ${code('cost')} or ${code('security')}, e.g. ${code('digest preview cost')}.`, USAGE);
}

function targetLabel(t: DigestTarget): string {
  if (t.surface === 'slack') return `Slack <#${t.address.channel ?? '?'}>`;
  if (t.surface === 'teams') return `Teams conversation ${(t.address.conversationId ?? '?').slice(0, 24)}`;
  return t.surface;
}

const sameTarget = (a: DigestTarget, b: DigestTarget | undefined) => !!b && a.surface === b.surface && JSON.stringify(a.address) === JSON.stringify(b.address);

/** The previous posted digest of a subscription: when, the failing keys (security) and the anomalies it reported (cost). */
async function previousRun(ctx: CommandContext, sub: DigestSubscription | undefined) {
  if (!sub) return undefined;
  const run = await digestServices(ctx).runs.latest(digestJob(sub.id), 'done');
  const summary = (run?.result as { summary?: { failingKeys?: string[]; anomalies?: string[] } } | undefined)?.summary;
  return run ? { at: run.finishedAt ?? run.scheduledFor, failingKeys: summary?.failingKeys ?? [], anomalies: summary?.anomalies ?? [] } : undefined;
}

async function build(ctx: CommandContext, kind: DigestKind, sub: DigestSubscription | undefined, meta: { lateFor?: string; where: string; visibility: 'ephemeral' | 'channel' }): Promise<CommandOutput> {
  const prev = await previousRun(ctx, sub);
  if (kind === 'cost') {
    await ctx.progress('Reading the estate, its utilization and the cost history…');
    const { digest, chart, gaps } = await buildCost(ctx, sub?.schedule.cadence ?? 'daily', prev ? { alreadyReported: new Set(prev.anomalies) } : {});
    const blocks = [...costDigestBlocks(digest, chart, meta), ...gapBlocks(gaps)];
    const f = digest.forecast;
    return {
      reply: reply({ title: `Cost digest — ${digest.today}`, blocks, visibility: meta.visibility }),
      data: {
        kind,
        today: digest.today,
        totalMonthlyUsd: digest.totalMonthlyUsd,
        byProvider: digest.byProvider,
        byRegion: digest.byRegion,
        byTeam: digest.byTeam,
        change: digest.change,
        movers: digest.movers,
        underused: digest.underused,
        savings: digest.savings,
        forecast: f.ok ? { monthEndUsd: f.monthEndUsd, lowUsd: f.lowUsd, highUsd: f.highUsd, mtdUsd: f.mtdUsd, method: f.method, asOf: f.asOf, cleanDays: f.cleanDays } : { refused: f.reason, cleanDays: f.cleanDays, asOf: f.asOf },
        anomalies: digest.anomalies,
        chart: chart ? { width: chart.width, height: chart.height, bytes: Math.floor((chart.pngBase64.length * 3) / 4) } : null,
        historyDays: digest.historyDays,
        partial: gaps.length > 0,
        gaps,
        summary: { anomalies: [...(prev?.anomalies ?? []), ...digest.anomalies.map(anomalyKey)].slice(-200) },
        ...(meta.lateFor ? { lateFor: meta.lateFor } : {}),
      },
    };
  }
  await ctx.progress('Reading security groups, NSGs, firewalls and instance settings…');
  const { report, changes, gaps } = await buildSecurity(ctx, prev ? { at: prev.at, keys: prev.failingKeys } : undefined);
  return {
    reply: reply({ title: `Security digest — ${report.asOf.slice(0, 10)}`, blocks: [...securityDigestBlocks(report, changes, meta), ...gapBlocks(gaps)], visibility: meta.visibility }),
    data: {
      kind,
      ...securityJson(report),
      changes: { since: changes.since, new: changes.added.map((a) => ({ check: a.check.id, ...a.resource })), resolved: changes.resolved },
      partial: gaps.length > 0,
      gaps,
      summary: { failingKeys: failingKeys(report) },
      ...(meta.lateFor ? { lateFor: meta.lateFor } : {}),
    },
  };
}

async function subscribe(ctx: CommandContext, words: string[]): Promise<CommandOutput> {
  await ctx.authorize('propose');
  const [kindWord, ...schedule] = words;
  const kind = kindOf(kindWord);
  let parsed;
  try {
    parsed = parseSchedule(schedule);
  } catch (err) {
    if (err instanceof ScheduleError) throw new UsageError(err.message, USAGE);
    throw err;
  }
  const target = ctx.conversation;
  if (!target || target.surface === 'cli' || target.surface === 'system') {
    throw new UsageError('Subscribe from the channel the digest should go to: type it in Slack, Teams or the console (the CLI has no channel).');
  }
  const d = digestServices(ctx);
  const sub: DigestSubscription = { id: `d-${randomUUID().slice(0, 8)}`, kind, schedule: parsed, target, createdBy: ctx.actor.id, createdAt: ctx.clock.now().toISOString() };
  await d.store.subscribe(sub, ctx.actor);
  const next = nextOccurrences(parsed, ctx.clock.now(), 1)[0];
  return {
    reply: reply({
      title: 'Digest subscribed',
      blocks: [
        text(`The **${kind}** digest will be posted here ${code(describeSchedule(parsed))}; next on ${next ? `${next.at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—'}.`),
        context(`Id ${code(sub.id)} · ${code(`digest unsubscribe ${sub.id}`)} stops it · ${code(`digest preview ${kind}`)} shows it now, to you only.`),
      ],
      visibility: 'channel',
    }),
    data: { subscription: sub, next: next?.at.toISOString() ?? null },
  };
}

export const digestCommand = defineCommand({
  name: 'digest',
  aliases: ['digests'],
  summary: 'Scheduled cost and security digests for this channel: subscribe, list, unsubscribe, preview',
  usage: USAGE,
  description:
    'A digest is one message: the cost digest carries the run-rate by provider, region and team, the change since the last period, the top movers, idle and underused instances, ' +
    'the savings available now (with a button that creates the proposal), the month-end forecast with its 80% band, cost anomalies and a 30-day chart; the security digest the failing checks, ' +
    `what is new and resolved since the previous one, and counts by severity and provider. Schedules: ${SCHEDULE_FORMS.join('; ')}. Subscribing needs the operator role.`,
  examples: ['digest subscribe cost daily 09:00 Europe/Berlin', 'digest subscribe security weekly mon 08:30 UTC', 'digest list', 'digest preview cost', 'digest unsubscribe d-1a2b3c4d'],
  permission: 'read',
  flags: {
    late: { kind: 'string', placeholder: 'when', description: 'scheduler only: the time a late digest was due' },
  },
  rest: 'words',
  async run(ctx, { args, flags }) {
    const [sub, ...words] = args;
    switch (sub) {
      case 'subscribe':
        return subscribe(ctx, words);
      case 'list': {
        // In a channel: that channel's digests (people in one channel do not learn another's); the CLI sees them all.
        const all = await digestServices(ctx).store.subscriptions();
        const list = ctx.conversation ? all.filter((s) => sameTarget(s.target, ctx.conversation)) : all;
        const rows = list.map((s) => [s.id, s.kind, describeSchedule(s.schedule), targetLabel(s.target) + (sameTarget(s.target, ctx.conversation) ? ' (here)' : ''), nextOccurrences(s.schedule, ctx.clock.now(), 1)[0]?.at.toISOString().slice(0, 16).replace('T', ' ') ?? '—']);
        return {
          reply: reply({ title: 'Digest subscriptions', blocks: list.length ? [table(['Id', 'Digest', 'Schedule', 'Where', 'Next (UTC)'], rows)] : [text(`No digests ${ctx.conversation ? 'here' : ''} yet. Try ${code('digest subscribe cost daily 09:00 Europe/Berlin')}.`.replace('  ', ' '))] }),
          data: { subscriptions: list },
        };
      }
      case 'unsubscribe': {
        await ctx.authorize('propose');
        const id = words[0];
        if (!id || words.length > 1) throw new UsageError(`Which one? ${code('digest unsubscribe <id>')}; ${code('digest list')} shows the ids.`, USAGE);
        const removed = await digestServices(ctx).store.unsubscribe(id, ctx.actor, ctx.clock.now());
        if (!removed) throw new UsageError(`No digest subscription ${code(id)}; ${code('digest list')} shows the ids.`, USAGE);
        return { reply: reply({ blocks: [text(`The ${removed.kind} digest ${code(removed.id)} (${describeSchedule(removed.schedule)}) will no longer be posted.`)], visibility: 'channel' }), data: { removed } };
      }
      case 'preview': {
        if (words.length !== 1) throw new UsageError(`Preview which digest? ${code('digest preview cost')} or ${code('digest preview security')}.`, USAGE);
        const kind = kindOf(words[0]);
        const here = (await digestServices(ctx).store.subscriptions()).find((s) => s.kind === kind && sameTarget(s.target, ctx.conversation));
        return build(ctx, kind, here, { where: 'Preview, shown to you only', visibility: 'ephemeral' });
      }
      case 'snapshot': {
        // The scheduler, once a day: today's cost snapshot, and the critical anomalies to send at once.
        const { digest } = await buildCost(ctx, 'daily');
        const critical = digest.anomalies.filter((a) => a.critical);
        return {
          reply: reply({
            title: '🚨 Cost anomaly',
            blocks: [
              text(anomalyLines({ ...digest, anomalies: critical }) ?? 'No critical anomaly.'),
              context(`Above the critical threshold (${usd(digestServices(ctx).anomaly.criticalUsd)} over the expected band), so sent now rather than in the next digest. ${code('digest preview cost')} shows the whole picture.`),
            ],
            visibility: 'channel',
          }),
          data: { today: digest.today, critical, keys: critical.map(anomalyKey) },
        };
      }
      case 'run': {
        // The scheduler's entry point: `digest run <subscription-id> [--late <when>]` as the system actor.
        const id = words[0];
        const s = id ? await digestServices(ctx).store.subscription(id) : undefined;
        if (!s) throw new UsageError(`No digest subscription ${code(id ?? '')}.`);
        const lateFor = flags.late;
        return build(ctx, s.kind, s, { ...(lateFor ? { lateFor } : {}), where: `${s.kind} digest ${s.id}, ${describeSchedule(s.schedule)}`, visibility: ctx.actor.surface === 'system' ? 'channel' : 'ephemeral' });
      }
      default:
        throw new UsageError(sub ? `Unknown ${code(`digest ${sub}`)}.` : 'What should the digest command do?', USAGE);
    }
  },
});

/** The digest's savings button: runs the optimize command's own path, so the proposal is the one `optimize` makes. */
export const digestOptimizeAction = defineAction({
  id: 'digest.optimize',
  permission: 'propose',
  async run(ctx) {
    const optimize = ctx.registry.find('optimize');
    if (!optimize) throw new UsageError('The optimize command is not available here.');
    const parsed = parseArgs([], optimize.flags, optimize.positionals ?? []);
    return optimize.run(ctx, { flags: parsed.flags, args: parsed.args });
  },
});

/** "Show more": the parts of a digest that did not fit in its one message, to the clicker only. */
export const digestMoreAction = defineAction({
  id: 'digest.more',
  permission: 'read',
  async run(ctx, value) {
    if (value === 'security') {
      const { report } = await buildSecurity(ctx, undefined);
      const failing = report.checks.filter((c) => c.failing.length > 0);
      const blocks: Block[] = failing.slice(0, 45).map((c) => text(resourceLines(c, 15)));
      if (failing.length > 45) blocks.push(context(`${failing.length - 45} more checks: ${code('security --json')}.`));
      return { reply: reply({ title: 'Security: every failing resource', blocks }) };
    }
    if (value === 'cost') {
      const { digest } = await buildCost(ctx, 'daily');
      return {
        reply: reply({
          title: 'Cost digest: the rest',
          blocks: [
            table(['Idle or underused', 'Provider', { label: 'P95', align: 'right' }, { label: 'Monthly', align: 'right' }, 'Suggestion', { label: 'Saves', align: 'right' }], digest.underused.slice(0, 100).map((u) => [u.name, `${u.provider} ${u.region}`, `${percent(u.p95)} ${u.metric}`, usd(u.monthlyUsd), u.suggestion, usd(u.savingUsd)]), digest.underused.length > 100 ? `first 100 of ${digest.underused.length}` : undefined),
            table(['Region', { label: 'Instances', align: 'right' }, { label: 'Monthly', align: 'right' }], digest.byRegion.map((g) => [g.key, String(g.instances), usd(g.monthlyUsd)])),
            table(['Team', { label: 'Instances', align: 'right' }, { label: 'Monthly', align: 'right' }], digest.byTeam.map((g) => [g.key, String(g.instances), usd(g.monthlyUsd)])),
          ],
        }),
      };
    }
    throw new UsageError('This button is no longer supported; run the digest preview again.');
  },
});
