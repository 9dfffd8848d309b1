import { readFileSync } from 'node:fs';

/** Reads a file under test/fixtures (see test/fixtures/README.md for where each comes from). */
export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}

export function fixtureJson<T = any>(path: string): T {
  return JSON.parse(fixture(path)) as T;
}

/** When the fake cloud tokens of the tests expire: a fixed stamp far ahead (2999), so no test reads the clock to
 * make a token and none can see one expire. */
export const TOKEN_EXPIRES_AT = Date.UTC(2999, 0, 1);
