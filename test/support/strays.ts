/**
 * The suite's ledger of the processes it starts, and the check that none outlives the run.
 *
 * test/global-setup.ts makes one ledger folder per run; test/support/spawn.ts writes a line there for every child it
 * starts (its pid, which is also its process group, and its command) and gives the child the ledger's path in
 * STEWARD_TEST_RUN, which everything the child starts inherits. When the run ends, a process still alive from the
 * ledger (anything left in a child's process group) or, on Linux, any process whose environment carries the run's
 * marker (a grandchild that left the group) is a stray: global-setup's teardown kills it and fails the run.
 *
 * No vitest import: the global setup (the main vitest process) uses it as well as the test files.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The variable that marks a process as started by this test run (its value: the run's ledger folder). */
export const RUN_ENV = 'STEWARD_TEST_RUN';

export interface Stray {
  pid: number;
  command: string;
}

const LEDGER_FILE = 'children.jsonl';

/** Notes a child the suite started (its pid leads its own process group). */
export function recordChild(ledger: string, pid: number, command: string): void {
  appendFileSync(join(ledger, LEDGER_FILE), `${JSON.stringify({ pid, command: command.slice(0, 300) })}\n`);
}

function recorded(ledger: string): Stray[] {
  let text = '';
  try {
    text = readFileSync(join(ledger, LEDGER_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Stray);
}

/** Linux: what /proc says of a process, or undefined when it is gone or a zombie (dead, only not yet reaped). */
function procInfo(pid: number): { pgrp: number; command: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') return undefined;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pgrp: Number(pgrp), command };
  } catch {
    return undefined;
  }
}

/** Whether the process runs (a zombie, dead but not yet reaped by whoever adopted it, counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return process.platform !== 'linux' || procInfo(pid) !== undefined;
}

function marked(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

/** Whether any process of the group still exists (portable: signal 0 to the group checks without sending). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The processes of this run that are still alive: members of a recorded child's group, and marked descendants. */
export function findStrays(ledger: string): Stray[] {
  const children = recorded(ledger);
  const groups = new Set(children.map((c) => c.pid));
  if (process.platform !== 'linux') return children.filter((c) => groupAlive(c.pid));
  const marker = `${RUN_ENV}=${ledger}`;
  const found: Stray[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const info = procInfo(pid);
    if (info && (groups.has(info.pgrp) || marked(pid, marker))) found.push({ pid, command: info.command });
  }
  return found;
}

/** SIGKILL to each stray (its group too, when it leads one). */
export function killStrays(strays: Stray[]): void {
  for (const s of strays) {
    for (const target of [-s.pid, s.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone already, or not a group leader
      }
    }
  }
}

/**
 * Waits (polling, up to `graceMs`) for the run's processes to go: a child whose test process just exited needs a
 * moment to notice (test/support/exit-with-parent.mjs). Resolves with those still alive after the grace.
 */
export async function straysAfter(ledger: string, graceMs: number): Promise<Stray[]> {
  const end = Date.now() + graceMs;
  for (;;) {
    const strays = findStrays(ledger);
    if (strays.length === 0 || Date.now() >= end) return strays;
    await new Promise((r) => setTimeout(r, 250));
  }
}
