import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * PGlite is one process's database: two processes opening the same folder would corrupt it. The process that
 * opens it writes a lock file with its pid (and URL when it is the server), so a second one can tell who holds it.
 */
export interface DataDirLock {
  release(): void;
  setUrl(url: string): void;
}

export interface LockHolder {
  pid: number;
  url?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An in-memory database (`memory://`) is its own process's: there is no folder to guard, and a lock would be
 * written to `./memory:` in the working directory, shared by every process started there (parallel test workers,
 * a CLI beside a server), each refusing the others.
 */
const inMemory = (dataDir: string) => dataDir.startsWith('memory://');

export function lockPath(dataDir: string): string {
  return join(resolve(dataDir), 'steward.lock');
}

/** The live process holding the data folder, if any (a stale lock from a crashed process does not count). */
export function lockHolder(dataDir: string): LockHolder | undefined {
  if (inMemory(dataDir)) return undefined;
  try {
    const holder = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' && holder.pid !== process.pid && alive(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  if (inMemory(dataDir)) return { release() {}, setUrl() {} };
  mkdirSync(resolve(dataDir), { recursive: true });
  const path = lockPath(dataDir);
  const holder = lockHolder(dataDir);
  if (holder) {
    throw new Error(
      `Another Steward process (pid ${holder.pid}) is using the embedded database in ${resolve(dataDir)}. ` +
        'Stop it, point STEWARD_DATA_DIR somewhere else, or set DATABASE_URL to share a PostgreSQL server.',
    );
  }
  let record: LockHolder = { pid: process.pid };
  try {
    writeFileSync(path, JSON.stringify(record), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // The file is there but its process is gone (checked above): a stale lock from a crash. Take it over.
    unlinkSync(path);
    writeFileSync(path, JSON.stringify(record), { flag: 'wx' });
  }
  return {
    setUrl(url) {
      record = { ...record, url };
      writeFileSync(path, JSON.stringify(record));
    },
    release() {
      try {
        const current = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
        if (current.pid === process.pid) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
