import { createMemoryProfileStore } from './memory-profile-store.js';
import { describeProfileStoreContract } from './profile-store.contract.js';

describeProfileStoreContract('memory', async () => {
  const store = createMemoryProfileStore();
  return { store, dispose: () => store.close() };
});
