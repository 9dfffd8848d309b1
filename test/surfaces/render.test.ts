import { describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/core/render-text.js';
import { actions, chart, context, divider, fields, reply, table, text } from '../../src/core/reply.js';
import { escapeHtml, toHtml } from '../../src/surfaces/console/render.js';

const sample = reply({
  title: 'Cost',
  blocks: [
    fields({ 'Monthly run-rate': '$1,234/mo', Instances: '12 (9 billing)' }),
    text('Top **spender** is `web-1`; see [docs](https://example.com/x).\n- one\n- two'),
    table(['Name', { label: 'Monthly', align: 'right' }], [['web-1', '$900/mo'], ['db-1', '$34/mo']], 'Showing 2 of 12.'),
    chart('By provider', [{ label: 'aws', value: 900, display: '$900/mo' }, { label: 'gcp', value: 0, display: '$0/mo' }]),
    divider(),
    context('Prices: snapshots aws 2022-05-22.'),
    actions({ actionId: 'proposal.approve', label: 'Approve', value: 'p-1', style: 'primary', confirm: { title: 'Sure?', text: 'It stops web-1.', confirm: 'Stop', deny: 'Cancel' } }),
  ],
});

describe('plain-text renderer (CLI and fallback text)', () => {
  it('renders every block kind readably', () => {
    expect(toPlainText(sample)).toBe(
      [
        'Cost',
        '',
        'Monthly run-rate  $1,234/mo\nInstances         12 (9 billing)',
        '',
        'Top spender is `web-1`; see docs (https://example.com/x).\n- one\n- two',
        '',
        'Name   Monthly\n-----  -------\nweb-1  $900/mo\ndb-1    $34/mo\n\nShowing 2 of 12.',
        '',
        'By provider\naws  ██████████████████████████████ $900/mo\ngcp   $0/mo',
        '',
        '----------------------------------------',
        '',
        'Prices: snapshots aws 2022-05-22.',
      ].join('\n'),
    );
  });

  it('has no "====" underline and no button ids in the text (the CLI and every notification fallback)', () => {
    const t = toPlainText(sample);
    expect(t).not.toMatch(/^=+$/m);
    expect(t).not.toContain('proposal.approve');
    expect(t).not.toContain('[Approve]');
  });
});

describe('console HTML renderer', () => {
  it('renders tables with right-aligned numbers, fields, charts and buttons with confirm text', () => {
    const html = toHtml(sample);
    expect(html).toContain('<h3 class="r-title">Cost</h3>');
    expect(html).toContain('<th class="num">Monthly</th>');
    expect(html).toContain('<td class="num">$900/mo</td>');
    expect(html).toContain('<strong>spender</strong>');
    expect(html).toContain('<code>web-1</code>');
    expect(html).toContain('<a href="https://example.com/x" rel="noopener noreferrer" target="_blank">docs</a>');
    expect(html).toContain('<ul><li>one</li><li>two</li></ul>');
    expect(html).toContain('data-action-id="proposal.approve" data-value="p-1" data-confirm="Sure?\n\nIt stops web-1."');
    expect(html).toContain('<span style="width:100%">');
  });

  it('escapes everything that came from users or clouds', () => {
    const html = toHtml(reply({ title: '<b>x</b>', blocks: [text('<script>alert(1)</script> [x](javascript:alert(1))'), table(['a'], [['"><img src=x>']]), actions({ actionId: 'a.b', label: '<i>', value: '"onclick="x' })] }));
    expect(html).not.toMatch(/<script|<img|<i>|<b>x/);
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&quot;onclick=&quot;x');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
