/**
 * OFREP, the OpenFeature Remote Evaluation Protocol (docs/flags.md#ofrep): single and
 * bulk evaluation of the published flags, and the provider configuration, so that the
 * official OFREP providers (@openfeature/ofrep-provider on servers,
 * @openfeature/ofrep-web-provider in browsers) evaluate Onramp flags. Authentication and context: ofrep-request.ts and decision 26.
 */
import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import {
  emptyExperimentSet,
  evaluateAllFlagsWithExperiments,
  evaluateFlagWithExperiments,
  type FlagEvaluation,
} from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import {
  BulkFailure,
  BulkSuccess,
  ConfigurationReply,
  EvaluationFailure,
  EvaluationRequest,
  EvaluationSuccess,
  KeyParams,
  ErrorReply,
} from './ofrep-schemas.js';
import { OfrepRequestError, prepareEvaluation, workspaceOnly } from './ofrep-request.js';

const maxBody = 64 * 1024;
const security = [{ writeKey: [] }, { adminKey: [] }] as Record<string, string[]>[];
const auth =
  'Servers: `Authorization: Bearer <secret key>`. Browsers: the write key as `X-API-Key` (or the Basic username) and, for an identified user, the user token as `X-Onramp-User-Token`; `context.anonymous: true` marks the targeting key as an anonymousId.';

/**
 * What GET /ofrep/v1/configuration tells a provider that opts in: polling the bulk
 * evaluation is supported (with its ETag) down to once a second; every flag type;
 * no caching of evaluations by server providers, which follow the profile in real time.
 */
const configuration = JSON.stringify({
  name: 'onramp',
  capabilities: {
    cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
    flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
    caching: { enabled: false },
  },
});
const configurationEtag = `"${createHash('sha256').update(configuration).digest('base64url').slice(0, 27)}"`;

/** The HTTP status of a failed evaluation (OFREP: 404 for an unknown flag, 400 for the context). */
const statusOf: Record<string, number> = {
  FLAG_NOT_FOUND: 404,
  TARGETING_KEY_MISSING: 400,
  INVALID_CONTEXT: 400,
  PARSE_ERROR: 400,
  TYPE_MISMATCH: 400,
  GENERAL: 500,
};

export async function registerOfrepRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  await app.register(
    async (ofrep) => {
      ofrep.setErrorHandler((error: FastifyError | OnrampError, request, reply) => {
        const key = (request.params as { key?: string } | undefined)?.key;
        sendError(reply, error, key);
      });

      ofrep.post<{ Params: KeyParams }>(
        '/evaluate/flags/:key',
        {
          bodyLimit: maxBody,
          schema: {
            tags: ['ofrep'],
            summary: 'Evaluate one flag (OFREP)',
            description: `The flag's value, variant and reason for the evaluation context; 404 FLAG_NOT_FOUND for an unknown key. ${auth}`,
            security,
            params: KeyParams,
            body: EvaluationRequest,
            response: {
              200: EvaluationSuccess,
              400: EvaluationFailure,
              401: ErrorReply,
              403: ErrorReply,
              404: EvaluationFailure,
              500: EvaluationFailure,
            },
          },
        },
        async (request, reply) => {
          const { runtime, context, personalized } = await prepareEvaluation(engine, request);
          const result = evaluateFlagWithExperiments(
            runtime.rules.flags,
            personalized ? runtime.rules.experiments : emptyExperimentSet,
            request.params.key,
            context,
          );
          if (result.errorCode === undefined) return successOf(result);
          if (result.errorCode === 'GENERAL')
            request.log.warn({ flag: result.key }, result.errorMessage);
          return reply.code(statusOf[result.errorCode] ?? 500).send(failureOf(result));
        },
      );

      ofrep.post(
        '/evaluate/flags',
        {
          bodyLimit: maxBody,
          schema: {
            tags: ['ofrep'],
            summary: 'Evaluate every flag (OFREP bulk), with ETag / If-None-Match',
            description: `Every published flag for the evaluation context: successes and per-flag failures (a rollout without a targeting key). The ETag is a digest of the answer: with \`If-None-Match\` naming it, 304 and no body. ${auth}`,
            security,
            body: EvaluationRequest,
            response: {
              200: BulkSuccess,
              304: { type: 'null' },
              400: BulkFailure,
              401: ErrorReply,
              403: ErrorReply,
            },
          },
        },
        async (request, reply) => {
          const { runtime, context, personalized } = await prepareEvaluation(engine, request);
          const experiments = personalized ? runtime.rules.experiments : emptyExperimentSet;
          const flags = evaluateAllFlagsWithExperiments(
            runtime.rules.flags,
            experiments,
            context,
          ).map((result) =>
            result.errorCode === undefined ? successOf(result) : failureOf(result),
          );
          const body = JSON.stringify({ flags });
          const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
          void reply.header('etag', etag).header('access-control-expose-headers', 'ETag');
          if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
          return reply.type('application/json; charset=utf-8').send(body);
        },
      );

      ofrep.get(
        '/configuration',
        {
          schema: {
            tags: ['ofrep'],
            summary:
              'What this server supports (OFREP provider configuration), with ETag / If-None-Match',
            description: `For providers that opt in: bulk-evaluation polling (at most once a second), the flag types, and no caching of evaluations. With \`If-None-Match\` naming the ETag, 304 and no body. Servers: \`Authorization: Bearer <secret key>\`. Browsers: the write key as \`X-API-Key\` (or the Basic username).`,
            security,
            response: { 200: ConfigurationReply, 304: { type: 'null' }, 401: ErrorReply },
          },
        },
        async (request, reply) => {
          const apiKey = request.headers['x-api-key'];
          workspaceOnly(
            engine,
            request,
            typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined,
          );
          void reply
            .header('etag', configurationEtag)
            .header('access-control-expose-headers', 'ETag');
          if (matches(request.headers['if-none-match'], configurationEtag)) {
            return reply.code(304).send();
          }
          return reply.type('application/json; charset=utf-8').send(configuration);
        },
      );
    },
    { prefix: '/ofrep/v1' },
  );
}

function successOf(result: FlagEvaluation) {
  return {
    key: result.key,
    value: result.value,
    reason: result.reason,
    ...(result.variant === undefined ? {} : { variant: result.variant }),
    ...(result.flagMetadata === undefined ? {} : { metadata: result.flagMetadata }),
  };
}

function failureOf(result: FlagEvaluation) {
  return {
    key: result.key,
    errorCode: result.errorCode ?? 'GENERAL',
    ...(result.errorMessage === undefined ? {} : { errorDetails: result.errorMessage }),
  };
}

/** If-None-Match: `*`, or a list of entity tags (weak ones compare by their opaque part). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** OFREP's failure bodies for what went wrong before evaluating; our own for auth errors. */
function sendError(
  reply: FastifyReply,
  error: FastifyError | OnrampError,
  key: string | undefined,
) {
  const keyed = (errorCode: string, errorDetails: string) =>
    key === undefined ? { errorCode, errorDetails } : { key, errorCode, errorDetails };
  if (error instanceof OfrepRequestError) {
    return reply.code(400).send(keyed(error.errorCode, error.message));
  }
  if (error instanceof OnrampError) return reply.code(error.statusCode).send(error.toJSON());
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply
        .code(400)
        .send(keyed('PARSE_ERROR', `the body is not valid JSON: ${error.message}`));
    case 'FST_ERR_VALIDATION': {
      const whole = error.validation?.some((issue) => issue.instancePath === '') === true;
      return reply.code(400).send(keyed(whole ? 'PARSE_ERROR' : 'INVALID_CONTEXT', error.message));
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply
        .code(413)
        .send(
          new OnrampError(
            'ONR_PAYLOAD_TOO_LARGE',
            'Request body is larger than the limit.',
          ).toJSON(),
        );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply
        .code(415)
        .send(new OnrampError('ONR_UNSUPPORTED_MEDIA_TYPE', error.message).toJSON());
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return reply.code(400).send(keyed('PARSE_ERROR', error.message));
      }
      reply.log.error({ err: error }, 'OFREP request failed');
      return reply.code(500).send(keyed('GENERAL', 'internal error'));
  }
}
