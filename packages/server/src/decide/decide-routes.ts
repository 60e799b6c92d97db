import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { JsonObject, ProfileState } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import {
  authenticateClient,
  checkAnonymous,
  type ClientAuth,
  type ClientCredentials,
} from '../realtime/client-auth.js';
import { DecideRequestError, type DecideCall, type ValidDecideCall } from './decide-contract.js';
import { presentAnswer } from './present-decision.js';
import { flagsOfQuery, maxFlags, type FlagRequest } from './decide-flags.js';

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Locale = Type.String({ minLength: 1, maxLength: 35, description: 'BCP 47: "fr", "fr-CA".' });

const DecideBody = Type.Object(
  {
    userId: Type.Optional(Id),
    anonymousId: Type.Optional(Id),
    writeKey: Type.Optional(Type.String({ maxLength: 200 })),
    token: Type.Optional(Type.String({ maxLength: 200 })),
    placements: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 }),
    ),
    locale: Type.Optional(Locale),
    context: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'Request context, `context.*` in templates: page { url, path }, locale, consent.categoryPreferences…',
        },
      ),
    ),
    flows: Type.Optional(Type.Boolean({ description: "Include every flow's progress." })),
    // Checked by validateFlags (decide-flags.ts), not here: the schema would coerce
    // [1] to true and "a" to ["a"].
    flags: Type.Optional(
      Type.Unknown({
        description: `Flags to evaluate: true for every flag, or an array of up to ${maxFlags} flag keys.`,
      }),
    ),
  },
  { additionalProperties: false },
);
type DecideBody = Static<typeof DecideBody>;

const DecideQuery = Type.Object(
  {
    userId: Type.Optional(Id),
    anonymousId: Type.Optional(Id),
    writeKey: Type.Optional(Type.String({ maxLength: 200 })),
    token: Type.Optional(Type.String({ maxLength: 200 })),
    placements: Type.Optional(
      Type.String({
        maxLength: 5000,
        description: 'Comma-separated placement ids; all when absent.',
      }),
    ),
    locale: Type.Optional(Locale),
    url: Type.Optional(
      Type.String({ maxLength: 2000, description: 'The page URL: context.page.url and .path.' }),
    ),
    flows: Type.Optional(Type.Boolean()),
    flags: Type.Optional(
      Type.String({
        maxLength: 10_200,
        description: '`all` for every flag, or comma-separated flag keys.',
      }),
    ),
  },
  // Cache busters are welcome.
  { additionalProperties: true },
);
type DecideQuery = Static<typeof DecideQuery>;

const ErrorReply = Type.Object(
  { success: Type.Literal(false), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
);
const FlagAnswer = Type.Object(
  {
    value: Type.Unknown({ description: "The flag's value; null on error (use your default)." }),
    variant: Type.Optional(Type.String()),
    reason: Type.String({
      description:
        'STATIC, TARGETING_MATCH, SPLIT, DISABLED, DEFAULT, PREREQUISITE_FAILED or ERROR.',
    }),
    errorCode: Type.Optional(Type.String()),
    errorMessage: Type.Optional(Type.String()),
    experiment: Type.Optional(
      Type.String({ description: 'The experiment that chose the value (send Experiment Viewed).' }),
    ),
    experimentVariant: Type.Optional(Type.String({ description: "The experiment's variant." })),
  },
  { additionalProperties: false },
);
const Answer = Type.Object(
  {
    version: Type.Integer({ description: 'The config version decided under.' }),
    profileId: Type.Optional(Type.String()),
    userId: Type.Optional(Type.String()),
    profileVersion: Type.Integer({ description: 'The profile version read (0: no profile yet).' }),
    personalized: Type.Boolean({ description: 'False without consent for personalization.' }),
    decisions: Type.Record(Type.String(), Type.Object({}, { additionalProperties: true }), {
      description: 'Placement → { placement, content, reason, error?, validUntil?, track? }.',
    }),
    flows: Type.Optional(
      Type.Record(Type.String(), Type.Object({}, { additionalProperties: true })),
    ),
    flags: Type.Optional(
      Type.Record(Type.String(), FlagAnswer, { description: 'Flag key → its evaluation.' }),
    ),
    validUntil: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/** Context objects deeper than this are refused (templates read a few levels at most). */
const maxContextDepth = 8;
const maxBody = 64 * 1024;

/**
 * `POST /client/v1/decide` (and `GET` with a query): what a user should see in each
 * placement, rendered, with the reason. Browsers authenticate with the write key and
 * the user token; servers with the secret key (docs/decide.md).
 */
export async function registerDecideRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  await app.register(async (scope) => {
    // Browsers may send text/plain to avoid a CORS preflight: parse it as JSON too.
    scope.addContentTypeParser(
      'text/plain',
      { parseAs: 'string', bodyLimit: maxBody },
      scope.getDefaultJsonParser('error', 'error'),
    );
    const schema = {
      summary: 'Decide what a user sees in placements',
      description:
        'Rendered content, reason and interaction properties per placement; flow progress and flags on request. ' +
        'Browsers: write key + user token (or an anonymousId while the visitor is anonymous). ' +
        'Servers: `Authorization: Bearer <secret key>`.',
      tags: ['decide'],
      security: [{ writeKey: [] }, { adminKey: [] }] as Record<string, string[]>[],
      response: { 200: Answer, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
    };
    scope.post<{ Body: DecideBody }>(
      '/client/v1/decide',
      { bodyLimit: maxBody, schema: { ...schema, body: DecideBody } },
      (request, reply) => {
        const body = request.body;
        return respond(
          reply,
          answer(engine, request, reply, {
            credentials: credentialsOf(body, 'body'),
            placements: body.placements,
            context: body.context as JsonObject | undefined,
            locale: body.locale,
            flows: body.flows,
            flags: body.flags as FlagRequest | undefined,
          }),
        );
      },
    );
    scope.get<{ Querystring: DecideQuery }>(
      '/client/v1/decide',
      { schema: { ...schema, querystring: DecideQuery } },
      (request, reply) => {
        const query = request.query;
        return respond(
          reply,
          answer(engine, request, reply, {
            credentials: credentialsOf(query, 'querystring'),
            placements: query.placements === undefined ? undefined : splitList(query.placements),
            context: query.url === undefined ? undefined : pageContext(query.url),
            locale: query.locale,
            flows: query.flows,
            flags: flagsOfQuery(query.flags),
          }),
        );
      },
    );
  });
}

interface ParsedCall {
  credentials: ClientCredentials;
  placements: readonly string[] | undefined;
  context: JsonObject | undefined;
  locale: string | undefined;
  flows: boolean | undefined;
  flags: FlagRequest | undefined;
}

/**
 * Sends an answer at hand from the handler itself (the handler is not async: an
 * answer from memory skips the promise and the tick Fastify adds for one); a
 * pending one is returned for Fastify to send.
 */
function respond(reply: FastifyReply, body: string | Promise<string>): Promise<string> | undefined {
  if (typeof body !== 'string') return body;
  void reply.send(body);
  return undefined;
}

/**
 * The JSON answer, at once when the profile is in memory (or the call is refused:
 * that throws), else once it is loaded.
 */
function answer(
  engine: Engine,
  request: FastifyRequest,
  reply: FastifyReply,
  parsed: ParsedCall,
): string | Promise<string> {
  const started = performance.now();
  const auth = authenticateClient(engine, request, parsed.credentials);
  const where = parsed.credentials.where;
  if (parsed.context !== undefined && depthOf(parsed.context, 0) > maxContextDepth) {
    throw new OnrampError(
      'ONR_VALIDATION',
      `context is nested deeper than ${maxContextDepth} levels.`,
      [
        {
          field: `${where}.context`,
          message: `must not nest deeper than ${maxContextDepth} levels`,
        },
      ],
    );
  }
  const call: DecideCall = { lookup: auth.lookup };
  if (parsed.placements !== undefined) call.placements = parsed.placements;
  if (parsed.context !== undefined) call.context = parsed.context;
  if (parsed.locale !== undefined) call.locale = parsed.locale;
  if (parsed.flows !== undefined) call.flows = parsed.flows;
  if (parsed.flags !== undefined) call.flags = parsed.flags;
  let valid;
  try {
    valid = engine.decisions.validate(auth.runtime, call);
  } catch (error) {
    if (!(error instanceof DecideRequestError)) throw error;
    throw new OnrampError(
      'ONR_VALIDATION',
      error.errors.map((item) => `${where}.${item.field}: ${item.message}`).join('; '),
      error.errors.map((item) => ({ field: `${where}.${item.field}`, message: item.message })),
    );
  }
  const workspaceId = auth.runtime.workspace.id;
  const inMemory = engine.decisions.peekProfile(workspaceId, auth.lookup);
  const done = { engine, reply, auth, call: valid, where, started };
  if (inMemory !== undefined) return finish(done, inMemory);
  return engine.decisions
    .findProfile(workspaceId, auth.lookup)
    .then((profile) => finish(done, profile));
}

/** Decides for the profile found and serializes the answer (a function, not a closure per call). */
function finish(
  done: {
    engine: Engine;
    reply: FastifyReply;
    auth: ClientAuth;
    call: ValidDecideCall;
    where: ClientCredentials['where'];
    started: number;
  },
  profile: ProfileState | undefined,
): string {
  const { engine, reply, auth, where } = done;
  checkAnonymous(auth, profile?.userId, where);
  const result = engine.decisions.decideFor(auth.runtime, profile, done.call);
  // Serialized here: the answer's decisions hold any fields, which the schema
  // serializer would walk generically (slower than JSON.stringify).
  const body = JSON.stringify(presentAnswer(result));
  counters(engine).requests.inc();
  engine.metrics.decideDuration.observe((performance.now() - done.started) / 1000);
  void reply.header('cache-control', 'no-store').type('application/json; charset=utf-8');
  return body;
}

const httpCounters = new WeakMap<Engine, { requests: { inc(): void } }>();

/** The route's label children, looked up once per engine. */
function counters(engine: Engine): { requests: { inc(): void } } {
  let found = httpCounters.get(engine);
  if (found === undefined) {
    found = { requests: engine.metrics.decideRequests.labels({ surface: 'http' }) };
    httpCounters.set(engine, found);
  }
  return found;
}

function credentialsOf(
  source: {
    userId?: string | undefined;
    anonymousId?: string | undefined;
    writeKey?: string | undefined;
    token?: string | undefined;
  },
  where: ClientCredentials['where'],
): ClientCredentials {
  const credentials: ClientCredentials = { where };
  if (source.userId !== undefined) credentials.userId = source.userId;
  if (source.anonymousId !== undefined) credentials.anonymousId = source.anonymousId;
  if (source.writeKey !== undefined) credentials.writeKey = source.writeKey;
  if (source.token !== undefined) credentials.token = source.token;
  return credentials;
}

/** "a, b,,c" → ["a", "b", "c"]. */
export function splitList(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** The page context of a URL given in a query: { page: { url, path } }; the path alone when not absolute. */
export function pageContext(url: string): JsonObject {
  try {
    const parsed = new URL(url);
    return { page: { url, path: parsed.pathname } };
  } catch {
    return { page: { url, path: url.split(/[?#]/)[0] ?? url } };
  }
}

function depthOf(value: unknown, depth: number): number {
  if (depth > maxContextDepth || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const item of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(item, depth + 1));
    if (deepest > maxContextDepth) break;
  }
  return deepest;
}
