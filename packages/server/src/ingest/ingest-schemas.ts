import type { FastifySchema } from 'fastify';
import type { IngestEndpoint } from './ingest-routes.js';

// ---- schemas (OpenAPI documentation and response serialization) ------------------------------

const fieldErrorSchema = {
  type: 'object',
  properties: { field: { type: 'string' }, message: { type: 'string' } },
  required: ['field', 'message'],
} as const;

const rejectedSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      index: {
        type: 'integer',
        description: 'Position of the message in the request (0 for single messages).',
      },
      reason: { type: 'string', enum: ['invalid', 'tracking_plan', 'too_large'] },
      errors: { type: 'array', items: fieldErrorSchema },
    },
    required: ['index', 'reason', 'errors'],
  },
} as const;

const errorResponseSchema = {
  type: 'object',
  description:
    'An error; `errors` names the fields at fault. Rejected messages are kept as dead letters.',
  properties: {
    success: { type: 'boolean' },
    code: { type: 'string' },
    message: { type: 'string' },
    errors: { type: 'array', items: fieldErrorSchema },
    accepted: { type: 'integer' },
    rejected: rejectedSchema,
  },
  required: ['success', 'code', 'message'],
} as const;

const messageDocSchema = {
  type: 'object',
  description: 'A Segment-spec message (https://segment.com/docs/connections/spec/).',
  properties: {
    type: { type: 'string', enum: ['track', 'identify', 'page', 'screen', 'group', 'alias'] },
    messageId: {
      type: 'string',
      description: 'Unique per message; retries with the same id are stored once.',
    },
    userId: { type: 'string' },
    anonymousId: { type: 'string' },
    event: { type: 'string', description: 'track: the event name.' },
    name: { type: 'string', description: 'page / screen: the name.' },
    category: { type: 'string', description: 'page: the category.' },
    groupId: { type: 'string', description: 'group: the group id.' },
    previousId: { type: 'string', description: 'alias: the previous identity.' },
    properties: { type: 'object', additionalProperties: true },
    traits: { type: 'object', additionalProperties: true },
    context: { type: 'object', additionalProperties: true },
    integrations: { type: 'object', additionalProperties: true },
    timestamp: { type: 'string', format: 'date-time' },
    sentAt: { type: 'string', format: 'date-time' },
    writeKey: {
      type: 'string',
      description: 'The write key, when not sent as the Basic username.',
    },
  },
  additionalProperties: true,
} as const;

const batchDocSchema = {
  type: 'object',
  properties: {
    batch: { type: 'array', items: messageDocSchema, minItems: 1 },
    sentAt: {
      type: 'string',
      format: 'date-time',
      description: 'When the client sent the batch (clock-skew correction).',
    },
    context: {
      type: 'object',
      additionalProperties: true,
      description: "Merged under each message's own context.",
    },
    integrations: { type: 'object', additionalProperties: true },
    writeKey: { type: 'string' },
  },
  required: ['batch'],
  additionalProperties: true,
} as const;

export function routeSchema(endpoint: IngestEndpoint): FastifySchema {
  const isBatch = endpoint.endpointType === undefined;
  return {
    summary: endpoint.summary,
    description: isBatch
      ? 'Segment HTTP API batch. 200 when every message is accepted (duplicates included), 207 when some are rejected (listed by index), 400 / 413 when all are. Limits: maxBatchBytes for the body, maxMessageBytes per message.'
      : `Segment HTTP API ${endpoint.endpointType} call. 200 when accepted (a duplicate messageId is accepted and stored once), 400 / 413 when rejected. The body may be gzip, deflate or br encoded.`,
    tags: endpoint.tags ?? ['ingest'],
    security: [{ writeKey: [] }],
    consumes: ['application/json', 'text/plain'],
    body: isBatch ? batchDocSchema : messageDocSchema,
    response: {
      200: {
        description: 'Accepted (and durably stored).',
        type: 'object',
        properties: { success: { type: 'boolean' } },
        required: ['success'],
      },
      ...(isBatch
        ? {
            207: {
              description: 'Some messages were rejected; the others are stored.',
              type: 'object',
              properties: {
                success: { type: 'boolean' },
                accepted: { type: 'integer' },
                rejected: rejectedSchema,
              },
              required: ['success', 'accepted', 'rejected'],
            },
          }
        : {}),
      400: errorResponseSchema,
      401: errorResponseSchema,
      413: errorResponseSchema,
      415: errorResponseSchema,
      503: errorResponseSchema,
    },
  } as FastifySchema;
}
