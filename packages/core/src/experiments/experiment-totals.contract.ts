/**
 * The experiment totals every ProfileStore keeps (experimentTotals), as a contract
 * suite run against each implementation: totals follow the committed profiles'
 * exposed assignments through rewrites, variant changes, merges, erasure and reopening,
 * and writing the same state again (a replay) never counts twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock, type ManualClock } from '../time/clock.js';
import type { ExperimentAssignment } from '../profiles/profile.js';
import { testProfile, type ProfileStoreHarness } from '../profiles/profile-store.contract.js';
import { profileWrite, type ProfileCommit, type ProfileStore } from '../profiles/profile-store.js';

function commitOf(fields: Partial<ProfileCommit>): ProfileCommit {
  return { profiles: [], identities: [], deletedProfiles: [], checkpoints: new Map(), ...fields };
}

function exposed(variant: string, metrics: Record<string, number> = {}): ExperimentAssignment {
  return { variant, at: 1, exposedAt: 1, metrics };
}

function write(id: string, experiments: Record<string, ExperimentAssignment>) {
  return profileWrite('w1', testProfile(id, { experiments }));
}

/** The totals as plain data: variant → [users, { metric: [sum, sumSq] }]. */
async function totals(store: ProfileStore, experiment = 'e1') {
  const result: Record<string, [number, Record<string, [number, number]>]> = {};
  for (const [variant, held] of await store.experimentTotals('w1', experiment)) {
    if (held.users === 0) continue;
    const metrics: Record<string, [number, number]> = {};
    for (const [id, { sum, sumSq }] of Object.entries(held.metrics)) {
      if (sum !== 0 || sumSq !== 0) metrics[id] = [sum, sumSq];
    }
    result[variant] = [held.users, metrics];
  }
  return result;
}

export function describeExperimentTotalsContract(
  name: string,
  open: (clock: ManualClock) => Promise<ProfileStoreHarness>,
): void {
  describe(`${name} profile store: experiment totals`, () => {
    it('adds exposed assignments, replaces rewritten ones, ignores unexposed ones', async () => {
      const harness = await open(createManualClock(0));
      try {
        const { store } = harness;
        await store.commit(
          commitOf({
            profiles: [
              write('p1', { e1: exposed('a', { conv: 1, rev: 10 }) }),
              write('p2', { e1: exposed('a', { rev: 4 }), e2: exposed('x') }),
              write('p3', { e1: exposed('b', { conv: 1 }) }),
              write('p4', { e1: { variant: 'b', at: 1 } }),
              profileWrite('w1', testProfile('p5')),
            ],
          }),
        );
        assert.deepEqual(await totals(store), {
          a: [2, { conv: [1, 1], rev: [14, 116] }],
          b: [1, { conv: [1, 1] }],
        });
        assert.deepEqual(await totals(store, 'e2'), { x: [1, {}] });
        // p1 converts more, p3 moves to variant a (re-assigned), p2 loses e2.
        await store.commit(
          commitOf({
            profiles: [
              write('p1', { e1: exposed('a', { conv: 1, rev: 15 }) }),
              write('p3', { e1: exposed('a') }),
              write('p2', { e1: exposed('a', { rev: 4 }) }),
            ],
          }),
        );
        assert.deepEqual(await totals(store), { a: [3, { conv: [1, 1], rev: [19, 241] }] });
        assert.deepEqual(await totals(store, 'e2'), {});
        // The same states written again (a replay after a crash): nothing moves.
        await store.commit(
          commitOf({ profiles: [write('p1', { e1: exposed('a', { conv: 1, rev: 15 }) })] }),
        );
        assert.deepEqual(await totals(store), { a: [3, { conv: [1, 1], rev: [19, 241] }] });
        const reopened = harness.reopen === undefined ? store : await harness.reopen();
        assert.deepEqual(await totals(reopened), { a: [3, { conv: [1, 1], rev: [19, 241] }] });
      } finally {
        await harness.dispose();
      }
    });

    it('drops the contributions of merged and erased profiles; the survivor carries the merge', async () => {
      const harness = await open(createManualClock(0));
      try {
        const { store } = harness;
        await store.commit(
          commitOf({
            profiles: [
              write('visitor', { e1: exposed('b', { conv: 1 }) }),
              write('known', {}),
              write('gone', { e1: exposed('a', { rev: 3 }) }),
            ],
          }),
        );
        await store.commit(
          commitOf({
            profiles: [write('known', { e1: exposed('b', { conv: 1 }) })],
            deletedProfiles: [
              { workspaceId: 'w1', profileId: 'visitor', mergedInto: 'known' },
              { workspaceId: 'w1', profileId: 'gone' },
            ],
          }),
        );
        assert.deepEqual(await totals(store), { b: [1, { conv: [1, 1] }] });
        assert.deepEqual(await store.experimentTotals('w2', 'e1'), new Map());
      } finally {
        await harness.dispose();
      }
    });
  });
}
