import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMemoryProfileStore } from './memory-profile-store.js';
import { describeProfileStoreCommitContract } from './profile-store-commit.contract.js';
import { describeProfileStoreRuleContract } from './profile-store-rules.contract.js';
import { describeProfileStoreSegmentContract } from './profile-store-segments.contract.js';
import { describeProfileStoreContract, testProfile } from './profile-store.contract.js';
import { profileWrite } from './profile-store.js';

async function open() {
  const store = createMemoryProfileStore();
  return { store, dispose: () => store.close() };
}

describeProfileStoreContract('memory', open);
describeProfileStoreRuleContract('memory', open);
describeProfileStoreSegmentContract('memory', open);
describeProfileStoreCommitContract('memory', open);

it('memory profile store: refuses a state that is cut-off JSON or carries another id', async () => {
  const store = createMemoryProfileStore();
  const write = profileWrite('w1', testProfile('p1'));
  for (const bad of [
    { ...write, json: write.json.slice(0, -1) },
    { ...write, profileId: 'p2' },
  ]) {
    await assert.rejects(
      store.commit({
        profiles: [bad],
        identities: [],
        deletedProfiles: [],
        checkpoints: new Map(),
      }),
    );
  }
  assert.equal(await store.countProfiles('w1'), 0);
});
