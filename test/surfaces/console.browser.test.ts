import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAction, defineCommand } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { createNotifierHub } from '../../src/core/notifier.js';
import { createRegistry } from '../../src/core/registry.js';
import { actions as buttons, reply, text } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createHttpServer } from '../../src/server/http.js';
import { createConsoleSurface } from '../../src/surfaces/console/router.js';
import { useChromium } from '../support/browser.js';
import { CHILD_TEST_TIMEOUT_MS, startServerProcess, clusterDataDir, type ServerProcess } from '../support/spawn.js';

const chromium = useChromium();

describe('console in headless Chromium, against npm start', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  let server: ServerProcess | undefined;
  let url: string;
  beforeAll(async () => {
    server = await startServerProcess({ STEWARD_DATA_DIR: clusterDataDir('steward-console-') });
    url = server.url;
  }, CHILD_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it('types inventory and sees a table of instances', async () => {
    const page = await chromium.newPage();
    await page.goto(`${url}/`);
    await page.fill('#cmd', 'inventory --provider gcp');
    await page.press('#cmd', 'Enter');
    const table = page.locator('.msg.bot table.r-table').nth(1);
    await table.waitFor();
    const headers = await table.locator('th').allTextContents();
    expect(headers).toEqual(['Name', 'Provider', 'Region', 'Type', 'State', 'Per hour']);
    const providers = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(providers.length).toBeGreaterThan(0);
    expect(new Set(providers)).toEqual(new Set(['gcp']));
    await expect(page.locator('.msg.bot .r-fields dt').first().textContent()).resolves.toBe('Instances');
    await page.close();
  });

  it('shows a usage reply for a typo, with the suggestion', async () => {
    const page = await chromium.newPage();
    await page.goto(`${url}/`);
    await page.fill('#cmd', 'cots --by region');
    await page.press('#cmd', 'Enter');
    await page.locator('.msg.bot:not(.pending)').waitFor();
    expect(await page.locator('.msg.bot').innerText()).toContain('Did you mean cost?');
    await page.close();
  });
});

describe('console buttons in headless Chromium', () => {
  const server = createHttpServer({ log: silentLogger(), ready: async () => undefined });
  let url: string;
  const notifiers = createNotifierHub();
  let pressedBy: string | undefined;

  beforeAll(async () => {
    const ask = defineCommand({
      name: 'ask',
      summary: 'Asks for a decision',
      usage: 'ask',
      permission: 'read',
      flags: {},
      run: async () => ({
        reply: reply({
          title: 'Stop web-1?',
          blocks: [text('Waiting for a decision.'), buttons({ actionId: 'thing.approve', label: 'Approve', value: 'p-42', style: 'primary' }, { actionId: 'thing.later', label: 'Later', value: 'p-42' })],
        }),
      }),
    });
    const approve = defineAction({
      id: 'thing.approve',
      permission: 'read',
      run: async (ctx, value) => {
        pressedBy = ctx.actor.id;
        // Progress arrives later in the same message, as an execution would send it.
        setTimeout(() => void ctx.updateMessage(ctx.message!, reply({ title: 'Stop web-1?', blocks: [text(`Done: ${value} executed.`)] })), 300);
        return { reply: reply({ title: 'Stop web-1?', blocks: [text(`Approved ${value} by ${ctx.actor.displayName}; executing…`)] }), replace: true };
      },
    });
    const later = defineAction({ id: 'thing.later', permission: 'read', run: async () => ({ reply: reply({ blocks: [text('Reminder set.')] }) }) });
    const dispatcher = createDispatcher({ registry: createRegistry([ask], [approve, later]), services: {} as Services, clock: { now: () => new Date() }, log: silentLogger(), notifiers });
    const surface = createConsoleSurface({ dispatcher, log: silentLogger() });
    notifiers.register(surface.notifier);
    server.app.use(surface.router);
    ({ url } = await server.listen(0, '127.0.0.1'));
  });
  afterAll(() => server.close());

  it('clicks Approve as the chosen user: the card is replaced, then updated in place', async () => {
    const page = await chromium.newPage();
    await page.goto(`${url}/`);
    await page.fill('#user', 'bob');
    await page.dispatchEvent('#user', 'change');
    await page.fill('#cmd', 'ask');
    await page.press('#cmd', 'Enter');
    await page.getByRole('button', { name: 'Approve' }).click();
    const card = page.locator('.msg.bot').first();
    await expect.poll(() => card.innerText(), { timeout: 5000 }).toContain('Approved p-42 by bob; executing…');
    await expect.poll(() => card.innerText(), { timeout: 5000 }).toContain('Done: p-42 executed.');
    expect(pressedBy).toBe('console:bob');
    expect(await page.locator('.msg.bot').count()).toBe(1);
    await page.close();
  });

  it('shows a non-replacing action reply as a new message', async () => {
    const page = await chromium.newPage();
    await page.goto(`${url}/`);
    await page.fill('#cmd', 'ask');
    await page.press('#cmd', 'Enter');
    await page.getByRole('button', { name: 'Later' }).click();
    await expect.poll(() => page.locator('.msg.bot').count()).toBe(2);
    expect(await page.locator('.msg.bot').nth(1).innerText()).toContain('Reminder set.');
    await page.close();
  });
});
