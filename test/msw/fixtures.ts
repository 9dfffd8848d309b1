import { readFileSync } from 'node:fs';

/** Reads a file under test/fixtures (see test/fixtures/README.md for where each comes from). */
export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}

export function fixtureJson<T = any>(path: string): T {
  return JSON.parse(fixture(path)) as T;
}
