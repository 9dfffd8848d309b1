import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runCli, startServerProcess, tempDataDir, type ServerProcess } from '../support/spawn.js';

describe('npm start (dist/src/main.js) on the embedded database', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  const dataDir = tempDataDir('steward-server-');
  let server: ServerProcess | undefined;
  let url: string;

  beforeAll(async () => {
    server = await startServerProcess({ STEWARD_DATA_DIR: dataDir });
    url = server.url;
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(() => {
    server?.kill();
  });

  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves the console page and runs a command through its API', async () => {
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>Steward console</title>');
    const res = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'inventory --limit 3', user: 'bob' }) });
    const body = (await res.json()) as { outcome: string; html: string };
    expect(body.outcome).toBe('ok');
    expect(body.html).toContain('<table class="r-table">');
  });

  it('refuses a cross-site form post (no JSON) and unknown paths with JSON errors', async () => {
    const form = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=inventory' });
    expect(form.status).toBe(415);
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });

  it('escapes what a user typed in the reply', async () => {
    // An unknown command is echoed back in the reply: the markup must arrive as text, not as an element.
    const res = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: '"<img src=x onerror=alert(1)>"' }) });
    const body = (await res.json()) as { html: string };
    expect(body.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body.html).not.toContain('<img');
  });

  it('lets the CLI use the running server instead of opening its database twice', async () => {
    const r = await runCli(['inventory', '--json'], { STEWARD_DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { total: number }).total).toBe(60);
  });

  it('answers a forwarded over-long command with the limit and exit code 2, not an uncaught exception', async () => {
    const r = await runCli(['stop', 'x'.repeat(5000)], { STEWARD_DATA_DIR: dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('That command is 5005 characters long; the limit is 4000.');
    expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
    expect(r.stderr).not.toContain('x'.repeat(41));
  });

  it('refuses a second server on the same embedded database', async () => {
    await expect(startServerProcess({ STEWARD_DATA_DIR: dataDir })).rejects.toThrow(/Another Steward process \(pid \d+\) is using the embedded database/);
  });

  it('shuts down gracefully on SIGTERM and releases the data folder', async () => {
    expect(await server?.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, 'steward.lock'))).toBe(false);
  });
});
