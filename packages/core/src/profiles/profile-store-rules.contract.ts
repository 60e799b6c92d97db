import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleFiring } from '../rules/rule.js';
import { createManualClock } from '../time/clock.js';
import type { ManualClock } from '../time/clock.js';
import type { ProfileStoreHarness } from './profile-store.contract.js';
import { testProfile } from './profile-store.contract.js';
import { profileWrite } from './profile-store.js';
import type { ProfileCommit, ProfileStore, QueuedMessage } from './profile-store.js';

function commitOf(fields: Partial<ProfileCommit>): ProfileCommit {
  return { profiles: [], identities: [], deletedProfiles: [], checkpoints: new Map(), ...fields };
}

function firing(profileId: string, ruleId: string, at: number): RuleFiring {
  return {
    profileId,
    ruleId,
    version: 1,
    at,
    cause: { type: 'event', event: 'Clicked', messageId: `m-${at}` },
    actions: [{ type: 'message', channel: 'webhook', template: 'welcome' }],
  };
}

function message(id: string, profileId = 'p1'): QueuedMessage {
  return {
    type: 'message',
    id,
    profileId,
    ruleId: 'r1',
    channel: 'email',
    template: 'welcome',
    variables: { name: 'Ada' },
    at: 1_000,
  };
}

/** A profile write whose state arms the given timers (rule id → due time). */
function withTimers(id: string, timers: Record<string, number>, workspaceId = 'w1') {
  return profileWrite(workspaceId, testProfile(id, { rules: { timers } }));
}

async function firingRules(store: ProfileStore, profileId: string, workspaceId = 'w1') {
  const page = await store.listFirings(workspaceId, profileId, { limit: 100 });
  return page.map((entry) => `${entry.firing.profileId}/${entry.firing.ruleId}`);
}

async function messageIds(store: ProfileStore, workspaceId = 'w1') {
  return (await store.listMessages(workspaceId, { limit: 100 })).map((m) => m.message.id);
}

async function dueKeys(store: ProfileStore, until = Number.MAX_SAFE_INTEGER, limit = 100) {
  const due = await store.dueTimers(until, limit);
  return due.map((t) => `${t.workspaceId}/${t.profileId}/${t.ruleId}@${t.dueAt}`);
}

/**
 * What every ProfileStore keeps for the rules, within its commits: the firing
 * log, the message outbox and the index of armed timers. `open` creates an empty store.
 */
export function describeProfileStoreRuleContract(
  name: string,
  open: (clock: ManualClock) => Promise<ProfileStoreHarness>,
): void {
  async function withStore(body: (harness: ProfileStoreHarness) => Promise<void>) {
    const harness = await open(createManualClock());
    try {
      await body(harness);
    } finally {
      await harness.dispose();
    }
  }

  describe(`ProfileStore rule records contract: ${name}`, () => {
    it('lists a profile’s firings newest first, with ids ascending in commit order', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            firings: [
              { workspaceId: 'w1', firing: firing('p1', 'r1', 1) },
              { workspaceId: 'w1', firing: firing('p2', 'r1', 2) },
              { workspaceId: 'w1', firing: firing('p1', 'r2', 3) },
            ],
          }),
        );
        await store.commit(
          commitOf({
            firings: [
              { workspaceId: 'w1', firing: firing('p1', 'r3', 4) },
              { workspaceId: 'w2', firing: firing('p1', 'other', 5) },
            ],
          }),
        );
        const all = await store.listFirings('w1', 'p1', { limit: 10 });
        assert.deepEqual(
          all.map((entry) => entry.firing),
          [firing('p1', 'r3', 4), firing('p1', 'r2', 3), firing('p1', 'r1', 1)],
        );
        const ids = all.map((entry) => entry.id);
        assert.ok(
          (ids[0] as number) > (ids[1] as number) && (ids[1] as number) > (ids[2] as number),
        );
        const [p2] = await store.listFirings('w1', 'p2', { limit: 10 });
        assert.ok(p2 && p2.id > (ids[2] as number) && p2.id < (ids[1] as number));
        assert.deepEqual(await firingRules(store, 'p1', 'w2'), ['p1/other']);
        assert.deepEqual(await firingRules(store, 'p3'), []);
        assert.deepEqual(await firingRules(store, 'p1', 'w3'), []);
      }));

    it('pages firings back with `before` (exclusive) and `limit`', () =>
      withStore(async ({ store }) => {
        for (let at = 1; at <= 5; at++) {
          await store.commit(
            commitOf({ firings: [{ workspaceId: 'w1', firing: firing('p1', `r${at}`, at) }] }),
          );
        }
        const first = await store.listFirings('w1', 'p1', { limit: 2 });
        assert.deepEqual(
          first.map((entry) => entry.firing.ruleId),
          ['r5', 'r4'],
        );
        const second = await store.listFirings('w1', 'p1', { before: first[1]?.id, limit: 2 });
        assert.deepEqual(
          second.map((entry) => entry.firing.ruleId),
          ['r3', 'r2'],
        );
        const last = await store.listFirings('w1', 'p1', { before: second[1]?.id, limit: 2 });
        assert.deepEqual(
          last.map((entry) => entry.firing.ruleId),
          ['r1'],
        );
        assert.deepEqual(
          await store.listFirings('w1', 'p1', { before: last[0]?.id, limit: 2 }),
          [],
        );
        assert.deepEqual(await store.listFirings('w1', 'p1', { limit: 0 }), []);
      }));

    it('refuses a bad limit or cursor', () =>
      withStore(async ({ store }) => {
        for (const limit of [-1, 1.5, Number.NaN]) {
          await assert.rejects(store.listFirings('w1', 'p1', { limit }), RangeError);
          await assert.rejects(store.listMessages('w1', { limit }), RangeError);
          await assert.rejects(store.dueTimers(10, limit), RangeError);
        }
        await assert.rejects(store.listFirings('w1', 'p1', { before: NaN, limit: 1 }), RangeError);
        await assert.rejects(store.listMessages('w1', { after: NaN, limit: 1 }), RangeError);
        await assert.rejects(store.dueTimers(NaN, 1), RangeError);
      }));

    it('re-points a merged profile’s queued messages and drops an erased one’s', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            messages: [
              { workspaceId: 'w1', message: message('a', 'p1') },
              { workspaceId: 'w1', message: message('b', 'p2') },
              { workspaceId: 'w1', message: message('c', 'p3') },
            ],
          }),
        );
        await store.commit(
          commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1', mergedInto: 'p2' }] }),
        );
        const owners = async () =>
          (await store.listMessages('w1', { limit: 10 })).map(
            ({ message: queued }) => `${queued.id}:${queued.profileId}`,
          );
        assert.deepEqual(await owners(), ['a:p2', 'b:p2', 'c:p3']);
        // Erasure removes the person from the outbox too (ARCHITECTURE §4, invariant 3).
        await store.commit(commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p2' }] }));
        assert.deepEqual(await owners(), ['c:p3']);
      }));

    it('moves a merged profile’s firings to the survivor and drops an erased one’s', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            firings: [
              { workspaceId: 'w1', firing: firing('p1', 'a', 1) },
              { workspaceId: 'w1', firing: firing('p2', 'b', 2) },
              { workspaceId: 'w1', firing: firing('p1', 'c', 3) },
              { workspaceId: 'w1', firing: firing('p3', 'd', 4) },
            ],
          }),
        );
        await store.commit(
          commitOf({
            // Firings of the commit that merges their profile follow the merge.
            firings: [{ workspaceId: 'w1', firing: firing('p1', 'e', 5) }],
            deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1', mergedInto: 'p2' }],
          }),
        );
        assert.deepEqual(await firingRules(store, 'p2'), ['p1/e', 'p1/c', 'p2/b', 'p1/a']);
        assert.deepEqual(await firingRules(store, 'p1'), []);
        await store.commit(commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p2' }] }));
        assert.deepEqual(await firingRules(store, 'p2'), []);
        assert.deepEqual(await firingRules(store, 'p3'), ['p3/d']);
      }));

    it('queues messages oldest first, once per id and workspace, and pages with `after`', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            messages: [
              { workspaceId: 'w1', message: message('a') },
              { workspaceId: 'w1', message: message('b') },
              { workspaceId: 'w1', message: message('a', 'p2') },
            ],
          }),
        );
        await store.commit(
          commitOf({
            messages: [
              { workspaceId: 'w1', message: message('b') },
              { workspaceId: 'w2', message: message('a') },
              { workspaceId: 'w1', message: message('c') },
            ],
          }),
        );
        const queued = await store.listMessages('w1', { limit: 10 });
        assert.deepEqual(
          queued.map((entry) => entry.message),
          [message('a'), message('b'), message('c')],
        );
        assert.ok((queued[0]?.seq as number) < (queued[1]?.seq as number));
        assert.deepEqual(await messageIds(store, 'w2'), ['a']);
        const page = await store.listMessages('w1', { after: queued[0]?.seq, limit: 1 });
        assert.deepEqual(
          page.map((entry) => entry.message.id),
          ['b'],
        );
        assert.deepEqual(await store.listMessages('w1', { after: queued[2]?.seq, limit: 5 }), []);
        assert.deepEqual(await store.listMessages('w3', { limit: 5 }), []);
      }));

    it('indexes armed timers from committed states, earliest first across workspaces', () =>
      withStore(async ({ store }) => {
        assert.deepEqual(await store.dueTimers(Number.MAX_SAFE_INTEGER, 10), []);
        await store.commit(
          commitOf({
            profiles: [
              withTimers('p1', { inactive: 300, delay: 100 }),
              withTimers('p2', { inactive: 200 }, 'w2'),
              withTimers('p3', {}),
              profileWrite('w1', testProfile('p4')),
              withTimers('p5', { bad: Number.NaN, late: 900 }),
            ],
          }),
        );
        assert.deepEqual(await dueKeys(store), [
          'w1/p1/delay@100',
          'w2/p2/inactive@200',
          'w1/p1/inactive@300',
          'w1/p5/late@900',
        ]);
        assert.deepEqual(await dueKeys(store, 200), ['w1/p1/delay@100', 'w2/p2/inactive@200']);
        assert.deepEqual(await dueKeys(store, 99), []);
        assert.deepEqual(await dueKeys(store, 1000, 1), ['w1/p1/delay@100']);
        assert.deepEqual(await dueKeys(store, 1000, 0), []);
      }));

    it('orders timers due at the same time by workspace, profile and rule', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            profiles: [
              withTimers('p2', { b: 5, a: 5 }),
              withTimers('p1', { z: 5 }, 'w2'),
              withTimers('p1', { z: 5 }),
            ],
          }),
        );
        assert.deepEqual(await dueKeys(store), [
          'w1/p1/z@5',
          'w1/p2/a@5',
          'w1/p2/b@5',
          'w2/p1/z@5',
        ]);
      }));

    it('re-arms, clears and drops timers as profiles change, merge and are erased', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            profiles: [
              withTimers('p1', { inactive: 300 }),
              withTimers('p2', { delay: 100 }),
              withTimers('p3', { delay: 50 }),
              withTimers('p4', { delay: 60 }),
            ],
          }),
        );
        await store.commit(
          commitOf({
            profiles: [withTimers('p1', { inactive: 500 }), withTimers('p2', {})],
          }),
        );
        assert.deepEqual(await dueKeys(store), [
          'w1/p3/delay@50',
          'w1/p4/delay@60',
          'w1/p1/inactive@500',
        ]);
        await store.commit(
          commitOf({
            profiles: [profileWrite('w1', testProfile('p1'))],
            deletedProfiles: [{ workspaceId: 'w1', profileId: 'p3', mergedInto: 'p4' }],
          }),
        );
        assert.deepEqual(await dueKeys(store), ['w1/p4/delay@60'], 'the survivor keeps its own');
        await store.commit(commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p4' }] }));
        assert.deepEqual(await dueKeys(store), []);
      }));

    it('writes no firing, message or timer of a commit that fails', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            profiles: [withTimers('p1', { inactive: 300 }), withTimers('p2', { delay: 100 })],
            firings: [{ workspaceId: 'w1', firing: firing('p1', 'r1', 1) }],
            messages: [{ workspaceId: 'w1', message: message('a') }],
          }),
        );
        const failing = commitOf({
          profiles: [
            withTimers('p1', { inactive: 700 }),
            withTimers('p2', {}),
            withTimers('p3', { delay: 10 }),
          ],
          firings: [{ workspaceId: 'w1', firing: firing('p1', 'r2', 2) }],
          messages: [{ workspaceId: 'w1', message: message('b') }],
          deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1', mergedInto: 'p2' }],
          checkpoints: new Map([[0, -1]]),
        });
        await assert.rejects(store.commit(failing));
        assert.deepEqual(await firingRules(store, 'p1'), ['p1/r1']);
        assert.deepEqual(await firingRules(store, 'p2'), []);
        assert.deepEqual(await messageIds(store), ['a']);
        assert.deepEqual(await dueKeys(store), ['w1/p2/delay@100', 'w1/p1/inactive@300']);
        // The failed commit left nothing behind: the same changes apply in full later.
        await store.commit({ ...failing, checkpoints: new Map([[0, 1]]) });
        assert.deepEqual(await firingRules(store, 'p2'), ['p1/r2', 'p1/r1']);
        assert.deepEqual(await messageIds(store), ['a', 'b']);
        assert.deepEqual(await dueKeys(store), ['w1/p3/delay@10']);
      }));

    it('copies firings and messages in and out', () =>
      withStore(async ({ store }) => {
        const stored = firing('p1', 'r1', 1);
        const queued = message('a');
        await store.commit(
          commitOf({
            firings: [{ workspaceId: 'w1', firing: stored }],
            messages: [{ workspaceId: 'w1', message: queued }],
          }),
        );
        stored.ruleId = 'changed';
        queued.variables.name = 'changed';
        const [listed] = await store.listFirings('w1', 'p1', { limit: 1 });
        assert.equal(listed?.firing.ruleId, 'r1');
        const [outboxed] = await store.listMessages('w1', { limit: 1 });
        assert.equal(outboxed?.message.variables.name, 'Ada');
      }));

    it('keeps firings, messages and timers across a restart', async (t) => {
      const harness = await open(createManualClock());
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await harness.store.commit(
          commitOf({
            profiles: [withTimers('p1', { inactive: 300 }), withTimers('p2', { delay: 100 })],
            firings: [{ workspaceId: 'w1', firing: firing('p1', 'r1', 1) }],
            messages: [{ workspaceId: 'w1', message: message('a') }],
          }),
        );
        const store = await harness.reopen();
        assert.deepEqual(await firingRules(store, 'p1'), ['p1/r1']);
        assert.deepEqual(await messageIds(store), ['a']);
        assert.deepEqual(await dueKeys(store), ['w1/p2/delay@100', 'w1/p1/inactive@300']);
        // After the restart, clearing and merging still remove the stored timers.
        await store.commit(
          commitOf({
            profiles: [withTimers('p1', {})],
            messages: [{ workspaceId: 'w1', message: message('a') }],
            deletedProfiles: [{ workspaceId: 'w1', profileId: 'p2', mergedInto: 'p1' }],
          }),
        );
        assert.deepEqual(await dueKeys(store), []);
        assert.deepEqual(await messageIds(store), ['a']);
      } finally {
        await harness.dispose();
      }
    });
  });
}
