import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import { experimentFlagOverride, evaluateFlagWithExperiments } from './flag-override.js';
import { compileWithExperiments } from './experiment-fixtures.js';

const NOW = Date.UTC(2026, 10, 24);

describe('flags in experiments', () => {
  const set = compileWithExperiments([
    {
      id: 'editor-test',
      status: 'running',
      variants: [
        { id: 'old', weight: 50, flag: { key: 'new-editor', variant: 'off' } },
        { id: 'new', weight: 50, flag: { key: 'new-editor', variant: 'on' } },
      ],
    },
  ]);

  it("serves the experiment variant's flag value, with the experiment in the metadata", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const profile = { ...createProfile(`p${i}`, NOW), anonymousIds: [`v${i}`] };
      const context = { profile, now: NOW };
      const override = experimentFlagOverride(set.experiments, 'new-editor', context);
      assert.ok(override);
      const evaluation = evaluateFlagWithExperiments(
        set.flags,
        set.experiments,
        'new-editor',
        context,
      );
      assert.equal(evaluation.value, override.flagVariant === 'on');
      assert.equal(evaluation.reason, 'TARGETING_MATCH');
      assert.deepEqual(evaluation.flagMetadata, {
        experiment: 'editor-test',
        experimentVariant: override.variant,
      });
      seen.add(override.variant);
    }
    assert.deepEqual([...seen].sort(), ['new', 'old']);
  });

  it("falls back to the flag's own evaluation: no key, other flags, unknown flags", () => {
    const anonymous = { profile: createProfile('', NOW), now: NOW };
    assert.equal(experimentFlagOverride(set.experiments, 'new-editor', anonymous), undefined);
    const byKey = experimentFlagOverride(set.experiments, 'new-editor', {
      ...anonymous,
      targetingKey: 'v1',
    });
    assert.ok(byKey, 'the targetingKey is hashed when there is no profile');
    const own = evaluateFlagWithExperiments(set.flags, set.experiments, 'new-editor', anonymous);
    assert.deepEqual([own.value, own.reason], [false, 'STATIC']);
    const missing = evaluateFlagWithExperiments(set.flags, set.experiments, 'nope', anonymous);
    assert.equal(missing.errorCode, 'FLAG_NOT_FOUND');
  });
});
