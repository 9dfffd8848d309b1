/**
 * Prometheus /metrics (issue 16): on `npm start` (the built server) after one `inventory` and one `optimize`, the
 * scrape has steward_ series for the commands, the provider calls they made and the proposal optimize created,
 * plus Node's process metrics; with STEWARD_METRICS_PORT it moves to a port of its own.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startServer } from '../../src/main.js';
import { CHILD_TEST_TIMEOUT_MS, clusterDataDir, startServerProcess, type ServerProcess } from '../support/spawn.js';

async function command(url: string, text: string): Promise<{ outcome: string }> {
  const res = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, user: 'alice' }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { outcome: string };
}

/** The value of one sample line (`name{labels} value`) whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const l = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics on npm start after one inventory and one optimize', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await startServerProcess({ STEWARD_DATA_DIR: clusterDataDir('steward-metrics-'), STEWARD_DEMO_INSTANCES: '30', STEWARD_SCHEDULER: 'false', STEWARD_WATCH: 'false' });
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(() => server?.kill());

  it('has steward_ metrics for commands, provider calls and proposals, and process metrics', async () => {
    const url = (server as ServerProcess).url;
    expect((await command(url, 'inventory')).outcome).toBe('ok');
    expect((await command(url, 'optimize')).outcome).toBe('ok');
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // Command latency histograms by command and surface.
    expect(sample(text, 'steward_command_duration_seconds_count', { command: 'inventory', surface: 'console', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'steward_command_duration_seconds_count', { command: 'optimize', surface: 'console', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'steward_command_duration_seconds_bucket', { command: 'inventory', surface: 'console', le: '+Inf' })).toBe(1);
    // Provider calls by provider, operation and outcome: inventory and optimize read the demo estate.
    expect(sample(text, 'steward_provider_calls_total', { provider: 'demo', operation: 'listInstances', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'steward_provider_call_duration_seconds_count', { provider: 'demo', operation: 'listInstances' })).toBeGreaterThanOrEqual(1);
    // Proposals by state, from the database: optimize proposed one.
    expect(sample(text, 'steward_proposals', { state: 'proposed' })).toBe(1);
    expect(sample(text, 'steward_proposals', { state: 'succeeded' })).toBe(0);
    expect(text).toMatch(/^# TYPE steward_executions gauge$/m);
    expect(text).toMatch(/^# TYPE steward_provider_throttles_total counter$/m);
    expect(text).toMatch(/^# TYPE steward_command_errors_total counter$/m);
    expect(text).toMatch(/^# TYPE steward_digest_posts_total counter$/m);
    expect(text).toMatch(/^# TYPE steward_watch_events gauge$/m);
    // Node's default process metrics.
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts errors by code', async () => {
    const url = (server as ServerProcess).url;
    expect((await command(url, 'approve zzzzzz')).outcome).not.toBe('ok');
    const text = await (await fetch(`${url}/metrics`)).text();
    const errors = text.split('\n').filter((l) => l.startsWith('steward_command_errors_total{'));
    expect(errors.some((l) => l.includes('surface="console"'))).toBe(true);
  });
});

describe('STEWARD_METRICS_PORT moves /metrics to a port of its own', () => {
  it('serves /metrics there and not on the main port', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const config = loadConfig({ STEWARD_DATA_DIR: clusterDataDir('steward-metrics-port-'), PORT: '0', STEWARD_METRICS_PORT: '0', STEWARD_DEMO_INSTANCES: '10', STEWARD_SCHEDULER: 'false', STEWARD_WATCH: 'false' });
    const server = await startServer(config, { log: createLogger({ level: 'info', destination: sink }) });
    try {
      expect(server.metricsUrl).not.toContain(`:${server.port}/`);
      const res = await fetch(server.metricsUrl);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^# TYPE steward_command_duration_seconds histogram$/m);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
