/**
 * What an OFREP request evaluates against (docs/decisions/0026-ofrep-auth-and-context.md):
 * its evaluation context checked, the caller authenticated (a server's secret key, or
 * a browser's write key plus the user token for a userId), and the stored profile the
 * targeting key names, read only by a caller allowed to read it.
 */
import type { FastifyRequest } from 'fastify';
import {
  createProfile,
  isJsonObject,
  type FlagContext,
  type FlagErrorCode,
  type JsonObject,
  type ProfileState,
} from '@onramp/core';
import type { DecideLookup } from '../decide/decide-contract.js';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { authenticateClient, checkAnonymous } from '../realtime/client-auth.js';

/** An evaluation that cannot start: OFREP's 400 failure body. */
export class OfrepRequestError extends Error {
  constructor(
    readonly errorCode: FlagErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OfrepRequestError';
  }
}

export interface OfrepEvaluation {
  runtime: WorkspaceRuntime;
  context: FlagContext;
  /** Consent allows the profile's data (decide's rule): experiments apply only then. */
  personalized: boolean;
}

const maxDepth = 8;
const maxKeyLength = 200;

/** The request's context, checked: INVALID_CONTEXT naming the field otherwise. */
export function readContext(body: unknown): {
  attributes: JsonObject;
  targetingKey?: string;
  anonymous: boolean;
} {
  if (body !== undefined && body !== null && !isJsonObject(body)) {
    throw new OfrepRequestError(
      'PARSE_ERROR',
      'the body must be a JSON object: { "context": {…} }',
    );
  }
  const context = (body as { context?: unknown } | null | undefined)?.context ?? {};
  if (!isJsonObject(context)) {
    throw new OfrepRequestError('INVALID_CONTEXT', 'context must be an object');
  }
  if (depthOf(context, 0) > maxDepth) {
    throw new OfrepRequestError('INVALID_CONTEXT', `context nests deeper than ${maxDepth} levels`);
  }
  const { targetingKey, anonymous } = context;
  if (targetingKey !== undefined && typeof targetingKey !== 'string') {
    throw new OfrepRequestError('INVALID_CONTEXT', 'context.targetingKey must be a string');
  }
  if (typeof targetingKey === 'string' && targetingKey.length > maxKeyLength) {
    throw new OfrepRequestError(
      'INVALID_CONTEXT',
      `context.targetingKey has more than ${maxKeyLength} characters`,
    );
  }
  if (anonymous !== undefined && typeof anonymous !== 'boolean') {
    throw new OfrepRequestError('INVALID_CONTEXT', 'context.anonymous must be true or false');
  }
  return {
    attributes: context,
    ...(targetingKey === undefined || targetingKey === '' ? {} : { targetingKey }),
    anonymous: anonymous === true,
  };
}

/**
 * Authenticates the request and builds the flag context: the stored profile of the
 * targeting key (a fresh one when none is stored or there is no key), the context's
 * attributes under `context.*`, the engine's clock.
 */
export async function prepareEvaluation(
  engine: Engine,
  request: FastifyRequest,
): Promise<OfrepEvaluation> {
  const { attributes, targetingKey, anonymous } = readContext(request.body);
  const apiKey = request.headers['x-api-key'];
  const writeKey = typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
  const now = engine.clock.now();
  if (targetingKey === undefined) {
    const runtime = workspaceOnly(engine, request, writeKey);
    const context = { profile: createProfile('', now), now, context: attributes };
    return { runtime, context, personalized: false };
  }
  const lookup: DecideLookup = anonymous ? { anonymousId: targetingKey } : { userId: targetingKey };
  const auth = renamingFields(() =>
    authenticateClient(engine, request, {
      ...lookup,
      ...(writeKey === undefined ? {} : { writeKey }),
      where: 'body',
    }),
  );
  const workspaceId = auth.runtime.workspace.id;
  const stored = await engine.decisions.findProfile(workspaceId, lookup);
  renamingFields(() => checkAnonymous(auth, stored?.userId, 'body'));
  const runtime = engine.workspaceById(workspaceId) ?? auth.runtime;
  const personalized = allowsProfileData(runtime, stored);
  const profile = stored !== undefined && personalized ? stored : blankProfile(lookup, now);
  return { runtime, context: { profile, now, context: attributes, targetingKey }, personalized };
}

/**
 * As decide does: with a consent category for personalization (contentSettings), a
 * profile that has not granted it (or `consent.whenUnknown: deny` when it never said)
 * is evaluated as a blank one; the context's attributes and the targeting key still apply.
 * No stored profile: the policy's whenUnknown.
 */
function allowsProfileData(runtime: WorkspaceRuntime, profile: ProfileState | undefined): boolean {
  const category = runtime.rules.decide.consentCategory;
  if (category === undefined) return true;
  const categories = profile?.consent?.categories;
  const stated =
    categories !== undefined && Object.hasOwn(categories, category)
      ? categories[category]
      : undefined;
  return stated ?? runtime.settings.consent.whenUnknown === 'allow';
}

/** Field names of the shared client checks, as an OFREP request carries them. */
const ofrepFields: Readonly<Record<string, string>> = {
  'body.token': 'headers.x-onramp-user-token',
  'body.anonymousId': 'context.targetingKey',
};

function renamingFields<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof OnrampError)) throw error;
    const errors = error.errors.map((e) => ({ ...e, field: ofrepFields[e.field] ?? e.field }));
    throw new OnrampError(error.code, error.message, errors);
  }
}

function blankProfile(lookup: DecideLookup, now: number) {
  const profile = createProfile('', now);
  if ('userId' in lookup) profile.userId = lookup.userId;
  else profile.anonymousIds = [lookup.anonymousId];
  return profile;
}

/** Without a targeting key no profile is read: the secret key, or a known write key, is enough. */
export function workspaceOnly(
  engine: Engine,
  request: FastifyRequest,
  writeKey: string | undefined,
): WorkspaceRuntime {
  const authorization = request.headers.authorization ?? '';
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const server = bearer === undefined ? undefined : engine.workspaceByAdminKey(bearer);
  if (server !== undefined) return server;
  const basic = /^basic\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const key =
    writeKey ??
    (basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':')[0]);
  if ((key === undefined || key === '') && bearer !== undefined) {
    throw new OnrampError('ONR_UNAUTHORIZED', 'Unknown secret key.');
  }
  if (key === undefined || key === '') {
    throw new OnrampError(
      'ONR_UNAUTHORIZED',
      'Missing key: send the write key as X-API-Key (or the Basic username), or a secret key as Bearer from servers.',
    );
  }
  const runtime = engine.workspaceByWriteKey(key);
  if (runtime === undefined) throw new OnrampError('ONR_UNAUTHORIZED', 'Unknown write key.');
  return runtime;
}

function depthOf(value: unknown, depth: number): number {
  if (depth > maxDepth || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const item of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(item, depth + 1));
    if (deepest > maxDepth) break;
  }
  return deepest;
}
