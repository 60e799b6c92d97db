import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';

/**
 * The admin key check for a plugin's routes (`Authorization: Bearer <key>`, or
 * Basic with the key as username), before validation so that a caller without a
 * key learns nothing. Returns the request's workspace reader. Every admin
 * plugin uses it, so one rule decides who may read a workspace.
 */
export function authenticateAdmin(
  admin: FastifyInstance,
  engine: Engine,
): (request: FastifyRequest) => WorkspaceRuntime {
  const workspaces = new WeakMap<FastifyRequest, WorkspaceRuntime>();
  admin.addHook('onRequest', async (request, reply) => {
    const runtime = workspaceOfKey(engine, request.headers.authorization);
    if (runtime === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="onramp-admin"');
      throw new OnrampError(
        'ONR_UNAUTHORIZED',
        request.headers.authorization === undefined
          ? 'Missing admin key: send Authorization: Bearer <admin key>.'
          : 'Unknown admin key.',
      );
    }
    workspaces.set(request, runtime);
  });
  return (request) => {
    const runtime = workspaces.get(request);
    if (runtime === undefined) throw new OnrampError('ONR_UNAUTHORIZED', 'Missing admin key.');
    return runtime;
  };
}

function workspaceOfKey(engine: Engine, authorization: string | undefined) {
  if (authorization === undefined) return undefined;
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer !== undefined) return engine.workspaceByAdminKey(bearer);
  const basic = /^basic\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const username =
    basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':')[0];
  return username === undefined || username === ''
    ? undefined
    : engine.workspaceByAdminKey(username);
}
