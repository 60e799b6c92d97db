import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({
  // A positive number: "0m" is refused rather than silently replaced by a default.
  pattern: '^(?!0+(\\.0+)?(ms|s|m|h|d|w)$)\\d+(\\.\\d+)?(ms|s|m|h|d|w)$',
  description: 'A duration such as "500ms", "30s", "30m", "24h", "7d", "2w".',
});

export const IngestSettingsSchema = Type.Object(
  {
    dedupWindow: Type.String({ ...Duration, default: '24h' }),
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 32 * 1024 }),
    maxBatchBytes: Type.Integer({ minimum: 1024, maximum: 16_777_216, default: 500 * 1024 }),
    skewCorrection: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
);

export const TrackingPlanSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('off'), Type.Literal('flag'), Type.Literal('reject')], {
      default: 'off',
      description:
        'off: no checks; flag: store and mark violations; reject: dead-letter violations.',
    }),
    unplannedEvents: Type.Union(
      [Type.Literal('allow'), Type.Literal('flag'), Type.Literal('reject')],
      {
        default: 'allow',
        description: 'What to do with track events that the plan does not name.',
      },
    ),
    events: Type.Record(
      Type.String({ minLength: 1 }),
      Type.Object({}, { additionalProperties: true }),
      {
        default: {},
        description:
          'JSON Schema (draft 2020-12 subset supported by Ajv) of each event, keyed by event name.',
      },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConsentSettingsSchema = Type.Object(
  {
    purposes: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
      default: {},
      description:
        'Consent category each event needs, by event name ($page, $screen, $identify, $group, $alias for the other types); "*" for all others.',
    }),
    whenUnknown: Type.Union([Type.Literal('allow'), Type.Literal('deny')], {
      default: 'allow',
      description: 'When neither the event nor the profile says anything about the category.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const EngagementSettingsSchema = Type.Object(
  {
    window: Type.String({ ...Duration, default: '7d' }),
    weights: Type.Record(Type.String({ minLength: 1 }), Type.Number(), { default: {} }),
    max: Type.Number({ exclusiveMinimum: 0, default: 100 }),
  },
  { additionalProperties: false, default: {} },
);

export const ProfileSettingsSchema = Type.Object(
  {
    windows: Type.Array(Duration, {
      minItems: 1,
      maxItems: 8,
      default: ['1h', '24h', '7d', '30d'],
      description: 'Sliding windows kept for every event counter.',
    }),
    bucketsPerWindow: Type.Integer({ minimum: 4, maximum: 240, default: 60 }),
    sessionTimeout: Type.String({ ...Duration, default: '30m' }),
    maxEventNames: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    maxAnonymousIds: Type.Integer({ minimum: 1, maximum: 1000, default: 25 }),
    maxGroups: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    engagement: EngagementSettingsSchema,
  },
  { additionalProperties: false, default: {} },
);

/** A workspace's engine settings: the part of its config that ingest and profiles use. */
export const WorkspaceSettingsSchema = Type.Object(
  {
    ingest: IngestSettingsSchema,
    trackingPlan: TrackingPlanSchema,
    consent: ConsentSettingsSchema,
    profiles: ProfileSettingsSchema,
  },
  { additionalProperties: false, default: {} },
);

export type IngestSettings = Static<typeof IngestSettingsSchema>;
export type TrackingPlanSettings = Static<typeof TrackingPlanSchema>;
export type ConsentSettings = Static<typeof ConsentSettingsSchema>;
export type EngagementSettings = Static<typeof EngagementSettingsSchema>;
export type ProfileSettings = Static<typeof ProfileSettingsSchema>;
export type WorkspaceSettings = Static<typeof WorkspaceSettingsSchema>;
