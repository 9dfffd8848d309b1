/**
 * A direct resize is checked against the cloud's own rules when it is proposed, not after an approver said yes:
 * `resize <x86 instance> m6g.xlarge` is refused on the spot (EC2 cannot change an instance's architecture), with
 * the reason and no proposal; a type EC2 can take is proposed. The real EC2 client talks to a stateful msw EC2.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toPlainText } from '../../src/core/render-text.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { ec2World } from '../msw/ec2-state.js';
import { alice } from '../support/app.js';

const world = ec2World(['us-east-1']);
const server = setupServer(...world.handlers());
let app: App;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  const config = loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_PROVIDERS: 'aws', AWS_REGIONS: 'us-east-1' });
  app = await bootstrap(config, { log: silentLogger(), providerDeps: { aws: { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'fake' } } } });
});
afterAll(async () => {
  await app?.close();
  server.close();
});
const run = (text: string) => app.dispatcher.run({ text, actor: alice, surface: 'console' });

describe('direct resize checks the cloud rules at proposal time', () => {
  it('refuses resize of an x86 instance to a Graviton type, saying why, and proposes nothing', async () => {
    const r = await run('resize web-1 m6g.xlarge');
    expect(r.outcome).not.toBe('ok');
    expect(toPlainText(r.reply)).toMatch(/m6g\.xlarge runs on arm64 and web-1 is x86_64: EC2 cannot change an instance's CPU architecture/);
    expect(world.writes()).toEqual([]);
    const list = await run('proposals');
    expect(toPlainText(list.reply)).not.toMatch(/m6g\.xlarge/);
  });

  it('refuses a Nitro type when ENA is not enabled on the instance', async () => {
    world.enaSupport = false;
    try {
      const r = await run('resize web-1 t3.large');
      expect(r.outcome).not.toBe('ok');
      expect(toPlainText(r.reply)).toMatch(/t3\.large requires ENA \(enhanced networking\), which is not enabled on web-1/);
    } finally {
      world.enaSupport = true;
    }
  });

  it('proposes a resize EC2 can do', async () => {
    const r = await run('resize web-1 t3.large');
    expect(r.outcome).toBe('ok');
    expect(toPlainText(r.reply)).toMatch(/Resize web-1 to t3\.large/);
  });
});
