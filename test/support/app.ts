/** Builds the real command layer on the demo estate in an in-memory PGlite, as main.ts does. */
import { bootstrap, type App } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/ports/clock.port.js';
import { silentLogger } from '../../src/lib/logger.js';

/** `env` is added to the configuration; `clock` (the system clock unless given) is the app's Clock port. */
export async function demoApp(env: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<App> {
  const config = loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ...env });
  return bootstrap(config, { log: silentLogger(), ...(opts.clock ? { clock: opts.clock } : {}) });
}

export const alice = { id: 'console:alice', displayName: 'alice', surface: 'console' as const };
