/**
 * Onboarding flows as data: the schema shared by the YAML config (`flows:`) and
 * the admin API, published with the rules in one config version
 * (docs/decisions/0020). Conditions, event names, step references and templates
 * are checked by compileRuleSet. docs/flows.md documents every field.
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
const EventName = Type.String({ minLength: 1, maxLength: 200 });

/** A step is done when `event` (matching `where`) arrives from anywhere. */
export const EventCompletionSchema = Type.Object(
  { event: EventName, where: Type.Optional(Condition) },
  { additionalProperties: false },
);
/** A step is done once `condition` holds for the profile (checked as events arrive). */
export const ConditionCompletionSchema = Type.Object(
  { condition: Condition },
  { additionalProperties: false },
);

export const FlowStepSchema = Type.Object(
  {
    id: Id,
    /** Liquid template: the step's label in checklists. */
    title: Type.Optional(Type.String({ maxLength: 500 })),
    /** Content shown for this step while it is the next best step. */
    content: Type.Optional(Id),
    /** Where that content shows; the flow's placement when absent. */
    placement: Type.Optional(Id),
    completion: Type.Union([EventCompletionSchema, ConditionCompletionSchema]),
    required: Type.Boolean({ default: true }),
    /** Only offered as the next step while this holds (always when absent). */
    when: Type.Optional(Condition),
    /** Higher is offered first as the next best step; ties go to the step listed first. */
    priority: Type.Integer({ minimum: -1000, maximum: 1000, default: 0 }),
  },
  { additionalProperties: false },
);

/** Who gets which steps: the first variant whose `when` holds; all steps when none does. */
export const FlowVariantSchema = Type.Object(
  {
    id: Id,
    /** A condition over the profile: traits, segments (`segments: admins`)… */
    when: Condition,
    /** Step ids of the flow, in the order this variant shows them. */
    steps: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const FlowSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Who is in the flow (everyone when absent); a profile starts it when this first holds. */
    audience: Type.Optional(Condition),
    /** Where the next best step's content shows, unless the step names its own placement. */
    placement: Type.Optional(Id),
    steps: Type.Array(FlowStepSchema, { minItems: 1, maxItems: 50 }),
    variants: Type.Optional(Type.Array(FlowVariantSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export type FlowDefinition = Static<typeof FlowSchema>;
export type FlowStepDefinition = Static<typeof FlowStepSchema>;
export type FlowVariantDefinition = Static<typeof FlowVariantSchema>;
