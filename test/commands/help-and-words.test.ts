/**
 * Help text and the numbers and words of replies (issue 9 items 14–16), through the real command layer on the
 * demo estate: what `help` says about options and permissions, what every surface's text shows, how money,
 * counts and times read, and that a resize to a type the catalog cannot price is refused instead of shown as $0.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import type { FlagSpec } from '../../src/core/args.js';
import { toPlainText } from '../../src/core/render-text.js';
import type { Reply } from '../../src/core/reply.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { bootstrap, type App } from '../../src/main.js';
import { escapeMrkdwn, renderBlockKit } from '../../src/surfaces/slack/render.js';
import { actor, fixedClock } from '../support/approvals.js';

const POLICY = `
version: 1
defaultRole: viewer
expiry: 1h
roles:
  admin: [console:root]
  approver: [console:bob]
  operator: [console:alice]
`;

let app: App;
const clock = fixedClock(new Date('2026-11-20T09:00:00Z'));
const alice = actor('console:alice');
const bob = actor('console:bob');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-words-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  app = await bootstrap(loadConfig({ STEWARD_DATA_DIR: 'memory://', STEWARD_POLICY_FILE: join(dir, 'policy.yaml'), LOG_LEVEL: 'silent' }), { log: silentLogger(), clock });
}, 120_000);
afterAll(async () => {
  await app?.close();
});

const run = (text: string, who = alice) => app.dispatcher.run({ text, actor: who, surface: 'console' });
const plain = async (text: string, who = alice) => toPlainText((await run(text, who)).reply);
/** Every text a Slack message shows (blocks and fallback), as one string. */
const slackText = (r: Reply) => JSON.stringify(renderBlockKit(r));
type Inv = { instances: { id: string; name: string; type: string; provider: string; region: string; state: string; hourlyUsd: number | null }[] };
const inventory = async () => ((await run('inventory --limit 500 --json')).data as Inv).instances;

describe('help', () => {
  it('says "(repeatable)" once per repeatable option, for every command', async () => {
    for (const c of commands) {
      const t = await plain(`help ${c.name}`);
      expect({ c: c.name, dup: /\(repeatable\)\s*\(repeatable\)/.test(t) }).toEqual({ c: c.name, dup: false });
      for (const [name, f] of Object.entries(c.flags as Record<string, FlagSpec>)) {
        if ('multiple' in f && f.multiple) expect(t).toMatch(new RegExp(`--${name}[^\\n]*\\(repeatable\\)`));
      }
    }
  });

  it('lists every accepted value of an enum option wherever a usage line spells the values out', () => {
    for (const c of commands) {
      for (const [name, f] of Object.entries(c.flags as Record<string, FlagSpec>)) {
        if (f.kind !== 'enum') continue;
        const shown = new RegExp(`--${name} ([\\w|-]+\\|[\\w|-]+)`).exec(c.usage)?.[1];
        if (shown) expect({ c: c.name, name, values: shown.split('|') }).toEqual({ c: c.name, name, values: [...f.values] });
      }
    }
    expect(commands.find((c) => c.name === 'inventory')?.usage).toContain('--state pending|running|stopping|stopped|terminated|unknown');
  });

  it('says who may approve, reject or cancel, not "read permission"', async () => {
    for (const name of ['approve', 'reject']) {
      const t = await plain(`help ${name}`);
      expect(t).not.toMatch(/read permission/);
      expect(t).toMatch(/Needs\s+the role the proposal's risk requires \(low: an operator; medium.*approver.*never the requester/);
    }
    expect(await plain('help cancel')).toMatch(/Needs\s+the person who asked for the proposal, or an admin/);
    expect(await plain('help inventory')).toMatch(/Needs\s+anyone \(the viewer role\)/);
  });

  it('shows every command summary and option description whole in Slack (no 48-character cut)', async () => {
    const list = slackText((await run('help')).reply);
    // Slack shows `&lt;key&gt;` as <key>: what it gets is the escaped text, in the blocks and in the fallback alike.
    for (const c of commands) expect(list).toContain(escapeMrkdwn(c.summary));
    for (const c of commands) {
      const one = slackText((await run(`help ${c.name}`)).reply);
      for (const f of Object.values(c.flags as Record<string, FlagSpec>)) expect(one).toContain(escapeMrkdwn(f.description.replace(/\s*\(repeatable\)$/, '')));
    }
  });
});

describe('plain-text fallback', () => {
  it('has no "====" underline and no button internals on a proposal card', async () => {
    const [target] = (await inventory()).filter((i) => i.state === 'running');
    const card = await run(`stop ${target!.id}`);
    const fallback = renderBlockKit(card.reply).text;
    for (const t of [fallback, toPlainText(card.reply)]) {
      expect(t).not.toMatch(/^=+$/m);
      expect(t).not.toContain('(proposal.approve');
      expect(t).not.toContain('[Approve]');
    }
    await run(`cancel ${(card.data as { id: string }).id}`);
  });
});

describe('numbers and words', () => {
  it('the cost header counts billing instances as the column does', async () => {
    const data = (await run('cost --by region --json')).data as { groups: { billing: number }[] };
    const header = /Instances\s+\d+ \((\d+) billing\)/.exec(await plain('cost --by region'))?.[1];
    expect(Number(header)).toBe(data.groups.reduce((n, g) => n + g.billing, 0));
  });

  it('shows hourly prices with the same precision, whether under or over a dollar', async () => {
    const t = await plain('inventory --limit 500');
    const prices = [...t.matchAll(/\$(\d[\d,]*\.\d+)\s*$/gm)].map((m) => m[1]!);
    expect(prices.some((p) => p.startsWith('0.'))).toBe(true);
    expect(prices.some((p) => !p.startsWith('0.'))).toBe(true);
    for (const p of prices) expect(p).toMatch(/\.\d{4,6}$/);
  });

  it('a start "costs more", never "Saves -$…"', async () => {
    const stopped = (await inventory()).find((i) => i.state === 'stopped' && i.hourlyUsd !== null);
    const r = await run(`start ${stopped!.id}`);
    const t = toPlainText(r.reply);
    expect(t).not.toMatch(/Saves\s+-/);
    expect(t).toMatch(/Costs more\s+\$[\d,.]+\/mo/);
    await run(`cancel ${(r.data as { id: string }).id}`);
  });

  it('an expired proposal names the time as people read it', async () => {
    const [, target] = (await inventory()).filter((i) => i.state === 'running');
    const id = ((await run(`stop ${target!.id}`)).data as { id: string }).id;
    clock.advance(61 * 60_000);
    const t = await plain(`approve ${id}`, bob);
    expect(t).toMatch(/expired at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC before/);
    expect(t).not.toMatch(/\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/);
  });

  it('says "an aws type"', async () => {
    const aws = (await inventory()).find((i) => i.provider === 'aws' && i.state === 'running');
    expect(await plain(`resize ${aws!.id} q9.bogus`)).toContain('is not an aws type Steward knows');
  });

  it('a finished card says how it ended once, and no longer says "approve X or reject X"', async () => {
    const [, , target] = (await inventory()).filter((i) => i.state === 'running');
    const id = ((await run(`stop ${target!.id}`)).data as { id: string }).id;
    const waited = await run(`approve ${id} --wait`, bob);
    const t = toPlainText(waited.reply);
    expect(t).toMatch(/done/);
    expect(t.match(/All 1 step applied\./g)).toHaveLength(1);
    expect(t).not.toContain(`approve ${id}\` or`);
    expect(t).not.toMatch(/approve \S+ or reject/);
  });

  it('an optimize title counts the same steps as its card, and the objective is explained', async () => {
    const r = await run('optimize');
    const title = r.reply.title ?? '';
    const t = toPlainText(r.reply);
    const steps = /Steps\s+(\d+)(?: \(on (\d+) instances?\))?/.exec(t);
    expect(steps).not.toBeNull();
    const m = /by changing (\d+) instances? in (\d+) steps?/.exec(title);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(steps![1]);
    expect(m![1]).toBe(steps![2] ?? steps![1]);
    expect(t).toMatch(/objective \$[\d,]+\.\d{2}\/mo \(what it minimized: .*\), lower bound \$[\d,]+\.\d{2}\/mo/);
  });
});

describe('resize to a type the catalog cannot price', () => {
  it('is refused with the reason, and nothing is proposed (never $0 and the whole price as savings)', async () => {
    const catalog = app.services.catalog;
    const all = await inventory();
    let found: { id: string; type: string } | undefined;
    for (const i of all.filter((x) => x.state === 'running' && x.hourlyUsd !== null)) {
      const provider = i.provider as 'aws' | 'azure' | 'gcp';
      const type = [...new Set(catalog.offers({ providers: [provider] }).map((o) => o.type))].find((t) => t !== i.type && catalog.shape(provider, t) && catalog.price(provider, i.region, t).kind === 'unpriced');
      if (type) {
        found = { id: i.id, type };
        break;
      }
    }
    expect(found).toBeDefined();
    const before = ((await run('approvals --json')).data as { proposals: unknown[] }).proposals.length;
    const r = await run(`resize ${found!.id} ${found!.type}`);
    expect(r.outcome).toBe('usage');
    expect(toPlainText(r.reply)).toMatch(/has no \w+ price for it in .*nothing was proposed/);
    expect(((await run('approvals --json')).data as { proposals: unknown[] }).proposals.length).toBe(before);
  });
});
