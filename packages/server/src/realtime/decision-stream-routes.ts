import { openEventStream, writeEventNow } from './open-event-stream.js';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { Engine } from '../engine/engine.js';
import { createDecisionHub, type DecisionHub } from './decision-hub.js';
import { mergeDecisionUpdates, type DecisionUpdate } from './decision-update.js';
import { registerDecisionSocketRoute } from './decision-socket-route.js';
import {
  DecisionStreamQuery,
  ErrorReply,
  isAnonymousOnly,
  maxClientFrameBytes,
  prepareSubscription,
  type PreparedSubscription,
} from './decision-stream-request.js';

export interface DecisionStreamOptions {
  /** SSE keep-alive comments. Default 15 s. */
  heartbeatMs?: number;
  /** The SSE `retry:`. Default 2 s. */
  retryMs?: number;
  /** WebSocket pings; a peer that did not answer the previous one is closed. Default 15 s. */
  pingMs?: number;
}

/**
 * `GET /client/v1/decisions/stream` (server-sent events) and `GET /client/v1/decisions/ws`
 * (WebSocket): a user's decisions, pushed when an event, a timer or a config change
 * alters them (docs/realtime.md#decision-stream).
 */
export async function registerDecisionStreamRoutes(
  app: FastifyInstance,
  engine: Engine,
  options: DecisionStreamOptions = {},
): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2_000;
  const hub = createDecisionHub({
    engine,
    clock: engine.clock,
    metrics: engine.metrics,
    logger: app.log,
  });
  // Streams never end on their own: end them before the server waits for its connections.
  // Added before the WebSocket plugin's own, so sockets get 1001 rather than its bare close.
  app.addHook('preClose', (done) => {
    hub.close();
    done();
  });
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: maxClientFrameBytes } });
  }

  app.get<{ Querystring: DecisionStreamQuery }>(
    '/client/v1/decisions/stream',
    {
      exposeHeadRoute: false,
      schema: {
        summary: "Stream a user's decisions (server-sent events)",
        description:
          'Each message is `event: decisions`, `id: <config version>.<profile version>.<digest>`, ' +
          '`data: { full, version, profileVersion, decisions, flows?, flags? }`: every placement first ' +
          '(`full: true`), then only the placements (flows, flags) that changed; `null` for one ' +
          'removed from the config. With a Last-Event-ID whose digest is the current one, nothing ' +
          'is sent first. Heartbeat comments every 15 s.',
        tags: ['realtime'],
        security: [{ writeKey: [] }],
        querystring: DecisionStreamQuery,
        response: {
          200: {
            description: 'A text/event-stream that stays open.',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          400: ErrorReply,
          401: ErrorReply,
          403: ErrorReply,
        },
      },
    },
    async (request, reply) => {
      const prepared = await prepareSubscription(engine, request);
      const response = openEventStream(reply, retryMs);
      streamDecisions(hub, prepared, response, heartbeatMs);
    },
  );

  registerDecisionSocketRoute(app, engine, hub, { pingMs: options.pingMs ?? 15_000 });
}

function streamDecisions(
  hub: DecisionHub,
  prepared: PreparedSubscription,
  response: ServerResponse,
  heartbeatMs: number,
): void {
  let closed = false;
  /** What a full socket has not taken yet: the newest decision per placement. */
  let pending: DecisionUpdate | undefined;
  const write = (update: DecisionUpdate): void => {
    const { id, ...data } = update;
    writeEventNow(response, `id: ${id}\nevent: decisions\ndata: ${JSON.stringify(data)}\n\n`);
  };
  response.on('drain', () => {
    const update = pending;
    pending = undefined;
    if (update !== undefined && !closed) write(update);
  });
  const heartbeat = setInterval(() => {
    if (!response.writableNeedDrain) response.write(': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref();

  const subscription = hub.open({
    workspaceId: prepared.auth.runtime.workspace.id,
    call: prepared.call,
    allPlacements: prepared.allPlacements,
    transport: 'sse',
    ...(prepared.lastEventId === undefined ? {} : { lastEventId: prepared.lastEventId }),
    anonymousOnly: isAnonymousOnly(prepared.auth),
    send(update) {
      if (closed) return;
      if (pending !== undefined || response.writableNeedDrain) {
        pending = pending === undefined ? update : mergeDecisionUpdates(pending, update);
      } else {
        write(update);
      }
    },
    end() {
      cleanup();
      response.end();
    },
  });
  function cleanup(): void {
    if (closed) return;
    closed = true;
    pending = undefined;
    clearInterval(heartbeat);
    subscription.close();
  }
  response.on('close', cleanup);
  response.on('error', cleanup);
}
