/**
 * TypeBox schemas of the OFREP routes, after the protocol's OpenAPI definition
 * (open-feature/protocol, service/openapi.yaml): request bodies, success and failure
 * replies. They document the routes (OpenAPI from route schemas); the context itself
 * is checked by ofrep-request.ts, which names the field at fault.
 */
import { Type, type Static } from '@sinclair/typebox';

export const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) });
export type KeyParams = Static<typeof KeyParams>;

export const EvaluationRequest = Type.Object(
  {
    context: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'The evaluation context. `targetingKey` (string): the userId, or with `anonymous: true` the anonymousId; rollouts hash it. Other attributes are read by `context.*` conditions.',
        },
      ),
    ),
  },
  { additionalProperties: true },
);

const Metadata = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
);

export const EvaluationSuccess = Type.Object({
  key: Type.String(),
  value: Type.Unknown({ description: 'A boolean, string, number or JSON value.' }),
  reason: Type.String({
    description:
      'STATIC, TARGETING_MATCH, SPLIT, DISABLED, DEFAULT or PREREQUISITE_FAILED (docs/flags.md).',
  }),
  variant: Type.Optional(Type.String()),
  metadata: Type.Optional(Metadata),
});

export const EvaluationFailure = Type.Object({
  key: Type.String(),
  errorCode: Type.String({
    description:
      'FLAG_NOT_FOUND (404), PARSE_ERROR, INVALID_CONTEXT, TARGETING_KEY_MISSING (400), GENERAL (500).',
  }),
  errorDetails: Type.Optional(Type.String()),
});

export const BulkSuccess = Type.Object({
  flags: Type.Array(Type.Union([EvaluationSuccess, EvaluationFailure])),
});

export const BulkFailure = Type.Object({
  errorCode: Type.String(),
  errorDetails: Type.Optional(Type.String()),
});

export const ErrorReply = Type.Object(
  { success: Type.Literal(false), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
);

export const ConfigurationReply = Type.Object({
  name: Type.String({ description: 'The flag management system: `onramp`.' }),
  capabilities: Type.Object({
    cacheInvalidation: Type.Object({
      polling: Type.Object({
        enabled: Type.Boolean(),
        minPollingIntervalMs: Type.Number({
          description: 'Poll the bulk evaluation no more often than this.',
        }),
      }),
    }),
    flagEvaluation: Type.Object({
      supportedTypes: Type.Array(
        Type.Union(['boolean', 'string', 'int', 'float', 'object'].map((t) => Type.Literal(t))),
      ),
    }),
    caching: Type.Object({
      enabled: Type.Boolean({
        description:
          'False: evaluations follow the profile in real time, so server providers should not cache them.',
      }),
    }),
  }),
});
