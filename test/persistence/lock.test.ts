import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, lockHolder } from '../../src/persistence/lock.js';

describe('data-folder lock', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    cwd = process.cwd();
    dir = mkdtempSync(join(tmpdir(), 'steward-lock-'));
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a folder another live process holds, naming its pid', () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'steward.lock'), JSON.stringify({ pid: process.ppid }));
    expect(lockHolder(data)).toEqual({ pid: process.ppid });
    expect(() => acquireDataDirLock(data)).toThrow(`Another Steward process (pid ${process.ppid})`);
  });

  it('an in-memory database takes no lock and writes nothing in the working directory, so processes started side by side each open their own', () => {
    // What a parallel test worker (or a CLI beside a server) left: a lock under ./memory: held by a live process.
    mkdirSync(join(dir, 'memory:'));
    writeFileSync(join(dir, 'memory:', 'steward.lock'), JSON.stringify({ pid: process.ppid }));
    expect(lockHolder('memory://')).toBeUndefined();
    const lock = acquireDataDirLock('memory://');
    lock.setUrl('http://127.0.0.1:1');
    lock.release();
    rmSync(join(dir, 'memory:'), { recursive: true });
    acquireDataDirLock('memory://').release();
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'memory:'))).toBe(false);
  });
});
