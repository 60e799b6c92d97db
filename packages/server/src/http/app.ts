import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from './errors.js';
import { registerIngestRoutes } from '../ingest/ingest-routes.js';
import { registerSegmentCompatRoutes } from '../ingest/segment-compat-routes.js';
import { registerAdminRoutes } from '../admin/admin-routes.js';
import { registerRulesRoutes } from '../admin/rules-routes.js';
import { registerSegmentsRoutes } from '../admin/segments-routes.js';
import { registerContentRoutes } from '../admin/content-config-routes.js';
import { createConfigPublisher } from '../admin/config-publisher.js';
import { registerStreamRoutes } from '../realtime/stream-routes.js';
import { registerDecideRoutes } from '../decide/decide-routes.js';
import { registerDecisionStreamRoutes } from '../realtime/decision-stream-routes.js';
import { registerHealthRoutes } from '../observability/health-routes.js';
import { registerFlagAdminRoutes } from '../flags/flag-admin-routes.js';
import { registerOfrepRoutes } from '../flags/ofrep-routes.js';
import { registerExperimentAdminRoutes } from '../experiments/experiment-admin-routes.js';

export interface AppOptions {
  engine: Engine;
  logger: FastifyBaseLogger | false;
  /** The largest request body accepted before parsing (the batch limit plus headroom for gzip inflation checks). */
  bodyLimit: number;
}

/** Builds the HTTP API. Routes are thin: they map HTTP to engine calls. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimit,
    // Segment clients retry on 5xx, so never let a slow client hold a socket forever.
    requestTimeout: 30_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  app.setErrorHandler((error: FastifyError | OnrampError, request, reply) => {
    const onrampError = toOnrampError(error);
    if (onrampError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(onrampError.statusCode).send(onrampError.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(new OnrampError('ONR_NOT_FOUND', `No route ${request.method} ${request.url}`).toJSON());
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Onramp API',
        version: '0.1.0',
        description:
          'Segment-compatible ingest, profiles, realtime push and the admin API of Onramp.',
      },
      components: {
        securitySchemes: {
          writeKey: {
            type: 'http',
            scheme: 'basic',
            description: 'The write key as the Basic username, empty password.',
          },
          adminKey: { type: 'http', scheme: 'bearer', description: 'The workspace admin key.' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Browsers call ingest and the stream directly; keys, not cookies, authenticate them.
  await app.register(cors, {
    origin: true,
    credentials: false,
    methods: ['GET', 'POST', 'OPTIONS'],
    // Reflect the requested headers: Segment's browser client adds its own (X-Retry-Count…).
    maxAge: 86_400,
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await registerHealthRoutes(app, options.engine);
  await registerIngestRoutes(app, options.engine);
  await registerSegmentCompatRoutes(app, options.engine);
  await registerAdminRoutes(app, options.engine);
  // One publisher: rule, segment and content edits of a workspace queue behind each other.
  const publisher = createConfigPublisher(options.engine);
  await registerRulesRoutes(app, options.engine, publisher);
  await registerSegmentsRoutes(app, options.engine, publisher);
  await registerContentRoutes(app, options.engine, publisher);
  await registerFlagAdminRoutes(app, options.engine, publisher);
  await registerExperimentAdminRoutes(app, options.engine, publisher);
  await registerOfrepRoutes(app, options.engine);
  await registerStreamRoutes(app, options.engine);
  await registerDecideRoutes(app, options.engine);
  await registerDecisionStreamRoutes(app, options.engine);
  return app;
}

function toOnrampError(error: FastifyError | OnrampError): OnrampError {
  if (error instanceof OnrampError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OnrampError('ONR_PAYLOAD_TOO_LARGE', 'Request body is larger than the limit.', [
        { field: 'body', message: error.message },
      ]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new OnrampError('ONR_INVALID_JSON', 'Body is not valid JSON.', [
        { field: 'body', message: error.message },
      ]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OnrampError('ONR_UNSUPPORTED_MEDIA_TYPE', error.message);
    case 'FST_ERR_VALIDATION':
      return new OnrampError('ONR_VALIDATION', error.message, fieldErrorsOf(error));
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new OnrampError('ONR_VALIDATION', error.message);
      }
      return new OnrampError('ONR_INTERNAL', 'Internal error.');
  }
}

function fieldErrorsOf(error: FastifyError): { field: string; message: string }[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const named =
      issue.keyword === 'required' && typeof issue.params.missingProperty === 'string'
        ? issue.params.missingProperty
        : issue.keyword === 'additionalProperties' &&
            typeof issue.params.additionalProperty === 'string'
          ? issue.params.additionalProperty
          : undefined;
    const field = [context, path, named]
      .filter((part) => part !== undefined && part !== '')
      .join('.');
    const message =
      issue.keyword === 'additionalProperties'
        ? 'is not a known field'
        : (issue.message ?? 'is invalid');
    return { field, message };
  });
}
