/**
 * "Show all steps" in the console, in headless Chromium (issue 9, item 8): a 76-step proposal's card lists 30 steps
 * and carries the button; clicking it adds the whole list as a new transcript entry under the card (the card stays,
 * button and all), with all 76 rows there, nothing clipped, and hostile names shown as text.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useChromium } from '../support/browser.js';
import { useConsoleServer } from '../support/console.js';
import { longPlan, stepIdsIn } from '../support/long-plan.js';

const chromium = useChromium();
const steward = useConsoleServer();

/** Messages (or their tables) whose content is cut off vertically. */
async function clipped(page: Page) {
  return page.locator('#log .msg, #log .r-table-wrap').evaluateAll((els) =>
    els.map((el, i) => ({ i, cls: el.className, sh: el.scrollHeight, ch: el.clientHeight })).filter((m) => m.sh > m.ch + 1),
  );
}

describe.each([
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
])('console at $width px', ({ width, height }) => {
  it('Show all steps adds every step under the card, nothing clipped, the card unchanged', { timeout: 180_000 }, async () => {
    const p = await steward.app.approvals.propose({ plan: longPlan(76), requester: { id: 'console:dana', displayName: 'dana', surface: 'console' } });
    const page = await chromium.newPage({ viewport: { width, height } });
    try {
      await page.goto(`${steward.base}/`);
      await page.fill('#cmd', `proposal ${p.id}`);
      await page.press('#cmd', 'Enter');
      await expect.poll(() => page.locator('.msg.bot:not(.pending)').count(), { timeout: 60_000 }).toBe(1);
      const card = page.locator('.msg.bot').first();
      // Its first table is the plan (the audit trail follows).
      expect(await card.locator('.r-table').first().locator('tbody tr').count()).toBe(30);
      const cardBefore = await card.innerHTML();

      await card.getByRole('button', { name: 'Show all steps' }).click();
      await expect.poll(() => page.locator('.msg.bot:not(.pending)').count(), { timeout: 60_000 }).toBe(2);
      const list = page.locator('.msg.bot').nth(1);
      const rows = list.locator('.r-table tbody tr');
      expect(await rows.count()).toBe(76);
      expect(stepIdsIn(await list.innerText())).toHaveLength(76);
      // Every row is laid out (a box of its own, none collapsed) and no message or table is cut off.
      const heights = await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
      expect(heights.every((h) => h > 0)).toBe(true);
      expect(await clipped(page)).toEqual([]);
      // The last row can be scrolled into view.
      await rows.last().scrollIntoViewIfNeeded();
      expect(await rows.last().isVisible()).toBe(true);
      expect(await rows.last().innerText()).toContain('s76');

      // The card is as it was, its button still there.
      expect(await card.innerHTML()).toBe(cardBefore);
      expect(await card.getByRole('button', { name: 'Show all steps' }).count()).toBe(1);

      // Hostile names are text, never markup.
      const text = await list.innerText();
      expect(text).toContain('<!channel>-web');
      expect(text).toContain('<script>x</script>');
      expect(text).toContain('cache & co');
      expect(await list.locator('script, a').count()).toBe(0);
      expect(await list.locator('strong', { hasText: 'now' }).count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
