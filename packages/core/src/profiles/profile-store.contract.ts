import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../time/clock.js';
import type { ManualClock } from '../time/clock.js';
import type { ProfileState } from './profile.js';
import { profileWrite } from './profile-store.js';
import type { ProfileCommit, ProfileStore } from './profile-store.js';

export interface ProfileStoreHarness {
  store: ProfileStore;
  /** Closes the store and its storage, then opens them again. Durable stores only. */
  reopen?: () => Promise<ProfileStore>;
  /** Closes whatever is still open and removes temporary files. */
  dispose(): Promise<void>;
}

/** A minimal valid profile state. */
export function testProfile(id: string, fields: Partial<ProfileState> = {}): ProfileState {
  return {
    id,
    anonymousIds: [],
    version: 1,
    firstSeen: 1_767_225_600_000,
    lastSeen: 1_767_225_600_000,
    traits: {},
    events: { Clicked: [1_767_225_600_000, 1_767_225_600_000, 1] },
    untrackedEvents: 0,
    eventCount: 1,
    sessions: {
      count: 0,
      totalDurationMs: 0,
      previousDurationMs: null,
      start: 0,
      last: 0,
      events: 0,
    },
    ...fields,
  };
}

function emptyCommit(fields: Partial<ProfileCommit>): ProfileCommit {
  return { profiles: [], identities: [], deletedProfiles: [], checkpoints: new Map(), ...fields };
}

/** The behaviour every ProfileStore shares. `open` creates an empty store. */
export function describeProfileStoreContract(
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

  /** Two profiles: p1 (u:alice, a:anon1) and p2 (u:bob), checkpoint 0 → 10. */
  async function seed(store: ProfileStore): Promise<void> {
    await store.commit(
      emptyCommit({
        profiles: [
          profileWrite('w1', testProfile('p1', { userId: 'alice', traits: { plan: 'free' } })),
          profileWrite('w1', testProfile('p2', { userId: 'bob' })),
        ],
        identities: [
          { workspaceId: 'w1', identity: 'u:alice', profileId: 'p1' },
          { workspaceId: 'w1', identity: 'a:anon1', profileId: 'p1' },
          { workspaceId: 'w1', identity: 'u:bob', profileId: 'p2' },
        ],
        checkpoints: new Map([[0, 10]]),
      }),
    );
  }

  describe(`ProfileStore contract: ${name}`, () => {
    it('starts empty', () =>
      withStore(async ({ store }) => {
        assert.deepEqual(await store.resolveIdentities('w1', ['u:alice']), new Map());
        assert.deepEqual(await store.loadProfiles('w1', ['p1']), new Map());
        assert.deepEqual(await store.loadCheckpoints(), new Map());
        assert.equal(await store.countProfiles('w1'), 0);
      }));

    it('commits profiles, identity links and checkpoints, and reads them back', () =>
      withStore(async ({ store }) => {
        await seed(store);
        assert.deepEqual(
          await store.resolveIdentities('w1', ['u:alice', 'a:anon1', 'u:bob', 'u:nobody']),
          new Map([
            ['u:alice', 'p1'],
            ['a:anon1', 'p1'],
            ['u:bob', 'p2'],
          ]),
        );
        const loaded = await store.loadProfiles('w1', ['p1', 'p2', 'p3']);
        assert.deepEqual([...loaded.keys()], ['p1', 'p2']);
        assert.deepEqual(
          loaded.get('p1'),
          testProfile('p1', { userId: 'alice', traits: { plan: 'free' } }),
        );
        assert.equal(await store.countProfiles('w1'), 2);
        assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 10]]));
      }));

    it('keeps workspaces apart', () =>
      withStore(async ({ store }) => {
        await seed(store);
        assert.deepEqual(await store.resolveIdentities('w2', ['u:alice']), new Map());
        assert.deepEqual(await store.loadProfiles('w2', ['p1']), new Map());
        assert.equal(await store.countProfiles('w2'), 0);
        await store.commit(
          emptyCommit({
            profiles: [profileWrite('w2', testProfile('p1', { userId: 'zed' }))],
            identities: [{ workspaceId: 'w2', identity: 'u:alice', profileId: 'p1' }],
          }),
        );
        assert.equal((await store.loadProfiles('w1', ['p1'])).get('p1')?.userId, 'alice');
        assert.equal((await store.loadProfiles('w2', ['p1'])).get('p1')?.userId, 'zed');
        assert.equal(await store.countProfiles('w1'), 2);
      }));

    it('replaces states, links and checkpoints on later commits', () =>
      withStore(async ({ store }) => {
        await seed(store);
        await store.commit(
          emptyCommit({
            profiles: [profileWrite('w1', testProfile('p1', { version: 2 }))],
            identities: [{ workspaceId: 'w1', identity: 'a:anon1', profileId: 'p2' }],
            checkpoints: new Map([
              [1, 7],
              [0, 12],
            ]),
          }),
        );
        assert.equal((await store.loadProfiles('w1', ['p1'])).get('p1')?.version, 2);
        assert.equal((await store.resolveIdentities('w1', ['a:anon1'])).get('a:anon1'), 'p2');
        assert.deepEqual(
          await store.loadCheckpoints(),
          new Map([
            [0, 12],
            [1, 7],
          ]),
        );
        assert.equal(await store.countProfiles('w1'), 2);
      }));

    it('deletes a merged profile and repoints all its identities to the survivor', () =>
      withStore(async ({ store }) => {
        await seed(store);
        await store.commit(
          emptyCommit({
            profiles: [profileWrite('w1', testProfile('p2', { anonymousIds: ['anon1'] }))],
            deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1', mergedInto: 'p2' }],
          }),
        );
        assert.deepEqual(
          await store.resolveIdentities('w1', ['u:alice', 'a:anon1', 'u:bob']),
          new Map([
            ['u:alice', 'p2'],
            ['a:anon1', 'p2'],
            ['u:bob', 'p2'],
          ]),
        );
        assert.deepEqual([...(await store.loadProfiles('w1', ['p1', 'p2'])).keys()], ['p2']);
        assert.equal(await store.countProfiles('w1'), 1);
        assert.deepEqual(await store.identitiesOf('w1', 'p2'), ['a:anon1', 'u:alice', 'u:bob']);
        assert.deepEqual(await store.identitiesOf('w1', 'p1'), []);
        assert.deepEqual(
          await store.identitiesOf('w2', 'p2'),
          [],
          'another workspace sees nothing',
        );
      }));

    it('removes the identity links of a profile deleted without a merge', () =>
      withStore(async ({ store }) => {
        await seed(store);
        await store.commit(
          emptyCommit({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1' }] }),
        );
        assert.deepEqual(
          await store.resolveIdentities('w1', ['u:alice', 'a:anon1', 'u:bob']),
          new Map([['u:bob', 'p2']]),
        );
        assert.equal(await store.countProfiles('w1'), 1);
      }));

    for (const [label, offset] of [
      ['a negative', -1],
      ['a NaN', Number.NaN],
      ['a fractional', 1.5],
    ] as const) {
      it(`applies nothing of a commit that fails (${label} checkpoint offset)`, () =>
        withStore(async ({ store }) => {
          await seed(store);
          const failing = emptyCommit({
            profiles: [
              profileWrite('w1', testProfile('p1', { version: 9 })),
              profileWrite('w1', testProfile('p3')),
            ],
            identities: [{ workspaceId: 'w1', identity: 'u:carol', profileId: 'p3' }],
            deletedProfiles: [{ workspaceId: 'w1', profileId: 'p2', mergedInto: 'p1' }],
            checkpoints: new Map([
              [1, 5],
              [0, offset],
            ]),
          });
          await assert.rejects(store.commit(failing));
          assert.deepEqual(
            await store.resolveIdentities('w1', ['u:alice', 'a:anon1', 'u:bob', 'u:carol']),
            new Map([
              ['u:alice', 'p1'],
              ['a:anon1', 'p1'],
              ['u:bob', 'p2'],
            ]),
          );
          const loaded = await store.loadProfiles('w1', ['p1', 'p2', 'p3']);
          assert.deepEqual([...loaded.keys()], ['p1', 'p2']);
          assert.equal(loaded.get('p1')?.version, 1);
          assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 10]]));
          assert.equal(await store.countProfiles('w1'), 2);
        }));
    }

    it('stores the state as serialized by profileWrite and copies it out, so callers never alias stored ones', () =>
      withStore(async ({ store }) => {
        const state = testProfile('p1', { traits: { plan: 'free' }, rules: { timers: { r: 5 } } });
        const write = profileWrite('w1', state);
        state.traits.plan = 'changed before the commit';
        (state.rules?.timers as Record<string, number>)['r'] = 99;
        await store.commit(emptyCommit({ profiles: [write] }));
        state.traits.plan = 'changed';
        assert.deepEqual(
          (await store.dueTimers(1_000, 10)).map((timer) => timer.dueAt),
          [5],
          'the timers as they were when the write was made',
        );
        const loaded = (await store.loadProfiles('w1', ['p1'])).get('p1') as ProfileState;
        assert.equal(loaded.traits.plan, 'free');
        loaded.traits.plan = 'changed';
        const again = (await store.loadProfiles('w1', ['p1'])).get('p1') as ProfileState;
        assert.equal(again.traits.plan, 'free');
      }));

    it('keeps everything across a restart', async (t) => {
      const harness = await open(createManualClock());
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await seed(harness.store);
        const store = await harness.reopen();
        assert.equal((await store.resolveIdentities('w1', ['a:anon1'])).get('a:anon1'), 'p1');
        assert.equal((await store.loadProfiles('w1', ['p1'])).get('p1')?.userId, 'alice');
        assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 10]]));
      } finally {
        await harness.dispose();
      }
    });

    it('refuses to commit once closed', () =>
      withStore(async ({ store }) => {
        await store.close();
        await assert.rejects(
          store.commit(emptyCommit({ profiles: [profileWrite('w1', testProfile('p1'))] })),
        );
      }));
  });
}
