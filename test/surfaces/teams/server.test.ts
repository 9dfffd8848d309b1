/**
 * `npm start` with the Teams variables set: the compiled server in a child process (own data folder, readiness
 * polled, killed when the test ends or times out; see test/support/spawn.ts) mounts /api/messages, and a request
 * without a token, or with a token signed by a key the Bot Framework never published, is answered 401. The child
 * checks tokens against an OpenID document and key set this test serves on loopback (TEAMS_OPENID_METADATA_URL),
 * since a child process cannot see msw.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, startServerProcess, clusterDataDir, type ServerProcess } from '../../support/spawn.js';
import { APP_ID, APP_TENANT, channelMessage } from './support.js';

const dataDir = clusterDataDir('steward-teams-start-');
let server: ServerProcess | undefined;
let url = '';
let keys: Server;
let keysUrl = '';
const published = await generateKeyPair('RS256', { extractable: true });
const forger = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(published.publicKey)), kid: 'published-key', use: 'sig', alg: 'RS256', endorsements: ['msteams'] };

beforeAll(async () => {
  keys = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/openid') res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${keysUrl}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    else if (req.url === '/keys') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => keys.listen(0, '127.0.0.1', r));
  keysUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
  server = await startServerProcess({
    STEWARD_DATA_DIR: dataDir,
    STEWARD_CONSOLE: 'off',
    STEWARD_DEMO_INSTANCES: '5',
    TEAMS_APP_ID: APP_ID,
    TEAMS_TENANT_ID: APP_TENANT,
    TEAMS_APP_PASSWORD: 'not-a-real-secret',
    TEAMS_OPENID_METADATA_URL: `${keysUrl}/openid`,
  });
  url = server.url;
}, CHILD_TEST_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => keys?.close(r));
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
