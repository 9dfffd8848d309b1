/**
 * Child processes for tests (the CLI, `npm start`, crash children), made safe for a busy machine:
 *
 * - every child is killed when the test that started it ends, whatever the result (timeouts included), and when
 *   the test process exits; a child also exits by itself if the test process dies (exit-with-parent.mjs);
 * - every wait has its own generous deadline, shorter than the test's, after which the child is killed and the
 *   error carries what it printed; readiness is polled, never assumed after a fixed sleep;
 * - each child runs in its own process group, so a kill takes anything it started with it;
 * - every child is written in the run's ledger (test/support/strays.ts): a child still running when its test file
 *   ends fails that file (test/support/setup-children.ts), and one alive when the run ends fails the run
 *   (test/global-setup.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inject, onTestFinished } from 'vitest';
import { GENEROUS_LIMIT_MS, pollUntil } from './poll.js';
import { recordChild, RUN_ENV } from './strays.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How long one child may take before it is killed: generous, a loaded 2-core machine is slow. Tests that start
 * children use CHILD_TEST_TIMEOUT_MS, which leaves room for the kill and the report. */
export const CHILD_DEADLINE_MS = GENEROUS_LIMIT_MS;
export const CHILD_TEST_TIMEOUT_MS = 240_000;

const EXIT_WITH_PARENT = pathToFileURL(fileURLToPath(new URL('./exit-with-parent.mjs', import.meta.url))).href;

const live = new Set<ChildProcess>();
/** The children a kill was sent to (they may take a moment to exit). */
const killed = new WeakSet<ChildProcess>();
const dirs = new Set<string>();

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGKILL to the child's whole process group (it is the group's leader, see spawnNode). */
export function killChild(child: ChildProcess | undefined): void {
  if (!child || !running(child) || child.pid === undefined) return;
  killed.add(child);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.once('exit', () => {
  for (const c of live) killChild(c);
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // a child may still be letting go of it; the OS cleans tmp
    }
  }
});

/** Kills `child` when the current test ends (no-op outside a test: beforeAll callers kill it in afterAll). */
function killAtTestEnd(child: ChildProcess): void {
  try {
    onTestFinished(() => killChild(child));
  } catch {
    // not inside a test
  }
}

/** A data folder of its own, removed when the test process exits. */
export function tempDataDir(prefix = 'steward-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

/**
 * A data folder of its own whose embedded cluster already exists (a copy of the suite's initdb-only template, see
 * test/global-setup.ts): migrations and the demo estate still run at first start. For tests that are not about the
 * first run on an empty folder.
 */
export function clusterDataDir(prefix = 'steward-'): string {
  const d = tempDataDir(prefix);
  cpSync(inject('pgliteTemplate'), join(d, 'pglite'), { recursive: true });
  return d;
}

/** Environment for a child Steward: no inherited Steward/cloud settings, quiet logs unless asked. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC', LOG_LEVEL: 'warn', STEWARD_USER: 'tester' };
  return { ...env, ...extra };
}

/** `node <args>` in its own process group, tracked, killed at test end and on exit. */
export function spawnNode(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): ChildProcess {
  return spawnTracked(process.execPath, ['--import', EXIT_WITH_PARENT, ...args], opts);
}

/** The ledger of this run's children (see test/global-setup.ts); undefined outside a vitest worker. */
function ledger(): string | undefined {
  try {
    return inject('childLedger');
  } catch {
    return undefined;
  }
}

/**
 * `command <args>` in its own process group, recorded in the run's ledger, killed at test end and on exit. For
 * what is not a node script (`npm run …`); node children go through spawnNode, which also makes them exit with
 * the test process.
 */
export function spawnTracked(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): ChildProcess {
  const run = ledger();
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...opts.env, STEWARD_TEST_PARENT_PID: String(process.pid), ...(run ? { [RUN_ENV]: run } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid !== undefined && run) recordChild(run, child.pid, [command, ...args].join(' '));
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A child that could not start (ENOENT) emits 'error' and never 'exit'.
  child.once('error', () => live.delete(child));
  killAtTestEnd(child);
  return child;
}

/**
 * Called when a test file ends (test/support/setup-children.ts): the children it started that nobody stopped are
 * killed, and described so the file fails naming them. Children already sent a kill are awaited, not blamed.
 */
export async function reapChildrenAtFileEnd(): Promise<string[]> {
  const left = [...live].filter((c) => !killed.has(c)).map((c) => `pid ${c.pid}: ${c.spawnargs.join(' ').slice(0, 300)}`);
  const all = [...live];
  for (const c of all) killChild(c);
  await Promise.all(all.map((c) => exited(c)));
  return left;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);

/** Runs `node <args>` to its end; past the deadline the child is killed and the promise rejects with its output. */
export function runNode(args: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string }): Promise<ChildResult> {
  return runToEnd(spawnNode(args, opts), `node ${args.join(' ')}`, opts.timeoutMs);
}

/** Runs `command <args>` (not a node script: `npm run …`) to its end, like runNode. */
export function runCommand(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string }): Promise<ChildResult> {
  return runToEnd(spawnTracked(command, args, opts), [command, ...args].join(' '), opts.timeoutMs);
}

function runToEnd(child: ChildProcess, label: string, timeoutMs = CHILD_DEADLINE_MS): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      killChild(child);
      reject(new Error(`${label.slice(0, 200)} did not finish in ${timeoutMs / 1000} s and was killed.\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `steward <args>` (bin/steward.js, what `npx steward` runs) with a clean environment plus `env`. */
export function runCli(args: string[], env: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<ChildResult> {
  return runNode(['bin/steward.js', ...args], { env: childEnv(env), ...opts });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Sends the signal and resolves with the exit code; kills the process if it has not exited by the deadline. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  kill(): void;
}

/**
 * Starts `node dist/src/main.js` (what `npm start` runs) and resolves once it is ready: it printed its URL and
 * /readyz answers 200. Past the deadline, or if it exits first, it is killed and the promise rejects with what it
 * printed. The caller stops it (afterAll); it is killed anyway when the test process exits.
 */
export function startServerProcess(env: Record<string, string>, opts: { timeoutMs?: number; args?: string[] } = {}): Promise<ServerProcess> {
  const timeoutMs = opts.timeoutMs ?? CHILD_DEADLINE_MS;
  // `args`: what follows `node` (the Docker image's CMD, say); default what `npm start` runs.
  const child = spawnNode(opts.args ?? ['dist/src/main.js'], { env: childEnv({ PORT: '0', LOG_LEVEL: 'info', ...env }) });
  let out = '';
  const onData = (d: Buffer) => (out += d.toString());
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = exited(child);
  const handle = (url: string): ServerProcess => ({
    child,
    url,
    output: () => out,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 60_000) {
      if (running(child)) child.kill(signal);
      const timer = setTimeout(() => killChild(child), stopTimeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => killChild(child),
  });

  return (async () => {
    let exitedEarly: number | null | undefined;
    void exit.then((code) => (exitedEarly = code));
    let url: string | undefined;
    try {
      return await pollUntil(
        'a ready server (its URL printed, /readyz 200)',
        async () => {
          if (exitedEarly !== undefined) throw new Error(`server exited with ${exitedEarly}`);
          url ??= /open (http:\/\/[^/\s]+)\//.exec(out)?.[1];
          if (!url) return undefined;
          try {
            const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
            return res.status === 200 ? handle(url) : undefined;
          } catch {
            return undefined; // not listening yet, or too busy to answer: poll again
          }
        },
        { limitMs: timeoutMs },
      );
    } catch (e) {
      // Whatever ended the wait (the limit, an early exit), the child does not outlive it.
      killChild(child);
      throw new Error(`${(e as Error).message}:\n${tail(out)}`);
    }
  })();
}

/** Resolves with the exit code (null when killed by a signal) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (!running(child)) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}
