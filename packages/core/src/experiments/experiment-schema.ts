/**
 * Experiments as data: the schema shared by the YAML config (`experiments:`) and the
 * admin API, published in the config version with rules, segments, content and flags.
 * Structure is checked here; conditions, weights, layer ranges, metric fields by type
 * and references (placements, content items and their variants, flags and their
 * variants, flows and steps, segments) are checked by the experiment compiler, which
 * names the field at fault. docs/experiments.md documents every field.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BanditExperimentSchema } from './bandit-experiment-schema.js';

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$',
  description: 'Letters, digits, "_", "-" and "."; at most 100 characters.',
});
const Condition = Type.Object(
  {},
  { additionalProperties: true, description: 'A condition (docs/conditions.md).' },
);
const Percent = Type.Number({ minimum: 0, maximum: 100, description: 'Percent, steps of 0.01.' });
const Duration = Type.String({
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$',
  description: 'A duration: "30m", "24h", "7d".',
});

export const experimentStatuses = ['draft', 'running', 'stopped'] as const;
export type ExperimentStatus = (typeof experimentStatuses)[number];

export const experimentMetricTypes = ['conversion', 'count', 'value', 'step'] as const;
export type ExperimentMetricType = (typeof experimentMetricTypes)[number];

/** What a variant changes: the content shown in the experiment's placement, a flag's or a flow's variant. */
export const ExperimentVariantSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    /** Share of the experiment's users, percent; the weights of all variants sum to 100 (A/B; a bandit has none). */
    weight: Type.Optional(Percent),
    /** The content item (and its content variant) shown in the placement; absent: the placement's default. */
    content: Type.Optional(
      Type.Object({ item: Id, variant: Type.Optional(Id) }, { additionalProperties: false }),
    ),
    /** The flag variant served instead of the flag's own evaluation. */
    flag: Type.Optional(Type.Object({ key: Id, variant: Id }, { additionalProperties: false })),
    /** The flow variant chosen instead of the flow's `when` (no variant: every step, in order). */
    flow: Type.Optional(
      Type.Object({ id: Id, variant: Type.Optional(Id) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

/**
 * A metric, computed from the events of exposed users after their exposure:
 * `conversion` (did the event happen, 0 or 1), `count` (how many), `value` (the sum of
 * a numeric property), `step` (was the flow step done). `within` bounds the time after
 * exposure that counts.
 */
export const ExperimentMetricSchema = Type.Object(
  {
    id: Id,
    type: Type.Union(experimentMetricTypes.map((type) => Type.Literal(type))),
    /** The event's metric name (`Onboarding Completed`, `$page`): conversion, count, value. */
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** A filter over the event (docs/conditions.md, event filters). */
    where: Type.Optional(Condition),
    /** value: the numeric property summed (`revenue`, `properties.revenue`). */
    property: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** step: the flow and its step. */
    flow: Type.Optional(Id),
    step: Type.Optional(Id),
    within: Type.Optional(Duration),
    role: Type.Union(
      [Type.Literal('primary'), Type.Literal('secondary'), Type.Literal('guardrail')],
      { default: 'primary' },
    ),
    higherIsBetter: Type.Boolean({ default: true }),
    /** Relative minimum detectable effect (0.05 = 5 %); the experiment's when absent. */
    minimumDetectableEffect: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  },
  { additionalProperties: false },
);

/** A mutually exclusive layer: experiments of one layer take disjoint ranges of its buckets. */
export const ExperimentLayerSchema = Type.Object(
  {
    id: Id,
    /** The range [from, to) of the layer's buckets, in percent. */
    from: Percent,
    to: Percent,
  },
  { additionalProperties: false },
);

/** How results are analysed (docs/experiments-statistics.md). */
export const ExperimentAnalysisSchema = Type.Object(
  {
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 0.5 })),
    power: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    minimumDetectableEffect: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    mode: Type.Optional(Type.Union([Type.Literal('fixed-horizon'), Type.Literal('sequential')])),
    plannedUsers: Type.Optional(Type.Integer({ minimum: 2, maximum: 1e9 })),
    correction: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('bonferroni'), Type.Literal('holm')]),
    ),
  },
  { additionalProperties: false },
);

export const ExperimentSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** draft: not served; running: assigns and serves; stopped: serves the control, no new exposures. */
    status: Type.Union(
      experimentStatuses.map((status) => Type.Literal(status)),
      { default: 'draft' },
    ),
    /** `ab`: a fixed split by weight; `bandit`: Thompson sampling over the variants (`bandit`). */
    kind: Type.Union([Type.Literal('ab'), Type.Literal('bandit')], { default: 'ab' }),
    /** Hashed with the user's key; the experiment id when absent. Change it to re-randomize. */
    salt: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Who may enter: a condition over the profile and the request context. */
    when: Type.Optional(Condition),
    /** A segment (or cohort band `cohort:band`) the profile must be in to enter. */
    segment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Percent of the eligible users who enter (ramp it up: users in stay in). */
    traffic: Type.Number({ minimum: 0, maximum: 100, default: 100 }),
    /** Percent of the eligible users kept out for good, whatever the traffic. */
    holdout: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
    layer: Type.Optional(ExperimentLayerSchema),
    /** The placement whose content the variants change (content experiments). */
    placement: Type.Optional(Id),
    /** The control variant's id (default: the first variant). */
    control: Type.Optional(Id),
    variants: Type.Array(ExperimentVariantSchema, { minItems: 1, maxItems: 20 }),
    metrics: Type.Array(ExperimentMetricSchema, { maxItems: 30, default: [] }),
    analysis: Type.Optional(ExperimentAnalysisSchema),
    /** kind bandit: the reward, exploration floor, per-segment states, prior (bandit-experiment.ts). */
    bandit: Type.Optional(BanditExperimentSchema),
  },
  { additionalProperties: false },
);

export type ExperimentDefinition = Static<typeof ExperimentSchema>;
export type ExperimentVariantDefinition = Static<typeof ExperimentVariantSchema>;
export type ExperimentMetricDefinition = Static<typeof ExperimentMetricSchema>;
export type ExperimentLayer = Static<typeof ExperimentLayerSchema>;
export type ExperimentAnalysisDefinition = Static<typeof ExperimentAnalysisSchema>;
