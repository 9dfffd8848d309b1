/**
 * Loaded before every test file (vitest.config.ts setupFiles): when the file's tests and hooks are done, a child it
 * started and never stopped (a server from beforeAll without its afterAll, say) is killed and fails the file, named.
 * Without this it would live on until the test process exits, holding a port or a data folder's lock.
 */
import { afterAll } from 'vitest';
import { reapChildrenAtFileEnd } from './spawn.js';

afterAll(async () => {
  const left = await reapChildrenAtFileEnd();
  if (left.length > 0) throw new Error(`this file left ${left.length} child process(es) running after its tests (now killed); stop them in afterAll or afterEach:\n  ${left.join('\n  ')}`);
});
