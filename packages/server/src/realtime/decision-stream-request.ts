/**
 * The request of a decision stream (SSE or WebSocket): its query, and the checks
 * run before a stream opens or a socket is upgraded.
 */
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import {
  DecideRequestError,
  type DecideCall,
  type ValidDecideCall,
} from '../decide/decide-contract.js';
import { pageContext, splitList } from '../decide/decide-routes.js';
import { flagsOfQuery } from '../decide/decide-flags.js';
import { authenticateClient, checkAnonymous, type ClientAuth } from './client-auth.js';

/** The largest WebSocket frame a client may send; a larger one closes the socket with 1009. */
export const maxClientFrameBytes = 16 * 1024;

const Id = Type.String({ minLength: 1, maxLength: 200 });
export const DecisionStreamQuery = Type.Object(
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
    locale: Type.Optional(Type.String({ minLength: 1, maxLength: 35 })),
    url: Type.Optional(
      Type.String({ maxLength: 2000, description: 'The page URL: context.page.url and .path.' }),
    ),
    flows: Type.Optional(Type.Boolean({ description: "Include every flow's progress." })),
    flags: Type.Optional(
      Type.String({
        maxLength: 10_200,
        description: '`all` for every flag, or comma-separated flag keys.',
      }),
    ),
    lastEventId: Type.Optional(
      Type.String({ maxLength: 100, description: 'Fallback for the Last-Event-ID header.' }),
    ),
  },
  // Cache busters and polyfill parameters are welcome.
  { additionalProperties: true },
);
export type DecisionStreamQuery = Static<typeof DecisionStreamQuery>;

export const ErrorReply = Type.Object(
  { success: Type.Literal(false), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
);

/** A checked subscription request, ready for DecisionHub.open. */
export interface PreparedSubscription {
  auth: ClientAuth;
  call: ValidDecideCall;
  allPlacements: boolean;
  lastEventId: string | undefined;
}

/**
 * Authenticates (401/403), checks placements and locale (400 naming `querystring.*`),
 * and refuses an anonymousId whose profile is identified (403).
 */
export async function prepareSubscription(
  engine: Engine,
  request: FastifyRequest<{ Querystring: DecisionStreamQuery }>,
): Promise<PreparedSubscription> {
  const { query } = request;
  const auth = authenticateClient(engine, request, {
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    ...(query.anonymousId === undefined ? {} : { anonymousId: query.anonymousId }),
    ...(query.writeKey === undefined ? {} : { writeKey: query.writeKey }),
    ...(query.token === undefined ? {} : { token: query.token }),
    where: 'querystring',
  });
  const placements = query.placements === undefined ? [] : splitList(query.placements);
  const flags = flagsOfQuery(query.flags);
  const call = validateCall(engine, auth.runtime, {
    lookup: auth.lookup,
    ...(placements.length === 0 ? {} : { placements }),
    ...(query.url === undefined ? {} : { context: pageContext(query.url) }),
    ...(query.locale === undefined ? {} : { locale: query.locale }),
    flows: query.flows ?? false,
    ...(flags === undefined ? {} : { flags }),
  });
  const profile = await engine.decisions.findProfile(auth.runtime.workspace.id, auth.lookup);
  checkAnonymous(auth, profile?.userId, 'querystring');
  const header = request.headers['last-event-id'];
  return {
    auth,
    call,
    allPlacements: placements.length === 0,
    lastEventId: typeof header === 'string' ? header : query.lastEventId,
  };
}

function validateCall(
  engine: Engine,
  runtime: WorkspaceRuntime,
  call: DecideCall,
): ValidDecideCall {
  try {
    return engine.decisions.validate(runtime, call);
  } catch (error) {
    if (!(error instanceof DecideRequestError)) throw error;
    const errors = error.errors.map(({ field, message }) => ({
      field: `querystring.${queryFieldOf(field)}`,
      message,
    }));
    throw new OnrampError(
      'ONR_VALIDATION',
      errors.map(({ field, message }) => `${field}: ${message}`).join('; '),
      errors,
    );
  }
}

/** The query parameter behind a field of the decide call. */
function queryFieldOf(field: string): string {
  if (field === 'context.locale') return 'locale';
  if (field === 'context' || field.startsWith('context.page')) return 'url';
  return field;
}

/** A subscription that is anonymous for a browser: it ends once the profile is identified. */
export function isAnonymousOnly(auth: ClientAuth): boolean {
  return !auth.server && 'anonymousId' in auth.lookup;
}
