/**
 * `npm start` with the Teams variables set: the compiled server in a child process (own data folder, killed when
 * the test ends or times out) mounts /api/messages, and a request without a token, or with a token signed by a
 * key the Bot Framework never published, is answered 401. The child checks tokens against an OpenID document and
 * key set served by this test on loopback (TEAMS_OPENID_METADATA_URL), since a child cannot see msw.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pollUntil } from '../../../src/lib/async.js';
import { childEnv, exited, ROOT, tempDataDir } from '../../support/spawn.js';
import { APP_ID, APP_TENANT, channelMessage } from './support.js';

const dataDir = tempDataDir('steward-teams-start-');
let child: ChildProcess | undefined;
let url = '';
let keys: Server;
let keysUrl = '';
const published = await generateKeyPair('RS256', { extractable: true });
const forger = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(published.publicKey)), kid: 'published-key', use: 'sig', alg: 'RS256', endorsements: ['msteams'] };

/**
 * `node dist/src/main.js` (what `npm start` runs), resolved with its URL once it prints it. A first start creates
 * the embedded database, which takes tens of seconds on a busy machine: the limit is generous, and the child is
 * killed if it is not ready by then.
 */
function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: childEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }) });
    child = c;
    let out = '';
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`server did not start in 150 s:\n${out}`));
    }, 150_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child: c, url: m[1] as string });
      }
    };
    c.stdout.on('data', onData);
    c.stderr.on('data', onData);
    c.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

beforeAll(async () => {
  keys = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/openid') res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${keysUrl}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    else if (req.url === '/keys') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => keys.listen(0, '127.0.0.1', r));
  keysUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
  const started = await startServer({
    STEWARD_DATA_DIR: dataDir,
    STEWARD_CONSOLE: 'off',
    STEWARD_DEMO_INSTANCES: '5',
    TEAMS_APP_ID: APP_ID,
    TEAMS_TENANT_ID: APP_TENANT,
    TEAMS_APP_PASSWORD: 'not-a-real-secret',
    TEAMS_OPENID_METADATA_URL: `${keysUrl}/openid`,
  });
  url = started.url;
  await pollUntil(
    () => fetch(`${url}/readyz`).then((r) => r.status, () => 0),
    (s) => s === 200,
    { intervalMs: 200, timeoutMs: 60_000, what: 'the server to be ready' },
  );
}, 240_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exited(child);
    clearTimeout(timer);
  }
  await new Promise((r) => keys?.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (token: string | undefined) =>
  fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(channelMessage('inventory')),
  });

it('answers POST /api/messages without a token with 401', async () => {
  expect((await post(undefined)).status).toBe(401);
});

it('answers a token signed by an unpublished key with 401 (not botbuilder\'s 500)', async () => {
  const forged = await new SignJWT({ serviceurl: 'https://smba.trafficmanager.net/amer/50612dbb-0237-4969-b378-8d42590f9c00/' })
    .setProtectedHeader({ alg: 'RS256', kid: 'published-key', typ: 'JWT' })
    .setIssuer('https://api.botframework.com')
    .setAudience(APP_ID)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('1h')
    .sign(forger.privateKey);
  expect((await post(forged)).status).toBe(401);
  // The probes still answer on the same server.
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});
