import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../time/clock.js';
import type { ManualClock } from '../time/clock.js';
import type { ProfileStoreHarness } from './profile-store.contract.js';
import { testProfile } from './profile-store.contract.js';
import { profileWrite } from './profile-store.js';
import type { ProfileCommit, ProfileStore, ProfileWrite } from './profile-store.js';

function commitOf(fields: Partial<ProfileCommit>): ProfileCommit {
  return { profiles: [], identities: [], deletedProfiles: [], checkpoints: new Map(), ...fields };
}

/** Profiles p0…p(count-1) of workspace w1, at `version`: enough to span several slices of a store that writes in slices. */
function manyProfiles(count: number, version: number): ProfileWrite[] {
  return Array.from({ length: count }, (_, i) =>
    profileWrite('w1', testProfile(`p${i}`, { version })),
  );
}

async function versionsOf(store: ProfileStore, ids: readonly string[]): Promise<number[]> {
  const loaded = await store.loadProfiles('w1', ids);
  return ids.map((id) => loaded.get(id)?.version ?? 0);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** The commit with one more profile, whose state is `json` (bad input on purpose). */
function withLast(commit: ProfileCommit, json: unknown): ProfileCommit {
  const bad = { ...profileWrite('w1', testProfile('bad')), json: json as string };
  return { ...commit, profiles: [...commit.profiles, bad] };
}

/**
 * How every ProfileStore applies a commit: whole or not at all however large it
 * is, in the order commits were made, never half-visible to readers meanwhile.
 */
export function describeProfileStoreCommitContract(
  name: string,
  open: (clock: ManualClock) => Promise<ProfileStoreHarness>,
): void {
  async function withStore(body: (store: ProfileStore) => Promise<void>) {
    const harness = await open(createManualClock());
    try {
      await body(harness.store);
    } finally {
      await harness.dispose();
    }
  }

  describe(`ProfileStore commit contract: ${name}`, () => {
    it('writes a commit of many profiles whole, the last write of a profile winning', () =>
      withStore(async (store) => {
        const profiles = manyProfiles(1_250, 1);
        profiles.push(profileWrite('w1', testProfile('p3', { version: 7 })));
        await store.commit(
          commitOf({
            profiles,
            identities: [{ workspaceId: 'w1', identity: 'u:last', profileId: 'p1249' }],
            checkpoints: new Map([[0, 40]]),
          }),
        );
        assert.equal(await store.countProfiles('w1'), 1_250);
        assert.deepEqual(await versionsOf(store, ['p0', 'p3', 'p700', 'p1249']), [1, 7, 1, 1]);
        assert.equal((await store.resolveIdentities('w1', ['u:last'])).get('u:last'), 'p1249');
        assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 40]]));
      }));

    it('writes a small commit whole too, the last write of a profile winning', () =>
      withStore(async (store) => {
        // A few profiles: a store that stages large commits in slices may write these directly.
        const profiles = manyProfiles(5, 1);
        profiles.push(profileWrite('w1', testProfile('p1', { version: 9 })));
        await store.commit(commitOf({ profiles, checkpoints: new Map([[0, 6]]) }));
        assert.equal(await store.countProfiles('w1'), 5);
        assert.deepEqual(await versionsOf(store, ['p0', 'p1', 'p4']), [1, 9, 1]);
        await store.commit(
          commitOf({
            profiles: [
              profileWrite('w1', testProfile('p1', { version: 10 })),
              profileWrite('w1', testProfile('p1', { version: 11 })),
            ],
            checkpoints: new Map([[0, 8]]),
          }),
        );
        assert.deepEqual(await versionsOf(store, ['p0', 'p1', 'p4']), [1, 11, 1]);
        assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 8]]));
      }));

    // What every store refuses: a state that is not the text of a JSON object (the
    // memory store parses it and checks its id too), and a bad checkpoint, which
    // fails after every profile was staged.
    const spoilers: [string, (commit: ProfileCommit) => ProfileCommit][] = [
      ['a state that is not a string', (commit) => withLast(commit, null)],
      ['a state that is JSON null', (commit) => withLast(commit, 'null')],
      ['a state that is a JSON array', (commit) => withLast(commit, '[1,2]')],
      ['a negative checkpoint', (commit) => ({ ...commit, checkpoints: new Map([[0, -1]]) })],
    ];
    for (const [label, spoil] of spoilers)
      for (const size of [20, 900]) {
        it(`applies nothing of a ${size > 100 ? 'large' : 'small'} commit with ${label}, and the next commit is unaffected`, () =>
          withStore(async (store) => {
            await store.commit(
              commitOf({ profiles: manyProfiles(3, 1), checkpoints: new Map([[0, 5]]) }),
            );
            const failing = commitOf({
              profiles: manyProfiles(size, 2),
              identities: [{ workspaceId: 'w1', identity: 'u:x', profileId: 'p1' }],
              checkpoints: new Map([[0, 9]]),
            });
            await assert.rejects(store.commit(spoil(failing)));
            assert.equal(await store.countProfiles('w1'), 3);
            assert.deepEqual(await versionsOf(store, ['p0', 'p1', 'p2']), [1, 1, 1]);
            assert.deepEqual(await store.resolveIdentities('w1', ['u:x']), new Map());
            assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 5]]));

            await store.commit(
              commitOf({
                profiles: [profileWrite('w1', testProfile('p2', { version: 3 }))],
                checkpoints: new Map([[0, 12]]),
              }),
            );
            assert.equal(
              await store.countProfiles('w1'),
              3,
              'no row of the failed commit came back',
            );
            assert.deepEqual(await versionsOf(store, ['p0', 'p1', 'p2']), [1, 1, 3]);
            assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 12]]));
          }));
      }

    it('readers see a commit whole or not at all while it is being written', () =>
      withStore(async (store) => {
        const ids = ['p0', 'p749', 'p1499'];
        await store.commit(
          commitOf({ profiles: manyProfiles(1_500, 1), checkpoints: new Map([[0, 10]]) }),
        );
        // A store that commits on another thread can finish before this thread
        // samples it even once: commit again until samples were taken meanwhile.
        let sampled = 0;
        for (let version = 2; version <= 6 && sampled === 0; version++) {
          let done = false;
          const checkpoints = new Map([[0, version * 10]]);
          const committing = store
            .commit(commitOf({ profiles: manyProfiles(1_500, version), checkpoints }))
            .finally(() => (done = true));
          while (!done) {
            // Each read is its own snapshot: a store that commits on another connection
            // can commit between two of them. Samples with the same checkpoint on both
            // sides saw one commit, which must be whole.
            const pending = !done;
            const checkpoint = (await store.loadCheckpoints()).get(0);
            const versions = await versionsOf(store, ids);
            if ((await store.loadCheckpoints()).get(0) === checkpoint && pending) {
              const expected = checkpoint === version * 10 ? version : version - 1;
              assert.deepEqual(
                versions,
                [expected, expected, expected],
                `checkpoint ${checkpoint}`,
              );
              sampled++;
            }
            await turn();
          }
          await committing;
          assert.deepEqual(await versionsOf(store, ids), [version, version, version]);
        }
        assert.ok(sampled >= 1, 'no read was taken while a commit was being written');
      }));

    it('applies commits made back to back one after the other, in order', () =>
      withStore(async (store) => {
        const first = store.commit(
          commitOf({ profiles: manyProfiles(800, 2), checkpoints: new Map([[0, 5]]) }),
        );
        const failing = manyProfiles(10, 9);
        const second = store.commit(
          withLast(commitOf({ profiles: failing, checkpoints: new Map([[0, 6]]) }), 'null'),
        );
        const third = store.commit(
          commitOf({ profiles: manyProfiles(400, 3), checkpoints: new Map([[0, 7]]) }),
        );
        await first;
        await assert.rejects(second);
        await third;
        assert.deepEqual(await versionsOf(store, ['p0', 'p399', 'p400', 'p799']), [3, 3, 2, 2]);
        assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 7]]));
        assert.equal(await store.countProfiles('w1'), 800);
      }));
  });
}
