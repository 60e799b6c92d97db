import { createMemoryWorkspaceStore } from './memory-workspace-store.js';
import { describeWorkspaceStoreContract } from './workspace-store.contract.js';

describeWorkspaceStoreContract('memory', async () => {
  const store = createMemoryWorkspaceStore();
  return { store, dispose: () => store.close() };
});
