/**
 * Rules as data: the schema shared by the YAML config (`rules:`) and the admin
 * API. Structure is checked here (TypeBox → Ajv); conditions, durations, times
 * and references are checked by compileRuleSet, which names the field at fault.
 * docs/rules.md documents every field.
 */
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$',
  description: 'Letters, digits, "_", "-" and "."; at most 100 characters.',
});
const Duration = Type.String({
  pattern: '^(?!0+(\\.0+)?(ms|s|m|h|d|w)$)\\d+(\\.\\d+)?(ms|s|m|h|d|w)$',
  description: 'A duration such as "500ms", "30s", "30m", "24h", "7d", "2w".',
});
const LocalTime = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
  description: 'A local time of day, "HH:MM" (24 h).',
});
const EventName = Type.String({ minLength: 1, maxLength: 200 });
/** A condition document (validated by the condition compiler). */
const Condition = Type.Object(
  {},
  { additionalProperties: true, description: 'A condition (docs/conditions.md).' },
);
const Weekday = Type.Union(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => Type.Literal(day)),
);

export const EventTriggerSchema = Type.Object(
  {
    type: Type.Literal('event'),
    /** Metric name: a track event's name, or $page, $screen, $identify, $group, $alias; "*" for any. */
    event: EventName,
    where: Type.Optional(Condition),
  },
  { additionalProperties: false },
);

/** Fires when the rule's condition turns true (edge-triggered), on any profile change. */
export const ConditionTriggerSchema = Type.Object(
  { type: Type.Literal('condition') },
  { additionalProperties: false },
);

export const SegmentTriggerSchema = Type.Object(
  {
    type: Type.Literal('segment'),
    segment: Id,
    on: Type.Union([Type.Literal('entered'), Type.Literal('exited')], { default: 'entered' }),
  },
  { additionalProperties: false },
);

/** Fires once the profile has had no event for `for`; re-armed by every event. */
export const InactivityTriggerSchema = Type.Object(
  { type: Type.Literal('inactive'), for: Duration },
  { additionalProperties: false },
);

/** Fires `delay` after `event` (re-armed by each one) unless `unless` happened in between. */
export const DelayTriggerSchema = Type.Object(
  {
    type: Type.Literal('delay'),
    event: EventName,
    where: Type.Optional(Condition),
    delay: Duration,
    unless: Type.Optional(Type.Array(EventName, { minItems: 1, maxItems: 20 })),
  },
  { additionalProperties: false },
);

/** Fires at a local time of day in the user's timezone, on the given weekdays (default: every day). */
export const LocalTimeTriggerSchema = Type.Object(
  {
    type: Type.Literal('localTime'),
    at: LocalTime,
    days: Type.Optional(Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const TriggerSchema = Type.Union([
  EventTriggerSchema,
  ConditionTriggerSchema,
  SegmentTriggerSchema,
  InactivityTriggerSchema,
  DelayTriggerSchema,
  LocalTimeTriggerSchema,
]);

const Variables = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Unknown(), {
  description: 'JSON values handed to the content template.',
});

export const DecideActionSchema = Type.Object(
  {
    type: Type.Literal('decide'),
    placement: Id,
    content: Id,
    variables: Type.Optional(Variables),
    /** How long the decision stands; until cleared when absent. */
    ttl: Type.Optional(Duration),
    /** The content variant to show (docs/content.md#variants). */
    variant: Type.Optional(Id),
    /** Stop showing it once the content was shown this many times (Content Shown events). */
    maxShows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /**
     * After the user dismissed the content: "hide" (default) never shows it again,
     * "show" shows it anyway, a duration shows it again that long after the dismissal.
     */
    afterDismiss: Type.Optional(Type.Union([Type.Literal('hide'), Type.Literal('show'), Duration])),
  },
  { additionalProperties: false },
);
export const ClearDecisionActionSchema = Type.Object(
  { type: Type.Literal('clearDecision'), placement: Id },
  { additionalProperties: false },
);
export const SetTraitActionSchema = Type.Object(
  {
    type: Type.Literal('setTrait'),
    trait: Type.String({ minLength: 1, maxLength: 200 }),
    value: Type.Unknown(),
  },
  { additionalProperties: false },
);
export const UnsetTraitActionSchema = Type.Object(
  { type: Type.Literal('unsetTrait'), trait: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const EmitActionSchema = Type.Object(
  {
    type: Type.Literal('emit'),
    event: EventName,
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export const AdvanceFlowActionSchema = Type.Object(
  {
    type: Type.Literal('advanceFlow'),
    flow: Id,
    /**
     * The step to complete (the flow is started if need be); the current step when
     * absent, which needs the flow defined in config. Without a definition: the step reached.
     */
    step: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export const MessageActionSchema = Type.Object(
  {
    type: Type.Literal('message'),
    channel: Type.Union([Type.Literal('webhook'), Type.Literal('email')]),
    template: Id,
    variables: Type.Optional(Variables),
  },
  { additionalProperties: false },
);

export const ActionSchema = Type.Union([
  DecideActionSchema,
  ClearDecisionActionSchema,
  SetTraitActionSchema,
  UnsetTraitActionSchema,
  EmitActionSchema,
  AdvanceFlowActionSchema,
  MessageActionSchema,
]);

export const ConstraintsSchema = Type.Object(
  {
    /** At most `count` firings per `per`. */
    cap: Type.Optional(
      Type.Object(
        { count: Type.Integer({ minimum: 1, maximum: 100 }), per: Duration },
        { additionalProperties: false },
      ),
    ),
    cooldown: Type.Optional(Duration),
    once: Type.Optional(Type.Boolean()),
    activeFrom: Type.Optional(Type.String({ format: 'date-time' })),
    activeUntil: Type.Optional(Type.String({ format: 'date-time' })),
    /** No firing between `from` and `to` in the user's timezone (may span midnight). */
    quietHours: Type.Optional(
      Type.Object({ from: LocalTime, to: LocalTime }, { additionalProperties: false }),
    ),
    /** Consent category the profile must have granted. */
    consent: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Whether a firing counts against the user's fatigue budget; default: when it decides or messages. */
    fatigue: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, default: {} },
);

export const RuleSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    enabled: Type.Boolean({ default: true }),
    /** Higher wins a placement; ties go to the rule listed first. */
    priority: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, default: 0 }),
    trigger: TriggerSchema,
    condition: Type.Optional(Condition),
    actions: Type.Array(ActionSchema, { minItems: 1, maxItems: 20 }),
    constraints: ConstraintsSchema,
  },
  { additionalProperties: false },
);

/** Workspace-wide rule settings. */
export const RuleSettingsSchema = Type.Object(
  {
    /** One budget per user across all rules and channels: at most `max` prompts per `per`. */
    fatigue: Type.Optional(
      Type.Object(
        { max: Type.Integer({ minimum: 1, maximum: 1000 }), per: Duration },
        { additionalProperties: false },
      ),
    ),
    /** Used when a profile has no timezone (traits.timezone, else context.timezone). */
    defaultTimezone: Type.String({ minLength: 1, maxLength: 64, default: 'UTC' }),
    /** How many emit hops a chain of rules may take before emitted events stop triggering rules. */
    maxChainDepth: Type.Integer({ minimum: 0, maximum: 10, default: 3 }),
  },
  { additionalProperties: false, default: {} },
);

export type Trigger = Static<typeof TriggerSchema>;
export type Action = Static<typeof ActionSchema>;
export type Constraints = Static<typeof ConstraintsSchema>;
export type RuleDefinition = Static<typeof RuleSchema>;
export type RuleSettings = Static<typeof RuleSettingsSchema>;
