import { createMemoryProfileStore } from './memory-profile-store.js';
import { describeProfileStoreRuleContract } from './profile-store-rules.contract.js';
import { describeProfileStoreSegmentContract } from './profile-store-segments.contract.js';
import { describeProfileStoreContract } from './profile-store.contract.js';

async function open() {
  const store = createMemoryProfileStore();
  return { store, dispose: () => store.close() };
}

describeProfileStoreContract('memory', open);
describeProfileStoreRuleContract('memory', open);
describeProfileStoreSegmentContract('memory', open);
