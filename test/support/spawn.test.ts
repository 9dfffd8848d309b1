/** The child-process helpers every CLI/server test relies on: no child outlives its test, whatever happens. */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runNode, spawnNode } from './spawn.js';

/** Running (a zombie, dead but not yet reaped by whoever adopted it, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Polls (a generous limit: the machine may be busy) until the process is gone. */
async function gone(pid: number, limitMs = 60_000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

const FOREVER = 'setInterval(() => undefined, 1000);';

describe('child processes in tests', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('kills a child that passes its deadline, and reports what it printed', async () => {
    const err = await runNode(['-e', `console.log('pid=' + process.pid); ${FOREVER}`], { env: process.env, timeoutMs: 3000 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/did not finish in 3 s and was killed/);
    const pid = Number(/pid=(\d+)/.exec(err?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(await gone(pid)).toBe(true);
  });

  let leftRunning = 0;
  it('(a test that ends with its child still running)', async () => {
    const child = spawnNode(['-e', FOREVER], { env: process.env });
    leftRunning = child.pid ?? 0;
    expect(alive(leftRunning)).toBe(true);
  });

  it('kills a child that is still running when its test ends', async () => {
    expect(leftRunning).toBeGreaterThan(0);
    expect(await gone(leftRunning)).toBe(true);
  });

  it('a child exits by itself when the test process that started it dies without cleaning up', async () => {
    // A stand-in for the test process: it starts a child the way spawnNode does, then is SIGKILLed.
    const preload = pathToFileURL(fileURLToPath(new URL('./exit-with-parent.mjs', import.meta.url))).href;
    const script = `const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['--import', ${JSON.stringify(preload)}, '-e', ${JSON.stringify(FOREVER)}], { detached: true, stdio: 'ignore', env: { ...process.env, STEWARD_TEST_PARENT_PID: String(process.pid) } });
      console.log('grandchild=' + c.pid); ${FOREVER}`;
    const parent = spawnNode(['-e', script], { env: process.env });
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const until = Date.now() + 60_000;
    while (!/grandchild=\d+/.test(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const grandchild = Number(/grandchild=(\d+)/.exec(out)?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(true);
    parent.kill('SIGKILL');
    expect(await gone(grandchild)).toBe(true);
  });
});
