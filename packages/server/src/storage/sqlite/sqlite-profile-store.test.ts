import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createManualClock } from '@onramp/core';
import type { ManualClock } from '@onramp/core';
import { describeProfileStoreRuleContract } from '../../../../core/src/profiles/profile-store-rules.contract.js';
import { describeProfileStoreSegmentContract } from '../../../../core/src/profiles/profile-store-segments.contract.js';
import {
  describeProfileStoreContract,
  testProfile,
} from '../../../../core/src/profiles/profile-store.contract.js';
import { createSqliteProfileStore } from './sqlite-profile-store.js';
import { openTempDatabase } from './temp-database.js';

async function open(clock: ManualClock) {
  const temp = openTempDatabase();
  let store = createSqliteProfileStore({ db: temp.db, clock });
  return {
    store,
    async reopen() {
      await store.close();
      store = createSqliteProfileStore({ db: temp.reopen(), clock });
      return store;
    },
    async dispose() {
      await store.close();
      temp.dispose();
    },
  };
}

describeProfileStoreContract('sqlite', open);
describeProfileStoreRuleContract('sqlite', open);
describeProfileStoreSegmentContract('sqlite', open);

it('sqlite profile store: rolls back rows already written when a later statement throws', async () => {
  const temp = openTempDatabase();
  try {
    const store = createSqliteProfileStore({ db: temp.db, clock: createManualClock() });
    const unserializable = testProfile('p2', { traits: { big: 1n as unknown as number } });
    await assert.rejects(
      store.commit({
        profiles: [
          { workspaceId: 'w1', state: testProfile('p1') },
          { workspaceId: 'w1', state: unserializable },
        ],
        identities: [],
        deletedProfiles: [],
        checkpoints: new Map(),
      }),
      /BigInt/,
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
    store.commit({
      profiles: [{ workspaceId: 'w1', state: testProfile('p1') }],
      identities: [],
      deletedProfiles: [],
      checkpoints: new Map([[0, 1]]),
    }),
  );
  const reopened = createSqliteProfileStore({ db: temp.reopen(), clock: createManualClock() });
  assert.equal(await reopened.countProfiles('w1'), 0);
  assert.deepEqual(await reopened.loadCheckpoints(), new Map());
  temp.dispose();
});
