/**
 * Teams re-deliveries across replicas (issue 16): the Bot Framework re-delivers a slow activity, and behind a load
 * balancer the second delivery may reach another replica. Two Teams surfaces (two replicas) dedupe through one
 * database's delivery claims: the activity runs once, a different one still runs.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/persistence/db.js';
import { echoCommand, replicaClaim } from '../../support/surfaces.js';
import { CHILD_TEST_TIMEOUT_MS, clusterDataDir } from '../../support/spawn.js';
import { createBotFramework, personalMessage, postActivity, startTeamsHarness, type TeamsHarness } from './support.js';

const bf = await createBotFramework();
const runs: string[] = [];
const echo = echoCommand((words) => runs.push(words));

let shared: Database;
let a: TeamsHarness;
let b: TeamsHarness;
beforeAll(async () => {
  bf.listen();
  // One database for both replicas (a copy of the suite's initialised cluster: an in-memory one runs initdb).
  shared = await openDatabase({ kind: 'pglite', dataDir: clusterDataDir('steward-teams-replicas-') });
  const dedupe = (owner: string) => ({ claim: replicaClaim(shared.db, 'teams', owner) });
  a = await startTeamsHarness([echo], [], { dedupe: dedupe('replica-a'), database: shared });
  b = await startTeamsHarness([echo], [], { dedupe: dedupe('replica-b'), database: shared });
}, CHILD_TEST_TIMEOUT_MS);
afterEach(() => {
  runs.length = 0;
  bf.reset();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await shared?.close();
  bf.close();
});

const send = async (h: TeamsHarness, activity: Record<string, unknown>) => {
  const res = await postActivity(h.url, activity, await bf.token({ serviceUrl: activity.serviceUrl as string }));
  await h.teams.idle();
  return res.status;
};

it('an activity re-delivered to the other replica runs once', async () => {
  const activity = personalMessage('echo once');
  expect(await send(a, activity)).toBe(200);
  expect(await send(b, activity)).toBe(200);
  expect(runs).toEqual(['once']);
});

it('different activities run on either replica', async () => {
  expect(await send(a, personalMessage('echo one'))).toBe(200);
  expect(await send(b, personalMessage('echo two'))).toBe(200);
  expect(runs.sort()).toEqual(['one', 'two']);
});
