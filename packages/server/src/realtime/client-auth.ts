import type { FastifyRequest } from 'fastify';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import type { DecideLookup } from '../decide/decide-contract.js';
import { verifyUserToken } from './user-token.js';

/** The credentials a client request carries, wherever the route reads them from (query or body). */
export interface ClientCredentials {
  userId?: string;
  anonymousId?: string;
  writeKey?: string;
  token?: string;
  /** Prefix of the field names in errors: `querystring` or `body`. */
  where: 'querystring' | 'body';
}

export interface ClientAuth {
  runtime: WorkspaceRuntime;
  lookup: DecideLookup;
  /**
   * True for a server call (the workspace's secret admin key): any user. A browser
   * with an anonymousId only may read a profile that has no userId yet (checkAnonymous).
   */
  server: boolean;
}

/**
 * Who a browser or server request speaks for (docs/decide.md#authentication):
 * - a server: `Authorization: Bearer <admin key>` — any userId or anonymousId;
 * - a browser: the write key (query/body `writeKey`, or Basic username) and, for a
 *   userId, the user token signed by the app's backend (`token`, `X-Onramp-User-Token`
 *   or `Authorization: Bearer <token>`); an anonymousId needs no token while the
 *   profile is anonymous.
 */
export function authenticateClient(
  engine: Engine,
  request: FastifyRequest,
  credentials: ClientCredentials,
): ClientAuth {
  const { where } = credentials;
  const lookup = lookupOf(credentials);
  const authorization = request.headers.authorization ?? '';
  const bearer = bearerOf(authorization);
  const secret = bearer === undefined ? undefined : engine.workspaceByAdminKey(bearer);
  if (secret !== undefined) return { runtime: secret, lookup, server: true };

  const basic = /^basic\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const writeKey =
    credentials.writeKey ??
    (basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':')[0]);
  if (writeKey === undefined || writeKey === '') {
    throw new OnrampError(
      'ONR_UNAUTHORIZED',
      `Missing write key: pass writeKey in the ${where === 'body' ? 'body' : 'query'} or as the Basic username (or a secret key as Bearer from servers).`,
    );
  }
  const runtime = engine.workspaceByWriteKey(writeKey);
  if (runtime === undefined) throw new OnrampError('ONR_UNAUTHORIZED', 'Unknown write key.');
  if (!('userId' in lookup)) return { runtime, lookup, server: false };

  const header = request.headers['x-onramp-user-token'];
  const token = credentials.token ?? (typeof header === 'string' ? header : undefined) ?? bearer;
  if (token === undefined || token === '') {
    throw new OnrampError(
      'ONR_UNAUTHORIZED',
      'Missing user token: pass token, X-Onramp-User-Token or a Bearer token.',
      [
        {
          field: `${where}.token`,
          message: "is required: the app's backend signs it (HMAC-SHA256 of userId)",
        },
      ],
    );
  }
  if (!verifyUserToken(lookup.userId, token, runtime.workspace.identitySecret)) {
    throw new OnrampError('ONR_FORBIDDEN', 'The user token was not signed for this userId.', [
      { field: `${where}.token`, message: 'does not match userId' },
    ]);
  }
  return { runtime, lookup, server: false };
}

/**
 * A browser that names only an anonymousId may not read a profile that has become
 * known (anonymousIds leak into logs and links): it must use the userId and its token.
 */
export function checkAnonymous(
  auth: ClientAuth,
  profileUserId: string | undefined,
  where: ClientCredentials['where'],
): void {
  if (auth.server || 'userId' in auth.lookup || profileUserId === undefined) return;
  throw new OnrampError(
    'ONR_FORBIDDEN',
    'This visitor has signed up: pass their userId and user token instead of the anonymousId.',
    [{ field: `${where}.anonymousId`, message: 'belongs to an identified user' }],
  );
}

function lookupOf(credentials: ClientCredentials): DecideLookup {
  const { userId, anonymousId, where } = credentials;
  if (given(userId) && given(anonymousId)) {
    throw new OnrampError('ONR_VALIDATION', 'Pass either userId or anonymousId, not both.', [
      { field: `${where}.anonymousId`, message: 'must not be given with userId' },
    ]);
  }
  if (given(userId)) return { userId: userId as string };
  if (given(anonymousId)) return { anonymousId: anonymousId as string };
  throw new OnrampError('ONR_VALIDATION', 'userId or anonymousId is required.', [
    { field: `${where}.userId`, message: 'is required (or anonymousId)' },
  ]);
}

/** Present and not empty. */
function given(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** The token of `Bearer <token>` (any case, any spacing); the usual form without a regex. */
function bearerOf(authorization: string): string | undefined {
  if (authorization.startsWith('Bearer ')) {
    const token = authorization.slice(7);
    if (token.length > 0 && !/\s/.test(token)) return token;
  }
  return /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}
