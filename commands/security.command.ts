import { randomUUID } from 'node:crypto';
import { defineCommand, type CommandContext } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { code, context, fields, reply, table, text, type Block } from '../src/core/reply.js';
import type { Severity } from '../src/domain/model/finding.js';
import { findCheck, SECURITY_CHECKS } from '../src/domain/security/checks.js';
import { describeMuteTarget, parseMuteDuration, type SecurityMute } from '../src/domain/security/mutes.js';
import { collectPosture } from '../src/domain/security/posture.service.js';
import { evaluateSecurity, type SecurityReport } from '../src/domain/security/report.js';
import type { Gap, Scope } from '../src/domain/ports/cloud-provider.port.js';
import { PROVIDER_FLAG, REFRESH_FLAG, REGION_FLAG, gapBlocks, scopeOf } from './format.js';
import { checksTable, failingResourceBlocks, resourceLines, securityJson, summaryBlocks } from './security-format.js';

const MUTE_USAGE = 'security mute <check> <resource|tag=value> <duration: 30d|12h|2w> --reason "why"';

/** The estate's security report now, with the active mutes applied. */
export async function securityReport(ctx: CommandContext, scope: Scope = {}, opts: { refresh?: boolean } = {}): Promise<{ report: SecurityReport; gaps: Gap[] }> {
  const { postures, gaps } = ctx.services.posture ? await ctx.services.posture.collect(scope, opts) : await collectPosture(ctx.services.inventory.providers(), scope);
  const now = ctx.clock.now();
  const mutes = ctx.services.digests ? await ctx.services.digests.store.mutes(now) : [];
  return { report: evaluateSecurity(postures, mutes, now), gaps };
}

async function mute(ctx: CommandContext, words: string[], reason: string | undefined) {
  await ctx.authorize('propose');
  const store = ctx.services.digests?.store;
  if (!store) throw new UsageError('Mutes need the database-backed digest services, which are not enabled here.');
  const [checkArg, targetArg, durationArg, ...extra] = words;
  if (!checkArg || !targetArg || !durationArg || extra.length) throw new UsageError('A mute needs a check, a resource or tag=value, and a duration.', MUTE_USAGE);
  const check = findCheck(checkArg);
  if (!check) throw new UsageError(`No check ${code(checkArg)}. Use a Steward id or Prowler id from ${code('security --json')} (e.g. ${code('aws-sg-ssh')} or ${code('ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22')}).`, MUTE_USAGE);
  const ms = parseMuteDuration(durationArg);
  if (ms === undefined) throw new UsageError(`${code(durationArg)} is not a duration: use a number of hours, days or weeks up to a year, e.g. ${code('30d')}, ${code('12h')}, ${code('2w')}.`, MUTE_USAGE);
  const why = (reason ?? '').trim();
  if (why.length < 3) throw new UsageError('Say why with --reason "…" (it is kept with the mute and in the audit log).', MUTE_USAGE);
  if (why.length > 500) throw new UsageError('Keep the reason under 500 characters.', MUTE_USAGE);
  const eq = targetArg.indexOf('=');
  const target: SecurityMute['target'] = eq > 0 ? { kind: 'tag', key: targetArg.slice(0, eq), value: targetArg.slice(eq + 1) } : { kind: 'resource', value: targetArg };
  if (target.kind === 'tag' && !target.value) throw new UsageError(`A tag mute needs a value: ${code('tag=value')}, e.g. ${code('env=dev')}.`, MUTE_USAGE);
  const now = ctx.clock.now();
  const m: SecurityMute = { id: `m-${randomUUID().slice(0, 8)}`, checkId: check.id, target, reason: why, createdBy: ctx.actor.id, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + ms).toISOString() };
  await store.addMute(m, ctx.actor);
  ctx.log.info({ mute: m.id, check: check.id, target: describeMuteTarget(target) }, 'security check muted');
  return {
    reply: reply({
      title: 'Check muted',
      blocks: [
        fields({ Check: `${check.title} (${code(check.prowler)})`, For: code(describeMuteTarget(target)), Until: `${m.expiresAt.slice(0, 16).replace('T', ' ')} UTC`, Reason: why, By: ctx.actor.displayName }),
        context('Muted failures are counted as muted in every report and digest until the mute expires; the mute is in the audit log.'),
      ],
    }),
    data: { mute: m },
  };
}

export const securityCommand = defineCommand({
  name: 'security',
  aliases: ['sec'],
  summary: 'Security checks of compute and network across the clouds (Prowler ids, CIS references), failing resources and mutes',
  usage: 'security [--provider P] [--region R] [--severity critical|high|medium|low] [--check ID] | security mute <check> <resource|tag=value> 30d --reason "…" | security mutes',
  description:
    `${SECURITY_CHECKS.length} checks over what the adapters read (security groups, NSGs, firewalls, disks, metadata, service accounts): ` +
    'open management ports to 0.0.0.0/0 or ::/0, unencrypted disks, IMDSv1, public IPs, serial ports, default service accounts, Shielded VM, Trusted Launch, … ' +
    'Each carries its Prowler check id, the CIS benchmark section Prowler maps it to, a severity and a fix. Muting needs the operator role and is audited.',
  examples: ['security', 'security --severity critical', 'security --check aws-sg-ssh', 'security mute gcp-public-ip bastion-1 30d --reason "jump host, reviewed"', 'security mute azure-disk-cmk env=dev 90d --reason "dev data only"', 'security --json'],
  permission: 'read',
  flags: {
    provider: PROVIDER_FLAG,
    region: REGION_FLAG,
    severity: { kind: 'enum', values: ['critical', 'high', 'medium', 'low'], multiple: true, description: 'only checks of this severity (repeatable)' },
    check: { kind: 'string', placeholder: 'id', description: 'one check with all its failing resources (Steward or Prowler id)' },
    reason: { kind: 'string', placeholder: 'text', description: 'why a mute is acceptable (with `security mute`)' },
    refresh: REFRESH_FLAG,
  },
  rest: 'words',
  async run(ctx, { flags, args }) {
    const [sub, ...words] = args;
    if (sub === 'mute') return mute(ctx, words, flags.reason);
    if (sub === 'mutes') {
      const store = ctx.services.digests?.store;
      const list = store ? await store.mutes(ctx.clock.now()) : [];
      return {
        reply: reply({
          title: 'Active mutes',
          blocks: list.length
            ? [table(['Check', 'For', 'Until (UTC)', 'Reason', 'By'], list.map((m) => [m.checkId, describeMuteTarget(m.target), m.expiresAt.slice(0, 16).replace('T', ' '), m.reason, m.createdBy]))]
            : [text(`No active mutes. Add one with ${code(MUTE_USAGE)}.`)],
        }),
        data: { mutes: list },
      };
    }
    if (sub !== undefined) throw new UsageError(`Unknown ${code(`security ${sub}`)}: use ${code('security')}, ${code('security mute …')} or ${code('security mutes')}.`);
    if (flags.reason !== undefined) throw new UsageError(`--reason goes with ${code('security mute …')}.`);
    await ctx.progress('Reading security groups, NSGs, firewalls and instance settings…');
    const { report, gaps } = await securityReport(ctx, scopeOf(flags), { refresh: flags.refresh });
    const sev = flags.severity as Severity[];
    const shown: SecurityReport = sev.length ? { ...report, checks: report.checks.filter((c) => sev.includes(c.severity)) } : report;
    const data = { ...securityJson(shown), partial: gaps.length > 0, gaps };
    if (flags.check) {
      const def = findCheck(flags.check);
      const c = def && shown.checks.find((x) => x.id === def.id);
      if (!c) throw new UsageError(`No check ${code(flags.check)}; ${code('security --json')} lists the ${SECURITY_CHECKS.length} ids.`);
      const blocks: Block[] = [
        fields({ Check: c.title, 'Prowler id': code(c.prowler), CIS: c.cis, Severity: c.severity, Clouds: c.clouds.join(', '), Failing: String(c.failing.length) + (c.muted ? ` (+${c.muted} muted)` : '') }),
        c.failing.length ? text(resourceLines(c, 40)) : text('Nothing fails this check.'),
        ...gapBlocks(gaps),
      ];
      return { reply: reply({ title: `Security check ${c.id}`, blocks }), data: { ...data, checks: data.checks.filter((x) => x.id === c.id) } };
    }
    const blocks: Block[] = [...summaryBlocks(shown), checksTable(shown), ...failingResourceBlocks(shown, { perCheck: 3, maxChecks: 6 }), ...gapBlocks(gaps)];
    blocks.push(context(`Checks follow Prowler's ids and CIS mapping; ${code('security --check <id>')} lists every failing resource, ${code('security mute …')} silences one for a while, with a reason.`));
    return { reply: reply({ title: 'Security', blocks }), data };
  },
});
