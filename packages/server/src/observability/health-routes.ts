import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';

const Status = Type.Object({ status: Type.String() });
const ErrorReply = Type.Object(
  { success: Type.Literal(false), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
);

/**
 * Liveness, readiness and Prometheus metrics. No authentication, as for most
 * Prometheus targets: expose them on the internal network only (the ingress or
 * load balancer should not route these paths from the internet).
 */
export async function registerHealthRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: 200 while the process serves requests',
        tags: ['observability'],
        response: { 200: Status },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary:
          'Readiness: 200 once storage is open and the processor has caught up; 503 otherwise',
        tags: ['observability'],
        response: { 200: Status, 503: ErrorReply },
      },
    },
    async () => {
      if (!engine.isReady()) {
        throw new OnrampError(
          'ONR_NOT_READY',
          'The engine is starting, catching up with its log, or stopping.',
        );
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['observability'],
        response: {
          200: {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      const { registry } = engine.metrics;
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    },
  );
}
