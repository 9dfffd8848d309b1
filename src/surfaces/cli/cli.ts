import type { Dispatcher, Outcome } from '../../core/dispatch.js';
import { exitCodeOf } from '../../core/dispatch.js';
import { toPlainText } from '../../core/render-text.js';
import type { Reply } from '../../core/reply.js';
import { userInfo } from 'node:os';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface CliAnswer {
  outcome: Outcome;
  text: string;
  data: unknown;
}

export const CLI_USAGE = `Usage: steward <command> [options] [--json]

  steward help                 list the commands
  steward inventory --json     machine-readable output
  steward help <command>       options and examples of one command

Environment: see .env.example (DATABASE_URL, STEWARD_DATA_DIR, STEWARD_DEMO_ESTATE, …).`;

/** Where a forwarded CLI command goes, and the header with the server's secret (link.ts, server side). */
export const CLI_FORWARD_PATH = '/api/cli';
export const CLI_SECRET_HEADER = 'x-steward-cli-secret';

/** A CLI user name as an identity: the characters the CLI keeps, standalone or forwarded. */
export function cliUserName(raw: string): string {
  return raw.replace(/[^\w.-]/g, '').slice(0, 64) || 'cli';
}

/** The local user, as the CLI's actor (the same whether it runs standalone or is forwarded: link.ts). */
export function cliActor() {
  const name = cliUserName(process.env.STEWARD_USER || safeUser());
  return { id: `cli:${name}`, displayName: name, surface: 'cli' as const };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

/** Prints one answer: text for people, or `data` as JSON with --json. Returns the exit code. */
export function printAnswer(answer: CliAnswer, json: boolean, io: CliIo): number {
  if (json) {
    if (answer.outcome === 'ok') io.stdout(JSON.stringify(answer.data ?? null, null, 2) + '\n');
    else {
      io.stdout(JSON.stringify({ error: { outcome: answer.outcome, message: answer.text } }, null, 2) + '\n');
      io.stderr(answer.text + '\n');
    }
  } else if (answer.outcome === 'ok') io.stdout(answer.text + '\n');
  else io.stderr(answer.text + '\n');
  return exitCodeOf(answer.outcome);
}

export async function runCliCommand(dispatcher: Dispatcher, argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const result = await dispatcher.run({ text: argv.join(' '), argv, actor: cliActor(), surface: 'cli' });
  return printAnswer({ outcome: result.outcome, text: toPlainText(result.reply), data: result.data }, json, io);
}

/**
 * When another process holds the embedded database, the CLI asks that running server instead. With `link` (the
 * server's CLI secret, link.ts) it posts to /api/cli and keeps its `cli:` identity; without, it asks the console
 * API, which answers as a console user.
 */
export async function forwardToServer(url: string, argv: string[], io: CliIo, consoleToken?: string, link?: { secret: string }): Promise<number> {
  const json = argv.includes('--json');
  const text = argv.map((w) => (/[\s"'\\]/.test(w) || w === '' ? JSON.stringify(w) : w)).join(' ');
  let res: Response;
  try {
    const auth: Record<string, string> = consoleToken ? { authorization: `Bearer ${consoleToken}` } : {};
    res = link
      ? await fetch(new URL(CLI_FORWARD_PATH, url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CLI_SECRET_HEADER]: link.secret, ...auth },
          body: JSON.stringify({ argv, user: cliActor().displayName }),
        })
      : await fetch(new URL('/api/command', url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify({ text, user: cliActor().displayName }),
        });
  } catch (err) {
    io.stderr(`steward: could not reach the running server at ${url}: ${(err as Error).message}\n`);
    return exitCodeOf('failed');
  }
  const body = (await res.json().catch(() => undefined)) as { outcome?: Outcome; text?: string; error?: string; data?: unknown } | undefined;
  // A refusal (400: too long, a bad name) is answered like any usage error: its message, exit code 2.
  if (!res.ok || !body?.outcome) {
    const message = body?.text ?? body?.error ?? `the running server at ${url} answered ${res.status}`;
    const outcome = res.status === 400 ? 'usage' : res.status === 401 || res.status === 403 ? 'forbidden' : 'failed';
    return printAnswer({ outcome, text: message, data: null }, json, io);
  }
  return printAnswer({ outcome: body.outcome, text: body.text ?? '', data: body.data ?? null }, json, io);
}

export type { Reply };
