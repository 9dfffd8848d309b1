import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { type Express } from 'express';
import type { Logger } from '../lib/logger.js';

/**
 * How long a stopping server lets in-flight requests finish before it closes their sockets. The Kubernetes
 * Deployment's terminationGracePeriodSeconds must exceed its preStop sleep plus this (test/manifests/k8s.test.ts).
 */
export const DRAIN_MS = 10_000;

export type RawListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpServer {
  app: Express;
  /**
   * Routes one exact path (any method) straight to a Node listener, ahead of express: for chat webhooks that
   * verify a signature over the raw body and must ack fast (Slack's /slack/events). Same port, same shutdown.
   */
  mountRaw(path: string, listener: RawListener): void;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes idle sockets. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The one HTTP server: health and readiness probes here; the console, Slack and Teams mount their routes.
 */
export function createHttpServer(deps: { log: Logger; ready: () => Promise<void> }): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  let server: Server | undefined;
  let closing = false;
  const sockets = new Set<Socket>();
  const raw = new Map<string, RawListener>();

  app.get('/healthz', (_req, res) => {
    res.json({ status: closing ? 'stopping' : 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (closing) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    try {
      await Promise.race([deps.ready(), new Promise((_, reject) => setTimeout(() => reject(new Error('database did not answer within 2 s')), 2000).unref())]);
      res.json({ status: 'ready' });
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message } }, 'not ready');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  return {
    app,
    mountRaw(path, listener) {
      raw.set(path, listener);
    },
    listen(port, host) {
      // Unknown paths and errors get JSON, never an HTML stack trace.
      app.use((_req, res) => {
        res.status(404).json({ error: 'not found' });
      });
      app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
        if (status === 500) deps.log.error({ err }, 'request failed');
        res.status(status).json({ error: status === 500 ? 'internal error' : err.type ?? 'bad request' });
      });
      return new Promise((resolve, reject) => {
        const s = createServer((req, res) => {
          const q = req.url?.indexOf('?') ?? -1;
          const listener = raw.get(q === -1 ? (req.url ?? '') : (req.url ?? '').slice(0, q));
          if (listener) listener(req, res);
          else app(req, res);
        });
        s.listen(port, host);
        server = s;
        s.on('connection', (socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
        });
        s.once('error', reject);
        s.once('listening', () => {
          const addr = s.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
          resolve({ url: `http://${shownHost}:${addr.port}`, port: addr.port });
        });
      });
    },
    async close(graceMs = DRAIN_MS) {
      closing = true;
      if (!server) return;
      const s = server;
      const done = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      await done;
      clearTimeout(timer);
    },
  };
}
