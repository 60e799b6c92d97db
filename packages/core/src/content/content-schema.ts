/**
 * Content and placements as data: the schema shared by the YAML config
 * (`content:`, `placements:`, `contentSettings:`) and the admin API. They are
 * published with the rules, in one config version (docs/decisions/0020).
 * Structure is checked here; templates, locales, type-specific fields and
 * references are checked by compileRuleSet, which names the field at fault.
 * docs/content.md documents every field.
 */
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$',
  description: 'Letters, digits, "_", "-" and "."; at most 100 characters.',
});

/** A BCP 47 language tag such as "fr", "fr-CA", "pt-BR", "zh-Hant-TW". */
export const LocaleTagSchema = Type.String({
  pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$',
  description: 'A BCP 47 language tag: "fr", "fr-CA", "zh-Hant-TW".',
});

export const contentTypes = [
  'message',
  'banner',
  'tooltip',
  'modal',
  'checklist',
  'tour',
  'offer',
] as const;
export type ContentType = (typeof contentTypes)[number];

export const ContentTypeSchema = Type.Union(contentTypes.map((type) => Type.Literal(type)));

/**
 * The fields of a content item: a JSON object whose string values, at any depth,
 * are Liquid templates (docs/content.md). Type-specific fields: `target` (tooltip,
 * a CSS selector), `steps` (tour: [{ target, title, body }]).
 */
const Fields = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Unknown(), {
  description: 'Field name → Liquid template (strings at any depth are templates).',
});
const LocaleFields = Type.Record(LocaleTagSchema, Fields, {
  description: 'Locale tag → fields that replace the default ones in that locale.',
});

export const ContentVariantSchema = Type.Object(
  {
    id: Id,
    /** Fields that replace the item's own in this variant. */
    fields: Type.Optional(Fields),
    locales: Type.Optional(LocaleFields),
  },
  { additionalProperties: false },
);

export const ContentItemSchema = Type.Object(
  {
    id: Id,
    type: ContentTypeSchema,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The fields in the default locale. */
    fields: Fields,
    /** Per locale, fields that replace the default ones (fr-CA → fr → default). */
    locales: Type.Optional(LocaleFields),
    /**
     * Rendered instead of `fields` when a template reads data the profile does not
     * have (and gives no `default`); without it, the placement's default is shown.
     */
    fallback: Type.Optional(Fields),
    /** Variants for experiments: fields (and locales) that replace the item's own. */
    variants: Type.Optional(Type.Array(ContentVariantSchema, { maxItems: 20 })),
    /** Checklist: the flow it shows. */
    flow: Type.Optional(Id),
    /**
     * Shown only while this holds, checked at decide time over the profile and the
     * request (`context.page.path`…); otherwise the placement's next source is used.
     */
    when: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: 'A condition (docs/conditions.md).' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const PlacementSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Content shown when no rule, flow step or experiment decides; nothing when absent. */
    default: Type.Optional(Id),
    /** The content types this placement can show (any when absent). */
    types: Type.Optional(
      Type.Array(ContentTypeSchema, { minItems: 1, maxItems: contentTypes.length }),
    ),
  },
  { additionalProperties: false },
);

export const ContentSettingsSchema = Type.Object(
  {
    /** The locale of `fields`, and the one used when a request and profile name none. */
    defaultLocale: Type.String({
      pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$',
      default: 'en',
    }),
    /**
     * The consent category that allows personalization. When set, a profile that has
     * not granted it (explicitly, or by `consent.whenUnknown: allow`) sees default
     * content rendered without its data.
     */
    consentCategory: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, default: {} },
);

export type ContentItem = Static<typeof ContentItemSchema>;
export type ContentVariant = Static<typeof ContentVariantSchema>;
export type PlacementDefinition = Static<typeof PlacementSchema>;
export type ContentSettings = Static<typeof ContentSettingsSchema>;
