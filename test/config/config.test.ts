import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_SCHEMA, loadConfig } from '../../src/config.js';
import { configErrorOf } from '../support/config.js';

describe('config', () => {
  it('runs the embedded first run with no variables at all', () => {
    const c = loadConfig({});
    expect(c.database).toEqual({ kind: 'pglite', dataDir: './.steward' });
    expect(c.providers).toEqual(['demo']);
    expect(c.http).toMatchObject({ port: 3000, host: '127.0.0.1' });
    expect(c.console).toBe(true);
  });

  it('uses PostgreSQL when DATABASE_URL is set, and turns the console off by default there', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/steward' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/steward' });
    expect(c.console).toBe(false);
  });

  it('names every bad variable and the form it expects, without echoing secrets', () => {
    const msg = configErrorOf({ PORT: 'eighty', STEWARD_PROVIDERS: 'aws,oracle', DATABASE_URL: 'mysql://root:hunter2@x/db', STEWARD_CONSOLE: 'maybe' }).message;
    expect(msg).toMatch(/PORT: expected a whole number \(got "eighty"\)/);
    expect(msg).toMatch(/STEWARD_PROVIDERS: expected a comma list of demo, aws, azure, gcp/);
    expect(msg).toMatch(/DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ connection string/);
    expect(msg).toMatch(/STEWARD_CONSOLE: expected auto, on or off/);
    expect(msg).not.toContain('hunter2');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('.env.example lists every variable the config reads, and nothing else', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(ENV_SCHEMA).sort());
  });
});
