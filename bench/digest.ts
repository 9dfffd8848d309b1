/**
 * bench:digest — builds the cost and the security digest for a 10,000-instance demo estate through the command
 * layer (what the scheduler runs), after one warm-up build (history seeded, chart libraries loaded). Baseline in the
 * same run: the plain `cost` command on the same estate. Last line: one JSON object.
 */
import { loadavg, cpus } from 'node:os';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/lib/logger.js';
import { bootstrap } from '../src/main.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const actor = { id: 'console:bench', displayName: 'bench', surface: 'console' as const };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  const t0 = performance.now();
  const app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', LOG_LEVEL: 'silent', STEWARD_DEMO_INSTANCES: String(INSTANCES), STEWARD_SCHEDULER: 'false' }), { log: silentLogger() });
  const setupMs = performance.now() - t0;
  const run = async (text: string) => {
    const s = performance.now();
    const r = await app.dispatcher.run({ text, actor, surface: 'console', conversation: { surface: 'console', address: {} } });
    if (r.outcome !== 'ok') throw new Error(`${text}: ${r.outcome} ${JSON.stringify(r.reply).slice(0, 300)}`);
    return { ms: performance.now() - s, data: r.data as Record<string, unknown> };
  };
  try {
    const warmCost = await run('digest preview cost');
    const warmSecurity = await run('digest preview security');
    await run('cost');
    const cost: number[] = [];
    const security: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      baseline.push((await run('cost')).ms);
      cost.push((await run('digest preview cost')).ms);
      security.push((await run('digest preview security')).ms);
    }
    const d = warmCost.data as { historyDays: number; forecast: { monthEndUsd?: number }; anomalies: unknown[]; chart: { bytes: number } | null };
    const s = warmSecurity.data as { resources: number; failingTotal: number; checks: unknown[] };
    const result = {
      instances: INSTANCES,
      runs: RUNS,
      cost_ms: Math.round(median(cost)),
      security_ms: Math.round(median(security)),
      baseline_cost_command_ms: Math.round(median(baseline)),
      cost_vs_baseline: Math.round((median(cost) / median(baseline)) * 100) / 100,
      first_cost_ms: Math.round(warmCost.ms),
      first_security_ms: Math.round(warmSecurity.ms),
      setup_ms: Math.round(setupMs),
      history_days: d.historyDays,
      anomalies: d.anomalies.length,
      chart_bytes: d.chart?.bytes ?? 0,
      security_resources: s.resources,
      security_checks: s.checks.length,
      security_failing: s.failingTotal,
      load_avg_1m: Math.round(loadavg()[0]! * 100) / 100,
      cores: cpus().length,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app.close();
  }
}

await main();
