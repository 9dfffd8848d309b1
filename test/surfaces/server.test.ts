import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { exited, runCli, startServerProcess, tempDataDir } from '../support/spawn.js';

describe('npm start (dist/src/main.js) on the embedded database', () => {
  const dataDir = tempDataDir('steward-server-');
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    ({ child, url } = await startServerProcess({ STEWARD_DATA_DIR: dataDir }));
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
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
    const res = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'inventory --tag app=<img src=x onerror=alert(1)>' }) });
    const body = (await res.json()) as { html: string };
    expect(body.html).not.toContain('<img');
  });

  it('lets the CLI use the running server instead of opening its database twice', async () => {
    const r = await runCli(['inventory', '--json'], { STEWARD_DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { total: number }).total).toBe(60);
  });

  it('refuses a second server on the same embedded database', async () => {
    await expect(startServerProcess({ STEWARD_DATA_DIR: dataDir })).rejects.toThrow(/Another Steward process \(pid \d+\) is using the embedded database/);
  });

  it('shuts down gracefully on SIGTERM and releases the data folder', async () => {
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(existsSync(join(dataDir, 'steward.lock'))).toBe(false);
  });
});
