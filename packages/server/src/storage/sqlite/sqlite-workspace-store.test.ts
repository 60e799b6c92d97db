import { describeWorkspaceStoreContract } from '../../../../core/src/workspaces/workspace-store.contract.js';
import { createSqliteWorkspaceStore } from './sqlite-workspace-store.js';
import { openTempDatabase } from './temp-database.js';

describeWorkspaceStoreContract('sqlite', async () => {
  const temp = openTempDatabase();
  let store = createSqliteWorkspaceStore({ db: temp.db });
  return {
    store,
    async reopen() {
      await store.close();
      store = createSqliteWorkspaceStore({ db: temp.reopen() });
      return store;
    },
    async dispose() {
      await store.close();
      temp.dispose();
    },
  };
});
