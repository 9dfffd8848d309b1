/**
 * `npm run bench:service` — start-to-ready and idle RSS of `node dist/src/main.js` (what `npm start` runs) and the
 * CLI, measured from outside as a user sees them (issue 12), plus the load of a 10,000-instance estate file.
 *
 * - pglite_first_ready_ms: a fresh data folder on a machine without the pristine-cluster copy (initdb runs);
 * - pglite_cold_ready_ms: a fresh data folder (the usual case: the pristine cluster is copied);
 * - pglite_warm_ready_ms / pglite_rss_mb: the same folder started again; RSS after 2 s idle;
 * - pg_ready_ms / pg_rss_mb: PostgreSQL (DATABASE_URL or BENCH_DATABASE_URL, default the local test server);
 * - cli_help_ms, cli_inventory_ms (standalone, warm folder), estate10k_load_ms (in-process ensureEstate of a
 *   10,000-instance estate file into a warm folder) and estate10k_inventory_ms (its first inventory read).
 * Surfaces: the console and the CLI (Slack and Teams need credentials and call their services at start).
 * Needs `npm run build` first. Prints one JSON object on its last line, with the machine's load average.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/persistence/db.js';
import { createEstateStore } from '../src/persistence/estate-store.js';
import { loadPriceCatalog } from '../src/pricing/catalog.js';
import { generateEstate } from '../src/providers/demo/generate.js';
import { createDemoProvider } from '../src/providers/demo/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
// STEWARD_TRAIN passes through: on the shared machine it is what gives a process its CPU priority, and the server
// and CLI measured here must run at the priority of the bench that measures them (without it they ran niced).
const baseEnv = (extra: Record<string, string>) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TZ: 'UTC',
  LOG_LEVEL: 'warn',
  PORT: '0',
  STEWARD_SCHEDULER: 'off',
  ...(process.env.STEWARD_TRAIN ? { STEWARD_TRAIN: process.env.STEWARD_TRAIN } : {}),
  ...extra,
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Starts the server, returns ms until /readyz answers 200 and the RSS after 2 s idle, then stops it. */
async function startToReady(env: Record<string, string>): Promise<{ readyMs: number; rssMb: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: baseEnv({ LOG_LEVEL: 'info', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 300_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${out.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`server not ready in 300 s:\n${out.slice(-2000)}`);
      const url = /open (http:\/\/[^/\s]+)\//.exec(out)?.[1];
      if (url) {
        const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
        if (ok) {
          const readyMs = Math.round(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 2000));
          return { readyMs, rssMb: rssMb(child.pid!) };
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

/** Where the idle RSS goes: the server started in a child that reports process.memoryUsage() after 2 s idle. */
async function rssSplit(env: Record<string, string>): Promise<Record<string, number>> {
  const script = `
    const { loadConfig } = await import('./dist/src/config.js');
    const { startServer } = await import('./dist/src/main.js');
    const s = await startServer(loadConfig());
    await new Promise((r) => setTimeout(r, 2000));
    const m = process.memoryUsage();
    const mb = (n) => Math.round(n / 1048576);
    process.stdout.write(JSON.stringify({ rss: mb(m.rss), heap_used: mb(m.heapUsed), heap_total: mb(m.heapTotal), external: mb(m.external), array_buffers: mb(m.arrayBuffers) }) + '\\n');
    await s.stop();
    process.exit(0);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const line = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`rss split child exited ${code}: ${err.slice(-500)}`);
  return JSON.parse(line) as Record<string, number>;
}

async function cli(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/steward.js', ...args], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`steward ${args.join(' ')} exited ${code}: ${err.slice(-1000)}`);
  return Math.round(performance.now() - t0);
}

async function scratchPostgres(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `steward_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A 10,000-instance estate file in the documented format (docs/demo-estate.md). */
function estateFile10k(): string {
  const catalog = loadPriceCatalog();
  const instances = generateEstate({ seed: 7, instances: 10_000, catalog }).map(({ load, snapshotIds: _s, ...rest }) => {
    const shape = catalog.shape(rest.provider, rest.type);
    const vcpu = shape?.vcpu ?? 2;
    const mem = shape?.memoryGiB ?? 4;
    return { ...rest, utilization: { cpuP95: Math.min(100, (load.cpuP95Cores / vcpu) * 100), cpuP50: Math.min(100, (load.cpuP50Cores / vcpu) * 100), memP95: Math.min(100, (load.memP95GiB / mem) * 100) } };
  });
  const file = join(temp('steward-bench-estate-'), 'estate.json');
  writeFileSync(file, JSON.stringify({ version: 1, description: 'bench: 10,000 instances', instances }));
  return file;
}

async function estate10k(file: string): Promise<{ loadMs: number; inventoryMs: number }> {
  const dataDir = temp('steward-bench-10k-');
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    const demo = createDemoProvider({ store: createEstateStore(database.db), catalog: loadPriceCatalog(), estateFile: file, seed: 42, instances: 60 });
    let t = performance.now();
    const e = await demo.ensureEstate();
    const loadMs = Math.round(performance.now() - t);
    if (e.instances !== 10_000) throw new Error(`loaded ${e.instances} instances`);
    t = performance.now();
    let n = 0;
    for await (const _ of demo.listInstances({})) n++;
    const inventoryMs = Math.round(performance.now() - t);
    if (n < 9000) throw new Error(`inventory read ${n} instances`);
    return { loadMs, inventoryMs };
  } finally {
    await database.close();
  }
}

async function main() {
  const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
  const loadBefore = load();
  // BENCH_FIRST=0 skips the initdb run (minutes on a loaded machine).
  let first: { readyMs: number; rssMb: number } | undefined;
  let firstError: string | undefined;
  if (process.env.BENCH_FIRST !== '0') {
    try {
      first = await startToReady({ STEWARD_DATA_DIR: temp('steward-bench-first-'), STEWARD_PGLITE_TEMPLATE: 'off' });
    } catch (err) {
      firstError = (err as Error).message.slice(0, 200);
    }
  }
  const warmDir = temp('steward-bench-warm-');
  const cold = await startToReady({ STEWARD_DATA_DIR: warmDir });
  const warm = await startToReady({ STEWARD_DATA_DIR: warmDir });
  const split = await rssSplit({ STEWARD_DATA_DIR: warmDir }).catch((e: unknown) => ({ error: String((e as Error).message).slice(0, 200) }));
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let pgr: { readyMs: number; rssMb: number } | undefined;
  let pgError: string | undefined;
  try {
    const scratch = await scratchPostgres(pgUrl);
    try {
      await startToReady({ DATABASE_URL: scratch.url, STEWARD_CONSOLE: 'on' }); // migrates
      pgr = await startToReady({ DATABASE_URL: scratch.url, STEWARD_CONSOLE: 'on' });
    } finally {
      await scratch.drop();
    }
  } catch (err) {
    pgError = (err as Error).message.slice(0, 200);
  }
  const cliHelp = Math.min(await cli(['help'], { STEWARD_DATA_DIR: warmDir }), await cli(['help'], { STEWARD_DATA_DIR: warmDir }));
  const cliInventory = await cli(['inventory', '--json'], { STEWARD_DATA_DIR: warmDir });
  const file = estateFile10k();
  const e10k = await estate10k(file);
  const result = {
    pglite_first_ready_ms: first?.readyMs ?? null,
    ...(firstError ? { pglite_first_error: firstError } : {}),
    pglite_cold_ready_ms: cold.readyMs,
    pglite_warm_ready_ms: warm.readyMs,
    pglite_rss_mb: warm.rssMb,
    pglite_cold_rss_mb: cold.rssMb,
    // process.memoryUsage() of a warm PGlite server after 2 s idle: PGlite's wasm heap is in array_buffers/external.
    pglite_rss_split_mb: split,
    pg_ready_ms: pgr?.readyMs ?? null,
    pg_rss_mb: pgr?.rssMb ?? null,
    ...(pgError ? { pg_error: pgError } : {}),
    cli_help_ms: cliHelp,
    cli_inventory_ms: cliInventory,
    estate10k_load_ms: e10k.loadMs,
    estate10k_inventory_ms: e10k.inventoryMs,
    targets: { pglite_cold_ready_ms: 5000, pg_ready_ms: 3000, pg_rss_mb: 250, cli_help_ms: 500, estate10k_load_ms: 5000 },
    load_before: loadBefore,
    load_after: load(),
  };
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(JSON.stringify(result));
}

await main();
