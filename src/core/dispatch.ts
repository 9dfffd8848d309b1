import type { Actor, Surface } from '../domain/model/actor.js';
import { AppError, ProviderError } from '../domain/model/errors.js';
import type { Clock } from '../domain/ports/clock.port.js';
import { currentCorrelationId, newCorrelationId, withCorrelation } from '../lib/correlation.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { assertCleanWords, parseArgs, tokenize } from './args.js';
import type { AnyCommand, CommandContext, CommandOutput, MessageRef, Permission } from './command.js';
import { ForbiddenError, NotFoundError, NothingChangedError, UsageError } from './errors.js';
import type { ChannelTarget, NotifierHub } from './notifier.js';
import type { Registry } from './registry.js';
import { code, context, reply, text, type Block, type Reply } from './reply.js';
import type { Services } from './services.js';

export interface Invocation {
  /** The command line as typed, without the `/cloud` or `@Steward` prefix. */
  text: string;
  /** Already-split words (the CLI's argv); when given, `text` is only for the log. */
  argv?: string[];
  actor: Actor;
  surface: Surface;
  progress?: (text: string) => Promise<void>;
  /** Where it was typed: Slack `{ channel }`, Teams `{ conversationId }`, console `{}`. */
  conversation?: ChannelTarget;
}

export interface ActionInvocation {
  actionId: string;
  value: string;
  actor: Actor;
  surface: Surface;
  message?: MessageRef;
  progress?: (text: string) => Promise<void>;
  conversation?: ChannelTarget;
}

export type Outcome = 'ok' | 'usage' | 'forbidden' | 'not-found' | 'unchanged' | 'failed' | 'internal';

/**
 * The CLI's exit codes, defined once (the README's table is checked against this one). Every outcome has one.
 * 78 (a bad environment variable, EX_CONFIG) is answered before any command runs, by main.ts.
 */
export const EXIT_CODES: Readonly<Record<Outcome, { code: number; meaning: string }>> = {
  ok: { code: 0, meaning: 'done (or shown) as asked' },
  failed: { code: 1, meaning: 'failed: a cloud error, or an execution that failed or was rolled back' },
  internal: { code: 1, meaning: 'failed on our side (details in the log)' },
  usage: { code: 2, meaning: 'usage error: the command line cannot be run as typed' },
  forbidden: { code: 3, meaning: 'not allowed for you' },
  'not-found': { code: 4, meaning: 'not found: no such proposal or instance' },
  unchanged: { code: 5, meaning: 'nothing was changed: already decided, expired, cancelled, or already in that state' },
};
export const CONFIG_EXIT_CODE = 78;

/** Domain refusals (AREA.REASON codes thrown as plain AppErrors) that mean "nothing was changed". */
const UNCHANGED_CODES = new Set(['PROPOSAL.EXPIRED', 'PROPOSAL.ALREADY_DECIDED', 'PROPOSAL.DUPLICATE', 'PROPOSAL.NOT_CANCELLABLE', 'PROPOSAL.SUPERSEDED']);

function outcomeOfError(err: AppError): Outcome {
  if (err instanceof NotFoundError) return 'not-found';
  if (err instanceof NothingChangedError) return 'unchanged';
  // A cloud's "not found" during a run is a failure of that run, not a name the user typed wrong.
  if (!(err instanceof ProviderError) && err.code.endsWith('.NOT_FOUND')) return 'not-found';
  if (UNCHANGED_CODES.has(err.code)) return 'unchanged';
  return 'failed';
}

export interface DispatchResult {
  outcome: Outcome;
  reply: Reply;
  data?: unknown;
  /** The command that ran, when one was found. */
  command?: string;
  /** The `--json` switch was given (the CLI prints `data`). */
  json: boolean;
  correlationId: string;
  errorCode?: string;
  /** The reply replaces the message the button was on. */
  replace?: boolean;
}

/** Decides whether an actor holds a permission; the approvals policy provides the real one. */
export interface Authorizer {
  check(actor: Actor, permission: Permission): Promise<{ ok: true } | { ok: false; reason: string }>;
}

export const allowAll: Authorizer = { check: async () => ({ ok: true }) };

export interface Dispatcher {
  run(inv: Invocation): Promise<DispatchResult>;
  action(inv: ActionInvocation): Promise<DispatchResult>;
}

/** Strips what surfaces put in front of a command: `/cloud`, `cloud`, a bot mention. */
export function normalizeCommandText(input: string): string {
  return input
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/^\s*@?steward(?=[\s:,]|$)[:,]?/i, ' ')
    .replace(/^\s*\/?cloud(?=\s|$)/i, ' ')
    .trim();
}

/**
 * The ONE place errors become replies: a usage error gets the usage line, an AppError its safe message and
 * code, anything else a generic message with a reference id (the details go to the log only).
 */
export function createDispatcher(deps: {
  registry: Registry;
  services: Services;
  clock: Clock;
  log: Logger;
  authorizer?: Authorizer;
  notifiers?: NotifierHub;
  /** Command latency by command, surface and outcome, and errors by code (/metrics). */
  metrics?: Metrics;
}): Dispatcher {
  const authorizer = deps.authorizer ?? allowAll;

  function makeContext(actor: Actor, surface: Surface, correlationId: string, log: Logger, progress?: (t: string) => Promise<void>, message?: MessageRef, conversation?: ChannelTarget): CommandContext {
    return {
      actor,
      surface,
      ...(conversation ? { conversation } : {}),
      authorize: (permission) => authorize(actor, permission),
      services: deps.services,
      clock: deps.clock,
      log,
      correlationId,
      registry: deps.registry,
      ...(message ? { message } : {}),
      updateMessage: async (ref, r) => {
        try {
          return (await deps.notifiers?.update(ref, r)) ?? false;
        } catch (err) {
          log.warn({ err }, 'message update failed');
          return false;
        }
      },
      progress: async (t) => {
        try {
          await progress?.(t);
        } catch (err) {
          log.warn({ err }, 'progress update failed');
        }
      },
    };
  }

  async function authorize(actor: Actor, permission: Permission): Promise<void> {
    const verdict = await authorizer.check(actor, permission);
    if (!verdict.ok) throw new ForbiddenError(verdict.reason);
  }

  function fail(err: unknown, correlationId: string, log: Logger, cmd: AnyCommand | undefined, json: boolean): DispatchResult {
    const base = { correlationId, json, ...(cmd ? { command: cmd.name } : {}) };
    if (err instanceof UsageError) {
      const usage = err.usage ?? cmd?.usage;
      const blocks: Block[] = [text(err.message)];
      if (usage) blocks.push(text(`Usage: ${code(usage)}`));
      blocks.push(context(cmd ? `Type ${code(`help ${cmd.name}`)} for details.` : `Type ${code('help')} to see every command.`));
      return { ...base, outcome: 'usage', errorCode: err.code, reply: reply({ blocks }) };
    }
    if (err instanceof ForbiddenError) {
      return { ...base, outcome: 'forbidden', errorCode: err.code, reply: reply({ blocks: [text(`Not allowed: ${err.message}`)] }) };
    }
    if (err instanceof AppError) {
      // An expected failure or refusal: its reply says why in words. Info, not warn, so a CLI (LOG_LEVEL=warn) prints
      // the message a person reads, not a JSON log line before it; the server log still has it at its default level.
      const outcome = outcomeOfError(err);
      log.info({ code: err.code, outcome, err: { message: err.message, code: err.code } }, outcome === 'failed' ? 'command failed' : 'command refused');
      return {
        ...base,
        outcome,
        errorCode: err.code,
        reply: reply({ blocks: [text(err.userMessage ?? 'The command failed.'), context(`${err.code} · ref ${correlationId}`)] }),
      };
    }
    log.error({ err }, 'command crashed');
    return {
      ...base,
      outcome: 'internal',
      errorCode: 'INTERNAL',
      reply: reply({ blocks: [text('Something went wrong on our side; the details are in the server log.'), context(`ref ${correlationId}`)] }),
    };
  }

  async function guard(
    run: () => Promise<CommandOutput>,
    meta: { correlationId: string; log: Logger; cmd?: AnyCommand; json: boolean },
  ): Promise<DispatchResult> {
    const started = performance.now();
    try {
      const out = await run();
      meta.log.info({ ms: Math.round(performance.now() - started) }, 'command answered');
      return {
        outcome: out.outcome ?? 'ok',
        reply: out.reply,
        ...(out.data !== undefined ? { data: out.data } : {}),
        ...(out.replace ? { replace: true } : {}),
        correlationId: meta.correlationId,
        json: meta.json,
        ...(meta.cmd ? { command: meta.cmd.name } : {}),
      };
    } catch (err) {
      return fail(err, meta.correlationId, meta.log, meta.cmd, meta.json);
    }
  }

  /**
   * Every invocation runs under one correlation id: the surface's, when it started one (its log lines about the
   * request then match), else a new one. Whatever the command causes (provider calls, an execution it starts, audit
   * rows) carries it through the async context (src/lib/correlation.ts). The answer is timed for /metrics.
   */
  async function invocation(surface: Surface, label: (r: DispatchResult) => string, body: (correlationId: string) => Promise<DispatchResult>): Promise<DispatchResult> {
    const correlationId = currentCorrelationId() ?? newCorrelationId();
    const started = performance.now();
    const r = await withCorrelation(correlationId, () => body(correlationId));
    if (deps.metrics) {
      deps.metrics.commandSeconds.observe({ command: label(r), surface, outcome: r.outcome }, (performance.now() - started) / 1000);
      if (r.errorCode) deps.metrics.commandErrors.inc({ code: r.errorCode, surface });
    }
    return r;
  }

  async function runCommand(inv: Invocation, correlationId: string): Promise<DispatchResult> {
    {
      const log = deps.log.child({ surface: inv.surface, actor: inv.actor.id });
      let words: string[];
      try {
        words = inv.argv ? assertCleanWords([...inv.argv]) : tokenize(normalizeCommandText(inv.text));
      } catch (err) {
        return fail(err, correlationId, log, undefined, false);
      }
      const json = words.includes('--json');
      const [name, ...rest] = words;
      // `steward ""` (an empty or blank first word) asks for help as much as `steward` does.
      if (name === undefined || name.trim() === '' || name === '--help' || name === '-h') return runCommand({ ...inv, text: 'help', argv: ['help'] }, correlationId);
      const cmd = deps.registry.find(name);
      if (!cmd) {
        const suggestions = deps.registry.suggest(name);
        const first = suggestions[0] ? deps.registry.find(suggestions[0]) : undefined;
        const safeName = name.length > 40 ? `${name.slice(0, 40)}…` : name;
        const message = first
          ? `Unknown command ${code(safeName)}. Did you mean ${code(first.name)}?`
          : `Unknown command ${code(safeName)}.`;
        return fail(new UsageError(message, first?.usage), correlationId, log, undefined, json);
      }
      const cmdLog = log.child({ command: cmd.name });
      return guard(
        async () => {
          const parsed = parseArgs(rest, cmd.flags, cmd.positionals ?? [], cmd.rest ? { restName: cmd.rest } : {});
          if (parsed.help) {
            const help = deps.registry.find('help');
            if (help && help !== cmd) {
              return help.run(makeContext(inv.actor, inv.surface, correlationId, cmdLog), { flags: {}, args: [cmd.name] });
            }
          }
          await authorize(inv.actor, cmd.permission);
          return cmd.run(makeContext(inv.actor, inv.surface, correlationId, cmdLog, inv.progress, undefined, inv.conversation), { flags: parsed.flags, args: parsed.args });
        },
        { correlationId, log: cmdLog, cmd, json },
      );
    }
  }

  async function runAction(inv: ActionInvocation, correlationId: string): Promise<DispatchResult> {
    {
      const log = deps.log.child({ surface: inv.surface, actor: inv.actor.id, action: inv.actionId });
      const def = deps.registry.action(inv.actionId);
      if (!def) {
        return fail(new UsageError(`This button (${code(inv.actionId)}) is no longer supported; run the command again.`), correlationId, log, undefined, false);
      }
      return guard(
        async () => {
          if (typeof inv.value !== 'string' || inv.value.length === 0 || inv.value.length > 2000) {
            throw new UsageError('This button carries no valid value; run the command again.');
          }
          // Ids go to the database as text; PostgreSQL refuses NUL and control characters have no place in an id.
          // eslint-disable-next-line no-control-regex
          if (/[\u0000-\u001f\u007f]/.test(inv.value)) throw new UsageError('This button carries a value with control characters; run the command again.');
          await authorize(inv.actor, def.permission);
          return def.run(makeContext(inv.actor, inv.surface, correlationId, log, inv.progress, inv.message, inv.conversation), inv.value);
        },
        { correlationId, log, json: false },
      );
    }
  }

  return {
    // Unknown commands are labelled "unknown": a label never carries what someone typed (unbounded, maybe private).
    run: (inv) => invocation(inv.surface, (r) => r.command ?? 'unknown', (id) => runCommand(inv, id)),
    action: (inv) => invocation(inv.surface, () => (deps.registry.action(inv.actionId) ? `action:${inv.actionId}` : 'action:unknown'), (id) => runAction(inv, id)),
  };
}

/** Exit code for the CLI, from the one table (EXIT_CODES). */
export function exitCodeOf(outcome: Outcome): number {
  return EXIT_CODES[outcome]?.code ?? 1;
}
