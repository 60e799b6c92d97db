import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import { testProfile } from '../profiles/profile-store.contract.js';
import { describeExperimentTotalsContract } from './experiment-totals.contract.js';
import {
  addContribution,
  experimentContributions,
  totalsOf,
  type ExperimentTotals,
} from './experiment-totals.js';

describeExperimentTotalsContract('memory', async () => {
  const store = createMemoryProfileStore();
  return { store, dispose: () => store.close() };
});

it('contributions copy exposed assignments only; adding then removing one leaves zeros', () => {
  const state = testProfile('p', {
    experiments: {
      e1: { variant: 'a', at: 1, exposedAt: 2, metrics: { m: 3 } },
      e2: { variant: 'b', at: 1 },
    },
  });
  const contributions = experimentContributions(state);
  assert.deepEqual(contributions, { e1: { variant: 'a', metrics: { m: 3 } } });
  assert.equal(experimentContributions(testProfile('q')), undefined);
  const totals: ExperimentTotals = new Map();
  addContribution(totals, contributions?.['e1'] as never, 1);
  assert.deepEqual(totals.get('a'), { users: 1, metrics: { m: { sum: 3, sumSq: 9 } } });
  addContribution(totals, contributions?.['e1'] as never, -1);
  assert.deepEqual(totals.get('a'), { users: 0, metrics: { m: { sum: 0, sumSq: 0 } } });
  assert.deepEqual(totalsOf([state], 'constructor'), new Map());
});
