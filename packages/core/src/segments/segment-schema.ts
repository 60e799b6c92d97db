/**
 * Segments, cohorts and clustering jobs as data: the schema shared by the YAML
 * config (`segments:`, `cohorts:`, `clusterings:`) and the admin API. They are
 * published with the rules, in one config version (docs/decisions/0016).
 * Structure is checked here; conditions, metric paths and band shares are
 * checked by compileRuleSet, which names the field at fault. docs/segments.md
 * documents every field.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Segment, cohort, band and clustering ids: no ":" (a band's membership id is `cohort:band`). */
const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$',
  description: 'Letters, digits, "_", "-" and "."; at most 100 characters.',
});
const Duration = Type.String({
  pattern: '^(?!0+(\\.0+)?(ms|s|m|h|d|w)$)\\d+(\\.\\d+)?(ms|s|m|h|d|w)$',
  description: 'A duration such as "30m", "24h", "7d".',
});
const Condition = Type.Object(
  {},
  { additionalProperties: true, description: 'A condition (docs/conditions.md).' },
);
/**
 * A number read from a profile: `engagement`, `eventCount`, `sessions.count`,
 * `sessions.totalDuration` (ms), `events.<name>` (lifetime count of an event) or
 * `traits.<path>` (a numeric trait). Checked by compileMetric.
 */
export const MetricPathSchema = Type.String({
  minLength: 1,
  maxLength: 256,
  description:
    'engagement, eventCount, sessions.count, sessions.totalDuration, events.<name> or traits.<path>',
});

export const SegmentSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Who is in it: a condition over the profile (no event.*, no context.*). */
    condition: Condition,
  },
  { additionalProperties: false },
);

export const CohortBandSchema = Type.Object(
  {
    id: Id,
    /** Share of the population in this band, in percent; the bands of a cohort add up to 100. */
    percent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);

export const CohortSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The metric profiles are ranked by. */
    metric: MetricPathSchema,
    /** Bands from the top rank down: e.g. top 20, middle 50, bottom 30. */
    bands: Type.Array(CohortBandSchema, { minItems: 2, maxItems: 10 }),
    /** Profiles with a value needed before anyone is placed in a band. */
    minPopulation: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),
  },
  { additionalProperties: false },
);

export const ClusteringSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The features, one metric path each; a profile missing one counts it as 0. */
    features: Type.Array(MetricPathSchema, { minItems: 1, maxItems: 20 }),
    /** How features are scaled before k-means: z-score (default), min–max, or as they are. */
    normalization: Type.Union(
      [Type.Literal('zscore'), Type.Literal('minmax'), Type.Literal('none')],
      { default: 'zscore' },
    ),
    /** The range of k tried; the k with the best silhouette wins. */
    k: Type.Object(
      {
        min: Type.Integer({ minimum: 2, maximum: 20, default: 2 }),
        max: Type.Integer({ minimum: 2, maximum: 20, default: 8 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The trait each profile's cluster label is written to (default `cluster_<id>`). */
    trait: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' })),
    /** Re-run on this interval (absent: only on demand). */
    every: Type.Optional(Duration),
    /** At most this many profiles (a uniform sample) train a run. */
    sampleSize: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 50_000 }),
    /** A run needs at least this many profiles. */
    minProfiles: Type.Integer({ minimum: 4, maximum: 1_000_000, default: 50 }),
  },
  { additionalProperties: false },
);

export type SegmentDefinition = Static<typeof SegmentSchema>;
export type CohortDefinition = Static<typeof CohortSchema>;
export type CohortBand = Static<typeof CohortBandSchema>;
export type ClusteringDefinition = Static<typeof ClusteringSchema>;
