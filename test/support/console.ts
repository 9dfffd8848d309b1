/**
 * The console surface on the real command layer (the demo estate in an in-memory PGlite), served over HTTP on a
 * free loopback port, as main.ts wires it: what every in-process console test starts before its tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { createHttpServer, type HttpServer } from '../../src/server/http.js';
import { createConsoleSurface } from '../../src/surfaces/console/router.js';

export interface ConsoleServer {
  app: App;
  /** http://127.0.0.1:<port> */
  base: string;
  /** POSTs JSON to `path` and answers with the status and the JSON body. */
  post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * Starts the console (demo estate, `env` added to the configuration) before the file's tests and closes it after
 * them. The handle's fields are there once the tests run.
 */
export function useConsoleServer(env: Record<string, string> = {}): ConsoleServer {
  let app: App | undefined;
  let http: HttpServer | undefined;
  let base = '';
  beforeAll(async () => {
    app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ...env }), { log: silentLogger() });
    http = createHttpServer({ log: silentLogger(), ready: () => (app as App).database.ping() });
    const surface = createConsoleSurface({ dispatcher: app.dispatcher, log: silentLogger() });
    app.notifiers.register(surface.notifier);
    http.app.use(surface.router);
    base = (await http.listen(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });
  return {
    get app() {
      if (!app) throw new Error('the console server is not started yet (use it inside a test)');
      return app;
    },
    get base() {
      return base;
    },
    async post(path, body) {
      const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}
