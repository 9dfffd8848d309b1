/**
 * The Dockerfile, read as Docker would (instructions, stages), and the two commands it runs executed here with
 * the runtime stage's environment: its CMD starts Steward, which applies every migration before serving (on
 * PostgreSQL when TEST_DATABASE_URL is set, else on the embedded database), and its HEALTHCHECK command exits 0
 * against it. Docker itself cannot run in CI; this keeps what it would run correct.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/lib/paths.js';
import { openScratchPostgres } from '../support/db.js';
import { CHILD_TEST_TIMEOUT_MS, childEnv, runNode, startServerProcess, tempDataDir } from '../support/spawn.js';

interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (m) out.push({ op: (m[1] as string).toUpperCase(), args: (m[2] as string).trim() });
  }
  return out;
}

/** ENV k=v k2=v2 (the form this Dockerfile uses). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.filter((s) => s.op === 'ENV')) for (const m of i.args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
  return env;
}

const instructions = parseDockerfile(readFileSync(fromRoot('Dockerfile'), 'utf8'));
const stageStarts = instructions.flatMap((i, n) => (i.op === 'FROM' ? [n] : []));
const stages = stageStarts.map((start, k) => instructions.slice(start, stageStarts[k + 1] ?? instructions.length));
const runtime = stages.at(-1) as Instruction[];
const last = (op: string) => runtime.filter((i) => i.op === op).at(-1);
const cmd = JSON.parse(last('CMD')?.args ?? 'null') as string[];
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('the Dockerfile, read', () => {
  it('is multi-stage: builds in one stage, runs from a slim base in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]?.[0]?.args).toMatch(/ AS build$/i);
    expect(runtime[0]?.args).toMatch(/-slim\b/);
    expect(runtime.some((i) => i.op === 'COPY' && i.args.startsWith('--from=build '))).toBe(true);
  });

  it('installs production dependencies only in the runtime stage', () => {
    const installs = runtime.filter((i) => i.op === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i.args).toMatch(/--omit=dev/);
  });

  it('runs as the non-root node user (uid 1000 in the official image) from before its CMD', () => {
    const userAt = runtime.findIndex((i) => i.op === 'USER');
    expect(runtime[userAt]?.args).toMatch(/^(node|1000)(:.*)?$/);
    expect(userAt).toBeLessThan(runtime.findIndex((i) => i.op === 'CMD'));
  });

  it('checks its health on /healthz and the charts font is a production dependency', () => {
    expect(last('HEALTHCHECK')?.args).toMatch(/\/healthz/);
    expect(pkg.dependencies['dejavu-fonts-ttf']).toBeDefined();
    expect(pkg.devDependencies['dejavu-fonts-ttf']).toBeUndefined();
    const require = createRequire(fromRoot('package.json'));
    expect(existsSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'))).toBe(true);
  });

  it('starts with node on a file the build produces, with the console off', () => {
    expect(cmd[0]).toBe('node');
    expect(cmd[1]).toBe('dist/src/main.js');
    expect(existsSync(fromRoot(cmd[1] as string))).toBe(true);
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', STEWARD_CONSOLE: 'off' });
  });

  it('copies what the running code reads from disk', () => {
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    for (const needed of ['migrations ./migrations', 'src/pricing/data ./src/pricing/data', '--from=build /app/dist ./dist', 'package.json package-lock.json ./']) expect(copies).toContain(needed);
  });
});

describe('the commands the image runs', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  const url = process.env.TEST_DATABASE_URL;
  let scratch: Awaited<ReturnType<typeof openScratchPostgres>> | undefined;
  afterAll(async () => {
    await scratch?.dispose();
  });

  it(`CMD migrates ${url ? 'PostgreSQL' : 'the embedded database'} at start and serves; the HEALTHCHECK command passes; SIGTERM exits 0`, async () => {
    const env: Record<string, string> = { ...envOf(runtime), PORT: '0', STEWARD_DEMO_INSTANCES: '10', STEWARD_SCHEDULER: 'false' };
    let migrationsTable: pg.Client | undefined;
    if (url) {
      // A database with nothing in it: the image's start must create the whole schema.
      scratch = await openScratchPostgres(url, 1);
      const admin = new pg.Client({ connectionString: scratch.url });
      await admin.connect();
      await admin.query('drop schema if exists drizzle cascade; drop schema public cascade; create schema public');
      migrationsTable = admin;
      env.DATABASE_URL = scratch.url;
    } else {
      env.STEWARD_DATA_DIR = tempDataDir('steward-docker-cmd-');
    }
    const server = await startServerProcess(env, { args: cmd.slice(1) });
    try {
      const journal = JSON.parse(readFileSync(fromRoot('migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
      if (migrationsTable) {
        const applied = await migrationsTable.query('select count(*)::int as n from drizzle.__drizzle_migrations');
        expect(applied.rows[0].n).toBe(journal.entries.length);
        await migrationsTable.end();
      }
      expect(server.output()).toMatch(/steward ready/);
      const port = new URL(server.url).port;
      // The HEALTHCHECK's CMD, exactly as written (node -e "…"), with the container's PORT.
      const hc = /CMD\s+node\s+-e\s+"([\s\S]*)"$/.exec(last('HEALTHCHECK')?.args ?? '');
      expect(hc).not.toBeNull();
      const check = await runNode(['-e', hc?.[1] as string], { env: childEnv({ PORT: port }) });
      expect(check.code).toBe(0);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    // The same health check fails once nothing answers: it can tell.
    const port = new URL(server.url).port;
    const hc = /CMD\s+node\s+-e\s+"([\s\S]*)"$/.exec(last('HEALTHCHECK')?.args ?? '');
    expect((await runNode(['-e', hc?.[1] as string], { env: childEnv({ PORT: port }) })).code).toBe(1);
  });
});
