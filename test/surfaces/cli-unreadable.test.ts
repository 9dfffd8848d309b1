/**
 * The real `steward` binary with AWS pointed at a closed endpoint (AWS_ENDPOINT_URL, the SDK's own setting):
 * no region answers, so `inventory` fails with a message a person reads first, not exit 0 with `total: 0`, and
 * not a raw JSON log line before the message.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runCli, tempDataDir } from '../support/spawn.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('steward CLI when no part of the estate answers', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('exits non-zero with a clear message first, no JSON log line, and names the endpoint it could not reach', async () => {
    const port = await closedPort();
    const env = {
      STEWARD_DATA_DIR: tempDataDir('steward-cli-unreadable-'),
      STEWARD_PROVIDERS: 'aws',
      AWS_REGIONS: 'eu-west-1,us-east-1',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_MAX_ATTEMPTS: '1',
    };
    const r = await runCli(['inventory'], env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^No part of the estate could be read/);
    expect(r.stderr).not.toMatch(/^\s*\{/m);
    expect(r.stderr).toMatch(/aws eu-west-1: .*ECONNREFUSED 127\.0\.0\.1/);
    expect(r.stderr).toMatch(/aws us-east-1: /);
    expect(r.stderr).toMatch(/INVENTORY\.UNREADABLE/);

    const j = await runCli(['inventory', '--json'], env);
    expect(j.code).not.toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { outcome: 'failed', message: expect.stringMatching(/No part of the estate could be read/) } });
  });
});
