/** The msw server of a test file that talks to a cloud's HTTP API through the real SDK clients. */
import { setupServer, type SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * An msw server with no handlers yet (each test adds its own with `server.use`): listening before the file's tests,
 * a request no handler answers an error (tests never reach the network), the handlers reset after each test, closed
 * after them all.
 */
export function useMswServer(): SetupServer {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}
