/**
 * Block Kit renderer: golden files for typical replies, and Slack's limits checked on every output, including
 * the edge cases (huge tables, 60 buttons, 3,001-character text) and random replies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actions, chart, context, divider, fields, reply, table, text, type Block, type Button, type Reply } from '../../../src/core/reply.js';
import { renderBlockKit, SLACK_LIMITS, stripActionSuffix, toMrkdwn, type SlackMessage } from '../../../src/surfaces/slack/render.js';

type AnyBlock = Record<string, unknown> & { type: string };
type TextObj = { type: string; text: string };

/** Every limit this renderer promises, asserted on one message. */
function expectWithinLimits(msg: SlackMessage): void {
  const blocks = msg.blocks as unknown as AnyBlock[];
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(msg.text.length).toBeGreaterThan(0);
  expect(msg.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  const actionIds: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'header':
        expect((b.text as TextObj).text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
        break;
      case 'section': {
        const t = b.text as TextObj | undefined;
        const fs = b.fields as TextObj[] | undefined;
        expect(Boolean(t) || Boolean(fs?.length)).toBe(true);
        if (t) {
          expect(t.text.length).toBeGreaterThan(0);
          expect(t.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        }
        if (fs) {
          expect(fs.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
          for (const f of fs) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
        }
        break;
      }
      case 'context': {
        const els = b.elements as TextObj[];
        expect(els.length).toBeGreaterThan(0);
        expect(els.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
        for (const e of els) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
        break;
      }
      case 'actions': {
        const els = b.elements as { action_id: string; value: string; text: TextObj; confirm?: Record<string, TextObj> }[];
        expect(els.length).toBeGreaterThan(0);
        expect(els.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
        for (const e of els) {
          actionIds.push(e.action_id);
          expect(e.action_id.length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
          expect(e.value.length).toBeGreaterThan(0);
          expect(e.value.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
          expect(e.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
          if (e.confirm) {
            expect(e.confirm.title?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.confirmTitle);
            expect(e.confirm.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.confirmText);
            expect(e.confirm.confirm?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.confirmButton);
            expect(e.confirm.deny?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.confirmButton);
          }
        }
        break;
      }
      case 'divider':
        break;
      default:
        throw new Error(`unexpected block type ${b.type}`);
    }
  }
  expect(new Set(actionIds).size).toBe(actionIds.length);
}

const button = (i: number, over: Partial<Button> = {}): Button => ({ actionId: 'proposal.approve', label: `Approve ${i}`, value: `p-${i}`, ...over });

const planCard = reply({
  title: 'Proposal P-42 · reallocate 3 instances (saves $412.50/month)',
  visibility: 'channel',
  blocks: [
    fields({ 'Monthly before': '$1,204.80', 'Monthly after': '$792.30', Saves: '$412.50', Steps: '3', Risk: '**high**', Expires: '2025-06-02 12:00 UTC' }),
    table(
      ['#', 'Step', 'Target', { label: 'Monthly', align: 'right' }, 'Why'],
      [
        ['1', 'resize', 'web-1 (aws eu-west-1)', '−$120.00', 'p95 CPU 7% over 14 days'],
        ['2', 'stop', 'batch-7 (azure westeurope)', '−$250.50', 'idle since 2025-05-01'],
        ['3', 'create', 'api-2 (gcp europe-west1)', '+$42.00', 'failover capacity & <headroom>'],
      ],
    ),
    context('Requested by Dana · needs 2 approvals from `sre` · [runbook](https://runbooks.example.com/p42)'),
    actions(
      { actionId: 'proposal.approve', label: 'Approve', value: 'P-42', style: 'primary', confirm: { title: 'Approve P-42?', text: 'Stops batch-7 and resizes web-1 in production.', confirm: 'Approve', deny: 'Cancel' } },
      { actionId: 'proposal.reject', label: 'Reject', value: 'P-42', style: 'danger' },
    ),
  ],
});

const digest = reply({
  title: 'Weekly cost digest',
  visibility: 'channel',
  blocks: [
    text('Spend is **up 4%** week over week.\n- aws: $3,100\n- azure: $1,900\n- gcp: $640'),
    chart('Monthly run-rate by provider', [
      { label: 'aws', value: 3100, display: '$3,100' },
      { label: 'azure', value: 1900, display: '$1,900' },
      { label: 'gcp', value: 640, display: '$640' },
      { label: 'demo', value: 0, display: '$0' },
    ]),
    divider(),
    context('Prices: on-demand list, snapshot 2025-05-01.'),
  ],
});

const usageError = reply({ blocks: [text('Unknown command `optimise`. Did you mean `optimize`?'), text('Usage: `optimize [--provider aws|azure|gcp]`'), context('Type `help` to see every command.')] });

const rows = (n: number) => Array.from({ length: n }, (_, i) => [`vm-${String(i).padStart(4, '0')}`, 'aws', 'eu-west-1', 'm5.large', `$${(70 + (i % 13)).toFixed(2)}`]);
const hugeTable = reply({
  title: 'Inventory',
  blocks: [
    fields({ Instances: '5000' }),
    table(['Name', 'Provider', 'Region', 'Type', { label: 'Monthly', align: 'right' }], rows(5000), 'Showing 5000 of 5000.'),
    actions(button(1, { actionId: 'inventory.refresh', label: 'Refresh', value: 'all' })),
  ],
});

describe('golden replies', () => {
  const cases: [string, Reply][] = [
    ['plan-card', planCard],
    ['digest', digest],
    ['usage-error', usageError],
    ['long-table', reply({ blocks: [table(['Name', 'Provider', 'Region', 'Type', { label: 'Monthly', align: 'right' }], rows(150), 'Narrow with --region.')] })],
    ['sixty-buttons', reply({ blocks: [text('Pick one'), actions(...Array.from({ length: 60 }, (_, i) => button(i)))] })],
    ['long-text', reply({ blocks: [text('x'.repeat(2990) + '\n' + 'y'.repeat(10))] })],
  ];
  for (const [name, r] of cases) {
    it(`${name} matches its golden file and Slack's limits`, async () => {
      const msg = renderBlockKit(r);
      expectWithinLimits(msg);
      await expect(JSON.stringify(msg, null, 2) + '\n').toMatchFileSnapshot(`./__golden__/${name}.json`);
    });
  }
});

describe('limits', () => {
  it('paginates a huge table into ≤ 3,000-character pages, truncates it with a note, and keeps the buttons', () => {
    const msg = renderBlockKit(hugeTable);
    expectWithinLimits(msg);
    const blocks = msg.blocks as unknown as AnyBlock[];
    expect(blocks).toHaveLength(SLACK_LIMITS.blocks);
    const pages = blocks.filter((b) => b.type === 'section' && (b.text as TextObj | undefined)?.text.startsWith('```'));
    expect(pages.length).toBeGreaterThan(40);
    // Every page repeats the header row.
    for (const p of pages) expect((p.text as TextObj).text).toMatch(/^```Name\s+Provider/);
    // Cells can never close the fence early.
    for (const p of pages) expect((p.text as TextObj).text.match(/```/g)).toHaveLength(2);
    const shown = pages.reduce((n, p) => n + (p.text as TextObj).text.split('\n').length - 2, 0);
    const note = blocks.find((b) => b.type === 'context' && JSON.stringify(b).includes('rows'));
    expect(JSON.stringify(note)).toContain(`Showing ${shown} of 5000 rows`);
    expect(JSON.stringify(note)).toContain('Showing 5000 of 5000.');
    expect(blocks.at(-1)?.type).toBe('actions');
  });

  it('splits 60 buttons into actions blocks of ≤ 25 with unique action ids that strip back to the registered id', () => {
    const msg = renderBlockKit(reply({ blocks: [actions(...Array.from({ length: 60 }, (_, i) => button(i)))] }));
    expectWithinLimits(msg);
    const rowsOf = (msg.blocks as unknown as AnyBlock[]).filter((b) => b.type === 'actions').map((b) => (b.elements as unknown[]).length);
    expect(rowsOf).toEqual([25, 25, 10]);
    const ids = (msg.blocks as unknown as AnyBlock[]).flatMap((b) => (b.type === 'actions' ? (b.elements as { action_id: string }[]).map((e) => e.action_id) : []));
    expect(ids.slice(0, 3)).toEqual(['proposal.approve', 'proposal.approve#2', 'proposal.approve#3']);
    expect(new Set(ids.map(stripActionSuffix))).toEqual(new Set(['proposal.approve']));
  });

  it('splits a 3,001-character text into sections of ≤ 3,000', () => {
    const msg = renderBlockKit(reply({ blocks: [text('a'.repeat(3001))] }));
    expectWithinLimits(msg);
    const texts = (msg.blocks as unknown as AnyBlock[]).map((b) => (b.text as TextObj).text);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe('a'.repeat(3001));
  });

  it('splits a long text at line breaks and never cuts an escape sequence in half', () => {
    const line = 'cost & usage <of> the week, '.repeat(8);
    const msg = renderBlockKit(reply({ blocks: [text(Array.from({ length: 40 }, () => line).join('\n'))] }));
    expectWithinLimits(msg);
    for (const b of msg.blocks as unknown as AnyBlock[]) expect((b.text as TextObj).text).not.toMatch(/&(a|am|l|g)?$|&amp(?!;)/);
  });

  it('keeps cells from closing a table fence or pinging anyone', () => {
    const msg = renderBlockKit(reply({ blocks: [table(['name', 'owner'], [['```evil```', '<!channel> & **x**']])] }));
    expectWithinLimits(msg);
    const page = ((msg.blocks[0] as unknown as AnyBlock).text as TextObj).text;
    expect(page.match(/```/g)).toHaveLength(2);
    expect(page).toContain("'''evil'''");
    expect(page).toContain('&lt;!channel&gt; &amp; x');
  });

  it('puts at most 10 fields in a section', () => {
    const many = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`k${i}`, `v${i}`]));
    const msg = renderBlockKit(reply({ blocks: [fields(many)] }));
    expectWithinLimits(msg);
    expect((msg.blocks as unknown as AnyBlock[]).map((b) => (b.fields as unknown[]).length)).toEqual([10, 10, 3]);
  });

  it('clips the header to 150 characters and button labels to 75', () => {
    const msg = renderBlockKit(reply({ title: 'T'.repeat(400), blocks: [actions(button(1, { label: 'L'.repeat(200) }))] }));
    expectWithinLimits(msg);
    const header = (msg.blocks[0] as unknown as AnyBlock).text as TextObj;
    expect(header.text).toHaveLength(150);
    expect(header.text.endsWith('…')).toBe(true);
  });

  it('drops a button whose value Slack would refuse, with a note, instead of failing the message', () => {
    const msg = renderBlockKit(reply({ blocks: [actions(button(1), button(2, { value: 'v'.repeat(2001) }))] }));
    expectWithinLimits(msg);
    expect(JSON.stringify(msg.blocks)).toContain('1 button could not be shown in Slack.');
  });

  it('keeps the buttons when there are more than 50 blocks of text, and says what was left out', () => {
    const blocks: Block[] = [...Array.from({ length: 70 }, (_, i) => text(`paragraph ${i}`)), actions(button(1))];
    const msg = renderBlockKit(reply({ title: 'Long', blocks }), { footer: 'asked by <@U1>' });
    expectWithinLimits(msg);
    const types = (msg.blocks as unknown as AnyBlock[]).map((b) => b.type);
    expect(types[0]).toBe('header');
    expect(types.at(-1)).toBe('context'); // the footer
    expect(types.at(-2)).toBe('context'); // the note
    expect(types.at(-3)).toBe('actions');
    expect(JSON.stringify(msg.blocks.at(-2))).toMatch(/\d+ more blocks did not fit/);
  });

  it('never gives an empty message', () => {
    const msg = renderBlockKit(reply({ blocks: [] }));
    expectWithinLimits(msg);
  });

  it('holds every limit for random replies', () => {
    const str = fc.string({ maxLength: 400, unit: fc.constantFrom('a', 'b', ' ', '\n', '&', '<', '>', '*', '`', '|', 'é', '█') });
    const blockArb: fc.Arbitrary<Block> = fc.oneof(
      str.map((t) => text(t)),
      fc.string({ maxLength: 5000 }).map((t) => text(t)),
      str.map((t) => context(t)),
      fc.constant(divider()),
      fc.array(fc.record({ label: str, value: str }), { maxLength: 30 }).map((f) => fields(f)),
      fc
        .tuple(fc.array(str, { minLength: 1, maxLength: 8 }), fc.nat({ max: 600 }))
        .map(([cols, n]) => table(cols, Array.from({ length: n }, (_, i) => cols.map((c, j) => `${c.slice(0, 20)}${i * j}`)))),
      fc.array(fc.record({ label: str, value: fc.integer({ min: -5, max: 10_000 }), display: str }), { maxLength: 80 }).map((bars) => chart('chart', bars)),
      fc
        .array(fc.record({ actionId: fc.constantFrom('proposal.approve', 'proposal.reject', 'plan.run'), label: str, value: fc.string({ minLength: 1, maxLength: 40 }) }), { minLength: 1, maxLength: 40 })
        .map((bs) => actions(...bs)),
    );
    fc.assert(
      fc.property(fc.array(blockArb, { maxLength: 40 }), fc.option(str, { nil: undefined }), (blocks, title) => {
        expectWithinLimits(renderBlockKit(reply({ ...(title ? { title } : {}), blocks })));
      }),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });
});

describe('mrkdwn', () => {
  it('converts the markdown subset and escapes what Slack would interpret', () => {
    expect(toMrkdwn('**bold** and `a**b**` & [docs](https://x.example/a?b=1&c=2) <!here>')).toBe(
      '*bold* and `a**b**` &amp; <https://x.example/a?b=1&amp;c=2|docs> &lt;!here&gt;',
    );
    expect(toMrkdwn('- one\n- two')).toBe('• one\n• two');
    expect(toMrkdwn('[a|b](https://x.example)')).toBe('<https://x.example|a¦b>');
    expect(toMrkdwn('[evil](javascript:alert(1))')).toBe('[evil](javascript:alert(1))');
  });
});
