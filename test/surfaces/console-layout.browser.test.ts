/**
 * The console's transcript in headless Chromium at a desktop (1280 px) and a phone (390 px) width: after a run of
 * real replies (help, inventory, cost, a proposal card) no reply is squashed (scrollHeight > clientHeight), the
 * newest card's Approve button can be seen, and nothing the user typed runs off the side of the page.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useChromium } from '../support/browser.js';
import { useConsoleServer } from '../support/console.js';

const chromium = useChromium();
const steward = useConsoleServer();

async function send(page: Page, command: string): Promise<void> {
  const before = await page.locator('.msg.bot:not(.pending)').count();
  await page.fill('#cmd', command);
  await page.press('#cmd', 'Enter');
  await expect.poll(() => page.locator('.msg.bot:not(.pending)').count(), { timeout: 60_000 }).toBe(before + 1);
}

/** Every message (or scrolling part of one) whose content is cut off vertically, or a bubble of the user's cut off
 * sideways, with its sizes. */
async function clipped(page: Page) {
  return page.locator('#log .msg, #log .r-table-wrap, #log .r-chart').evaluateAll((els) =>
    els
      .map((el, i) => ({ i, cls: el.className, sh: el.scrollHeight, ch: el.clientHeight, sw: el.scrollWidth, cw: el.clientWidth, text: (el.textContent ?? '').slice(0, 40) }))
      .filter((m) => m.sh > m.ch + 1 || (m.cls.includes('you') && m.sw > m.cw + 1)),
  );
}

describe.each([
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
])('console transcript at $width px', ({ width, height }) => {
  it('clips no reply and shows the new card\'s Approve button after a run of commands', { timeout: 180_000 }, async () => {
    const page = await chromium.newPage({ viewport: { width, height } });
    try {
      await page.goto(`${steward.base}/`);
      const inv = (await steward.app.dispatcher.run({ text: 'inventory --state running --json', actor: { id: 'console:alice', displayName: 'alice', surface: 'console' }, surface: 'console' })).data as { instances: { name: string }[] };
      for (const c of ['help', 'inventory', 'cost --by region', `stop ${inv.instances[0]!.name}`]) await send(page, c);
      await send(page, `stop ${'x'.repeat(300)}`);
      await send(page, `stop ${inv.instances[1]!.name}`);

      expect(await clipped(page)).toEqual([]);
      const body = await page.locator('html').evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
      expect(body.sw).toBeLessThanOrEqual(body.cw);

      // The newest card's Approve button is inside the visible part of the transcript, not cut off by its card.
      const approve = page.locator('.msg.bot').last().getByRole('button', { name: 'Approve' });
      await expect.poll(() => approve.isVisible()).toBe(true);
      const box = await approve.boundingBox();
      const log = await page.locator('#log').boundingBox();
      expect(box && log).toBeTruthy();
      expect(box!.y).toBeGreaterThanOrEqual(log!.y);
      expect(box!.y + box!.height).toBeLessThanOrEqual(log!.y + log!.height);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    } finally {
      await page.close();
    }
  });
});

describe('console first page and refusals in the browser', () => {
  it('says what this is and what the demo estate holds, with three commands that run when clicked', { timeout: 120_000 }, async () => {
    const page = await chromium.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(`${steward.base}/`);
      const intro = page.locator('#intro');
      await expect.poll(() => intro.innerText(), { timeout: 30_000 }).toMatch(/The demo estate holds 60 simulated instances/);
      expect(await intro.innerText()).toMatch(/Steward reads your AWS, Azure and Google Cloud estate/);
      expect(await intro.locator('button[data-try]').allTextContents()).toEqual(['inventory', 'cost --by region', 'optimize']);
      await intro.getByRole('button', { name: 'cost --by region' }).click();
      await expect.poll(() => page.locator('.msg.bot:not(.pending)').count(), { timeout: 60_000 }).toBe(1);
      expect(await page.locator('.msg.bot').innerText()).toMatch(/region/i);
      expect(await clipped(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows the API\'s message for a command over 4,000 characters, not "undefined", in a bubble that wraps', { timeout: 120_000 }, async () => {
    const page = await chromium.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(`${steward.base}/`);
      await send(page, `inventory ${'z'.repeat(4100)}`);
      const answer = await page.locator('.msg.bot').last().innerText();
      expect(answer).toContain('That command is 4110 characters long; the limit is 4000.');
      expect(answer).not.toContain('undefined');
      expect(await clipped(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('draws status icons as shapes, with no emoji left for a machine without an emoji font', { timeout: 120_000 }, async () => {
    const page = await chromium.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${steward.base}/`);
      await send(page, 'security');
      const log = await page.locator('#log').innerText();
      expect(log).toMatch(/critical/);
      expect(log).not.toMatch(/(?![\u00a9\u00ae\u2122])\p{Extended_Pictographic}/u);
      expect(await page.locator('.msg.bot .ico').count()).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});
