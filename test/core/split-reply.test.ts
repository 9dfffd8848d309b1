/** splitReply: a `whole` reply cut between table rows into parts that each pass a surface's test of what fits. */
import { describe, expect, it } from 'vitest';
import { context, reply, splitReply, table, text, type Reply, type TableBlock } from '../../src/core/reply.js';

const rowsOf = (parts: Reply[]) => parts.flatMap((p) => p.blocks.flatMap((b) => (b.type === 'table' ? b.rows.map((r) => r[0]) : [])));
/** A surface that holds at most `n` table rows (and any number of other blocks) in one message. */
const atMostRows = (n: number) => (r: Reply) => r.blocks.reduce((k, b) => k + (b.type === 'table' ? b.rows.length : 0), 0) <= n;

const long = reply({
  title: 'All 25 steps',
  blocks: [text('figures'), table(['#', 'What'], Array.from({ length: 25 }, (_, i) => [`s${i + 1}`, 'resize']), 'the end'), context('footer')],
  whole: true,
});

describe('splitReply', () => {
  it('keeps a reply that fits as it is', () => {
    expect(splitReply(long, () => true)).toEqual([long]);
  });

  it('cuts only between rows, keeps every row once and in order, the note with the last rows, parts labelled', () => {
    const parts = splitReply(long, atMostRows(10));
    expect(parts).toHaveLength(3);
    expect(rowsOf(parts)).toEqual(Array.from({ length: 25 }, (_, i) => `s${i + 1}`));
    expect(parts.every(atMostRows(10))).toBe(true);
    expect(parts.map((p) => p.title)).toEqual(['All 25 steps (part 1 of 3)', 'All 25 steps (part 2 of 3)', 'All 25 steps (part 3 of 3)']);
    expect(parts[0]!.blocks[0]).toEqual(text('figures'));
    const tables = parts.flatMap((p) => p.blocks.filter((b): b is TableBlock => b.type === 'table'));
    expect(tables.map((t) => t.note)).toEqual([undefined, undefined, 'the end']);
    expect(tables.every((t) => t.columns.length === 2)).toBe(true);
    expect(parts.at(-1)!.blocks.at(-1)).toEqual(context('footer'));
    expect(parts.every((p) => p.visibility === 'ephemeral' && p.whole === true)).toBe(true);
  });

  it('gives a row too big for any message a part of its own rather than looping or dropping it', () => {
    const parts = splitReply(long, atMostRows(0));
    expect(rowsOf(parts)).toHaveLength(25);
  });

  it('never makes a part a card', () => {
    const parts = splitReply({ ...long, cardOf: 'k3x9qa' }, atMostRows(10));
    expect(parts.every((p) => p.cardOf === undefined)).toBe(true);
  });
});
