import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../decide/decide.js';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { RuleConfigError } from '../rules/rule.js';
import { assignExperiment } from './assign-experiment.js';
import { banditExperiment, T0 } from './bandit-fixtures.js';
import { recordReward, recordTrial } from './bandits/bandit-state.js';
import { banditResults } from './bandit-results.js';
import { compileExperiments } from './compile-experiments.js';
import { compileWithExperiments } from './experiment-fixtures.js';

/** The issues of a config version with these experiments, as "path: message". */
function issuesOf(experiments: Record<string, unknown>[], schema = false): string[] {
  try {
    if (schema) compileExperiments(experiments);
    else compileWithExperiments(experiments);
  } catch (error) {
    assert.ok(error instanceof RuleConfigError, String(error));
    return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }
  return [];
}

const variants = banditExperiment().variants;

describe('compiling kind bandit', () => {
  it('compiles the policy from the variants and the reward into the `$reward` conversion', () => {
    const experiment = compileWithExperiments([
      banditExperiment({ prior: { alpha: 2, beta: 8 }, per: 'segment', segments: ['admins'] }),
    ]).experiments.byId.get('welcome-bandit');
    const bandit = experiment?.bandit;
    assert.ok(bandit);
    assert.deepEqual(bandit.policy.arms, ['control', 'friendly', 'short']);
    assert.equal(bandit.policy.explorationFloor, 0.3);
    assert.deepEqual(bandit.policy.prior, { alpha: 2, beta: 8 });
    assert.equal(bandit.policy.per, 'segment');
    assert.deepEqual(
      bandit.segments.map((s) => s.id),
      ['admins'],
    );
    assert.deepEqual(
      experiment?.metricsByEvent.get('Project Created')?.map((m) => [m.id, m.type, m.withinMs]),
      [['$reward', 'conversion', 7 * 86_400_000]],
    );
    assert.deepEqual(
      experiment?.variants.map((v) => [v.id, v.weight, v.until]),
      [
        ['control', 33.34, 3334],
        ['friendly', 33.33, 6667],
        ['short', 33.33, 10000],
      ],
    );
  });

  it('names the field at fault', () => {
    assert.deepEqual(issuesOf([banditExperiment({}, { bandit: undefined })]), [
      '(experiments).0.bandit: a bandit needs `bandit: { reward }`',
    ]);
    assert.deepEqual(
      issuesOf([
        banditExperiment(
          { floor: 2, per: 'segment', prior: { alpha: 0, beta: 1 } },
          {
            placement: undefined,
            variants: [
              { id: 'a', weight: 50 },
              { id: 'b', flag: { key: 'new-editor', variant: 'on' } },
            ],
          },
        ),
      ]),
      [
        '(experiments).0.placement: a bandit needs the placement it serves',
        '(experiments).0.variants.0.weight: a bandit chooses each new user’s variant: leave `weight` out',
        '(experiments).0.variants.1.flag: a bandit’s variants change content only',
        '(experiments).0.bandit.prior.alpha: must be a number from 0.001 to 1000000',
        '(experiments).0.bandit.floor: must be a number from 0 to 1',
        '(experiments).0.bandit.segments: `per: segment` needs `segments`',
      ],
    );
    assert.deepEqual(
      issuesOf([
        banditExperiment({ reward: { event: 'X', within: 'soon' }, segments: ['admins'] }),
        banditExperiment({ per: 'segment', segments: ['nobody'] }, { id: 'two' }),
        { ...banditExperiment(), id: 'three', kind: 'ab', variants: [{ id: 'a', weight: 100 }] },
        {
          ...banditExperiment(),
          id: 'four',
          kind: 'ab',
          bandit: undefined,
          variants: [{ id: 'a' }],
        },
      ]),
      [
        '(experiments).0.bandit.reward.within: must be a duration such as "7d"',
        '(experiments).0.bandit.segments: only with `per: segment`',
        '(experiments).2.bandit: only an experiment of `kind: bandit`',
        '(experiments).3.variants.0.weight: an A/B variant needs `weight`',
        '(experiments).3.variants: weights must sum to 100 (they sum to 0)',
        '(experiments).1.bandit.segments.0: unknown segment "nobody" (a segment id, or "cohort:band")',
      ],
    );
  });

  it('checks the block against its schema (types, unknown fields)', () => {
    const issues = issuesOf(
      [
        banditExperiment({ floor: 'high', extra: 1, reward: { within: '7d' } }),
        { ...banditExperiment(), kind: 'multi-armed' },
      ],
      true,
    );
    assert.ok(issues.includes('(experiments).0.bandit.floor: Expected number'), issues.join('\n'));
    assert.ok(
      issues.some((i) => i.startsWith('(experiments).0.bandit.extra:')),
      issues.join('\n'),
    );
    assert.ok(issues.some((i) => i.startsWith('(experiments).0.bandit.reward.event:')));
    assert.ok(
      issues.some((i) => i.startsWith('(experiments).1.kind:')),
      issues.join('\n'),
    );
  });
});

describe('assigning a bandit’s arm', () => {
  const rules = compileWithExperiments([banditExperiment()]);
  const experiment = rules.experiments.byId.get('welcome-bandit')!;
  const slot = experiment.bandit!.slot;
  const profileOf = (key: string): ProfileState => {
    const profile = createProfile(`p-${key}`, T0);
    profile.anonymousIds = [key];
    return profile;
  };
  const arm = (key: string) =>
    assignExperiment(experiment, { profile: profileOf(key), now: T0 }, key).variant?.id;

  it('chooses by Thompson sampling over the live state, with the floor, reproducibly per user', () => {
    const state = slot.state;
    for (let i = 0; i < 300; i++) {
      for (const a of variants) recordTrial(state, a.id);
      if (i % 3 === 0) recordReward(state, 'short'); // short: 1/3, others: 0
    }
    const shares: Record<string, number> = { control: 0, friendly: 0, short: 0 };
    const users = 3000;
    for (let i = 0; i < users; i++) shares[arm(`visitor-${i}`)!]! += 1 / users;
    // P(best) of short is ~1: its share is 1 − 0.3·2/3 = 0.8; the others 0.1 each (floor/k).
    assert.ok(Math.abs(shares['short']! - 0.8) < 0.03, JSON.stringify(shares));
    assert.ok(shares['control']! > 0.1 - 0.025 && shares['friendly']! > 0.1 - 0.025);
    assert.equal(arm('visitor-7'), arm('visitor-7'));
  });

  it('serves a stored assignment whatever the state says, and decide carries the exposure', () => {
    const profile = profileOf('visitor-1');
    profile.experiments = { 'welcome-bandit': { variant: 'control', at: T0, exposedAt: T0 } };
    const answer = decide(rules, profile, {
      placements: ['banner'],
      context: {},
      flows: false,
      now: T0,
      consentWhenUnknown: 'allow',
    });
    const decision = answer.decisions['banner'];
    assert.deepEqual(decision?.reason, {
      type: 'experiment',
      experiment: 'welcome-bandit',
      variant: 'control',
    });
    assert.equal(decision?.content?.id, 'welcome');
    assert.deepEqual(
      [decision?.track?.['experiment'], decision?.track?.['variant']],
      ['welcome-bandit', 'control'],
    );
  });

  it('reports per arm counts, posterior mean, P(best) and the traffic shares', () => {
    const results = banditResults(experiment, slot.state, { draws: 2000 });
    const short = results.global.arms.find((a) => a.arm === 'short')!;
    assert.deepEqual([short.trials, short.rewards, short.alpha, short.beta], [300, 100, 101, 201]);
    assert.ok(Math.abs(short.mean - 101 / 302) < 1e-12);
    assert.ok(short.probabilityBest > 0.99);
    const total = results.global.arms.reduce((sum, a) => sum + a.share, 0);
    assert.ok(Math.abs(total - 1) < 1e-9);
    for (const a of results.global.arms) assert.ok(a.share >= 0.1 - 1e-12);
    assert.deepEqual(results.segments, []);
  });
});
