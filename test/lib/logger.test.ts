/**
 * What reaches the log: JSON lines with the invocation's correlation id, and never a credential — tokens,
 * secrets, signatures, Authorization headers — wherever it sits (a nested key, an error message, the message text).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withCorrelation } from '../../src/lib/correlation.js';
import { createLogger } from '../../src/lib/logger.js';

function captured() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  return { log, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => lines.join('\n') };
}

const SECRETS = {
  bot: 'xoxb-1111111111-2222222222-abcdefABCDEF123456',
  app: 'xapp-1-A0123456-7890-abcdef0123456789',
  signing: '8f742231b10e8888abcd99yyyzzz85a5',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  bearer: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QiLCJhdWQiOiJ4In0.c2lnbmF0dXJlLXBhcnQtaGVyZQ',
  password: 'Tr0ub4dor&3-very-secret',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

describe('log redaction (captured log output)', () => {
  it('censors secret-named keys at any depth: tokens, secrets, passwords, signatures, Authorization headers', () => {
    const c = captured();
    c.log.info(
      {
        slack: { botToken: SECRETS.bot, appToken: SECRETS.app, signingSecret: SECRETS.signing },
        req: { headers: { authorization: `Bearer ${SECRETS.bearer}`, 'x-slack-signature': SECRETS.signature, 'X-Slack-Request-Timestamp': '1700000000', cookie: 'steward_console=abc123' } },
        deep: { a: { b: { c: { password: SECRETS.password, secretAccessKey: SECRETS.awsSecret } } } },
        teams: { Authorization: `Bearer ${SECRETS.bearer}` },
        kept: 'inventory --provider aws',
      },
      'request',
    );
    const out = c.text();
    for (const s of Object.values(SECRETS)) expect(out).not.toContain(s);
    const [line] = c.json() as [Record<string, any>]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(line.slack.botToken).toBe('[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req.headers['x-slack-signature']).toBe('[redacted]');
    expect(line.req.headers.cookie).toBe('[redacted]');
    expect(line.deep.a.b.c.password).toBe('[redacted]');
    expect(line.teams.Authorization).toBe('[redacted]');
    // What is not a secret is left as it was.
    expect(line.kept).toBe('inventory --provider aws');
    expect(line.req.headers['X-Slack-Request-Timestamp']).toBe('1700000000');
  });

  it('scrubs credentials out of error messages and stacks, and out of the message text', () => {
    const c = captured();
    const err = new Error(`An API error occurred: invalid_auth for token ${SECRETS.bot} (Authorization: Bearer ${SECRETS.bearer})`);
    c.log.error({ err }, `slack call failed with ${SECRETS.app}`);
    c.log.warn({ url: `postgres://steward:${SECRETS.password}@db:5432/steward` }, 'database unreachable');
    c.log.info({ link: `https://acct.blob.core.windows.net/c/x?sv=2024&sig=${encodeURIComponent(SECRETS.signature)}` }, 'signed url');
    const out = c.text();
    for (const s of [SECRETS.bot, SECRETS.app, SECRETS.bearer, SECRETS.password, encodeURIComponent(SECRETS.signature)]) expect(out).not.toContain(s);
    const [first, second] = c.json() as [Record<string, any>, Record<string, any>]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(first.err.message).toContain('invalid_auth');
    expect(first.err.stack).toContain('[redacted-slack-token]');
    expect(first.msg).toBe('slack call failed with [redacted-slack-token]');
    expect(second.url).toBe('postgres://steward:[redacted]@db:5432/steward');
  });

  it('child loggers keep the redaction (bindings included)', () => {
    const c = captured();
    c.log.child({ surface: 'slack', token: SECRETS.bot }).info({ nested: { clientSecret: SECRETS.password } }, 'child');
    expect(c.text()).not.toContain(SECRETS.bot);
    expect(c.text()).not.toContain(SECRETS.password);
    expect(c.json()[0]?.surface).toBe('slack');
  });
});

describe('correlation id in log lines', () => {
  it('every line logged inside an invocation carries its correlation id, child loggers and awaited work included', async () => {
    const c = captured();
    const child = c.log.child({ area: 'executor' });
    await withCorrelation('abc12345', async () => {
      c.log.info('received');
      await new Promise((r) => setImmediate(r));
      child.info('step applied');
    });
    c.log.info('outside');
    const [a, b, outside] = c.json();
    expect(a?.correlationId).toBe('abc12345');
    expect(b?.correlationId).toBe('abc12345');
    expect(outside?.correlationId).toBeUndefined();
    // Exactly once per line, not repeated by bindings.
    expect((c.lines[1]?.match(/correlationId/g) ?? []).length).toBe(1);
  });
});
