import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createTrendChartRenderer } from '../../src/charts/trend-chart.js';

/** Decodes a PNG far enough to prove it is one: signature, IHDR, and the inflated image data of the right size. */
function decodePng(png: Uint8Array) {
  const buf = Buffer.from(png);
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let ihdr: { width: number; height: number; bitDepth: number; colorType: number } | undefined;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString('ascii');
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') ihdr = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8] as number, colorType: data[9] as number };
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  if (!ihdr) throw new Error('no IHDR');
  const channels = { 2: 3, 6: 4, 0: 1, 4: 2 }[ihdr.colorType] ?? 4;
  const raw = inflateSync(Buffer.concat(idat));
  return { ...ihdr, raw, rowBytes: 1 + (ihdr.width * channels * ihdr.bitDepth) / 8, channels };
}

describe('trend chart', () => {
  it('renders a PNG of the requested size, with pixels drawn (not a blank image)', async () => {
    const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    const actual = days.map((_, i) => 500 + i * 3 + (i % 7 === 5 ? -80 : 0));
    const png = await createTrendChartRenderer().trend({ title: 'Daily cost, last 30 days', days, actual, expected: actual.map((v) => v - 5), low: actual.map((v) => v - 30), high: actual.map((v) => v + 30), anomalies: [20], width: 600, height: 240 });
    expect([png.width, png.height]).toEqual([600, 240]);
    const d = decodePng(png.png);
    expect([d.width, d.height]).toEqual([600, 240]);
    expect(d.raw.length).toBe(d.rowBytes * d.height);
    // Some pixels are far from white: the line, the axis labels and the title were drawn.
    let dark = 0;
    for (let y = 0; y < d.height; y++) {
      for (let x = 0; x < d.width; x++) {
        const p = y * d.rowBytes + 1 + x * d.channels;
        if ((d.raw[p] as number) < 120 && (d.raw[p + 1] as number) < 160) dark++;
      }
    }
    expect(dark).toBeGreaterThan(300);
    // A digest chart must fit in a chat message: a Teams card (28 KB) carries it base64-encoded with the text.
    expect(Buffer.from(png.png).toString('base64').length).toBeLessThan(21_000);
  });
});
