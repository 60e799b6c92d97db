import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import { parseIsoTimestamp, type EventType } from '@onramp/core';
import type { Engine, IngestReport, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { decodeBody, parseJson } from './ingest-body.js';
import { routeSchema } from './ingest-schemas.js';

/** One ingest URL: a single-message endpoint of one type, or a batch endpoint. */
export interface IngestEndpoint {
  url: string;
  /** The type implied by a single-message endpoint; absent for batch endpoints. */
  endpointType?: EventType;
  summary: string;
  tags?: string[];
}

/** What the auth hook and the body parser learn before the handler runs. */
export interface IngestState {
  endpoint: IngestEndpoint;
  /** Known early when the write key came in the Authorization header. */
  workspace: WorkspaceRuntime | undefined;
  /** Size of the JSON body after decompression. */
  bodyBytes: number;
}

type JsonRecord = Record<string, unknown>;

const singleEndpoints: readonly IngestEndpoint[] = (
  [
    ['track', 'Record an action the user performed'],
    ['identify', 'Tie a user to their traits'],
    ['page', 'Record a page view'],
    ['screen', 'Record a mobile screen view'],
    ['group', 'Associate a user with a group (account)'],
    ['alias', 'Merge two identities of one user'],
  ] as const
).map(([type, summary]) => ({ url: `/v1/${type}`, endpointType: type, summary }));

const SUCCESS_BODY = '{"success":true}';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** Inflate cap when the workspace (and so its limit) is not known yet. */
const DEFAULT_HARD_LIMIT = 1024 * 1024;

/** POST /v1/{track,identify,page,screen,group,alias,batch}: Segment's HTTP Tracking API. */
export async function registerIngestRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  await app.register(async (scope) => {
    const ingest = createIngestScope(scope, engine);
    for (const endpoint of singleEndpoints) ingest.addEndpoint(endpoint);
    ingest.addEndpoint({ url: '/v1/batch', summary: 'Send many messages at once' });
  });
}

/** Adds ingest endpoints to one encapsulated scope. */
export interface IngestScope {
  addEndpoint(endpoint: IngestEndpoint): void;
}

/**
 * Makes `scope` (an encapsulated plugin) an ingest scope: its body parser reads every
 * media type as JSON (browsers send text/plain to avoid a CORS preflight), inflates
 * gzip / deflate / br with a hard cap, and applies the workspace's size limit to the
 * inflated JSON. Its endpoints share the handler below, so the Segment-compatible
 * aliases (/v1/t, /v1/b…) behave exactly as /v1/track and /v1/batch.
 */
export function createIngestScope(scope: FastifyInstance, engine: Engine): IngestScope {
  const hardLimit = scope.initialConfig.bodyLimit ?? DEFAULT_HARD_LIMIT;
  // What the auth hook learned, for the parser and the handler of the same request.
  const states = new WeakMap<FastifyRequest, IngestState>();
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    '*',
    { parseAs: 'buffer' },
    async (request: FastifyRequest, raw: Buffer) => {
      const state = states.get(request);
      const limit =
        state?.workspace === undefined ? hardLimit : bodyLimitOf(state.workspace, state.endpoint);
      const body = await decodeBody(raw, request.headers['content-encoding'], limit);
      if (body.length > limit) throw tooLarge(body.length, limit);
      if (state !== undefined) state.bodyBytes = body.length;
      return parseJson(body);
    },
  );
  return {
    addEndpoint(endpoint) {
      const handle = createIngestHandler(engine, endpoint);
      scope.route({
        method: 'POST',
        url: endpoint.url,
        schema: routeSchema(endpoint),
        // The core validator checks every message once; the body schema is for OpenAPI only.
        validatorCompiler: () => acceptBody,
        onRequest: (request, _reply, done) => {
          try {
            states.set(request, authenticateHeader(engine, endpoint, request));
            done();
          } catch (error) {
            done(error as Error);
          }
        },
        onResponse: countResponses(engine, endpoint),
        handler: (request, reply) =>
          handle(request, reply, states.get(request) ?? newState(endpoint)),
      });
    },
  };
}

/** An onResponse hook counting the endpoint's requests by status (label children cached). */
function countResponses(engine: Engine, endpoint: IngestEndpoint): onResponseHookHandler {
  const counters = new Map<number, { inc(): void }>();
  return (_request, reply, done) => {
    const status = reply.statusCode;
    let counter = counters.get(status);
    if (counter === undefined) {
      counter = engine.metrics.ingestRequests.labels(endpoint.url, String(status));
      counters.set(status, counter);
    }
    counter.inc();
    done();
  };
}

function newState(endpoint: IngestEndpoint): IngestState {
  return { endpoint, workspace: undefined, bodyBytes: 0 };
}

/**
 * The handler of one ingest endpoint: the write key from the body when the header
 * had none, the size limit, the envelope's shape, engine.ingest, and the answer.
 * Per-message work (validation, dedup, consent) is the engine's.
 */
export function createIngestHandler(
  engine: Engine,
  endpoint: IngestEndpoint,
): (request: FastifyRequest, reply: FastifyReply, state: IngestState) => Promise<FastifyReply> {
  const isBatch = endpoint.endpointType === undefined;
  const duration = engine.metrics.ingestDuration.labels(endpoint.url);
  return async function ingest(request, reply, state) {
    const body = request.body;
    const workspace = state.workspace ?? authenticateBody(engine, body);
    const limit = bodyLimitOf(workspace, endpoint);
    if (state.bodyBytes > limit) throw tooLarge(state.bodyBytes, limit);
    if (!isRecord(body)) throw invalid('body', 'must be a JSON object');

    let inputs: unknown[];
    let batchSentAt: number | undefined;
    if (isBatch) {
      inputs = batchOf(body);
      batchSentAt = sentAtOf(body);
      applyBatchDefaults(body, inputs);
    } else {
      inputs = [body];
    }

    const started = performance.now();
    const total = inputs.length;
    const ingesting = engine.ingest(workspace, {
      inputs,
      isBatch,
      endpointType: endpoint.endpointType,
      batchSentAt,
      measureSize: state.bodyBytes > workspace.settings.ingest.maxMessageBytes,
    });
    // The engine has what it needs: the parsed body is not kept while the acknowledgement
    // waits for the disk, so its messages die young (decision 31).
    request.body = undefined;
    const report = await ingesting;
    duration.observe((performance.now() - started) / 1000);
    return sendReport(reply, report, total, isBatch);
  };
}

function sendReport(
  reply: FastifyReply,
  report: IngestReport,
  total: number,
  isBatch: boolean,
): FastifyReply {
  const rejected = report.rejected;
  // Duplicates and consent drops are accepted: the client must not retry them.
  if (rejected.length === 0) return reply.code(200).type(JSON_CONTENT_TYPE).send(SUCCESS_BODY);
  const accepted = total - rejected.length;
  if (isBatch && accepted > 0) return reply.code(207).send({ success: false, accepted, rejected });
  const tooBig = rejected.every((message) => message.reason === 'too_large');
  const errors = rejected.flatMap((message) => message.errors).slice(0, 100);
  const message = isBatch
    ? `All ${total} messages were rejected.`
    : `The message was rejected${errors[0] === undefined ? '' : `: ${errors[0].field} ${errors[0].message}`}.`;
  return reply.code(tooBig ? 413 : 400).send({
    success: false,
    code: tooBig ? 'ONR_PAYLOAD_TOO_LARGE' : 'ONR_VALIDATION',
    message,
    errors,
    accepted: 0,
    rejected,
  });
}

// ---- authentication ----------------------------------------------------------------------------

function authenticateHeader(
  engine: Engine,
  endpoint: IngestEndpoint,
  request: FastifyRequest,
): IngestState {
  const state = newState(endpoint);
  const header = request.headers.authorization;
  if (header === undefined) return state;
  const workspace = workspaceFromAuthorization(engine, header);
  if (workspace === null) throw new OnrampError('ONR_UNAUTHORIZED', 'Unknown write key.');
  state.workspace = workspace;
  if (workspace !== undefined && request.headers['content-encoding'] === undefined) {
    // Refuse an oversized body before reading it.
    const length = Number(request.headers['content-length']);
    const limit = bodyLimitOf(workspace, endpoint);
    if (length > limit) throw tooLarge(length, limit);
  }
  return state;
}

/**
 * The workspace named by HTTP Basic credentials (write key as the username);
 * undefined when there are none (other schemes such as Bearer fall back to the body
 * key), null when they name no workspace. Some analytics-next versions send the raw
 * write key after "Basic " without base64; that is accepted too.
 */
function workspaceFromAuthorization(
  engine: Engine,
  header: string,
): WorkspaceRuntime | null | undefined {
  const space = header.indexOf(' ');
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const token = header.slice(space + 1).trim();
  if (token === '') return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon === -1 ? decoded : decoded.slice(0, colon);
  const byUsername = username === '' ? undefined : engine.workspaceByWriteKey(username);
  if (byUsername !== undefined) return byUsername;
  const byToken = engine.workspaceByWriteKey(token);
  if (byToken !== undefined) return byToken;
  return username === '' && colon !== -1 ? undefined : null;
}

function authenticateBody(engine: Engine, body: unknown): WorkspaceRuntime {
  const writeKey = isRecord(body) ? body.writeKey : undefined;
  if (typeof writeKey !== 'string' || writeKey === '') {
    throw new OnrampError(
      'ONR_UNAUTHORIZED',
      'Missing write key: send it as the HTTP Basic username or as "writeKey" in the body.',
    );
  }
  const workspace = engine.workspaceByWriteKey(writeKey);
  if (workspace === undefined) throw new OnrampError('ONR_UNAUTHORIZED', 'Unknown write key.');
  return workspace;
}

function bodyLimitOf(workspace: WorkspaceRuntime, endpoint: IngestEndpoint): number {
  const limits = workspace.settings.ingest;
  return endpoint.endpointType === undefined ? limits.maxBatchBytes : limits.maxMessageBytes;
}

// ---- batch envelope ----------------------------------------------------------------------------

function batchOf(body: JsonRecord): unknown[] {
  const batch = body.batch;
  if (!Array.isArray(batch)) throw invalid('batch', 'must be an array of messages');
  if (batch.length === 0) throw invalid('batch', 'must not be empty');
  if (Object.hasOwn(body, '__proto__')) throw invalid('__proto__', 'is not allowed');
  return batch;
}

function sentAtOf(body: JsonRecord): number | undefined {
  const sentAt = body.sentAt;
  if (sentAt === undefined || sentAt === null) return undefined;
  const time = typeof sentAt === 'string' ? parseIsoTimestamp(sentAt) : undefined;
  if (time === undefined) throw invalid('sentAt', 'must be an ISO 8601 date-time with a timezone');
  return time;
}

/**
 * Batch-level `context` and `integrations` apply to every message, under the
 * message's own keys (a shallow merge). Spread copies keys with define semantics,
 * so a `__proto__` key stays an own key for the validator to reject.
 */
function applyBatchDefaults(body: JsonRecord, inputs: unknown[]): void {
  for (const field of ['context', 'integrations'] as const) {
    const defaults = body[field];
    if (defaults === undefined || defaults === null) continue;
    if (!isRecord(defaults)) throw invalid(field, 'must be an object');
    if (Object.hasOwn(defaults, '__proto__')) throw invalid(`${field}.__proto__`, 'is not allowed');
    for (const input of inputs) {
      if (!isRecord(input)) continue;
      const own = input[field];
      if (own === undefined || own === null) input[field] = { ...defaults };
      else if (isRecord(own)) input[field] = { ...defaults, ...own };
    }
  }
}

// ---- helpers -----------------------------------------------------------------------------------

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, message: string): OnrampError {
  return new OnrampError('ONR_VALIDATION', `${field} ${message}.`, [{ field, message }]);
}

function tooLarge(bytes: number, limit: number): OnrampError {
  return new OnrampError(
    'ONR_PAYLOAD_TOO_LARGE',
    `Body is ${bytes} bytes; the limit here is ${limit} bytes.`,
    [{ field: 'body', message: `is ${bytes} bytes, more than the limit of ${limit}` }],
  );
}

function acceptBody(): boolean {
  return true;
}
