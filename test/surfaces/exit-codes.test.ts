/**
 * The CLI's exit codes are defined once (EXIT_CODES in src/core/dispatch.ts), the README's table says the same,
 * and every command is run against the table: each registered command has at least one case below, through the
 * real command layer on the demo estate (the CLI prints `exitCodeOf(outcome)`, see src/surfaces/cli/cli.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, exitCodeOf } from '../../src/core/dispatch.js';
import { toPlainText } from '../../src/core/render-text.js';
import { loadConfig } from '../../src/config.js';
import { refOf } from '../../src/domain/model/instance.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { actor, fixedClock } from '../support/approvals.js';
import { ROOT } from '../support/spawn.js';
import { runCliCommand } from '../../src/surfaces/cli/cli.js';

const POLICY = `
version: 1
defaultRole: viewer
expiry: 1h
roles:
  admin: [cli:root]
  approver: [cli:bob, cli:carol]
  operator: [cli:alice]
`;

describe('exit codes: one table, in the README too', () => {
  it('the README lists exactly the codes of EXIT_CODES, with 78 for a bad environment variable', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /\n#+ Exit codes\n([\s\S]*?)\n#/.exec(readme)?.[1] ?? '';
    const rows = [...section.matchAll(/^\| *(\d+) *\| *`([a-z-]+)` *\|/gm)].map((m) => [m[2], Number(m[1])]);
    const expected = Object.entries(EXIT_CODES).map(([outcome, { code }]) => [outcome, code]);
    expect(rows).toEqual(expect.arrayContaining(expected));
    expect(rows).toHaveLength(expected.length);
    expect(section).toMatch(/^\| *78 *\|/m);
  });

  it('gives every outcome a distinct code, except the two kinds of failure', () => {
    const codes = Object.entries(EXIT_CODES).filter(([o]) => o !== 'internal').map(([, v]) => v.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(exitCodeOf('internal')).toBe(exitCodeOf('failed'));
  });
});

describe('exit codes of every command', () => {
  let app: App;
  const clock = fixedClock(new Date());
  const [alice, bob, carol, dave, root] = ['cli:alice', 'cli:bob', 'cli:carol', 'cli:dave', 'cli:root'].map((id) => actor(id));
  const covered = new Set<string>();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-exit-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), STEWARD_DEMO_INSTANCES: '40', LOG_LEVEL: 'silent' }), { log: silentLogger(), clock });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  /** Runs a command line as the CLI would (already split words) and returns its exit code and text. */
  async function code(who: typeof alice, argv: string[]) {
    const r = await app.dispatcher.run({ text: argv.join(' '), argv, actor: who!, surface: 'cli' });
    if (r.command) covered.add(r.command);
    return { exit: exitCodeOf(r.outcome), text: toPlainText(r.reply), data: r.data as Record<string, unknown> | undefined };
  }
  const running = async () => {
    const inv = (await code(alice, ['inventory', '--state', 'running', '--limit', '500', '--json'])).data as { instances: { id: string; name: string; type: string; provider: string; region: string }[] };
    return inv.instances;
  };
  const stopped = async () => ((await code(alice, ['inventory', '--state', 'stopped', '--limit', '500', '--json'])).data as { instances: { id: string }[] }).instances;
  const propose = async (id: string) => ((await code(alice, ['stop', id])).data as { id: string }).id;

  it('0 when a read command answers', async () => {
    for (const argv of [['help'], ['help', 'stop'], ['inventory'], ['cost', '--by', 'region'], ['security'], ['approvals'], ['digest', 'list'], ['health'], ['watch', 'list'], ['optimize'], ['failover', 'aws']]) {
      expect({ argv, exit: (await code(alice, argv)).exit }).toEqual({ argv, exit: 0 });
    }
    expect((await code(root, ['demo'])).exit).toBe(0);
    expect((await code(alice, ['demo'])).exit).toBe(3);
  });

  it('0 for `proposal <id> --steps`, 2 for a value given to it', async () => {
    const [, , , , , , g] = await running();
    const id = await propose(g!.id);
    const r = await code(alice, ['proposal', id, '--steps']);
    expect(r.exit).toBe(0);
    expect(r.text).toContain(`Proposal ${id}: all 1 step`);
    expect((await code(alice, ['proposal', id, '--steps=lots'])).exit).toBe(2);
  });

  it('2 for what cannot be run as typed', async () => {
    for (const argv of [['inventory', '--limit', 'lots'], ['frobnicate'], ['proposal'], ['stop'], ['resize', 'x'], ['help', 'nosuch'], ['stop', 'x'.repeat(5000)]]) {
      expect({ argv: argv.map((a) => a.slice(0, 20)), exit: (await code(alice, argv)).exit }).toEqual({ argv: argv.map((a) => a.slice(0, 20)), exit: 2 });
    }
  });

  it('4 for a proposal or an instance that does not exist, whichever command names it', async () => {
    for (const argv of [['proposal', 'zzzzzz'], ['proposal', 'zzzzzz', '--steps'], ['approve', 'zzzzzz'], ['reject', 'zzzzzz'], ['cancel', 'zzzzzz'], ['stop', 'no-such-vm'], ['start', 'no-such-vm'], ['resize', 'no-such-vm', 't3.small']]) {
      const r = await code(bob, argv);
      expect({ argv, exit: r.exit }).toEqual({ argv, exit: 4 });
    }
  });

  it('5 when nothing was changed: already in that state, a second decision, a decided or an expired proposal', async () => {
    const [a, b, c] = await running();
    const [s] = await stopped();
    expect((await code(alice, ['start', a!.id])).exit).toBe(5);
    expect((await code(alice, ['stop', s!.id])).exit).toBe(5);
    expect((await code(alice, ['resize', a!.id, a!.type])).exit).toBe(5);

    const first = await propose(b!.id);
    expect((await code(bob, ['approve', first])).exit).toBe(0);
    await app.approvals.idle();
    expect((await code(bob, ['approve', first])).exit).toBe(5);
    expect((await code(carol, ['approve', first])).exit).toBe(5);
    expect((await code(alice, ['cancel', first])).exit).toBe(5);

    const late = await propose(c!.id);
    clock.advance(61 * 60_000);
    const expired = await code(bob, ['approve', late]);
    expect(expired.text).toMatch(/expired/);
    expect(expired.exit).toBe(5);
  });

  it('3 when not allowed: approving your own proposal, a viewer cancelling someone else\'s', async () => {
    const [, , , d] = await running();
    const id = await propose(d!.id);
    expect((await code(alice, ['approve', id])).exit).toBe(3);
    expect((await code(dave, ['cancel', id])).exit).toBe(3);
    expect((await code(alice, ['cancel', id])).exit).toBe(0);
  });

  it('1 when `approve --wait` sees the plan fail on drift, 0 when it succeeds', async () => {
    const list = await running();
    const [e, f] = list.slice(-2);
    const drifted = await propose(e!.id);
    const inst = (await app.services.inventory.collect({}, { refresh: true })).instances.find((i) => i.id === e!.id)!;
    await app.services.inventory.providerFor(inst.provider).apply({ id: 'x', kind: 'stop', target: refOf(inst), targetName: inst.name, expect: {}, reason: 'by hand' }, { dryRun: false });
    const waited = await code(bob, ['approve', drifted, '--wait']);
    expect(waited.text).toMatch(/drifted/);
    expect(waited.exit).toBe(1);

    const fine = await propose(f!.id);
    expect((await code(bob, ['approve', fine, '--wait'])).exit).toBe(0);
    expect((await code(carol, ['reject', fine])).exit).toBe(5);
  });

  /** The CLI's own runner (what bin/steward.js calls after boot), in this process: its output and exit code. */
  async function cli(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const exit = await runCliCommand(app.dispatcher, argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { exit, stdout, stderr };
  }

  it('`steward ""` shows help (exit 0), not a suggestion', async () => {
    const r = await cli(['']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain('Steward commands');
    expect(r.stderr).toBe('');
  });

  it('`steward stop <5,000 characters>` exits 2 with the length limit and does not echo the name', async () => {
    const r = await cli(['stop', 'x'.repeat(5000)]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toContain('That command is 5005 characters long; the limit is 4000.');
    expect(r.stderr).not.toContain('x'.repeat(41));
    const long = await cli(['stop', 'x'.repeat(300)]);
    expect(long.exit).toBe(4);
    expect(long.stderr).toContain(`No instance is named or has the id \`${'x'.repeat(40)}…\``);
    expect(long.stderr).not.toContain('x'.repeat(41));
  });

  it('covers every registered command', async () => {
    const all = ((await code(alice, ['help', '--json'])).data as { commands: { name: string }[] }).commands.map((c) => c.name);
    expect([...covered].sort()).toEqual(all.sort());
  });
});
