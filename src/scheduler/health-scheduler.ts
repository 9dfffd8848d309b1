/**
 * Runs the health watch: every `tickMs` (the shortest poll interval of the sources) `watch run` is dispatched as
 * steward:watch; the watch claims each source's due poll slot in the database, so with several replicas each slot is
 * polled once, and posts what it proposed or withdrew to the channels subscribed with `watch subscribe`.
 */
import type { Dispatcher } from '../core/dispatch.js';
import type { ChannelTarget, NotifierHub } from '../core/notifier.js';
import type { Reply } from '../core/reply.js';
import { WATCH_ACTOR } from '../core/scheduling.js';
import type { Logger } from '../lib/logger.js';

export interface HealthSchedulerDeps {
  dispatcher: Dispatcher;
  post: NotifierHub['post'];
  tickMs: number;
  log: Logger;
}

export interface HealthScheduler {
  start(): void;
  stop(): Promise<void>;
  /** One pass now (tests, and the first one at start). */
  tick(): Promise<{ posted: number; notices: number }>;
}

export function createHealthScheduler(deps: HealthSchedulerDeps): HealthScheduler {
  const log = deps.log.child({ area: 'health-scheduler' });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();

  async function tick() {
    const r = await deps.dispatcher.run({ text: 'watch run', argv: ['watch', 'run'], actor: WATCH_ACTOR, surface: 'system' });
    if (r.outcome !== 'ok') {
      log.warn({ outcome: r.outcome, code: r.errorCode }, 'health watch pass failed');
      return { posted: 0, notices: 0 };
    }
    const data = r.data as { posts?: { target: ChannelTarget; reply: Reply }[]; notices?: unknown[] } | undefined;
    let posted = 0;
    for (const p of data?.posts ?? []) {
      try {
        if (await deps.post(p.target, p.reply)) posted++;
      } catch (err) {
        log.warn({ err, surface: p.target.surface }, 'health watch post failed');
      }
    }
    return { posted, notices: data?.notices?.length ?? 0 };
  }

  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((err: unknown) => log.error({ err }, 'health watch pass failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, deps.tickMs).unref();
      });
  };

  return {
    start() {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    tick,
  };
}
