import { describeDeadLetterStoreContract } from './dead-letter-store.contract.js';
import { createMemoryDeadLetterStore } from './memory-dead-letter-store.js';

describeDeadLetterStoreContract('memory', async () => {
  const store = createMemoryDeadLetterStore();
  return { store, dispose: () => store.close() };
});
