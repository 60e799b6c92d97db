import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ClusterRun } from '@onramp/core';
import { describeClusterRunStoreContract } from '../../../../core/src/clustering/cluster-run-store.contract.js';
import { createSqliteClusterRunStore } from './sqlite-cluster-run-store.js';
import { openTempDatabase } from './temp-database.js';

describeClusterRunStoreContract('sqlite', async () => {
  const temp = openTempDatabase();
  let store = createSqliteClusterRunStore({ db: temp.db });
  return {
    store,
    async reopen() {
      await store.close();
      store = createSqliteClusterRunStore({ db: temp.reopen() });
      return store;
    },
    async dispose() {
      await store.close();
      temp.dispose();
    },
  };
});

it('sqlite cluster run store: a run the schema refuses leaves nothing behind', async () => {
  const temp = openTempDatabase();
  try {
    const store = createSqliteClusterRunStore({ db: temp.db });
    const run: ClusterRun = {
      workspaceId: 'w1',
      clusteringId: 'c1',
      run: 1,
      configVersion: 1,
      trigger: 'cli',
      startedAt: 1,
      finishedAt: 2,
      status: 'skipped' as 'failed',
      sampled: 0,
      population: 0,
      features: [],
      k: 0,
      candidates: [],
      clusters: [],
    };
    await assert.rejects(store.append(run), /CHECK constraint/);
    assert.equal(await store.latest('w1', 'c1'), undefined);
    await store.append({ ...run, status: 'failed' });
    assert.equal((await store.latest('w1', 'c1'))?.run, 1);
  } finally {
    temp.dispose();
  }
});
