import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldError } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import {
  DecideRequestError,
  type DecideCall,
  type ValidDecideCall,
} from '../decide/decide-contract.js';
import { pageContext } from '../decide/decide-routes.js';
import { decisionEndMessages, type DecisionEndReason, type DecisionHub } from './decision-hub.js';
import { mergeDecisionUpdates, type DecisionUpdate } from './decision-update.js';
import { parseClientMessage, type ContextChange } from './decision-socket-message.js';
import {
  DecisionStreamQuery,
  ErrorReply,
  isAnonymousOnly,
  maxClientFrameBytes,
  prepareSubscription,
  type PreparedSubscription,
} from './decision-stream-request.js';

/** The part of a `ws` WebSocket the route uses (the package ships no types of its own). */
interface DecisionSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'pong' | 'close', listener: () => void): void;
}

const OPEN = 1;
/** Past this many unsent bytes, updates wait (merged) and error replies are dropped. */
const highWaterBytes = 64 * 1024;
const closeCodes: Readonly<Record<DecisionEndReason, number>> = {
  identified: 1008,
  unfit: 1008,
  failed: 1011,
  closing: 1001,
};

/**
 * `GET /client/v1/decisions/ws`: the decision stream over a WebSocket. The query and
 * its checks are the SSE stream's, run before the upgrade: a bad request gets its
 * HTTP 4xx instead of a socket.
 */
export function registerDecisionSocketRoute(
  app: FastifyInstance,
  engine: Engine,
  hub: DecisionHub,
  options: { pingMs: number },
): void {
  const prepared = new WeakMap<FastifyRequest, PreparedSubscription>();
  app.route<{ Querystring: DecisionStreamQuery }>({
    method: 'GET',
    url: '/client/v1/decisions/ws',
    exposeHeadRoute: false,
    schema: {
      summary: "A user's decisions over a WebSocket",
      description:
        'The query of /client/v1/decisions/stream. Server → client: ' +
        '`{ "type": "decisions", "id", "full", "version", "profileVersion", "decisions", "flows"?, "flags"? }`. ' +
        'Client → server: `{ "type": "context", "placements"?, "locale"?, "url"?, "context"?, "flows"?, "flags"? }`; ' +
        'a bad one is answered with `{ "type": "error", "code": "ONR_VALIDATION", "message", "errors" }`.',
      tags: ['realtime'],
      security: [{ writeKey: [] }],
      querystring: DecisionStreamQuery,
      response: { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
    },
    preHandler: async (request) => {
      prepared.set(request, await prepareSubscription(engine, request));
    },
    handler: async () => {
      throw new OnrampError(
        'ONR_VALIDATION',
        'This endpoint speaks WebSocket: connect with Upgrade: websocket.',
        [{ field: 'headers.upgrade', message: 'must be "websocket"' }],
      );
    },
    wsHandler: (socket: DecisionSocket, request) => {
      const subscription = prepared.get(request);
      prepared.delete(request);
      if (subscription === undefined) return socket.close(1011, 'Not prepared.');
      serveSocket({
        socket,
        engine,
        hub,
        prepared: subscription,
        pingMs: options.pingMs,
        log: request.log,
      });
    },
  });
}

interface SocketContext {
  socket: DecisionSocket;
  engine: Engine;
  hub: DecisionHub;
  prepared: PreparedSubscription;
  pingMs: number;
  log: FastifyBaseLogger;
}

function serveSocket({ socket, engine, hub, prepared, pingMs, log }: SocketContext): void {
  const workspaceId = prepared.auth.runtime.workspace.id;
  let { call, allPlacements } = prepared;
  let alive = true;
  /** What waits while the socket is full: the newest decision per placement. */
  let pending: DecisionUpdate | undefined;

  // Each frame written makes room: the update waiting (if any) goes next.
  const flush = (): void => {
    const next = pending;
    pending = undefined;
    if (next !== undefined && socket.readyState === OPEN) write(next);
  };
  const write = (update: DecisionUpdate): void => {
    socket.send(JSON.stringify({ type: 'decisions', ...update }), flush);
  };
  const reject = (message: string, errors: FieldError[]): void => {
    if (socket.bufferedAmount > highWaterBytes) return;
    socket.send(JSON.stringify({ type: 'error', code: 'ONR_VALIDATION', message, errors }), flush);
  };

  const subscription = hub.open({
    workspaceId,
    call,
    allPlacements,
    transport: 'websocket',
    ...(prepared.lastEventId === undefined ? {} : { lastEventId: prepared.lastEventId }),
    anonymousOnly: isAnonymousOnly(prepared.auth),
    send(update) {
      if (socket.readyState !== OPEN) return;
      if (pending !== undefined || socket.bufferedAmount > highWaterBytes) {
        pending = pending === undefined ? update : mergeDecisionUpdates(pending, update);
      } else {
        write(update);
      }
    },
    end(reason) {
      socket.close(closeCodes[reason], decisionEndMessages[reason]);
    },
  });

  socket.on('message', (data, isBinary) => {
    alive = true;
    // ws refuses larger frames itself when the plugin was registered with maxPayload.
    if (data.length > maxClientFrameBytes) return socket.close(1009, 'Message too big.');
    if (isBinary)
      return reject('Send JSON text frames.', [
        { field: 'message', message: 'must be a text frame' },
      ]);
    const parsed = parseClientMessage(data.toString('utf8'));
    if (!parsed.ok) return reject(parsed.message, parsed.errors);
    const runtime = engine.workspaceById(workspaceId);
    if (runtime === undefined) return socket.close(1008, decisionEndMessages.unfit);
    const changed = changedCall(call, allPlacements, parsed.change);
    try {
      call = engine.decisions.validate(runtime, changed);
    } catch (error) {
      if (error instanceof DecideRequestError) return reject(error.message, error.errors);
      log.error({ err: error }, 'decision socket: context change failed; closing');
      return socket.close(1011, decisionEndMessages.failed);
    }
    allPlacements = changed.placements === undefined;
    subscription.update(call, allPlacements);
  });

  const ping = setInterval(() => {
    // No pong (nor message) since the last ping: the peer is gone without a close.
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, pingMs);
  ping.unref();
  socket.on('pong', () => (alive = true));
  socket.on('close', () => {
    clearInterval(ping);
    pending = undefined;
    subscription.close();
  });
}

/** The call after a context message: absent fields keep their value. */
function changedCall(current: ValidDecideCall, all: boolean, change: ContextChange): DecideCall {
  const placements =
    change.placements === undefined ? (all ? undefined : current.placements) : change.placements;
  const base = change.context ?? current.context;
  const page =
    change.url !== undefined
      ? pageContext(change.url).page
      : change.context !== undefined && Object.hasOwn(change.context, 'page')
        ? change.context.page
        : current.context.page;
  const locale = change.locale ?? current.locale;
  const flags = change.flags ?? current.flags;
  return {
    lookup: current.lookup,
    ...(placements === undefined || placements.length === 0 ? {} : { placements }),
    context: page === undefined ? base : { ...base, page },
    ...(locale === undefined ? {} : { locale }),
    flows: change.flows ?? current.flows,
    ...(flags === undefined ? {} : { flags }),
    ...(current.consent === undefined ? {} : { consent: current.consent }),
  };
}
