import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeRuleConfigStoreContract } from '../../../../core/src/rules/rule-config-store.contract.js';
import { createSqliteRuleConfigStore } from './sqlite-rule-config-store.js';
import { openTempDatabase } from './temp-database.js';

describeRuleConfigStoreContract('sqlite', async () => {
  const temp = openTempDatabase();
  let store = createSqliteRuleConfigStore({ db: temp.db });
  return {
    store,
    async reopen() {
      await store.close();
      store = createSqliteRuleConfigStore({ db: temp.reopen() });
      return store;
    },
    async dispose() {
      await store.close();
      temp.dispose();
    },
  };
});

it('sqlite rule config store: an append that fails to write leaves no version behind', async () => {
  const temp = openTempDatabase();
  try {
    const store = createSqliteRuleConfigStore({ db: temp.db });
    const version = {
      workspaceId: 'w1',
      version: 1,
      rules: [],
      settings: { defaultTimezone: 'UTC', maxChainDepth: 3 },
      createdAt: 1,
      source: 'yaml' as 'file',
    };
    await assert.rejects(store.append(version), /CHECK constraint/);
    assert.equal(await store.latest('w1'), undefined);
    await store.append({ ...version, source: 'file' });
    assert.equal((await store.latest('w1'))?.version, 1);
  } finally {
    temp.dispose();
  }
});
