import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventType } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { createIngestScope } from './ingest-routes.js';

/**
 * What the official Segment clients fetch or send besides the documented HTTP API:
 *
 * - analytics-next (browser) loads `${cdnURL}/v1/projects/{writeKey}/settings` and
 *   sends to `${protocol}://${integrations['Segment.io'].apiHost}/{t,i,p,s,g,a}` one
 *   message at a time, or `/b` when batching (`apiHost` defaults to
 *   "api.segment.io/v1", so the paths are /v1/t … /v1/b), with `Content-Type:
 *   text/plain` and the write key in the body; its remote metrics go to `/m`.
 * - analytics-ruby (and the older mobile libraries) post batches to /v1/import.
 */
export async function registerSegmentCompatRoutes(
  app: FastifyInstance,
  engine: Engine,
): Promise<void> {
  app.get<{ Params: { writeKey: string } }>(
    '/v1/projects/:writeKey/settings',
    { schema: settingsSchema },
    async (request, reply) => {
      const { writeKey } = request.params;
      if (engine.workspaceByWriteKey(writeKey) === undefined) {
        throw new OnrampError('ONR_NOT_FOUND', 'Unknown write key.', [
          { field: 'writeKey', message: 'names no workspace' },
        ]);
      }
      // Append to CORS's `Vary: Origin`: a shared cache must not serve one origin's CORS headers to another.
      const vary = new Set(
        String(reply.getHeader('vary') ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      );
      for (const name of [
        'Origin',
        'Host',
        'X-Forwarded-Host',
        'X-Forwarded-Proto',
        'X-Forwarded-Prefix',
      ]) {
        vary.add(name);
      }
      void reply.header('cache-control', 'public, max-age=60').header('vary', [...vary].join(', '));
      return sourceSettings(writeKey, publicOrigin(request));
    },
  );

  await app.register(async (scope) => {
    const ingest = createIngestScope(scope, engine);
    for (const [letter, type] of shortPaths) {
      ingest.addEndpoint({
        url: `/v1/${letter}`,
        endpointType: type,
        summary: `analytics.js ${type} (same as /v1/${type})`,
        tags: ['segment-compat'],
      });
    }
    for (const url of ['/v1/b', '/v1/import']) {
      ingest.addEndpoint({ url, summary: 'Batch (same as /v1/batch)', tags: ['segment-compat'] });
    }
  });

  await app.register(async (scope) => {
    // analytics.js performance counters: accepted and dropped, whatever the body.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: 64 * 1024 },
      (_request, _body, done) => {
        done(null, undefined);
      },
    );
    scope.post(
      '/v1/m',
      {
        schema: {
          summary: 'analytics.js client metrics (ignored)',
          tags: ['segment-compat'],
          response: { 200: { type: 'object', properties: { success: { type: 'boolean' } } } },
        },
      },
      async (_request, reply) =>
        reply.type('application/json; charset=utf-8').send('{"success":true}'),
    );
  });
}

const shortPaths: readonly (readonly [string, EventType])[] = [
  ['t', 'track'],
  ['i', 'identify'],
  ['p', 'page'],
  ['s', 'screen'],
  ['g', 'group'],
  ['a', 'alias'],
];

interface PublicOrigin {
  protocol: 'http' | 'https';
  /** host[:port] plus any path prefix a reverse proxy mounts Onramp under. */
  hostAndPrefix: string;
}

const hostPattern = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const prefixPattern = /^(?:\/[A-Za-z0-9._~-]+)+$/;

/** How a browser reaches this server: X-Forwarded-* (first hop) when present and well-formed. */
function publicOrigin(request: FastifyRequest): PublicOrigin {
  const forwardedProto = firstValue(request.headers['x-forwarded-proto'])?.toLowerCase();
  const protocol =
    forwardedProto === 'https' || forwardedProto === 'http'
      ? forwardedProto
      : request.protocol === 'https'
        ? 'https'
        : 'http';
  const forwardedHost = firstValue(request.headers['x-forwarded-host']);
  const host =
    forwardedHost !== undefined && hostPattern.test(forwardedHost) ? forwardedHost : request.host;
  const prefix = firstValue(request.headers['x-forwarded-prefix'])?.replace(/\/+$/, '');
  return {
    protocol,
    hostAndPrefix: prefix !== undefined && prefixPattern.test(prefix) ? host + prefix : host,
  };
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first === '' ? undefined : first;
}

/**
 * The source settings analytics-next expects from Segment's CDN, with only the
 * Segment.io destination, pointed at this server. Bundled metadata is off (it would
 * add `_metadata` to every message) and remote metrics are off (sampleRate 0).
 */
function sourceSettings(writeKey: string, origin: PublicOrigin): Record<string, unknown> {
  const apiHost = `${origin.hostAndPrefix}/v1`;
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost,
        protocol: origin.protocol,
        unbundledIntegrations: [],
        addBundledMetadata: false,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0, host: apiHost },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}

const openObject = { type: 'object', additionalProperties: true } as const;

const settingsSchema = {
  summary: 'Source settings for analytics.js (what Segment serves from its CDN)',
  description:
    'Point analytics-next at Onramp with `cdnURL: "<onramp origin>"`; `integrations["Segment.io"].apiHost` then sends events here. Honors X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Prefix.',
  tags: ['segment-compat'],
  params: {
    type: 'object',
    properties: { writeKey: { type: 'string', minLength: 1, maxLength: 256 } },
    required: ['writeKey'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        integrations: {
          type: 'object',
          properties: {
            'Segment.io': {
              type: 'object',
              properties: {
                apiKey: { type: 'string' },
                apiHost: {
                  type: 'string',
                  description: 'host[:port][/prefix]/v1, without protocol.',
                },
                protocol: { type: 'string', enum: ['http', 'https'] },
              },
              additionalProperties: true,
            },
          },
          additionalProperties: true,
        },
        plan: openObject,
        edgeFunction: openObject,
        analyticsNextEnabled: { type: 'boolean' },
        middlewareSettings: openObject,
        enabledMiddleware: openObject,
        metrics: openObject,
        legacyVideoPluginsEnabled: { type: 'boolean' },
        remotePlugins: { type: 'array', items: openObject },
      },
    },
    404: {
      type: 'object',
      properties: {
        success: { type: 'boolean' },
        code: { type: 'string' },
        message: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};
