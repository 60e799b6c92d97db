import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { BanditSettingsSchema, compileBanditPolicy } from './bandit-settings.js';

function issuesOf(settings: unknown): string[] {
  const result = compileBanditPolicy(settings);
  assert.equal(result.ok, false, `expected ${JSON.stringify(settings)} to be rejected`);
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('bandit settings', () => {
  it('fills in the defaults and freezes the policy', () => {
    const result = compileBanditPolicy({ arms: ['a', 'b', 'c'] });
    assert.ok(result.ok);
    const { policy } = result;
    assert.deepEqual(policy.arms, ['a', 'b', 'c']);
    assert.deepEqual(policy.prior, { alpha: 1, beta: 1 });
    assert.equal(policy.explorationFloor, 0.1);
    assert.equal(policy.per, 'global');
    assert.equal(policy.minSegmentTrials, 100);
    assert.equal(policy.armIndex.get('c'), 2);
    assert.ok(
      Object.isFrozen(policy) && Object.isFrozen(policy.arms) && Object.isFrozen(policy.prior),
    );
  });

  it('keeps the given settings', () => {
    const result = compileBanditPolicy({
      arms: ['x', 'y'],
      prior: { alpha: 2, beta: 40 },
      explorationFloor: 0,
      per: 'segment',
      minSegmentTrials: 0,
    });
    assert.ok(result.ok);
    assert.deepEqual(result.policy.prior, { alpha: 2, beta: 40 });
    assert.equal(result.policy.explorationFloor, 0);
    assert.equal(result.policy.per, 'segment');
    assert.equal(result.policy.minSegmentTrials, 0);
  });

  it('names each field at fault', () => {
    assert.deepEqual(issuesOf(null), [': must be an object']);
    assert.deepEqual(issuesOf([]), [': must be an object']);
    assert.deepEqual(issuesOf({ arms: ['a'] }), ['arms: must be an array of 2 to 50 variant keys']);
    assert.deepEqual(issuesOf({ arms: 'ab' }), ['arms: must be an array of 2 to 50 variant keys']);
    assert.deepEqual(issuesOf({ arms: ['a', 'a', 7] }), [
      'arms.1: duplicates the arm "a"',
      'arms.2: must be a string of 1 to 100 characters',
    ]);
    assert.deepEqual(
      issuesOf({
        arms: ['a', 'b'],
        prior: { alpha: 0, beta: '1', gamma: 1 },
        explorationFloor: 1.5,
        per: 'user',
        minSegmentTrials: 2.5,
        extra: true,
      }),
      [
        'extra: unknown field',
        'prior.gamma: unknown field',
        'prior.alpha: must be a number from 0.001 to 1000000',
        'prior.beta: must be a number from 0.001 to 1000000',
        'explorationFloor: must be a number from 0 to 1',
        'per: must be one of global, segment',
        'minSegmentTrials: must be an integer ≥ 0',
      ],
    );
    assert.deepEqual(issuesOf({ arms: ['a', 'b'], prior: [1, 1] }), [
      'prior: must be an object { alpha, beta }',
    ]);
    assert.deepEqual(issuesOf({ arms: ['a', 'b'], explorationFloor: Number.NaN }), [
      'explorationFloor: must be a number from 0 to 1',
    ]);
  });

  it('a "__proto__" key is an unknown field, and a "__proto__" arm is a plain arm', () => {
    const parsed: unknown = JSON.parse('{"arms":["a","b"],"__proto__":{"per":"segment"}}');
    assert.deepEqual(issuesOf(parsed), ['__proto__: unknown field']);
    const result = compileBanditPolicy({ arms: ['__proto__', 'constructor'] });
    assert.ok(result.ok);
    assert.equal(result.policy.armIndex.get('__proto__'), 0);
    assert.equal(({} as Record<string, unknown>).per, undefined);
  });

  it('the TypeBox schema accepts and rejects what compileBanditPolicy does', () => {
    const cases: unknown[] = [
      { arms: ['a', 'b'] },
      { arms: ['a', 'b'], per: 'segment', prior: { alpha: 1, beta: 9 }, explorationFloor: 0.2 },
      { arms: ['a'] },
      { arms: ['a', 'a'] },
      { arms: ['a', 'b'], per: 'user' },
      { arms: ['a', 'b'], unknown: 1 },
      { arms: ['a', 'b'], minSegmentTrials: -1 },
      { arms: ['a', 'b'], prior: { alpha: 1 } },
    ];
    for (const settings of cases) {
      assert.equal(
        Value.Check(BanditSettingsSchema, settings),
        compileBanditPolicy(settings).ok,
        JSON.stringify(settings),
      );
    }
  });
});
