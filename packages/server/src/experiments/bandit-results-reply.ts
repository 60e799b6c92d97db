/** The `bandit` block of a bandit experiment's results (core bandit-results.ts, docs/bandits.md). */
import { Type } from '@sinclair/typebox';

const Arm = Type.Object({
  arm: Type.String({ description: 'The variant id.' }),
  trials: Type.Integer({ description: 'Exposures.' }),
  rewards: Type.Integer({ description: 'Reward events after an exposure, at most one each.' }),
  alpha: Type.Number(),
  beta: Type.Number({ description: 'Posterior Beta(alpha, beta) of the reward rate.' }),
  mean: Type.Number({ description: 'Posterior mean of the reward rate.' }),
  probabilityBest: Type.Number({ description: 'P(this arm has the highest rate).' }),
  share: Type.Number({
    description: 'Share of new users it gets now: floor/k + (1 − floor)·P(best).',
  }),
});

const Scope = Type.Object({
  segment: Type.Union([Type.String(), Type.Null()], { description: 'null: everyone.' }),
  choosesBy: Type.Union([Type.Literal('global'), Type.Literal('segment')], {
    description: 'Whose counts choices use now (a segment below minSegmentTrials: global).',
  }),
  trials: Type.Integer(),
  arms: Type.Array(Arm),
});

export const BanditResultsReply = Type.Object(
  {
    reward: Type.Object({
      event: Type.String(),
      withinMs: Type.Union([Type.Number(), Type.Null()]),
    }),
    floor: Type.Number(),
    per: Type.Union([Type.Literal('global'), Type.Literal('segment')]),
    prior: Type.Object({ alpha: Type.Number(), beta: Type.Number() }),
    minSegmentTrials: Type.Integer(),
    draws: Type.Integer({ description: 'Monte Carlo draws of probabilityBest.' }),
    global: Scope,
    segments: Type.Array(Scope),
  },
  {
    description:
      'The live state decide chooses from (committed totals plus the evidence applied since).',
  },
);
