import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/core/render-text.js';
import type { App } from '../../src/main.js';
import { alice, demoApp } from '../support/app.js';

let app: App;
beforeAll(async () => {
  app = await demoApp({ STEWARD_DEMO_INSTANCES: '80' });
});
afterAll(() => app.close());
const run = (text: string) => app.dispatcher.run({ text, actor: alice, surface: 'console' });

interface InvData {
  total: number;
  monthlyUsd: number;
  instances: { provider: string; region: string; id: string; name: string; type: string; state: string; hourlyUsd: number | null; priced: boolean; tags: Record<string, string> }[];
  byProviderRegion: { key: string; instances: number; monthlyUsd: number }[];
}

describe('inventory', () => {
  it('lists instances of all three clouds with counts and run-rate by provider and region', async () => {
    const r = await run('inventory');
    expect(r.outcome).toBe('ok');
    const data = r.data as InvData;
    expect(data.total).toBe(80);
    expect(new Set(data.instances.map((i) => i.provider))).toEqual(new Set(['aws', 'azure', 'gcp']));
    const sum = data.byProviderRegion.reduce((s, g) => s + g.monthlyUsd, 0);
    expect(sum).toBeCloseTo(data.monthlyUsd, 6);
    const text = toPlainText(r.reply);
    expect(text).toMatch(/Instances\s+80 \(\d+ running\)/);
    expect(text).toContain('price snapshots: aws 2022-05-22, azure 2026-06-18, gcp 2020-06-30');
  });

  it('truncates long lists with a note saying how to narrow them', async () => {
    const r = await run('inventory --limit 10');
    const table = r.reply.blocks.find((b) => b.type === 'table' && b.columns[0]?.label === 'Name');
    expect(table && table.type === 'table' && table.rows.length).toBe(10);
    expect(toPlainText(r.reply)).toContain('Showing 10 of 80. Narrow with --provider, --region, --state or --tag key=value');
    expect((r.data as InvData).instances).toHaveLength(80);
  });

  it('filters by provider, region, state and tag', async () => {
    const all = (await run('inventory')).data as InvData;
    const sample = all.instances.find((i) => i.provider === 'azure' && i.state === 'running')!;
    const r = await run(`inventory --provider azure --region ${sample.region} --state running --tag app=${sample.tags.app}`);
    const data = r.data as InvData;
    const expected = all.instances.filter((i) => i.provider === 'azure' && i.region === sample.region && i.state === 'running' && i.tags.app === sample.tags.app);
    expect(data.instances.map((i) => i.id).sort()).toEqual(expected.map((i) => i.id).sort());
    expect(data.instances.length).toBeGreaterThan(0);
  });

  it('shows the unpriced instance as unpriced, never as $0', async () => {
    const r = await run('inventory --limit 500');
    const data = r.data as InvData;
    const unpriced = data.instances.filter((i) => !i.priced);
    expect(unpriced).toHaveLength(1);
    expect(unpriced[0]!.hourlyUsd).toBeNull();
    expect(toPlainText(r.reply)).toMatch(/not in the price catalog/);
    expect(toPlainText(r.reply)).toMatch(new RegExp(`${unpriced[0]!.name}.*unpriced`));
  });

  it('says so when nothing matches', async () => {
    const r = await run('inventory --tag app=nothing-like-this');
    expect(r.outcome).toBe('ok');
    expect(toPlainText(r.reply)).toContain('No instances match');
  });

  it('answers a bad filter with the usage line', async () => {
    const r = await run('inventory --state sleeping');
    expect(r.outcome).toBe('usage');
    expect(toPlainText(r.reply)).toContain('`--state` must be one of pending, running, stopping, stopped, terminated, unknown');
  });
});

describe('cost', () => {
  it('groups the run-rate by provider with shares that add up', async () => {
    const r = await run('cost');
    const data = r.data as { monthlyUsd: number; groups: { key: string; monthlyUsd: number }[]; top: { monthlyUsd: number }[] };
    expect(data.groups.map((g) => g.key).sort()).toEqual(['aws', 'azure', 'gcp']);
    expect(data.groups.reduce((s, g) => s + g.monthlyUsd, 0)).toBeCloseTo(data.monthlyUsd, 6);
    expect(data.top).toHaveLength(5);
    expect(data.top.map((t) => t.monthlyUsd)).toEqual([...data.top.map((t) => t.monthlyUsd)].sort((a, b) => b - a));
    expect(r.reply.blocks.some((b) => b.type === 'chart')).toBe(true);
  });

  it('groups by region and by a tag key', async () => {
    const byRegion = (await run('cost --by region')).data as { groups: { key: string }[] };
    expect(byRegion.groups.every((g) => /^(aws|azure|gcp) \S+$/.test(g.key))).toBe(true);
    const byTeam = (await run('cost --by tag:team --top 3')).data as { groupedBy: string; groups: { key: string }[]; top: unknown[] };
    expect(byTeam.groupedBy).toBe('tag team');
    expect(byTeam.groups.map((g) => g.key)).toContain('platform');
    expect(byTeam.top).toHaveLength(3);
  });

  it('matches inventory’s total run-rate', async () => {
    const inv = (await run('inventory')).data as InvData;
    const cost = (await run('cost')).data as { monthlyUsd: number };
    expect(cost.monthlyUsd).toBeCloseTo(inv.monthlyUsd, 6);
  });

  it('refuses an unknown grouping', async () => {
    const r = await run('cost --by colour');
    expect(r.outcome).toBe('usage');
    expect(toPlainText(r.reply)).toContain('Cannot group by `colour`');
  });
});

describe('help', () => {
  it('lists every command and explains one with its options and examples', async () => {
    const list = toPlainText((await run('help')).reply);
    for (const name of ['inventory', 'cost', 'help']) expect(list).toContain(name);
    const one = toPlainText((await run('help cost')).reply);
    expect(one).toContain('Usage');
    expect(one).toContain('--by');
    expect(one).toContain('Examples');
  });

  it('suggests the closest command for a misspelt help topic', async () => {
    const r = await run('help cots');
    expect(r.outcome).toBe('usage');
    expect(toPlainText(r.reply)).toContain('Did you mean `cost`?');
  });
});

describe('demo', () => {
  it('regenerates the estate from a seed and size', async () => {
    const r = await run('demo reset --seed 9 --instances 12');
    expect(r.data).toMatchObject({ instances: 12, seed: 9 });
    expect(((await run('inventory')).data as InvData).total).toBe(12);
  });
});
