/**
 * The flags admin API under /admin/v1/flags: read all, replace all, create, read one,
 * create-or-replace one, delete one. Flags are part of the versioned config: every
 * change publishes a new version through the shared publisher (edits of one workspace
 * queue with the rules', segments' and content's), returned as the ETag; `If-Match` (or
 * `?baseVersion=`) makes an edit conditional. Flags are named by `key`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { FlagSchema, issuePath, type FlagDefinition, type RuleConfigVersion } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { authenticateAdmin } from '../admin/admin-auth.js';
import {
  createConfigPublisher,
  type ConfigPublisher,
  type PublishOptions,
} from '../admin/config-publisher.js';
import { checkDepth, compileValidator, type FieldOf } from '../admin/rules-requests.js';
import { baseOf, metadataOf, route, type WorkspaceOf } from '../admin/segments-requests.js';
import { EditQuery, IfMatchHeaders, partSchemas } from '../admin/segments-schemas.js';

const schemas = partSchemas('flags', 'flag', FlagSchema);
const FlagParams = Type.Object({
  key: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$', description: 'The flag key.' }),
});
type FlagParams = Static<typeof FlagParams>;
type Edit = { Querystring: EditQuery; Headers: IfMatchHeaders };

const referred =
  'A 400 names every flag whose prerequisites still name it, and nothing is published.';

export async function registerFlagAdminRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await app.register(
    async (admin) => {
      const workspaceOf = authenticateAdmin(admin, engine);
      admin.setValidatorCompiler(compileValidator);
      admin.addHook('preValidation', async (request) => checkDepth(request.body));
      registerListRoutes(admin, engine, workspaceOf, publisher);
      registerOneRoutes(admin, engine, workspaceOf, publisher);
    },
    { prefix: '/admin/v1' },
  );
}

/**
 * Names compiler issues from the request body: `flags.2.rules.0.when…` for a whole-list
 * body, the bare field (`rules.0.when…`) for the one flag a single-flag body holds;
 * issues of other parts keep their place in the config (`rules.0.condition…`).
 */
function flagField(one?: () => number): FieldOf {
  return (path) => {
    const [first, index, ...rest] = path;
    if (first === '(flags)' && one !== undefined && index === one() && rest.length > 0) {
      return rest.join('.');
    }
    return issuePath(path);
  };
}

const listOf = (version: RuleConfigVersion): FlagDefinition[] => version.flags ?? [];
const configReply = (version: RuleConfigVersion) => ({
  ...metadataOf(version),
  flags: listOf(version),
});
const oneReply = (version: RuleConfigVersion, fallback: FlagDefinition) => ({
  version: version.version,
  flag: listOf(version).find((flag) => flag.key === fallback.key) ?? fallback,
});
const notFound = (key: string) =>
  new OnrampError('ONR_NOT_FOUND', `No flag with key ${JSON.stringify(key)}.`, [
    { field: 'params.key', message: 'is not a flag of the published config' },
  ]);

function publishFlags(
  publisher: ConfigPublisher,
  workspaceOf: WorkspaceOf,
  request: FastifyRequest,
  make: (flags: FlagDefinition[]) => FlagDefinition[],
  options: PublishOptions,
) {
  return publisher(
    workspaceOf(request).workspace.id,
    (current) => ({ flags: make(listOf(current)) }),
    options,
  );
}

function registerListRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publisher: ConfigPublisher,
): void {
  admin.get(
    '/flags',
    route('flags', 'The published flags (ETag: the config version)', { 200: schemas.config }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      void reply.header('etag', `"${current.version}"`);
      return configReply(current);
    },
  );

  admin.put<{ Body: { flags: FlagDefinition[]; note?: string; baseVersion?: number } } & Edit>(
    '/flags',
    route(
      'flags',
      'Replace every flag: publishes a new config version',
      { 200: schemas.config },
      {
        description:
          'Rules, segments, content and the other parts stay as they are; all are compiled together (conditions, variants, rollouts, prerequisites, schedules, segment references).',
        body: schemas.replaceBody,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const { flags, note, baseVersion } = request.body;
      const base = baseVersion === undefined ? baseOf(request) : { base: baseVersion };
      const published = await publishFlags(publisher, workspaceOf, request, () => flags, {
        ...base,
        ...(note === undefined ? {} : { note }),
        fieldOf: flagField(),
      });
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );

  admin.post<{ Body: FlagDefinition } & Edit>(
    '/flags',
    route(
      'flags',
      'Create a flag; 409 if the key exists',
      { 201: schemas.one },
      { body: schemas.definition, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const flag = request.body;
      let index = 0;
      const published = await publishFlags(
        publisher,
        workspaceOf,
        request,
        (flags) => {
          if (flags.some((existing) => existing.key === flag.key)) {
            throw new OnrampError(
              'ONR_ALREADY_EXISTS',
              `A flag with key ${JSON.stringify(flag.key)} exists.`,
              [{ field: 'key', message: 'is already used by another flag' }],
            );
          }
          index = flags.length;
          return [...flags, flag];
        },
        { ...baseOf(request), fieldOf: flagField(() => index) },
      );
      void reply.code(201).header('etag', `"${published.version}"`);
      return oneReply(published, flag);
    },
  );
}

function registerOneRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publisher: ConfigPublisher,
): void {
  admin.get<{ Params: FlagParams }>(
    '/flags/:key',
    route('flags', 'One published flag', { 200: schemas.one }, { params: FlagParams }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      const found = listOf(current).find((flag) => flag.key === request.params.key);
      if (found === undefined) throw notFound(request.params.key);
      void reply.header('etag', `"${current.version}"`);
      return oneReply(current, found);
    },
  );

  admin.put<{ Params: FlagParams; Body: FlagDefinition } & Edit>(
    '/flags/:key',
    route(
      'flags',
      'Create or replace a flag (201 when created, 200 when replaced in place)',
      { 200: schemas.one, 201: schemas.one },
      {
        description:
          'The kill switch is `enabled: false` in the body; a scheduled change is an entry of `schedule`.',
        params: FlagParams,
        body: schemas.definition,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const flag = request.body;
      const { key } = request.params;
      if (flag.key !== key) {
        throw new OnrampError('ONR_VALIDATION', `key must be "${key}", the key in the path.`, [
          { field: 'key', message: `must be "${key}", the key in the path` },
        ]);
      }
      let index = 0;
      let created = false;
      const published = await publishFlags(
        publisher,
        workspaceOf,
        request,
        (flags) => {
          index = flags.findIndex((existing) => existing.key === key);
          created = index < 0;
          if (created) index = flags.length;
          return created ? [...flags, flag] : flags.map((old, i) => (i === index ? flag : old));
        },
        { ...baseOf(request), fieldOf: flagField(() => index) },
      );
      void reply.code(created ? 201 : 200).header('etag', `"${published.version}"`);
      return oneReply(published, flag);
    },
  );

  admin.delete<{ Params: FlagParams } & Edit>(
    '/flags/:key',
    route(
      'flags',
      'Delete a flag; 404 if unknown',
      { 200: schemas.config },
      {
        description: referred,
        params: FlagParams,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const { key } = request.params;
      const published = await publishFlags(
        publisher,
        workspaceOf,
        request,
        (flags) => {
          if (!flags.some((existing) => existing.key === key)) throw notFound(key);
          return flags.filter((existing) => existing.key !== key);
        },
        { ...baseOf(request), fieldOf: flagField() },
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}
