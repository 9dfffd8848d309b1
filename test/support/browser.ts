import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Debian's chromium (never a downloaded browser), with the flags this network-less machine needs.
 * playwright gives each launch a fresh temporary profile. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Debian chromium is not installed: run `apt-get install -y chromium` (scripts/test-prereqs.sh does it), or set CHROMIUM_PATH.');
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run',
    ],
  });
}

/** One Chromium for a test file: launched before its tests, closed after them; pages come from `newPage`. */
export function useChromium(): Pick<Browser, 'newPage'> {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    newPage: (opts) => {
      if (!browser) throw new Error('useChromium: the browser is not launched yet (call newPage inside a test)');
      return browser.newPage(opts);
    },
  };
}
