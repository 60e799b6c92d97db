import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CompiledExperiment } from './experiment.js';
import { bannerExperiment, compileWithExperiments } from './experiment-fixtures.js';
import { experimentResults } from './experiment-results.js';
import type { ExperimentTotals, VariantTotals } from './experiment-totals.js';

const experiment = compileWithExperiments([
  bannerExperiment({
    metrics: [
      { id: 'activated', type: 'conversion', event: 'Project Created' },
      { id: 'revenue', type: 'value', event: 'Paid', property: 'amount', role: 'guardrail' },
    ],
  }),
]).experiments.byId.get('welcome-test') as CompiledExperiment;

function totals(control: number, friendly: number): ExperimentTotals {
  return new Map<string, VariantTotals>([
    [
      'control',
      { users: control, metrics: { activated: { sum: control * 0.1, sumSq: control * 0.1 } } },
    ],
    [
      'friendly',
      {
        users: friendly,
        metrics: {
          activated: { sum: friendly * 0.14, sumSq: friendly * 0.14 },
          revenue: { sum: friendly * 2, sumSq: friendly * 8 },
        },
      },
    ],
    ['removed-variant', { users: 40, metrics: {} }],
  ]);
}

it('maps conversions to proportions and values to continuous metrics, per variant', () => {
  const results = experimentResults(experiment, totals(5000, 5000));
  assert.deepEqual(
    results.variants.map((v) => [v.id, v.users, v.metrics['activated']?.mean]),
    [
      ['control', 5000, 0.1],
      ['friendly', 5000, 0.14],
    ],
  );
  assert.deepEqual(results.variants[0]?.metrics['revenue'], { n: 5000, sum: 0, sumSq: 0, mean: 0 });
  assert.ok(results.analysis.ok);
  const [activated, revenue] = results.analysis.metrics;
  assert.equal(activated?.type, 'proportion');
  assert.equal(activated?.comparisons[0]?.guidance.status, 'significant');
  assert.deepEqual([revenue?.type, revenue?.role], ['continuous', 'guardrail']);
  assert.deepEqual(results.analysis.warnings, []);
});

it('warns of a sample ratio mismatch, and reports empty variants without failing', () => {
  const skewed = experimentResults(experiment, totals(5000, 4000));
  assert.ok(skewed.analysis.ok);
  assert.deepEqual(skewed.analysis.warnings, ['sample-ratio-mismatch']);
  const empty = experimentResults(experiment, new Map());
  assert.ok(empty.analysis.ok);
  assert.equal(empty.variants[0]?.metrics['activated']?.mean, null);
});
