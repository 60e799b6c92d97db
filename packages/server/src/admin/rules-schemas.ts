/**
 * TypeBox schemas of the rules admin API: they validate requests (with the
 * discriminated unions of config/schema-issues.ts), serialize responses and
 * document the routes in OpenAPI.
 */
import { Type, type Static } from '@sinclair/typebox';
import { RuleSchema, RuleSettingsSchema } from '@onramp/core';
import { discriminated } from '../config/schema-issues.js';

/** The most rules one request may carry (the body limit bounds their size). */
export const MAX_RULES = 1000;

export const Rule = discriminated(RuleSchema);
export const Rules = Type.Array(Rule, { maxItems: MAX_RULES });
export const Settings = RuleSettingsSchema;

const IsoTime = Type.String({ format: 'date-time' });
export const BaseVersion = Type.Integer({
  minimum: 0,
  description: 'Publish only if the current version is this one (else 409 ONR_VERSION_CONFLICT).',
});

export const RuleIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export type RuleIdParams = Static<typeof RuleIdParams>;
export const VersionParams = Type.Object({ version: Type.Integer({ minimum: 1 }) });
export type VersionParams = Static<typeof VersionParams>;

export const EditQuery = Type.Object(
  { baseVersion: Type.Optional(BaseVersion) },
  { additionalProperties: false },
);
export type EditQuery = Static<typeof EditQuery>;

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description:
        'The ETag of the config version ("3", as GET /admin/v1/rules gives it): same as baseVersion.',
    }),
  ),
});
export type IfMatchHeaders = Static<typeof IfMatchHeaders>;

export const ReplaceRulesBody = Type.Object(
  {
    rules: Rules,
    settings: Type.Optional(Settings),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    baseVersion: Type.Optional(BaseVersion),
  },
  { additionalProperties: false },
);
export type ReplaceRulesBody = Static<typeof ReplaceRulesBody>;

const VersionFields = {
  version: Type.Integer({ description: '0 when no rules were ever published.' }),
  createdAt: Type.Optional(IsoTime),
  source: Type.Optional(Type.Union([Type.Literal('file'), Type.Literal('api')])),
  fileDigest: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
};
export const VersionSummary = Type.Object({ ...VersionFields, ruleCount: Type.Integer() });
export const RuleConfig = Type.Object({
  ...VersionFields,
  rules: Type.Array(RuleSchema),
  settings: RuleSettingsSchema,
});
export const OneRule = Type.Object({ version: Type.Integer(), rule: RuleSchema });
export const VersionsPage = Type.Object({
  versions: Type.Array(VersionSummary),
  nextBefore: Type.Optional(Type.Integer()),
});

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    before: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The `nextBefore` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const DryRunBody = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    profileId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    profile: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: 'A profile document (ProfileState shape).' },
      ),
    ),
    event: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: 'A Segment message; validated, not stored.' },
      ),
    ),
    rules: Type.Optional(Rules),
    settings: Type.Optional(Settings),
    now: Type.Optional(IsoTime),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of userId, anonymousId, profileId or profile.',
  },
);
export type DryRunBody = Static<typeof DryRunBody>;

const Explanation = Type.Object(
  {
    ruleId: Type.String(),
    triggered: Type.Boolean(),
    fires: Type.Boolean(),
    suppressedBy: Type.Optional(Type.String()),
    trigger: Type.Optional(Type.Unknown({ description: 'Tree of ExplainNode' })),
    condition: Type.Optional(
      Type.Unknown({ description: 'Tree of ExplainNode: {label, expected, actual, result}' }),
    ),
    actions: Type.Array(Type.Unknown()),
  },
  { additionalProperties: true },
);
export const DryRunReply = Type.Object({
  version: Type.Integer({ description: 'The version explained; 0 for a draft.' }),
  profileId: Type.Optional(Type.String()),
  rules: Type.Array(Explanation),
});

export const SimulateBody = Type.Object(
  {
    from: IsoTime,
    to: IsoTime,
    rules: Rules,
    settings: Type.Optional(Settings),
    sample: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 5 })),
    maxEvents: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type SimulateBody = Static<typeof SimulateBody>;

const SimulatedRule = Type.Object({
  ruleId: Type.String(),
  firings: Type.Integer(),
  profiles: Type.Integer(),
  sample: Type.Array(Type.String()),
});
export const SimulationReply = Type.Object({
  events: Type.Integer(),
  profiles: Type.Integer(),
  truncated: Type.Boolean(),
  draft: Type.Array(SimulatedRule),
  live: Type.Array(SimulatedRule),
  liveVersion: Type.Integer(),
  diff: Type.Array(
    Type.Object({
      ruleId: Type.String(),
      draft: Type.Integer(),
      live: Type.Integer(),
      delta: Type.Integer(),
    }),
  ),
});

export const FiringsPage = Type.Object({
  firings: Type.Array(
    Type.Object({
      id: Type.Integer(),
      ruleId: Type.String(),
      version: Type.Integer(),
      at: IsoTime,
      cause: Type.Object({}, { additionalProperties: true }),
      actions: Type.Array(Type.Object({}, { additionalProperties: true })),
    }),
  ),
  nextBefore: Type.Optional(Type.Integer()),
});

export const ErrorReply = Type.Object({
  success: Type.Literal(false),
  code: Type.String(),
  message: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});
