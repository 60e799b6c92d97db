import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentAnalysis } from './analyze-experiment.js';
import { analyzeExperiment } from './analyze-experiment.js';
import type { VariantComparison, MetricAnalysis } from './analyze-metric.js';

const twoArms = (usersC: number, usersT: number) => [
  { id: 'control', weight: 50, users: usersC },
  { id: 'treatment', weight: 50, users: usersT },
];

function ok(result: ExperimentAnalysis): Extract<ExperimentAnalysis, { ok: true }> {
  assert.ok(result.ok, JSON.stringify(result));
  return result;
}

function only(metric: MetricAnalysis | undefined): VariantComparison {
  assert.ok(metric);
  const [comparison] = metric.comparisons;
  assert.ok(comparison);
  return comparison;
}

describe('analyzeExperiment: decision guidance', () => {
  it('significant and better, with the Bayesian summary', () => {
    const r = ok(
      analyzeExperiment({
        variants: twoArms(10_000, 10_000),
        metrics: [
          {
            id: 'activated',
            type: 'proportion',
            data: [
              { n: 10_000, x: 1000 },
              { n: 10_000, x: 1150 },
            ],
          },
        ],
      }),
    );
    const c = only(r.metrics[0]);
    assert.equal(c.guidance.status, 'significant');
    assert.equal(c.guidance.reason, 'p-value-below-alpha');
    assert.equal(c.guidance.effect, 'better');
    assert.equal(c.guidance.direction, 'increase');
    assert.ok(c.bayesian && c.bayesian.chanceToBeatControl > 0.99);
    assert.equal(r.metrics[0]?.overall?.ok, true);
  });

  it('a lower-is-better guardrail that increased is a violated guardrail', () => {
    const r = ok(
      analyzeExperiment({
        variants: twoArms(5000, 5000),
        metrics: [
          {
            id: 'load-time',
            type: 'continuous',
            role: 'guardrail',
            higherIsBetter: false,
            data: [
              { n: 5000, sum: 5000 * 2.0, sumSq: 5000 * (4 + 0.25) },
              { n: 5000, sum: 5000 * 2.1, sumSq: 5000 * (4.41 + 0.25) },
            ],
          },
        ],
      }),
    );
    const c = only(r.metrics[0]);
    assert.equal(c.guidance.status, 'significant');
    assert.equal(c.guidance.effect, 'worse');
    assert.equal(c.guidance.guardrailViolated, true);
    assert.ok(c.bayesian && c.bayesian.chanceToBeatControl < 0.01);
  });

  it('not yet: too few users for a 5 % effect, with the users needed', () => {
    const r = ok(
      analyzeExperiment({
        variants: twoArms(1000, 1000),
        metrics: [
          {
            id: 'activated',
            type: 'proportion',
            data: [
              { n: 1000, x: 100 },
              { n: 1000, x: 104 },
            ],
          },
        ],
      }),
    );
    const c = only(r.metrics[0]);
    assert.equal(c.guidance.status, 'not-yet');
    assert.equal(c.guidance.reason, 'sample-below-required');
    // (1.96 + 0.84)² (0.09 + 0.105·0.895) / 0.005² ≈ 57 760 per variant.
    assert.ok(c.guidance.requiredUsers);
    assert.ok(Math.abs(c.guidance.requiredUsers.control - 57_760) < 100);
  });

  it('inconclusive: the planned sample is reached and nothing was found', () => {
    const r = ok(
      analyzeExperiment({
        variants: twoArms(80_000, 80_000),
        metrics: [
          {
            id: 'activated',
            type: 'proportion',
            data: [
              { n: 80_000, x: 8000 },
              { n: 80_000, x: 8010 },
            ],
          },
        ],
      }),
    );
    const c = only(r.metrics[0]);
    assert.equal(c.guidance.status, 'inconclusive');
    assert.equal(c.guidance.reason, 'required-sample-reached');
  });

  it('sequential: the same data is not yet significant, and inconclusive once the sequence is tight', () => {
    const early = ok(
      analyzeExperiment({
        variants: twoArms(2000, 2000),
        metrics: [
          {
            id: 'a',
            type: 'proportion',
            data: [
              { n: 2000, x: 200 },
              { n: 2000, x: 245 },
            ],
          },
        ],
        options: { mode: 'sequential', plannedUsers: 4000 },
      }),
    );
    const e = only(early.metrics[0]);
    assert.ok(e.fixedHorizon && e.fixedHorizon.pValue < 0.05, 'one look would call it');
    assert.equal(e.guidance.status, 'not-yet');
    assert.equal(e.guidance.reason, 'interval-wider-than-effect');
    assert.ok(e.sequential && e.sequential.pValue > 0.05);
    const late = ok(
      analyzeExperiment({
        variants: twoArms(1_000_000, 1_000_000),
        metrics: [
          {
            id: 'a',
            type: 'proportion',
            data: [
              { n: 1e6, x: 100_000 },
              { n: 1e6, x: 100_100 },
            ],
          },
        ],
        options: { mode: 'sequential', plannedUsers: 2_000_000 },
      }),
    );
    const l = only(late.metrics[0]);
    assert.equal(l.guidance.status, 'inconclusive');
    assert.equal(l.guidance.reason, 'interval-excludes-effect');
  });

  it('flags a sample-ratio mismatch on every decision', () => {
    const r = ok(
      analyzeExperiment({
        variants: twoArms(10_000, 10_600),
        metrics: [
          {
            id: 'a',
            type: 'proportion',
            data: [
              { n: 10_000, x: 1000 },
              { n: 10_600, x: 1100 },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(r.warnings, ['sample-ratio-mismatch']);
    assert.ok(r.sampleRatio.checked && r.sampleRatio.pValue < 0.001);
    assert.deepEqual(only(r.metrics[0]).guidance.warnings, ['sample-ratio-mismatch']);
  });

  it('A/B/n: each treatment against the chosen control, with Holm adjustment', () => {
    const input = {
      variants: [
        { id: 'a', weight: 1, users: 3000 },
        { id: 'b', weight: 1, users: 3000 },
        { id: 'c', weight: 1, users: 3000 },
      ],
      controlId: 'b',
      metrics: [
        {
          id: 'm',
          type: 'proportion' as const,
          data: [
            { n: 3000, x: 330 },
            { n: 3000, x: 300 },
            { n: 3000, x: 345 },
          ],
        },
      ],
    };
    const plain = ok(analyzeExperiment(input));
    const holm = ok(analyzeExperiment({ ...input, options: { correction: 'holm' } }));
    assert.equal(plain.controlId, 'b');
    assert.deepEqual(
      plain.metrics[0]?.comparisons.map((c) => c.variantId),
      ['a', 'c'],
    );
    const raw = plain.metrics[0]?.comparisons.map((c) => c.adjustedPValue as number) ?? [];
    const adjusted = holm.metrics[0]?.comparisons.map((c) => c.adjustedPValue as number) ?? [];
    const [small, large] = raw[0]! < raw[1]! ? [0, 1] : [1, 0];
    assert.ok(Math.abs(adjusted[small]! - 2 * raw[small]!) < 1e-12);
    assert.ok(Math.abs(adjusted[large]! - Math.max(raw[large]!, 2 * raw[small]!)) < 1e-12);
    assert.equal(plain.metrics[0]?.overall?.ok, true);
  });

  it('bad aggregates make only their comparisons unavailable; one variant compares nothing', () => {
    const r = ok(
      analyzeExperiment({
        variants: [...twoArms(10, 10), { id: 'broken', weight: 50, users: 10 }],
        metrics: [
          {
            id: 'm',
            type: 'proportion',
            data: [
              { n: 10, x: 1 },
              { n: 10, x: 2 },
              { n: 10, x: 11 },
            ],
          },
          {
            id: 'empty',
            type: 'continuous',
            data: [
              { n: 0, sum: 0, sumSq: 0 },
              { n: 3, sum: 3, sumSq: 5 },
              { n: 1, sum: 1, sumSq: 1 },
            ],
          },
        ],
      }),
    );
    const [m, empty] = r.metrics;
    assert.equal(m?.comparisons[0]?.guidance.status, 'not-yet');
    assert.deepEqual(
      [m?.comparisons[1]?.guidance.status, m?.comparisons[1]?.guidance.reason],
      ['unavailable', 'invalid-data'],
    );
    assert.equal(m?.variants[2]?.issue, 'conversions-exceed-users');
    assert.deepEqual(m?.overall, {
      ok: false,
      reason: 'invalid-data',
      index: 2,
      issue: 'conversions-exceed-users',
    });
    assert.equal(empty?.comparisons[0]?.guidance.reason, 'no-data');
    assert.equal(empty?.comparisons[1]?.guidance.reason, 'no-data');
    const single = ok(
      analyzeExperiment({
        variants: [{ id: 'only', weight: 1, users: 5 }],
        metrics: [{ id: 'm', type: 'proportion', data: [{ n: 5, x: 1 }] }],
      }),
    );
    assert.deepEqual(single.warnings, ['single-variant']);
    assert.deepEqual(single.metrics[0]?.comparisons, []);
    assert.deepEqual(single.sampleRatio, { checked: false, reason: 'one-variant' });
  });
});

describe('analyzeExperiment: bad input', () => {
  const valid = {
    variants: twoArms(10, 10),
    metrics: [
      {
        id: 'm',
        type: 'proportion',
        data: [
          { n: 10, x: 1 },
          { n: 10, x: 2 },
        ],
      },
    ],
  };
  const issues = (input: unknown) => {
    const r = analyzeExperiment(input);
    assert.ok(!r.ok);
    return r.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('names the field at fault', () => {
    assert.deepEqual(issues(null), [': must be an object']);
    assert.deepEqual(issues('{}'), [': must be an object']);
    assert.deepEqual(issues({ ...valid, variants: 'a' }), [
      'variants: must be an array',
      'variants: must not be empty',
      'metrics.0.data: must have one aggregate per variant (0)',
    ]);
    assert.deepEqual(issues({ ...valid, options: { alpha: 2, mode: 'bayes', correction: 7 } }), [
      'options.alpha: must be a number between 0 and 1 (exclusive)',
      'options.mode: must be one of fixed-horizon, sequential',
      'options.correction: must be one of none, bonferroni, holm',
    ]);
    assert.deepEqual(issues({ ...valid, controlId: 'nope' }), [
      'controlId: must be the id of a variant',
    ]);
    assert.deepEqual(
      issues({
        ...valid,
        variants: [
          { id: 'a', weight: 0, users: 1 },
          { id: 'a', weight: 0, users: 1 },
        ],
      }),
      ['variants.1.id: duplicate variant id "a"', 'variants: the weights must not all be 0'],
    );
    assert.deepEqual(issues({ ...valid, metrics: [{ id: 'm', type: 'ratio', data: [{}] }] }), [
      'metrics.0.type: must be one of proportion, continuous',
      'metrics.0.data: must have one aggregate per variant (2)',
    ]);
  });

  it('rejects unknown fields, including __proto__ keys from JSON', () => {
    assert.deepEqual(issues({ ...valid, extra: 1 }), ['extra: unknown field']);
    const parsed: unknown = JSON.parse(
      '{"variants":[{"id":"a","weight":1,"users":1,"__proto__":{"polluted":true}}],"metrics":[],"options":{"__proto__":{"alpha":0.5}}}',
    );
    assert.deepEqual(issues(parsed), [
      'options.__proto__: unknown field',
      'variants.0.__proto__: unknown field',
    ]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('accepts options explicitly set to undefined as the defaults', () => {
    const r = ok(analyzeExperiment({ ...valid, options: { alpha: undefined } }));
    assert.equal(r.options.alpha, 0.05);
  });
});
