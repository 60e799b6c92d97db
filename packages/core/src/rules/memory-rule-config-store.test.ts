import { createMemoryRuleConfigStore } from './memory-rule-config-store.js';
import { describeRuleConfigStoreContract } from './rule-config-store.contract.js';

describeRuleConfigStoreContract('memory', async () => {
  const store = createMemoryRuleConfigStore();
  return { store, dispose: () => store.close() };
});
