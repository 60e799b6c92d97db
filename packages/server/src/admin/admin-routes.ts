import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { FieldError } from '@onramp/core';
import type { Engine, ProfileLookup } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { authenticateAdmin } from './admin-auth.js';

const ProfileKind = Type.Unsafe<'user' | 'anonymous' | 'profile'>({
  type: 'string',
  enum: ['user', 'anonymous', 'profile'],
  description: 'How `id` names the profile: a userId, an anonymousId, or the internal profile id.',
});
const ProfileParams = Type.Object({ kind: ProfileKind, id: Type.String({ minLength: 1 }) });
type ProfileParams = Static<typeof ProfileParams>;

const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    before: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The `nextBefore` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
type PageQuery = Static<typeof PageQuery>;
const NoQuery = Type.Object({}, { additionalProperties: false });

const ErrorReply = Type.Object({
  success: Type.Literal(false),
  code: Type.String(),
  message: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});
/** Loose on purpose: the summary grows with the domain, and the serializer must not drop fields. */
const ProfileSummary = Type.Object(
  {
    profileId: Type.Optional(Type.String()),
    userId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    version: Type.Optional(Type.Integer()),
  },
  { additionalProperties: true, description: 'See ProfileSummary in @onramp/core.' },
);
const EventsPage = Type.Object({
  events: Type.Array(
    Type.Object({
      offset: Type.Integer(),
      event: Type.Object(
        {},
        { additionalProperties: true, description: 'The stored event; times in ISO 8601.' },
      ),
    }),
  ),
  nextBefore: Type.Optional(Type.Integer()),
});
const DeadLettersPage = Type.Object({
  deadLetters: Type.Array(
    Type.Object({
      id: Type.Integer(),
      receivedAt: Type.String({ format: 'date-time' }),
      reason: Type.String({ description: 'invalid | tracking_plan | too_large' }),
      errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
      payload: Type.Unknown({ description: 'The message as received (truncated when huge).' }),
    }),
  ),
  nextBefore: Type.Optional(Type.Integer()),
});
const WorkspaceInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  writeKey: Type.String(),
});

const MessagesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The `nextAfter` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
const MessagesPage = Type.Object({
  messages: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      id: Type.String({ description: 'Deterministic: a replay queues it once.' }),
      profileId: Type.String(),
      ruleId: Type.String(),
      channel: Type.String({ description: 'webhook | email' }),
      template: Type.String(),
      variables: Type.Object({}, { additionalProperties: true }),
      queuedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  nextAfter: Type.Optional(Type.Integer()),
});

const errorResponses = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply };
const common = { tags: ['admin'], security: [{ adminKey: [] }] };

/**
 * The admin API under /admin/v1, authenticated by the workspace's admin key
 * (`Authorization: Bearer <key>`, or Basic with the key as username). Every
 * route reads the workspace of the key, and only it.
 */
export async function registerAdminRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  await app.register(
    async (admin) => {
      admin.setSchemaErrorFormatter(toValidationError);
      // Before validation: a caller without a key learns nothing, not even the schema.
      const workspaceOf = authenticateAdmin(admin, engine);

      admin.get(
        '/workspace',
        {
          schema: {
            ...common,
            summary: 'The workspace of the admin key (never its secrets)',
            querystring: NoQuery,
            response: { 200: WorkspaceInfo, ...errorResponses },
          },
        },
        async (request) => {
          const { id, name, writeKey } = workspaceOf(request).workspace;
          return { id, name, writeKey };
        },
      );

      admin.get<{ Params: ProfileParams }>(
        '/profiles/:kind/:id',
        {
          schema: {
            ...common,
            summary: 'A profile summary: identity, traits, metrics, consent',
            params: ProfileParams,
            querystring: NoQuery,
            response: { 200: ProfileSummary, ...errorResponses },
          },
        },
        async (request) => {
          const profile = await engine.getProfile(
            workspaceOf(request).workspace.id,
            lookupOf(request.params),
          );
          if (profile === undefined) throw profileNotFound(request.params);
          return profile;
        },
      );

      admin.get<{ Params: ProfileParams; Querystring: PageQuery }>(
        '/profiles/:kind/:id/events',
        {
          schema: {
            ...common,
            summary: "A profile's events, newest first, paged by log offset",
            params: ProfileParams,
            querystring: PageQuery,
            response: { 200: EventsPage, ...errorResponses },
          },
        },
        async (request) => {
          const { limit, before } = request.query;
          const page = await engine.listProfileEvents(
            workspaceOf(request).workspace.id,
            lookupOf(request.params),
            before === undefined ? { limit } : { limit, before },
          );
          if (page === undefined) throw profileNotFound(request.params);
          return page;
        },
      );

      admin.get<{ Querystring: PageQuery }>(
        '/dead-letters',
        {
          schema: {
            ...common,
            summary: 'Refused messages, newest first, with the fields at fault',
            querystring: PageQuery,
            response: { 200: DeadLettersPage, ...errorResponses },
          },
        },
        async (request) => {
          const { limit, before } = request.query;
          // One more than asked tells whether there is a next page.
          const letters = await engine.listDeadLetters(workspaceOf(request).workspace.id, {
            limit: limit + 1,
            ...(before === undefined ? {} : { before }),
          });
          const page = letters.slice(0, limit);
          const last = page[page.length - 1];
          return {
            deadLetters: page.map(({ id, receivedAt, reason, errors, payload }) => ({
              id,
              receivedAt: new Date(receivedAt).toISOString(),
              reason,
              errors,
              payload,
            })),
            ...(letters.length > limit && last !== undefined ? { nextBefore: last.id } : {}),
          };
        },
      );

      admin.get<{ Querystring: Static<typeof MessagesQuery> }>(
        '/messages',
        {
          schema: {
            ...common,
            summary:
              'Messages queued by rules (the outbox), oldest first; delivery is not built yet',
            querystring: MessagesQuery,
            response: { 200: MessagesPage, ...errorResponses },
          },
        },
        async (request) => {
          const { limit, after } = request.query;
          const queued = await engine.listQueuedMessages(workspaceOf(request).workspace.id, {
            limit: limit + 1,
            ...(after === undefined ? {} : { after }),
          });
          const page = queued.slice(0, limit);
          const last = page[page.length - 1];
          return {
            messages: page.map(({ seq, message }) => ({
              seq,
              id: message.id,
              profileId: message.profileId,
              ruleId: message.ruleId,
              channel: message.channel,
              template: message.template,
              variables: message.variables,
              queuedAt: new Date(message.at).toISOString(),
            })),
            ...(queued.length > limit && last !== undefined ? { nextAfter: last.seq } : {}),
          };
        },
      );
    },
    { prefix: '/admin/v1' },
  );
}

function lookupOf({ kind, id }: ProfileParams): ProfileLookup {
  switch (kind) {
    case 'user':
      return { userId: id };
    case 'anonymous':
      return { anonymousId: id };
    case 'profile':
      return { profileId: id };
  }
}

function profileNotFound({ kind, id }: ProfileParams): OnrampError {
  return new OnrampError('ONR_NOT_FOUND', `No profile with ${kind} id ${JSON.stringify(id)}.`);
}

/** Ajv issues as field errors that name the field, unknown query fields included. */
function toValidationError(issues: FastifySchemaValidationError[], context: string): OnrampError {
  const errors: FieldError[] = issues.map((issue) => {
    const path = [context, ...issue.instancePath.split('/').filter((part) => part !== '')];
    const { params } = issue;
    if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
      return { field: [...path, params.missingProperty].join('.'), message: 'is required' };
    }
    if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      return {
        field: [...path, params.additionalProperty].join('.'),
        message: 'is not a known field',
      };
    }
    if (issue.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      return {
        field: path.join('.'),
        message: `must be one of ${params.allowedValues.join(', ')}`,
      };
    }
    return { field: path.join('.'), message: issue.message ?? 'is invalid' };
  });
  const first = errors[0];
  return new OnrampError(
    'ONR_VALIDATION',
    first === undefined ? `Invalid ${context}.` : `${first.field} ${first.message}`,
    errors,
  );
}
