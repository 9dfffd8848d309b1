/** The conversation-reference store on PGlite and on PostgreSQL: upsert, read back, pause, and resume on save. */
import { expect, it } from 'vitest';
import { createConversationStore } from '../../src/persistence/conversation-store.js';
import { describeStores } from '../support/db.js';

describeStores('conversation references', (db) => {
  const at = (m: number) => new Date(Date.UTC(2030, 0, 1, 10, m));
  const channel = {
    surface: 'teams' as const,
    id: '19:abc@thread.tacv2',
    tenantId: 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f',
    kind: 'channel',
    name: 'Ops',
    reference: { serviceUrl: 'https://smba.trafficmanager.net/amer/', conversation: { id: '19:abc@thread.tacv2' }, bot: { id: '28:bot' } },
  };

  it('saves a conversation and reads it back', async () => {
    const store = createConversationStore(db().db);
    await store.save(channel, at(0));
    expect(await store.get('teams', channel.id)).toEqual({ ...channel, pausedReason: undefined, updatedAt: at(0) });
    expect(await store.get('teams', '19:other@thread.tacv2')).toBeUndefined();
  });

  it('refreshes the reference on the next save and keeps a name a message does not carry', async () => {
    const store = createConversationStore(db().db);
    await store.save({ ...channel, name: undefined, reference: { ...channel.reference, serviceUrl: 'https://smba.trafficmanager.net/emea/' } }, at(5));
    const got = await store.get('teams', channel.id);
    expect(got?.name).toBe('Ops');
    expect(got?.reference).toMatchObject({ serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    expect(got?.updatedAt).toEqual(at(5));
  });

  it('pauses a conversation, and the next save (someone wrote to the bot) lifts the pause', async () => {
    const store = createConversationStore(db().db);
    await store.pause('teams', channel.id, 'BotNotInConversationRoster', at(10));
    expect((await store.get('teams', channel.id))?.pausedReason).toBe('BotNotInConversationRoster');
    await store.save(channel, at(11));
    expect((await store.get('teams', channel.id))?.pausedReason).toBeUndefined();
  });

  it("finds a user's personal chat by their Teams id or AAD object id, in their tenant only, and never a channel", async () => {
    const store = createConversationStore(db().db);
    const user = { id: '29:rido', aadObjectId: 'b15a9416-0ad3-4172-9210-7beb711d3f70', name: 'Rido' };
    const personal = { surface: 'teams' as const, id: 'a:1rido', tenantId: channel.tenantId, kind: 'personal', name: undefined, reference: { ...channel.reference, conversation: { id: 'a:1rido', conversationType: 'personal' }, user } };
    // The channel's reference names the same user (they wrote there too): it is not their personal chat.
    await store.save({ ...channel, reference: { ...channel.reference, user } }, at(20));
    expect(await store.personalOf('teams', { id: user.id, aadObjectId: user.aadObjectId, tenantId: channel.tenantId })).toBeUndefined();
    await store.save(personal, at(21));
    expect((await store.personalOf('teams', { id: user.id, tenantId: channel.tenantId }))?.id).toBe('a:1rido');
    expect((await store.personalOf('teams', { id: '29:rido-on-another-device', aadObjectId: user.aadObjectId, tenantId: channel.tenantId }))?.id).toBe('a:1rido');
    expect(await store.personalOf('teams', { id: '29:sam', aadObjectId: 'c5e99701-2a32-49c1-a660-4629ceeb8c61', tenantId: channel.tenantId })).toBeUndefined();
    expect(await store.personalOf('teams', { id: user.id, tenantId: '56653e9d-2158-46ee-90d7-675c39642038' })).toBeUndefined();
    expect(await store.personalOf('teams', {})).toBeUndefined();
  });

  it('ignores a pause of a conversation it does not know', async () => {
    const store = createConversationStore(db().db);
    await store.pause('teams', '19:unknown@thread.tacv2', 'BotDisabledByAdmin', at(12));
    expect(await store.get('teams', '19:unknown@thread.tacv2')).toBeUndefined();
  });
});
