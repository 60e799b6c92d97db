import { openEventStream, writeEventNow } from './open-event-stream.js';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import type { PushMessage } from './push-hub.js';
import { verifyUserToken } from './user-token.js';

export interface StreamRouteOptions {
  /** Interval of the keep-alive comments that stop proxies from closing an idle stream. Default 15 s. */
  heartbeatMs?: number;
  /** The `retry:` the browser waits before reconnecting. Default 2 s. */
  retryMs?: number;
}

const StreamQuery = Type.Object(
  {
    userId: Type.String({ minLength: 1, description: 'The user whose profile changes to stream.' }),
    writeKey: Type.Optional(
      Type.String({
        description: 'Names the workspace (EventSource cannot set headers); or Basic auth.',
      }),
    ),
    token: Type.Optional(
      Type.String({
        description:
          'Hex HMAC-SHA256 of userId with the identity secret, signed by the app backend; or the ' +
          'X-Onramp-User-Token header, or Authorization: Bearer.',
      }),
    ),
    lastEventId: Type.Optional(
      Type.String({
        description: 'Fallback for the Last-Event-ID header (EventSource polyfills).',
      }),
    ),
  },
  // Cache busters and polyfill parameters are welcome.
  { additionalProperties: true },
);
type StreamQuery = Static<typeof StreamQuery>;

const ErrorReply = Type.Object(
  { success: Type.Literal(false), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
);

/**
 * `GET /client/v1/stream`: a user's profile changes as server-sent events, for
 * browsers. The write key names the workspace; the user token (signed by the
 * app's backend, see user-token.ts) proves the browser speaks for `userId`.
 */
export async function registerStreamRoutes(
  app: FastifyInstance,
  engine: Engine,
  options: StreamRouteOptions = {},
): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2_000;
  const open = new Set<ServerResponse>();

  // Streams never end on their own: end them before the server waits for its connections.
  app.addHook('preClose', (done) => {
    for (const response of open) response.end();
    done();
  });

  app.get<{ Querystring: StreamQuery }>(
    '/client/v1/stream',
    {
      // A HEAD request would otherwise subscribe and stay open with nothing to show for it.
      exposeHeadRoute: false,
      schema: {
        summary: "Stream a user's profile changes (server-sent events)",
        description:
          'Each message is `event: profile`, `id: <profile version>`, `data: <profile summary JSON>`; ' +
          'when the change moved the user into or out of segments, `data.segmentChanges` lists them ' +
          '(`[{ segment, on: "entered" | "exited" }]`). ' +
          'Without Last-Event-ID the current profile comes first; with it, only what changed after ' +
          'that version (replayed, or one snapshot). Heartbeat comments every 15 s.',
        tags: ['realtime'],
        security: [{ writeKey: [] }],
        querystring: StreamQuery,
        response: {
          200: {
            description: 'A text/event-stream that stays open.',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          401: ErrorReply,
          403: ErrorReply,
        },
      },
    },
    async (request, reply) => {
      const { runtime, userId } = authenticate(engine, request);
      const header = request.headers['last-event-id'];
      const afterId = parseEventId(typeof header === 'string' ? header : request.query.lastEventId);

      const response = openEventStream(reply, retryMs);
      await streamProfile({
        engine,
        workspaceId: runtime.workspace.id,
        userId,
        afterId,
        response,
        heartbeatMs,
        open,
        log: request.log,
      });
    },
  );
}

function authenticate(
  engine: Engine,
  request: FastifyRequest<{ Querystring: StreamQuery }>,
): { runtime: WorkspaceRuntime; userId: string } {
  const { userId } = request.query;
  const authorization = request.headers.authorization ?? '';
  const basic = /^basic\s+(\S+)/i.exec(authorization)?.[1];
  const bearer = /^bearer\s+(\S+)/i.exec(authorization)?.[1];
  const writeKey =
    request.query.writeKey ??
    (basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':')[0]);
  if (writeKey === undefined || writeKey === '') {
    throw new OnrampError(
      'ONR_UNAUTHORIZED',
      'Missing write key: pass writeKey in the query or as the Basic username.',
    );
  }
  const runtime = engine.workspaceByWriteKey(writeKey);
  if (runtime === undefined) throw new OnrampError('ONR_UNAUTHORIZED', 'Unknown write key.');
  const headerToken = request.headers['x-onramp-user-token'];
  const token =
    request.query.token ?? (typeof headerToken === 'string' ? headerToken : undefined) ?? bearer;
  if (token === undefined || token === '') {
    throw new OnrampError(
      'ONR_UNAUTHORIZED',
      'Missing user token: pass token, X-Onramp-User-Token or a Bearer token.',
      [
        {
          field: 'querystring.token',
          message: "is required: the app's backend signs it (HMAC-SHA256 of userId)",
        },
      ],
    );
  }
  if (!verifyUserToken(userId, token, runtime.workspace.identitySecret)) {
    throw new OnrampError('ONR_FORBIDDEN', 'The user token was not signed for this userId.', [
      { field: 'querystring.token', message: 'does not match userId' },
    ]);
  }
  return { runtime, userId };
}

/** A Last-Event-ID we issued is a profile version; anything else means "no resumption". */
function parseEventId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

interface StreamContext {
  engine: Engine;
  workspaceId: string;
  userId: string;
  afterId: number | undefined;
  response: ServerResponse;
  heartbeatMs: number;
  open: Set<ServerResponse>;
  log: FastifyRequest['log'];
}

/**
 * Subscribes first, then sends what the client lacks (replay or snapshot), then
 * what arrived meanwhile: no gap, and ids only ever increase on a connection.
 */
async function streamProfile(context: StreamContext): Promise<void> {
  const { engine, workspaceId, userId, afterId, response } = context;
  const { metrics } = engine;
  let lastSent = afterId ?? 0;
  let closed = false;
  /** Latest message held back while the socket is full (each carries the whole profile summary). */
  let pending: PushMessage | undefined;
  /** Live messages that arrive while the resumption is being sent. */
  let arrived: PushMessage[] | undefined = [];

  const write = (message: PushMessage, live: boolean): void => {
    writeEventNow(
      response,
      `id: ${message.id}\nevent: ${message.type}\ndata: ${JSON.stringify(
        message.changes === undefined
          ? message.data
          : { ...message.data, segmentChanges: message.changes },
      )}\n\n`,
    );
    lastSent = message.id;
    metrics.pushMessages.inc();
    if (live && message.causedAt !== undefined) {
      metrics.eventToPush.observe(Math.max(0, engine.clock.now() - message.causedAt) / 1000);
    }
  };
  const send = (message: PushMessage, live: boolean): void => {
    if (closed || message.id <= lastSent) return;
    // A slow client gets the newest state when it catches up, not a growing queue.
    if (response.writableNeedDrain) pending = message;
    else write(message, live);
  };
  response.on('drain', () => {
    const message = pending;
    pending = undefined;
    if (message !== undefined && !closed && message.id > lastSent) write(message, true);
  });

  const unsubscribe = engine.push.subscribe(workspaceId, userId, (message) => {
    if (arrived === undefined) send(message, true);
    else arrived.push(message);
  });
  const heartbeat = setInterval(() => {
    if (!response.writableNeedDrain) response.write(': heartbeat\n\n');
  }, context.heartbeatMs);
  heartbeat.unref();
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    context.open.delete(response);
    metrics.pushConnections.set(engine.push.connectionCount());
  };
  context.open.add(response);
  metrics.pushConnections.set(engine.push.connectionCount());
  response.on('close', cleanup);
  response.on('error', cleanup);

  try {
    const replayed =
      afterId === undefined ? undefined : engine.push.replay(workspaceId, userId, afterId);
    if (replayed !== undefined) {
      for (const message of replayed) send(message, false);
    } else {
      const snapshot = await engine.getProfile(workspaceId, { userId });
      if (snapshot !== undefined)
        send({ id: snapshot.version, type: 'profile', data: snapshot }, false);
    }
    const live = arrived;
    arrived = undefined;
    for (const message of live) send(message, true);
  } catch (error) {
    context.log.error(
      { err: error, workspaceId },
      'stream resumption failed; closing so the client retries',
    );
    cleanup();
    response.end();
  }
}
