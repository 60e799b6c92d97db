import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../time/clock.js';
import type { ManualClock } from '../time/clock.js';
import type { ProfileStoreHarness } from './profile-store.contract.js';
import { testProfile } from './profile-store.contract.js';
import { profileWrite } from './profile-store.js';
import type { MembershipWrite, ProfileCommit, ProfileStore } from './profile-store.js';

function commitOf(fields: Partial<ProfileCommit>): ProfileCommit {
  return { profiles: [], identities: [], deletedProfiles: [], checkpoints: new Map(), ...fields };
}

function enter(
  profileId: string,
  segment: string,
  at: number,
  workspaceId = 'w1',
): MembershipWrite {
  return { workspaceId, profileId, segment, member: true, at };
}

function leave(
  profileId: string,
  segment: string,
  at: number,
  workspaceId = 'w1',
): MembershipWrite {
  return { workspaceId, profileId, segment, member: false, at };
}

function profiles(ids: readonly string[], workspaceId = 'w1') {
  return ids.map((id) => profileWrite(workspaceId, testProfile(id)));
}

/** `profileId@since` of every member of a segment, paging through with a small page. */
async function members(store: ProfileStore, segment: string, workspaceId = 'w1') {
  const all: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listMembers(workspaceId, segment, { after, limit: 3 });
    all.push(...page.map((member) => `${member.profileId}@${member.since}`));
    if (page.length < 3) return all;
    after = page.at(-1)?.profileId;
  }
}

async function counts(store: ProfileStore, workspaceId = 'w1') {
  return Object.fromEntries(await store.countMembers(workspaceId));
}

/** A deterministic pseudo-random sequence in [0, 1) (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * What every ProfileStore keeps for segments: memberships written by its commits
 * (with exact member counts), size samples, and the profile scan of the
 * background passes. `open` creates an empty store.
 */
export function describeProfileStoreSegmentContract(
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

  describe(`ProfileStore segments contract: ${name}`, () => {
    it('starts with no members, counts, samples or profiles to scan', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.membership('w1', 's1', 'p1'), undefined);
        assert.deepEqual(await store.listMembers('w1', 's1', { limit: 10 }), []);
        assert.deepEqual(await store.countMembers('w1'), new Map());
        assert.deepEqual(await store.segmentSizes('w1', 's1', { from: 0, to: 100, limit: 10 }), []);
        assert.deepEqual(await store.scanProfiles('w1', { limit: 10 }), []);
      }));

    it('enters and leaves segments, counting members', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            profiles: profiles(['p1', 'p2']),
            memberships: [enter('p1', 's1', 10), enter('p2', 's1', 11), enter('p1', 's2', 12)],
          }),
        );
        assert.deepEqual(await store.membership('w1', 's1', 'p1'), { profileId: 'p1', since: 10 });
        assert.deepEqual(await members(store, 's1'), ['p1@10', 'p2@11']);
        assert.deepEqual(await counts(store), { s1: 2, s2: 1 });
        await store.commit(
          commitOf({ memberships: [leave('p1', 's1', 20), leave('p1', 's2', 20)] }),
        );
        assert.equal(await store.membership('w1', 's1', 'p1'), undefined);
        assert.deepEqual(await members(store, 's1'), ['p2@11']);
        assert.deepEqual(await members(store, 's2'), []);
        assert.deepEqual(
          await counts(store),
          { s1: 1 },
          'a segment without members is not counted',
        );
      }));

    it('keeps `since` on re-entering without leaving, and starts it again after leaving', () =>
      withStore(async ({ store }) => {
        await store.commit(commitOf({ memberships: [enter('p1', 's1', 10)] }));
        await store.commit(commitOf({ memberships: [enter('p1', 's1', 20)] }));
        assert.deepEqual(await store.membership('w1', 's1', 'p1'), { profileId: 'p1', since: 10 });
        await store.commit(commitOf({ memberships: [leave('p1', 's1', 30)] }));
        await store.commit(commitOf({ memberships: [enter('p1', 's1', 40)] }));
        assert.deepEqual(await store.membership('w1', 's1', 'p1'), { profileId: 'p1', since: 40 });
        assert.deepEqual(await counts(store), { s1: 1 });
      }));

    it('changes nothing when a commit is applied again (a replay)', () =>
      withStore(async ({ store }) => {
        const commit = commitOf({
          memberships: [enter('p1', 's1', 10), enter('p2', 's1', 10), leave('p3', 's1', 10)],
        });
        await store.commit(commit);
        await store.commit(commit);
        assert.deepEqual(await members(store, 's1'), ['p1@10', 'p2@10']);
        assert.deepEqual(await counts(store), { s1: 2 });
        const leaving = commitOf({ memberships: [leave('p1', 's1', 20)] });
        await store.commit(leaving);
        await store.commit(leaving);
        assert.deepEqual(await counts(store), { s1: 1 }, 'leaving twice counts once');
        await store.commit(commitOf({ memberships: [leave('p9', 's9', 20)] }));
        assert.deepEqual(await counts(store), { s1: 1 }, 'leaving as a non-member does nothing');
      }));

    it('applies only the last write per profile and segment of a commit', () =>
      withStore(async ({ store }) => {
        await store.commit(commitOf({ memberships: [enter('p1', 's1', 10)] }));
        await store.commit(
          commitOf({
            memberships: [
              leave('p1', 's1', 20),
              enter('p2', 's1', 21),
              enter('p1', 's1', 22),
              enter('p3', 's1', 23),
              leave('p2', 's1', 24),
              enter('p4', 's1', 25),
              enter('p4', 's1', 26),
            ],
          }),
        );
        // p1 was a member and the last write keeps it in: its `since` stays.
        assert.deepEqual(await members(store, 's1'), ['p1@10', 'p3@23', 'p4@26']);
        assert.deepEqual(await counts(store), { s1: 3 });
      }));

    it('keeps counts exact over many random changes, deletions included', () =>
      withStore(async ({ store }) => {
        const next = random(7);
        const model = new Map<string, Map<string, number>>();
        const pick = (n: number) => Math.floor(next() * n);
        for (let c = 0; c < 60; c++) {
          const writes: MembershipWrite[] = [];
          for (let w = 0; w < 8; w++) {
            writes.push({
              workspaceId: 'w1',
              profileId: `p${pick(25)}`,
              segment: `s${pick(4)}`,
              member: next() < 0.6,
              at: c * 100 + w,
            });
          }
          const deleted = c % 10 === 9 ? [`p${pick(25)}`] : [];
          await store.commit(
            commitOf({
              memberships: writes,
              deletedProfiles: deleted.map((profileId) => ({ workspaceId: 'w1', profileId })),
            }),
          );
          const last = new Map(
            writes.map((write) => [`${write.profileId}/${write.segment}`, write]),
          );
          for (const { profileId, segment, member, at } of last.values()) {
            let inSegment = model.get(segment);
            if (!inSegment) model.set(segment, (inSegment = new Map()));
            if (!member) inSegment.delete(profileId);
            else if (!inSegment.has(profileId)) inSegment.set(profileId, at);
          }
          for (const profileId of deleted)
            for (const inSegment of model.values()) inSegment.delete(profileId);
        }
        const expected: Record<string, number> = {};
        for (const [segment, inSegment] of model) {
          if (inSegment.size > 0) expected[segment] = inSegment.size;
          const listed = [...inSegment].sort(([a], [b]) => (a < b ? -1 : 1));
          assert.deepEqual(
            await members(store, segment),
            listed.map(([profileId, since]) => `${profileId}@${since}`),
          );
        }
        assert.deepEqual(await counts(store), expected);
        assert.ok(Object.keys(expected).length > 1, 'the sequence leaves several segments');
      }));

    it('pages members in ascending profile id order with `after` and `limit`', () =>
      withStore(async ({ store }) => {
        const ids = ['p2', 'p10', 'p1', 'a', 'p3'];
        await store.commit(commitOf({ memberships: ids.map((id, i) => enter(id, 's1', i)) }));
        const page = async (after: string | undefined, limit: number) =>
          (await store.listMembers('w1', 's1', { after, limit })).map((m) => m.profileId);
        assert.deepEqual(await page(undefined, 10), ['a', 'p1', 'p10', 'p2', 'p3']);
        assert.deepEqual(await page(undefined, 2), ['a', 'p1']);
        assert.deepEqual(await page('p1', 2), ['p10', 'p2']);
        assert.deepEqual(await page('p2', 2), ['p3']);
        assert.deepEqual(await page('p3', 2), []);
        assert.deepEqual(await page('b', 1), ['p1'], '`after` need not be a member');
        assert.deepEqual(await page(undefined, 0), []);
        for (const limit of [-1, 1.5, Number.NaN]) {
          await assert.rejects(store.listMembers('w1', 's1', { limit }), RangeError);
          await assert.rejects(store.scanProfiles('w1', { limit }), RangeError);
        }
      }));

    it('scans every profile of a workspace in ascending id order, deleted ones gone', () =>
      withStore(async ({ store }) => {
        const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
        await store.commit(
          commitOf({ profiles: [...profiles(ids), ...profiles(['p5', 'q'], 'w2')] }),
        );
        await store.commit(
          commitOf({
            deletedProfiles: [
              { workspaceId: 'w1', profileId: 'p3', mergedInto: 'p4' },
              { workspaceId: 'w1', profileId: 'p7' },
            ],
          }),
        );
        const scanned: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.scanProfiles('w1', { after, limit: 5 });
          scanned.push(...page.map((state) => state.id));
          if (page.length < 5) break;
          after = page.at(-1)?.id;
        }
        const expected = ids.filter((id) => id !== 'p3' && id !== 'p7').sort();
        assert.deepEqual(scanned, expected);
        const [first] = await store.scanProfiles('w1', { limit: 1 });
        assert.deepEqual(first, testProfile('p0'));
        const w2 = await store.scanProfiles('w2', { after: 'p5', limit: 10 });
        assert.deepEqual(
          w2.map((state) => state.id),
          ['q'],
        );
        assert.deepEqual(await store.scanProfiles('w3', { limit: 10 }), []);
      }));

    it('returns copies from a scan', () =>
      withStore(async ({ store }) => {
        await store.commit(commitOf({ profiles: profiles(['p1']) }));
        const [scanned] = await store.scanProfiles('w1', { limit: 1 });
        (scanned as { traits: Record<string, unknown> }).traits.plan = 'changed';
        const [again] = await store.scanProfiles('w1', { limit: 1 });
        assert.deepEqual(again?.traits, {});
      }));

    it('removes the memberships of merged and erased profiles, the survivor keeps its own', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            profiles: profiles(['p1', 'p2', 'p3']),
            memberships: [
              enter('p1', 's1', 1),
              enter('p1', 's2', 1),
              enter('p2', 's1', 2),
              enter('p3', 's2', 3),
            ],
          }),
        );
        await store.commit(
          commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1', mergedInto: 'p2' }] }),
        );
        assert.equal(await store.membership('w1', 's2', 'p1'), undefined);
        assert.deepEqual(await members(store, 's1'), ['p2@2']);
        assert.deepEqual(await members(store, 's2'), ['p3@3'], 'nothing moves to the survivor');
        assert.deepEqual(await counts(store), { s1: 1, s2: 1 });
        await store.commit(
          commitOf({
            // Memberships are written before deletions: the erased profile keeps none.
            memberships: [enter('p3', 's3', 4)],
            deletedProfiles: [{ workspaceId: 'w1', profileId: 'p3' }],
          }),
        );
        assert.deepEqual(await counts(store), { s1: 1 });
        assert.deepEqual(await members(store, 's3'), []);
        await store.commit(commitOf({ memberships: [enter('p3', 's2', 5)] }));
        assert.deepEqual(await members(store, 's2'), ['p3@5'], 'a re-created profile starts over');
      }));

    it('writes no membership of a commit that fails', () =>
      withStore(async ({ store }) => {
        await store.commit(commitOf({ memberships: [enter('p1', 's1', 1), enter('p2', 's1', 1)] }));
        const failing = commitOf({
          profiles: profiles(['p3']),
          memberships: [enter('p3', 's1', 2), leave('p1', 's1', 2), enter('p2', 's2', 2)],
          deletedProfiles: [{ workspaceId: 'w1', profileId: 'p2' }],
          checkpoints: new Map([[0, -1]]),
        });
        await assert.rejects(store.commit(failing));
        assert.deepEqual(await members(store, 's1'), ['p1@1', 'p2@1']);
        assert.deepEqual(await counts(store), { s1: 2 });
        // Nothing was left behind: the same changes apply in full later.
        await store.commit({ ...failing, checkpoints: new Map([[0, 1]]) });
        assert.deepEqual(await members(store, 's1'), ['p3@2']);
        assert.deepEqual(await counts(store), { s1: 1 });
      }));

    it('refuses a membership write whose time is not a number, changing nothing', () =>
      withStore(async ({ store }) => {
        for (const at of [Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(
            store.commit(
              commitOf({
                profiles: profiles(['p1']),
                memberships: [enter('p1', 's1', 1), enter('p2', 's1', at)],
              }),
            ),
          );
        }
        assert.deepEqual(await counts(store), {});
        assert.equal(await store.countProfiles('w1'), 0);
      }));

    it('records size samples and reads them by range, oldest first', () =>
      withStore(async ({ store }) => {
        await store.recordSegmentSizes('w1', 30, new Map([['s1', 3]]));
        await store.recordSegmentSizes(
          'w1',
          10,
          new Map([
            ['s1', 1],
            ['s2', 7],
          ]),
        );
        await store.recordSegmentSizes('w1', 20, new Map([['s1', 2]]));
        await store.recordSegmentSizes('w1', 40, new Map([['s1', 4]]));
        await store.recordSegmentSizes('w2', 20, new Map([['s1', 99]]));
        const read = async (from: number, to: number, limit = 10, workspaceId = 'w1') =>
          (await store.segmentSizes(workspaceId, 's1', { from, to, limit })).map(
            ({ at, size }) => `${at}:${size}`,
          );
        assert.deepEqual(await read(0, 100), ['10:1', '20:2', '30:3', '40:4']);
        assert.deepEqual(await read(20, 40), ['20:2', '30:3'], '`from` included, `to` excluded');
        assert.deepEqual(await read(0, 100, 2), ['10:1', '20:2']);
        assert.deepEqual(await read(0, 100, 0), []);
        assert.deepEqual(await read(41, 100), []);
        assert.deepEqual(await read(30, 30), []);
        assert.deepEqual(await read(0, 100, 10, 'w2'), ['20:99']);
        assert.deepEqual(await store.segmentSizes('w1', 's2', { from: 0, to: 100, limit: 10 }), [
          { at: 10, size: 7 },
        ]);
        await store.recordSegmentSizes('w1', 20, new Map([['s1', 5]]));
        assert.deepEqual(
          await read(0, 100),
          ['10:1', '20:5', '30:3', '40:4'],
          'same time replaces',
        );
        await store.recordSegmentSizes('w1', 50, new Map());
        assert.deepEqual(await read(45, 100), []);
      }));

    it('refuses bad size samples and bad ranges, recording nothing', () =>
      withStore(async ({ store }) => {
        for (const size of [-1, 1.5, Number.NaN]) {
          await assert.rejects(
            store.recordSegmentSizes(
              'w1',
              10,
              new Map([
                ['s1', 1],
                ['s2', size],
              ]),
            ),
            RangeError,
          );
        }
        await assert.rejects(store.recordSegmentSizes('w1', Number.NaN, new Map([['s1', 1]])));
        assert.deepEqual(await store.segmentSizes('w1', 's1', { from: 0, to: 100, limit: 10 }), []);
        for (const [from, to, limit] of [
          [Number.NaN, 10, 1],
          [0, Number.NaN, 1],
          [0, 10, -1],
          [0, 10, 1.5],
        ] as const) {
          await assert.rejects(store.segmentSizes('w1', 's1', { from, to, limit }), RangeError);
        }
      }));

    it('keeps workspaces apart', () =>
      withStore(async ({ store }) => {
        await store.commit(
          commitOf({
            profiles: [...profiles(['p1']), ...profiles(['p1'], 'w2')],
            memberships: [
              enter('p1', 's1', 1),
              enter('p1', 's1', 2, 'w2'),
              enter('p2', 's2', 3, 'w2'),
            ],
          }),
        );
        await store.commit(
          commitOf({
            memberships: [leave('p1', 's1', 4, 'w2')],
            deletedProfiles: [{ workspaceId: 'w2', profileId: 'p2' }],
          }),
        );
        assert.deepEqual(await store.membership('w1', 's1', 'p1'), { profileId: 'p1', since: 1 });
        assert.equal(await store.membership('w2', 's1', 'p1'), undefined);
        assert.deepEqual(await counts(store), { s1: 1 });
        assert.deepEqual(await counts(store, 'w2'), {});
        assert.deepEqual(await counts(store, 'w3'), {});
        assert.deepEqual(await members(store, 's1', 'w3'), []);
        assert.deepEqual(
          (await store.scanProfiles('w2', { limit: 10 })).map((state) => state.id),
          ['p1'],
        );
      }));

    it('stores segment and profile ids that are names of object properties', () =>
      withStore(async ({ store }) => {
        const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
        await store.commit(
          commitOf({
            profiles: profiles(names),
            memberships: names.flatMap((segment, i) => [
              enter(segment, segment, i),
              enter('p1', segment, i),
            ]),
          }),
        );
        const counted = await store.countMembers('w1');
        assert.deepEqual([...counted.keys()].sort(), [...names].sort());
        for (const segment of names) {
          assert.equal(counted.get(segment), 2);
          assert.deepEqual(await store.membership('w1', segment, segment), {
            profileId: segment,
            since: names.indexOf(segment),
          });
          assert.equal(await store.membership('w1', segment, 'valueOf'), undefined);
        }
        assert.deepEqual(await members(store, '__proto__'), ['__proto__@0', 'p1@0']);
        assert.deepEqual(await members(store, 'valueOf'), []);
        assert.deepEqual(
          (await store.scanProfiles('w1', { limit: 10 })).map((state) => state.id),
          [...names].sort(),
        );
        await store.recordSegmentSizes(
          'w1',
          5,
          new Map([
            ['__proto__', 2],
            ['constructor', 2],
          ]),
        );
        assert.deepEqual(
          await store.segmentSizes('w1', '__proto__', { from: 0, to: 10, limit: 5 }),
          [{ at: 5, size: 2 }],
        );
        assert.deepEqual(
          await store.segmentSizes('w1', 'toString', { from: 0, to: 10, limit: 5 }),
          [],
        );
        await store.commit(
          commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: '__proto__' }] }),
        );
        assert.equal((await store.countMembers('w1')).get('__proto__'), 1);
      }));

    it('keeps memberships, counts and samples across a restart', async (t) => {
      const harness = await open(createManualClock());
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await harness.store.commit(
          commitOf({
            profiles: profiles(['p1', 'p2']),
            memberships: [enter('p1', 's1', 1), enter('p2', 's1', 2)],
          }),
        );
        await harness.store.recordSegmentSizes('w1', 10, new Map([['s1', 2]]));
        const store = await harness.reopen();
        assert.deepEqual(await members(store, 's1'), ['p1@1', 'p2@2']);
        assert.deepEqual(await counts(store), { s1: 2 });
        assert.deepEqual(await store.segmentSizes('w1', 's1', { from: 0, to: 20, limit: 5 }), [
          { at: 10, size: 2 },
        ]);
        await store.commit(commitOf({ deletedProfiles: [{ workspaceId: 'w1', profileId: 'p1' }] }));
        assert.deepEqual(await counts(store), { s1: 1 });
      } finally {
        await harness.dispose();
      }
    });
  });
}
