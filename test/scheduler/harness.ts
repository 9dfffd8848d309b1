/** A scheduler over a real dispatcher and real database claims; the digest command is a small stand-in, posts are recorded. */
import type { CommandOutput } from '../../src/core/command.js';
import { defineCommand } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { createNotifierHub, type ChannelTarget } from '../../src/core/notifier.js';
import { createRegistry } from '../../src/core/registry.js';
import { reply, text, type Reply } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import type { DigestSubscription } from '../../src/domain/ports/digest-store.port.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Database } from '../../src/persistence/db.js';
import { createRunClaims } from '../../src/persistence/digest-store.js';
import { createDigestScheduler, type DigestSchedulerDeps } from '../../src/scheduler/digest-scheduler.js';

export interface Posted {
  owner: string;
  target: ChannelTarget;
  reply: Reply;
}

export function sub(id: string, schedule: DigestSubscription['schedule'], createdAt = '2026-01-01T00:00:00Z'): DigestSubscription {
  return { id, kind: 'cost', schedule, target: { surface: 'slack', address: { channel: 'C0DIGEST' } }, createdBy: 'console:alice', createdAt };
}

/** Critical anomalies the stand-in `digest snapshot` reports (tests set it). */
export const criticalKeys: string[] = [];

/** The stand-in `digest run <id> [--late when]`: a one-line reply that says whether it is late. */
const digestRun = defineCommand({
  name: 'digest',
  summary: 'test digest',
  usage: 'digest run <id>',
  permission: 'read',
  flags: { late: { kind: 'string', description: 'late' } },
  rest: 'words',
  async run(_ctx, { args, flags }): Promise<CommandOutput> {
    if (args[0] === 'snapshot') return { reply: reply({ blocks: [text('critical anomaly: total 2026-06-01')] }), data: { keys: criticalKeys } };
    return { reply: reply({ blocks: [text(`digest ${args[1]}${flags.late ? ` late for ${flags.late}` : ''}`)] }), data: { summary: { built: args[1] } } };
  },
});

export function makeScheduler(
  database: Database,
  owner: string,
  opts: { subs: () => DigestSubscription[]; now: () => Date; posted: Posted[]; failPosts?: number; failWith?: Error; sleeps?: number[]; extra?: Partial<DigestSchedulerDeps> },
) {
  const registry = createRegistry([digestRun], []);
  const dispatcher = createDispatcher({ registry, services: {} as Services, clock: { now: opts.now }, log: silentLogger() });
  let failures = opts.failPosts ?? 0;
  const hub = createNotifierHub([
    {
      surface: 'slack',
      update: async () => undefined,
      post: async (target, r) => {
        if (failures > 0) {
          failures--;
          throw opts.failWith ?? Object.assign(new Error('ratelimited'), { retryAfter: 1 });
        }
        opts.posted.push({ owner, target, reply: r });
        return { surface: 'slack', address: { channel: target.address.channel ?? '', ts: String(opts.posted.length) } };
      },
    },
  ]);
  const claims = createRunClaims(database.db);
  return {
    claims,
    scheduler: createDigestScheduler({
      dispatcher,
      post: (t, r) => hub.post(t, r),
      subscriptions: async () => opts.subs(),
      claims,
      now: opts.now,
      log: silentLogger(),
      owner,
      cron: false,
      sleep: async (ms) => {
        opts.sleeps?.push(ms);
      },
      ...opts.extra,
    }),
  };
}
