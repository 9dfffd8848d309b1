/** The child-process helpers every CLI/server test relies on: no child outlives its test, whatever happens. */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pollUntil } from './poll.js';
import { CHILD_TEST_TIMEOUT_MS, runNode, spawnNode } from './spawn.js';
import { alive } from './strays.js';

/** Polls (a generous limit: the machine may be busy) until the process is gone. */
const gone = (pid: number) => pollUntil(`pid ${pid} gone`, () => (alive(pid) ? undefined : true), { everyMs: 100 });

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
    const grandchild = Number(await pollUntil('the grandchild pid', () => /grandchild=(\d+)/.exec(out)?.[1], { everyMs: 100 }));
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(true);
    parent.kill('SIGKILL');
    expect(await gone(grandchild)).toBe(true);
  });
});
