import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createProfile } from '../profiles/apply-event.js';
import { compileFlags } from './compile-flags.js';
import { evaluateFlag } from './evaluate-flag.js';
import { BUCKETS, bucketFromState, flagBucket, fnv1a32 } from './flag-bucket.js';

// Properties of sticky bucketing (docs/decisions/0025-flag-bucketing.md): the spec
// cases pin the hash; these check what rollouts rely on.

const NOW = Date.UTC(2026, 2, 1);
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

/** FNV-1a 32 by its textbook definition (multiply by the prime modulo 2^32 with BigInt). */
function referenceFnv(text: string): number {
  let hash = 0x811c9dc5n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x01000193n) % 0x100000000n;
  }
  return Number(hash);
}

function rolloutFlag(weights: readonly number[]) {
  const variants = Object.fromEntries(weights.map((_, i) => [`v${i}`, `value ${i}`]));
  return compileFlags([
    {
      key: 'ramp',
      type: 'string',
      variants: { ...variants, rest: 'rest' },
      defaultVariant: 'rest',
      rules: [{ rollout: weights.map((weight, i) => ({ variant: `v${i}`, weight })) }],
    },
  ]).flags;
}

describe('flag buckets', () => {
  it('FNV-1a 32 is the textbook hash, over UTF-16 code units', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        assert.equal(fnv1a32(text), referenceFnv(text));
      }),
    );
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
  });

  it('is the second FNV over the first one decimal string, modulo 10 000', () => {
    fc.assert(
      fc.property(anyText, anyText, (salt, key) => {
        const bucket = flagBucket(salt, key);
        assert.equal(bucket, referenceFnv(String(referenceFnv(salt + key))) % BUCKETS);
        assert.ok(Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS);
        assert.equal(bucketFromState(fnv1a32(salt), key), bucket, 'same from the salt state');
      }),
    );
  });

  it('spreads keys evenly: the tenths of the buckets pass a chi-squared test of uniformity', () => {
    // 20 000 sequential keys per salt into 10 tenths: chi-squared with 9 degrees of
    // freedom. 48 is its 1 - 2.6e-7 quantile, so 20 salts fail by chance once in ~200 000
    // runs, while a hash that puts one tenth 20 % off its share scores about 89. (A bound
    // on each tenth alone, ±160, failed about once in thirty runs with a sound hash.)
    // The seed is fixed: CI draws the same salts every time.
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (salt) => {
        const tenths = new Array<number>(10).fill(0);
        const users = 20_000;
        for (let i = 0; i < users; i++) {
          const tenth = Math.floor(flagBucket(salt, `user-${i}`) / 1000);
          tenths[tenth] = (tenths[tenth] ?? 0) + 1;
        }
        const expected = users / 10;
        const chiSquared = tenths.reduce(
          (sum, count) => sum + (count - expected) ** 2 / expected,
          0,
        );
        assert.ok(chiSquared < 48, `chi-squared ${chiSquared.toFixed(1)} for ${tenths}`);
      }),
      { numRuns: 20, seed: 20_261_124 },
    );
  });

  it('decorrelates flags: another salt puts a user in an unrelated bucket', () => {
    let bothInFirstHalf = 0;
    const users = 20_000;
    for (let i = 0; i < users; i++) {
      const a = flagBucket('flag-a', `user-${i}`) < 5000;
      const b = flagBucket('flag-b', `user-${i}`) < 5000;
      if (a && b) bothInFirstHalf++;
    }
    assert.ok(Math.abs(bothInFirstHalf - users / 4) < 300, `${bothInFirstHalf}`);
  });
});

describe('rollouts', () => {
  const weight = fc.integer({ min: 0, max: 10_000 }).map((basisPoints) => basisPoints / 100);

  it('are sticky and monotonic: raising a share never moves a user out of it', () => {
    fc.assert(
      fc.property(weight, weight, fc.string({ minLength: 1 }), (a, b, targetingKey) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const context = { profile: createProfile('p', NOW), now: NOW, targetingKey };
        const before = evaluateFlag(rolloutFlag([low]), 'ramp', context);
        const again = evaluateFlag(rolloutFlag([low]), 'ramp', context);
        const after = evaluateFlag(rolloutFlag([high]), 'ramp', context);
        assert.deepEqual(again, before, 'same user, same flag: same result');
        if (before.variant === 'v0') assert.equal(after.variant, 'v0');
        const bucket = flagBucket('ramp', targetingKey);
        assert.equal(before.variant, bucket < Math.round(low * 100) ? 'v0' : 'rest');
      }),
    );
  });

  it('keep the first share when the later ones change', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.string({ minLength: 1 }),
        (first, second, otherSecond, targetingKey) => {
          const context = { profile: createProfile('p', NOW), now: NOW, targetingKey };
          const one = evaluateFlag(rolloutFlag([first / 100, second / 100]), 'ramp', context);
          const two = evaluateFlag(rolloutFlag([first / 100, otherSecond / 100]), 'ramp', context);
          assert.equal(one.variant === 'v0', two.variant === 'v0');
        },
      ),
    );
  });

  it('split users in proportion to the weights', () => {
    const flags = rolloutFlag([10, 30, 60]);
    const counts = new Map<string, number>();
    const profile = createProfile('p', NOW);
    for (let i = 0; i < 50_000; i++) {
      const result = evaluateFlag(flags, 'ramp', { profile, now: NOW, targetingKey: `u${i}` });
      counts.set(result.variant ?? '', (counts.get(result.variant ?? '') ?? 0) + 1);
    }
    assert.ok(Math.abs((counts.get('v0') ?? 0) - 5000) < 300, JSON.stringify([...counts]));
    assert.ok(Math.abs((counts.get('v1') ?? 0) - 15_000) < 500, JSON.stringify([...counts]));
    assert.ok(Math.abs((counts.get('v2') ?? 0) - 30_000) < 600, JSON.stringify([...counts]));
    assert.equal(counts.get('rest'), undefined, 'weights summing to 100 % leave nobody out');
  });
});
