import { describeClusterRunStoreContract } from './cluster-run-store.contract.js';
import { createMemoryClusterRunStore } from './memory-cluster-run-store.js';

describeClusterRunStoreContract('memory', async () => {
  const store = createMemoryClusterRunStore();
  return { store, dispose: () => store.close() };
});
