import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GrowthBookClient } from '@growthbook/growthbook';
import { flagBucket } from '@onramp/core';
import { benchFlags, generateBenchUsers } from './lib/flags-catalogue.js';
import {
  findDisagreements,
  growthbookEvaluator,
  handwrittenEvaluator,
  onrampEvaluator,
} from './lib/flags-evaluators.js';
import { flagsOptionsFromEnv, measureFlags } from './flags.js';

describe('flags benchmark data', () => {
  const users = generateBenchUsers(500);

  it('has 50 flags, each of them varying across users unless static or killed', () => {
    assert.equal(benchFlags.length, 50);
    assert.equal(new Set(benchFlags.map((flag) => flag.key)).size, 50);
    const handwritten = handwrittenEvaluator(benchFlags, users);
    const constant = benchFlags.filter((flag, f) => {
      const values = new Set(users.map((_, u) => JSON.stringify(handwritten.value(u, f))));
      return values.size === 1;
    });
    assert.deepEqual(
      constant.map((flag) => flag.key),
      ['dark-mode', 'legacy-export', 'maintenance-banner', 'support-widget', 'old-onboarding'],
    );
  });

  it('reports an evaluator that disagrees', () => {
    const handwritten = handwrittenEvaluator(benchFlags, users);
    const onramp = onrampEvaluator(benchFlags, users);
    const broken = {
      ...onramp,
      name: 'broken',
      value: (u: number, f: number) => (f === 5 ? 'x' : onramp.value(u, f)),
    };
    const found = findDisagreements(handwritten, broken, 50, benchFlags);
    assert.equal(found.count, 50);
    assert.match(found.first[0] ?? '', /^broken: user 0, beta-dashboard: "x" ≠ (true|false)$/);
    assert.equal(findDisagreements(handwritten, onramp, 100, benchFlags).count, 0);
    const growthbook = growthbookEvaluator(benchFlags, users);
    assert.equal(findDisagreements(handwritten, growthbook, 100, benchFlags).count, 0);
    growthbook.close?.();
  });

  it("buckets as GrowthBook's hash version 2 does, on any strings", () => {
    const client = new GrowthBookClient({}).initSync({ payload: { features: {} } });
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.string({ unit: 'binary', minLength: 1 }),
        (seed, id) => {
          const { bucket } = client.runInlineExperiment(
            { key: 'x', seed, hashVersion: 2, variations: [0, 1] },
            { attributes: { id } },
          );
          assert.equal(flagBucket(seed, id), Math.round((bucket as number) * 10_000));
        },
      ),
    );
    client.destroy();
  });
});

describe('flags suite, tiny run', () => {
  it('agrees across the four evaluators and produces every key', async () => {
    const report = await measureFlags(
      { users: 300, checkUsers: 300, rounds: 1, minMs: 5 },
      () => {},
    );
    assert.deepEqual(report.errors, []);
    assert.match(report.notes[0] ?? '', /same value for every pair/);
    for (const key of [
      'flags_ratio_vs_growthbook',
      'flags_ratio_vs_unleash',
      'flags_ratio_vs_handwritten',
      'flags_us_per_eval_onramp',
    ]) {
      const value = report.figures[key];
      assert.ok(value !== undefined && Number.isFinite(value) && value > 0, `${key} = ${value}`);
    }
  });

  it('reads the knobs and refuses bad ones', () => {
    assert.equal(flagsOptionsFromEnv({}).users, 10_000);
    assert.equal(flagsOptionsFromEnv({ BENCH_FLAG_USERS: '500' }).users, 500);
    assert.throws(() => flagsOptionsFromEnv({ BENCH_FLAG_ROUNDS: '0' }), /BENCH_FLAG_ROUNDS/);
  });
});
