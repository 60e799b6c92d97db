import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { createManualClock, profileWrite } from '@onramp/core';
import type { ManualClock, ProfileCommit, ProfileState } from '@onramp/core';
import { describeProfileStoreCommitContract } from '../../../../core/src/profiles/profile-store-commit.contract.js';
import { describeProfileStoreRuleContract } from '../../../../core/src/profiles/profile-store-rules.contract.js';
import { describeProfileStoreSegmentContract } from '../../../../core/src/profiles/profile-store-segments.contract.js';
import {
  describeProfileStoreContract,
  testProfile,
} from '../../../../core/src/profiles/profile-store.contract.js';
import { openDatabase, type Database } from './database.js';
import { startCommitWorker } from './commit-worker.js';
import { createSqliteProfileStore } from './sqlite-profile-store.js';
import { createSqliteTimerIndex } from './sqlite-timer-index.js';
import { openTempDatabase } from './temp-database.js';

/**
 * A store on a temporary file; `worker`: its commits on a worker thread's connection,
 * as the server runs it (commit-worker.ts).
 */
function opener(sliceProfiles?: number, worker = false) {
  return async (clock: ManualClock) => {
    const temp = openTempDatabase();
    const open = (db: Database) => {
      const committer = worker ? startCommitWorker({ path: temp.path }) : undefined;
      const store = createSqliteProfileStore({
        db,
        clock,
        ...(sliceProfiles === undefined ? {} : { sliceProfiles }),
        ...(committer === undefined ? {} : { committer }),
      });
      return {
        store,
        async close() {
          await store.close();
          await committer?.stop();
        },
      };
    };
    let current = open(temp.db);
    return {
      store: current.store,
      async reopen() {
        await current.close();
        current = open(temp.reopen());
        return current.store;
      },
      async dispose() {
        await current.close();
        temp.dispose();
      },
    };
  };
}

describeProfileStoreContract('sqlite', opener());
describeProfileStoreRuleContract('sqlite', opener());
describeProfileStoreSegmentContract('sqlite', opener());
describeProfileStoreCommitContract('sqlite', opener());
// Every profile in a slice of its own: the staging path under the whole contract.
describeProfileStoreContract('sqlite, one profile per slice', opener(1));
describeProfileStoreCommitContract('sqlite, slices of 7', opener(7));
describeProfileStoreContract('sqlite, commits on a worker thread', opener(undefined, true));
describeProfileStoreRuleContract('sqlite, commits on a worker thread', opener(undefined, true));
describeProfileStoreSegmentContract('sqlite, commits on a worker thread', opener(undefined, true));
describeProfileStoreCommitContract('sqlite, commits on a worker thread', opener(undefined, true));

it('sqlite profile store: commits on its own connection once the worker stopped, timers included', async () => {
  const temp = openTempDatabase();
  const clock = createManualClock(1_000);
  const committer = startCommitWorker({ path: temp.path });
  const store = createSqliteProfileStore({ db: temp.db, clock, committer });
  const armed = (profileId: string, timers: Record<string, number>) => {
    const state = testProfile(profileId);
    state.rules = { timers, fired: {} } as typeof state.rules;
    return profileWrite('ws', state);
  };
  try {
    await store.commit(commitOf({ profiles: [armed('p1', { nudge: 5_000 })] }));
    assert.equal(committer.available, true);
    await committer.stop();
    assert.equal(committer.available, false);
    // The same timers again (the worker wrote their row), then moved: the row follows.
    await store.commit(commitOf({ profiles: [armed('p1', { nudge: 5_000 })] }));
    assert.deepEqual(
      (await store.dueTimers(10_000, 10)).map((timer) => [timer.profileId, timer.dueAt]),
      [['p1', 5_000]],
    );
    await store.commit(commitOf({ profiles: [armed('p1', { nudge: 7_000 })] }));
    assert.deepEqual(
      (await store.dueTimers(10_000, 10)).map((timer) => [timer.profileId, timer.dueAt]),
      [['p1', 7_000]],
    );
    await store.commit(commitOf({ profiles: [armed('p1', {})] }));
    assert.deepEqual(await store.dueTimers(10_000, 10), []);
  } finally {
    await store.close();
    temp.dispose();
  }
});

it('sqlite profile store: states encoded for the worker are written by it, timers included, and by the store itself once it stopped', async () => {
  const temp = openTempDatabase();
  const clock = createManualClock(1_000);
  const committer = startCommitWorker({ path: temp.path });
  const store = createSqliteProfileStore({ db: temp.db, clock, committer });
  const encode = (...states: ProfileState[]) => {
    const encoder = store.profileEncoder?.();
    assert.ok(encoder, 'an encoder while the worker runs');
    for (const state of states) encoder.add('ws', state);
    return encoder.finish();
  };
  const armed = testProfile('p1', { traits: { name: 'Zoë <b>' } });
  armed.rules = { timers: { nudge: 5_000 }, fired: {} } as typeof armed.rules;
  try {
    const plain = profileWrite('ws', testProfile('p0'));
    await store.commit(
      commitOf({
        profiles: [plain],
        encodedProfiles: encode(armed, testProfile('p2')),
        checkpoints: new Map([[0, 3]]),
      }),
    );
    const loaded = await store.loadProfiles('ws', ['p0', 'p1', 'p2']);
    assert.deepEqual([...loaded.keys()].sort(), ['p0', 'p1', 'p2']);
    assert.deepEqual(loaded.get('p1'), armed);
    assert.deepEqual(await store.loadCheckpoints(), new Map([[0, 3]]));
    // Encoded while the worker ran, committed after it stopped: decoded here.
    const late = encode(testProfile('p1', { eventCount: 7 }));
    await committer.stop();
    assert.equal(store.profileEncoder?.(), undefined, 'JSON text once the worker stopped');
    await store.commit(commitOf({ encodedProfiles: late, checkpoints: new Map([[0, 4]]) }));
    assert.equal((await store.loadProfiles('ws', ['p1'])).get('p1')?.eventCount, 7);
    assert.deepEqual(await store.dueTimers(10_000, 10), [], 'the timer went with the new state');
    await assert.rejects(
      store.commit(commitOf({ encodedProfiles: { encoding: 'other', count: 0 } })),
      /takes no profiles encoded as other/,
    );
    assert.deepEqual(
      await store.loadCheckpoints(),
      new Map([[0, 4]]),
      'the refused one wrote nothing',
    );
  } finally {
    await store.close();
    temp.dispose();
  }
});

it('sqlite profile store: hands out no encoder without a worker', async () => {
  const temp = openTempDatabase();
  const store = createSqliteProfileStore({ db: temp.db, clock: createManualClock() });
  try {
    assert.equal(store.profileEncoder?.(), undefined);
  } finally {
    await store.close();
    temp.dispose();
  }
});

it('sqlite profile store: a worker that cannot start fails its commits, then the store commits itself', async () => {
  const temp = openTempDatabase();
  const errors: Error[] = [];
  const committer = startCommitWorker({
    path: join(temp.path, '..', 'missing', 'onramp.db'),
    onError: (error) => errors.push(error),
  });
  const store = createSqliteProfileStore({ db: temp.db, clock: createManualClock(), committer });
  try {
    const first = store.commit(commitOf({ profiles: [profileWrite('ws', testProfile('p1'))] }));
    await first.catch(() => undefined); // failed with the worker, or made here if it failed first
    while (committer.available) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /profile commit worker/);
    await store.commit(commitOf({ profiles: [profileWrite('ws', testProfile('p2'))] }));
    assert.deepEqual([...(await store.loadProfiles('ws', ['p2'])).keys()], ['p2']);
  } finally {
    await store.close();
    await committer.stop();
    temp.dispose();
  }
});

function commitOf(fields: Partial<ProfileCommit>): ProfileCommit {
  return { profiles: [], identities: [], deletedProfiles: [], checkpoints: new Map(), ...fields };
}

it('sqlite profile store: rolls back rows already staged when a later one is refused', async () => {
  const temp = openTempDatabase();
  try {
    const store = createSqliteProfileStore({
      db: temp.db,
      clock: createManualClock(),
      sliceProfiles: 1,
    });
    await assert.rejects(
      store.commit(
        commitOf({
          profiles: [
            profileWrite('w1', testProfile('p1')),
            profileWrite('w1', testProfile('p2')),
            { ...profileWrite('w1', testProfile('p3')), json: '[]' },
          ],
        }),
      ),
      /not the JSON of an object/,
    );
    assert.equal(await store.countProfiles('w1'), 0);
  } finally {
    temp.dispose();
  }
});

it('sqlite profile store: a commit on a closed database fails and changes nothing', async () => {
  const temp = openTempDatabase();
  const store = createSqliteProfileStore({ db: temp.db, clock: createManualClock() });
  temp.db.close();
  await assert.rejects(
    store.commit(
      commitOf({
        profiles: [profileWrite('w1', testProfile('p1'))],
        checkpoints: new Map([[0, 1]]),
      }),
    ),
  );
  const reopened = createSqliteProfileStore({ db: temp.reopen(), clock: createManualClock() });
  assert.equal(await reopened.countProfiles('w1'), 0);
  assert.deepEqual(await reopened.loadCheckpoints(), new Map());
  temp.dispose();
});

it('sqlite profile store: closed between two slices, the commit fails and writes nothing', async () => {
  const temp = openTempDatabase();
  try {
    let store = createSqliteProfileStore({
      db: temp.db,
      clock: createManualClock(),
      sliceProfiles: 2,
      betweenSlices: async () => void (await store.close()),
    });
    const profiles = ['p1', 'p2', 'p3'].map((id) => profileWrite('w1', testProfile(id)));
    await assert.rejects(store.commit(commitOf({ profiles })), /closed/);
    store = createSqliteProfileStore({ db: temp.db, clock: createManualClock() });
    assert.equal(await store.countProfiles('w1'), 0);
    await store.commit(commitOf({ profiles: profiles.slice(2) }));
    assert.equal(
      await store.countProfiles('w1'),
      1,
      'the staged rows of the failed commit are gone',
    );
  } finally {
    temp.dispose();
  }
});

it('sqlite profile store: the database as a crash leaves it between slices holds the previous commit whole', async () => {
  const temp = openTempDatabase('full');
  const image = join(temp.path, '..', 'crash-image.db');
  try {
    let slices = 0;
    const store = createSqliteProfileStore({
      db: temp.db,
      clock: createManualClock(),
      sliceProfiles: 2,
      betweenSlices: async () => {
        // What is on disk now is what kill -9 would leave: committed transactions only.
        if (++slices === 2) writeFileSync(image, temp.db.serialize());
      },
    });
    const write = (id: string, version: number) =>
      profileWrite('w1', testProfile(id, { version, rules: { timers: { r: version } } }));
    await store.commit(commitOf({ profiles: [write('p1', 1)], checkpoints: new Map([[0, 3]]) }));
    await store.commit(
      commitOf({
        profiles: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((id) => write(id, 2)),
        identities: [{ workspaceId: 'w1', identity: 'u:six', profileId: 'p6' }],
        checkpoints: new Map([[0, 9]]),
      }),
    );
    assert.equal(slices, 2);
    assert.equal(await store.countProfiles('w1'), 6);

    const db = openDatabase({ path: image, durability: 'full' });
    try {
      const recovered = createSqliteProfileStore({ db, clock: createManualClock() });
      assert.deepEqual(await recovered.loadCheckpoints(), new Map([[0, 3]]));
      assert.equal(await recovered.countProfiles('w1'), 1);
      assert.equal((await recovered.loadProfiles('w1', ['p1'])).get('p1')?.version, 1);
      assert.deepEqual(await recovered.resolveIdentities('w1', ['u:six']), new Map());
      assert.deepEqual(
        (await recovered.dueTimers(10, 10)).map((timer) => `${timer.profileId}@${timer.dueAt}`),
        ['p1@1'],
      );
      assert.equal(db.prepare('SELECT count(*) FROM temp.profile_staging').pluck().get(), 0);
    } finally {
      db.close();
    }
  } finally {
    temp.dispose();
  }
});

it('sqlite timer index: reads its table at the first write, so rows written by another connection before then count', () => {
  const temp = openTempDatabase();
  try {
    const index = createSqliteTimerIndex(temp.db);
    // Another connection (the commit worker) writes a profile's timer after the index was made.
    const other = openDatabase({ path: temp.path, durability: 'normal' });
    other
      .prepare(
        "INSERT INTO profile_timers (workspace, profile_id, rule_id, due_at) VALUES ('ws', 'p1', 'nudge', 5000)",
      )
      .run();
    other.close();
    // This connection now commits: the profile's timer moved; the old row must go.
    temp.db.transaction(() => index.write('ws', 'p1', { nudge: 7000 }))();
    index.settle();
    assert.deepEqual(
      index.due(10_000, 10).map((timer) => [timer.profileId, timer.ruleId, timer.dueAt]),
      [['p1', 'nudge', 7000]],
    );
  } finally {
    temp.dispose();
  }
});
