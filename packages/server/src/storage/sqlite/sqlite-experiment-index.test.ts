import { describeExperimentTotalsContract } from '../../../../core/src/experiments/experiment-totals.contract.js';
import { createSqliteProfileStore } from './sqlite-profile-store.js';
import { openTempDatabase } from './temp-database.js';

describeExperimentTotalsContract('sqlite', async (clock) => {
  const temp = openTempDatabase();
  let store = createSqliteProfileStore({ db: temp.db, clock });
  return {
    store,
    async reopen() {
      await store.close();
      store = createSqliteProfileStore({ db: temp.reopen(), clock });
      return store;
    },
    async dispose() {
      await store.close();
      temp.dispose();
    },
  };
});
