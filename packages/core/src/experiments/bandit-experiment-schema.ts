/**
 * The `bandit` block of an experiment of kind `bandit` (docs/experiments.md "Bandits in
 * experiments"), reusing BanditSettingsSchema's fields (docs/bandits.md):
 *
 *   bandit:
 *     reward: { event: Project Created, where: {…}, within: 7d }
 *     floor: 0.1            # the exploration floor (explorationFloor)
 *     per: segment          # global (default) or segment
 *     segments: [admins, trial-users]   # per: segment: the first one the profile is in
 *     prior: { alpha: 1, beta: 1 }
 *     minSegmentTrials: 100
 */
import { Type, type Static } from '@sinclair/typebox';
import { BanditSettingsSchema } from './bandits/bandit-settings.js';

/** The reward's metric id (users' values and totals are kept under it). */
export const BANDIT_REWARD_METRIC = '$reward';
/** Per-segment markers on an exposed assignment: `$segment:<key>` = 1, `$reward:<key>` = 1. */
export const BANDIT_SEGMENT_PREFIX = '$segment:';
export const BANDIT_SEGMENT_REWARD_PREFIX = '$reward:';
/** At most this many listed segments (each gets its own state). */
export const MAX_BANDIT_EXPERIMENT_SEGMENTS = 50;

const settings = BanditSettingsSchema.properties;
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' });

export const BanditExperimentSchema = Type.Object(
  {
    /** The reward: the event, an optional filter, how long after exposure it counts. */
    reward: Type.Object(
      {
        event: Type.String({ minLength: 1, maxLength: 200 }),
        where: Type.Optional(Type.Object({}, { additionalProperties: true })),
        within: Type.Optional(Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$' })),
      },
      { additionalProperties: false },
    ),
    /** The exploration floor ε (BanditSettings.explorationFloor); default 0.1. */
    floor: settings.explorationFloor,
    per: settings.per,
    /** With `per: segment`: the segments whose users get their own state, first match wins. */
    segments: Type.Optional(
      Type.Array(Id, { minItems: 1, maxItems: MAX_BANDIT_EXPERIMENT_SEGMENTS, uniqueItems: true }),
    ),
    prior: settings.prior,
    minSegmentTrials: settings.minSegmentTrials,
  },
  { additionalProperties: false },
);
export type BanditExperimentDefinition = Static<typeof BanditExperimentSchema>;
