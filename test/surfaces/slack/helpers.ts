/**
 * The composition root with Slack configured, for the tests that go through the real server (`startServer`, as
 * `npm start` runs it): Slack's Web API is the msw stub of ./support.ts, which must be listening first (the start
 * checks the bot token with auth.test).
 */
import { rmSync } from 'node:fs';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { startServer } from '../../../src/main.js';
import { clusterDataDir } from '../../support/spawn.js';
import { SECRET } from './support.js';

export type SlackServer = Awaited<ReturnType<typeof startServer>> & {
  /** POSTs `body` to /slack/events with `headers` (sign(body), say). */
  post(body: string, headers: Record<string, string>): Promise<Response>;
};

/**
 * Starts the server on a free loopback port with Slack on /slack/events, the console off, and the demo estate (40
 * instances) in a data folder of its own (a copy of the suite's cluster); `env` is added to the configuration.
 * `stop()` stops it and removes the folder, as does a start that fails.
 */
export async function startSlackServer(env: Record<string, string> = {}): Promise<SlackServer> {
  const dataDir = clusterDataDir('steward-slack-');
  const config = loadConfig({
    STEWARD_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    STEWARD_CONSOLE: 'off',
    STEWARD_DEMO_INSTANCES: '40',
    SLACK_BOT_TOKEN: 'xoxb-main-token',
    SLACK_SIGNING_SECRET: SECRET,
    ...env,
  });
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const server = await startServer(config, { log: silentLogger() }).catch((err: unknown) => {
    removeDir();
    throw err;
  });
  return {
    ...server,
    post: (body, headers) => fetch(`${server.url}/slack/events`, { method: 'POST', headers, body }),
    async stop() {
      try {
        await server.stop();
      } finally {
        removeDir();
      }
    },
  };
}
