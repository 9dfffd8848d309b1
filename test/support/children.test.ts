/**
 * The two nets under every child-process test: a file that leaves a child running fails, naming it, and the child
 * is killed (test/support/setup-children.ts); a process the run started that is still alive when the run ends is
 * found, through the run's ledger, and killed (test/global-setup.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from './poll.js';
import { CHILD_TEST_TIMEOUT_MS, killChild, reapChildrenAtFileEnd, spawnNode } from './spawn.js';
import { alive, findStrays, killStrays, recordChild, RUN_ENV, straysAfter } from './strays.js';

const FOREVER = 'setInterval(() => undefined, 1000);';
const gone = (pid: number) => pollUntil(`pid ${pid} gone`, () => (alive(pid) ? undefined : true), { everyMs: 100 });

describe('at the end of a test file', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('a child nobody stopped is named and killed', async () => {
    const child = spawnNode(['-e', FOREVER], { env: process.env });
    const left = await reapChildrenAtFileEnd();
    expect(left).toEqual([`pid ${child.pid}: ${child.spawnargs.join(' ')}`]);
    expect(child.signalCode).toBe('SIGKILL');
    expect(await gone(child.pid as number)).toBe(true);
  });

  it('a child already sent its kill is waited for, not blamed', async () => {
    const child = spawnNode(['-e', FOREVER], { env: process.env });
    killChild(child);
    expect(await reapChildrenAtFileEnd()).toEqual([]);
    expect(child.signalCode).toBe('SIGKILL');
  });
});

describe('at the end of the run', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  /** A stand-in for a child the suite started and recorded: it leads its own group and starts a grandchild. */
  async function standIn(ledger: string, grandchildOpts: string): Promise<{ leader: ChildProcess; grandchild: number }> {
    const script = `const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['-e', ${JSON.stringify(FOREVER)}], { stdio: 'ignore', ${grandchildOpts} });
      console.log('grandchild=' + c.pid); ${FOREVER}`;
    const leader = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [RUN_ENV]: ledger } });
    recordChild(ledger, leader.pid as number, 'stand-in');
    let out = '';
    leader.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const grandchild = Number(await pollUntil('the grandchild pid', () => /grandchild=(\d+)/.exec(out)?.[1], { everyMs: 100 }));
    return { leader, grandchild };
  }

  async function withLedger(body: (ledger: string, started: number[]) => Promise<void>): Promise<void> {
    const ledger = mkdtempSync(join(tmpdir(), 'steward-ledger-test-'));
    const started: number[] = [];
    try {
      await body(ledger, started);
    } finally {
      killStrays(started.map((pid) => ({ pid, command: '' })));
      rmSync(ledger, { recursive: true, force: true });
    }
  }

  it('finds what is still alive in a recorded child\'s process group, and kills it', () =>
    withLedger(async (ledger, started) => {
      const { leader, grandchild } = await standIn(ledger, '');
      started.push(leader.pid as number, grandchild);
      expect(findStrays(ledger).map((s) => s.pid).sort()).toEqual([leader.pid, grandchild].sort());
      // The leader dies; what it started lives on in its group, and is still found.
      process.kill(leader.pid as number, 'SIGKILL');
      await gone(leader.pid as number);
      expect(findStrays(ledger).map((s) => s.pid)).toEqual([grandchild]);
      killStrays(findStrays(ledger));
      expect(await straysAfter(ledger, 60_000)).toEqual([]);
    }));

  it.runIf(process.platform === 'linux')('finds a grandchild that left the group, by the run\'s mark in its environment (Linux)', () =>
    withLedger(async (ledger, started) => {
      const { leader, grandchild } = await standIn(ledger, 'detached: true');
      started.push(leader.pid as number, grandchild);
      expect(findStrays(ledger).find((s) => s.pid === grandchild)?.command).toContain(FOREVER);
      killStrays(findStrays(ledger));
      expect(await straysAfter(ledger, 60_000)).toEqual([]);
    }));

  it('finds nothing once every child is gone', () =>
    withLedger(async (ledger) => {
      expect(findStrays(ledger)).toEqual([]);
      recordChild(ledger, 2 ** 22 + 12345, 'a pid no process has');
      expect(findStrays(ledger)).toEqual([]);
    }));
});
