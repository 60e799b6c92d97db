/**
 * Feature flags as data: the schema shared by the YAML config (`flags:`) and the
 * admin API, published in the config version with rules, segments and content.
 * Structure is checked here; conditions, variant values against the type, rollout
 * weights, references (variants, segments, prerequisites, rule ids), prerequisite
 * cycles and the schedule's order are checked by the flag compiler, which names
 * the field at fault. docs/flags.md documents every field.
 */
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$',
  description: 'Letters, digits, "_", "-" and "."; at most 100 characters.',
});
const Condition = Type.Object(
  {},
  { additionalProperties: true, description: 'A condition (docs/conditions.md).' },
);
/** ms since the epoch, or an ISO 8601 date-time ("2026-03-01T09:00:00Z"). */
const Time = Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.String({ minLength: 10, maxLength: 40, description: 'An ISO 8601 date or date-time.' }),
]);

export const flagTypes = ['boolean', 'string', 'number', 'json'] as const;
export type FlagType = (typeof flagTypes)[number];

/** One share of a rollout: a percentage (0 to 100, in steps of 0.01) of the buckets. */
export const RolloutShareSchema = Type.Object(
  {
    variant: Id,
    weight: Type.Number({ minimum: 0, maximum: 100, description: 'Percent, steps of 0.01.' }),
  },
  { additionalProperties: false },
);
const Rollout = Type.Array(RolloutShareSchema, {
  minItems: 1,
  maxItems: 20,
  description:
    'Shares of the 10 000 buckets, in order; weights sum to at most 100, the rest falls through to the next rule.',
});

/**
 * A targeting rule: when `when` and `segment` hold (both optional), serve `variant`
 * or split by `rollout`. Rules are tried in order; the first that serves wins.
 */
export const FlagRuleSchema = Type.Object(
  {
    /** Names the rule for scheduled changes and explanations. */
    id: Type.Optional(Id),
    when: Type.Optional(Condition),
    /** A segment (or cohort band `cohort:band`) the profile must be in. */
    segment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    variant: Type.Optional(Id),
    rollout: Type.Optional(Rollout),
  },
  { additionalProperties: false },
);

/** The flag is served only when `flag` evaluates (same context) to one of `variants`. */
export const FlagPrerequisiteSchema = Type.Object(
  {
    flag: Id,
    variants: Type.Array(Id, { minItems: 1, maxItems: 20, uniqueItems: true }),
  },
  { additionalProperties: false },
);

/**
 * A timed change, in effect from `at` on (until a later one): the kill switch, the
 * default variant, or what one rule serves (a variant or a rollout).
 */
export const FlagChangeSchema = Type.Object(
  {
    at: Time,
    enabled: Type.Optional(Type.Boolean()),
    defaultVariant: Type.Optional(Id),
    /** The id of the rule whose `variant` or `rollout` changes. */
    rule: Type.Optional(Id),
    variant: Type.Optional(Id),
    rollout: Type.Optional(Rollout),
  },
  { additionalProperties: false },
);

/** OpenFeature flag metadata: string, number and boolean values. */
const Metadata = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]),
  { maxProperties: 20 },
);

export const FlagSchema = Type.Object(
  {
    key: Id,
    type: Type.Union(flagTypes.map((type) => Type.Literal(type))),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Variant name → value of the flag's type (json: an object or an array). */
    variants: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' }),
      Type.Unknown(),
      {
        minProperties: 1,
        maxProperties: 50,
      },
    ),
    /** Served when no rule serves. */
    defaultVariant: Id,
    /** The kill switch: when false, every evaluation serves `offVariant` (reason DISABLED). */
    enabled: Type.Boolean({ default: true }),
    /** Served while disabled or when a prerequisite fails; `defaultVariant` when absent. */
    offVariant: Type.Optional(Id),
    /** Hashed with the targeting key for rollouts; the flag key when absent. */
    salt: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    prerequisites: Type.Optional(Type.Array(FlagPrerequisiteSchema, { maxItems: 20 })),
    rules: Type.Optional(Type.Array(FlagRuleSchema, { maxItems: 100 })),
    schedule: Type.Optional(Type.Array(FlagChangeSchema, { maxItems: 50 })),
    /** Returned with every evaluation (OpenFeature flag metadata). */
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

export type FlagDefinition = Static<typeof FlagSchema>;
export type FlagRuleDefinition = Static<typeof FlagRuleSchema>;
export type FlagChangeDefinition = Static<typeof FlagChangeSchema>;
export type FlagPrerequisiteDefinition = Static<typeof FlagPrerequisiteSchema>;
export type RolloutShare = Static<typeof RolloutShareSchema>;
