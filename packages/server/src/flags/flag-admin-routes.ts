/**
 * The flags admin API under /admin/v1/flags: read all, replace all, create, read one,
 * create-or-replace one, delete one. Flags are part of the versioned config: every
 * change publishes a new version through the shared publisher (edits of one workspace
 * queue with the rules', segments' and content's), returned as the ETag; `If-Match` (or
 * `?baseVersion=`) makes an edit conditional. Flags are named by `key`; deleting one that
 * another flag names as a prerequisite is refused by the compiler.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { FlagSchema } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { registerAdminScope, registerConfigListRoutes } from '../admin/config-list-routes.js';
import { createConfigPublisher, type ConfigPublisher } from '../admin/config-publisher.js';
import { partSchemas } from '../admin/segments-schemas.js';

const FlagParams = Type.Object({
  key: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$', description: 'The flag key.' }),
});

const notFound = (key: string) =>
  new OnrampError('ONR_NOT_FOUND', `No flag with key ${JSON.stringify(key)}.`, [
    { field: 'params.key', message: 'is not a flag of the published config' },
  ]);

export async function registerFlagAdminRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await registerAdminScope(app, engine, (admin, workspaceOf) => {
    registerConfigListRoutes(admin, engine, workspaceOf, publisher, {
      part: 'flags',
      singular: 'flag',
      article: 'a',
      idField: 'key',
      params: FlagParams,
      schemas: partSchemas('flags', 'flag', FlagSchema),
      notes: {
        replace:
          'Rules, segments, content and the other parts stay as they are; all are compiled together (conditions, variants, rollouts, prerequisites, schedules, segment references).',
        put: 'The kill switch is `enabled: false` in the body; a scheduled change is an entry of `schedule`.',
        delete:
          'A 400 names every flag whose prerequisites still name it, and nothing is published.',
      },
      notFound,
    });
  });
}
