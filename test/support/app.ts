/** Builds the real command layer on the demo estate in an in-memory PGlite, as main.ts does. */
import { bootstrap, type App } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';

export async function demoApp(env: Record<string, string> = {}): Promise<App> {
  const config = loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ...env });
  return bootstrap(config, { log: silentLogger() });
}

export const alice = { id: 'console:alice', displayName: 'alice', surface: 'console' as const };
