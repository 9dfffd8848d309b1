/**
 * GET /metrics (Prometheus text): on the main HTTP server, or on a listener of its own when STEWARD_METRICS_PORT is
 * set, so a cluster scrapes it on a port no Service or Ingress exposes (manifests/k8s).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';

async function answer(metrics: Metrics, log: Logger, res: ServerResponse): Promise<void> {
  try {
    const body = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(body);
  } catch (err) {
    log.warn({ err }, 'metrics could not be collected');
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('metrics could not be collected\n');
  }
}

/** An express (or plain Node) handler for GET /metrics. */
export function metricsHandler(metrics: Metrics, log: Logger) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    void answer(metrics, log, res);
  };
}

export interface MetricsServer {
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** A listener that answers GET /metrics and 404 for anything else. */
export function createMetricsServer(deps: { metrics: Metrics; log: Logger }): MetricsServer {
  let server: Server | undefined;
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const s = createServer((req, res) => {
          const path = (req.url ?? '').split('?')[0];
          if (req.method === 'GET' && path === '/metrics') void answer(deps.metrics, deps.log, res);
          else {
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end('{"error":"not found"}');
          }
        });
        server = s;
        s.once('error', reject);
        s.listen(port, host, () => {
          const addr = s.address() as AddressInfo;
          deps.log.info({ port: addr.port }, 'metrics listening');
          resolve({ url: `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? 'localhost' : host}:${addr.port}`, port: addr.port });
        });
      });
    },
    async close() {
      const s = server;
      if (!s?.listening) return;
      await new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
    },
  };
}
