import { describeDeadLetterStoreContract } from '../../../../core/src/events/dead-letter-store.contract.js';
import { createSqliteDeadLetterStore } from './sqlite-dead-letter-store.js';
import { openTempDatabase } from './temp-database.js';

describeDeadLetterStoreContract('sqlite', async () => {
  const temp = openTempDatabase();
  let store = createSqliteDeadLetterStore({ db: temp.db });
  return {
    store,
    async reopen() {
      await store.close();
      store = createSqliteDeadLetterStore({ db: temp.reopen() });
      return store;
    },
    async dispose() {
      await store.close();
      temp.dispose();
    },
  };
});
