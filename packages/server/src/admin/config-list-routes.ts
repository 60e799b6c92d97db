/**
 * The six routes of one list part of the versioned config that is edited through its
 * own routes and named by one field (flags by `key`, experiments by `id`): read all,
 * replace all, create, read one, create-or-replace one, delete one. Every change
 * publishes a new version through the shared publisher, returned as the ETag;
 * `If-Match` (or `?baseVersion=`) makes an edit conditional.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TObject } from '@sinclair/typebox';
import { issuePath, type RuleConfigVersion } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { authenticateAdmin } from './admin-auth.js';
import type { ConfigParts, ConfigPublisher, PublishOptions } from './config-publisher.js';
import { checkDepth, compileValidator, type FieldOf } from './rules-requests.js';
import { baseOf, metadataOf, route, type WorkspaceOf } from './segments-requests.js';
import { EditQuery, IfMatchHeaders, type PartSchemas } from './segments-schemas.js';

export interface ConfigListPart {
  /** The list in the config version, its path (`/flags`) and its OpenAPI tag. */
  part: 'flags' | 'experiments';
  /** The reply field of one definition (`flag`). */
  singular: string;
  /** The word with its article in summaries and messages (`a flag`, `an experiment`). */
  article: 'a' | 'an';
  /** The field that names a definition, and the path parameter. */
  idField: 'key' | 'id';
  params: TObject;
  schemas: PartSchemas;
  /** Route descriptions beside the summary. */
  notes: { replace: string; put: string; delete?: string };
  /** The 404 of an unknown definition. */
  notFound: (id: string) => OnrampError;
}

type Definition = Readonly<Record<string, unknown>>;
type Edit = { Querystring: EditQuery; Headers: IfMatchHeaders };
type Publish = (
  request: FastifyRequest,
  make: (list: Definition[]) => Definition[],
  options: PublishOptions,
) => Promise<RuleConfigVersion>;

/** Registers routes under /admin/v1, behind the admin key and the request checks. */
export async function registerAdminScope(
  app: FastifyInstance,
  engine: Engine,
  register: (admin: FastifyInstance, workspaceOf: WorkspaceOf) => void,
): Promise<void> {
  await app.register(
    async (admin) => {
      const workspaceOf = authenticateAdmin(admin, engine);
      admin.setValidatorCompiler(compileValidator);
      admin.addHook('preValidation', async (request) => checkDepth(request.body));
      register(admin, workspaceOf);
    },
    { prefix: '/admin/v1' },
  );
}

/**
 * Names compiler issues from the request body: `flags.2.rules.0.when…` for a whole-list
 * body, the bare field (`rules.0.when…`) for the one definition a single-definition body
 * holds (`one` gives its index); issues of other parts keep their place in the config.
 */
function listField(part: string, one?: () => number): FieldOf {
  const root = `(${part})`;
  return (path) => {
    const [first, index, ...rest] = path;
    if (first === root && one !== undefined && index === one() && rest.length > 0) {
      return rest.join('.');
    }
    return issuePath(path);
  };
}

/** Registers the six routes of `spec` on `admin`. */
export function registerConfigListRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publisher: ConfigPublisher,
  spec: ConfigListPart,
): void {
  const { part } = spec;
  const { listOf } = partOf(spec);
  const publish: Publish = (request, make, options) =>
    publisher(
      workspaceOf(request).workspace.id,
      (current) => ({ [part]: make(listOf(current)) }) as ConfigParts,
      options,
    );
  registerListRoutes(admin, engine, workspaceOf, publish, spec);
  registerOneRoutes(admin, engine, workspaceOf, publish, spec);
}

/** How the routes of `spec` read definitions and shape replies. */
function partOf(spec: ConfigListPart) {
  const { part, singular, idField } = spec;
  const listOf = (version: RuleConfigVersion) => (version[part] ?? []) as Definition[];
  const idOf = (definition: Definition) => definition[idField] as string;
  return {
    listOf,
    idOf,
    noun: `${spec.article} ${singular}`,
    configReply: (version: RuleConfigVersion) => ({
      ...metadataOf(version),
      [part]: listOf(version),
    }),
    oneReply: (version: RuleConfigVersion, fallback: Definition) => ({
      version: version.version,
      [singular]: listOf(version).find((d) => idOf(d) === idOf(fallback)) ?? fallback,
    }),
  };
}

function registerListRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publish: Publish,
  spec: ConfigListPart,
): void {
  const { part, singular, idField, schemas } = spec;
  const { idOf, noun, configReply, oneReply } = partOf(spec);
  const path = `/${part}`;

  admin.get(
    path,
    route(part, `The published ${part} (ETag: the config version)`, { 200: schemas.config }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      void reply.header('etag', `"${current.version}"`);
      return configReply(current);
    },
  );

  admin.put<{ Body: Record<string, unknown> & { note?: string; baseVersion?: number } } & Edit>(
    path,
    route(
      part,
      `Replace every ${singular}: publishes a new config version`,
      { 200: schemas.config },
      {
        description: spec.notes.replace,
        body: schemas.replaceBody,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const { note, baseVersion } = request.body;
      const definitions = request.body[part] as Definition[];
      const base = baseVersion === undefined ? baseOf(request) : { base: baseVersion };
      const published = await publish(request, () => definitions, {
        ...base,
        ...(note === undefined ? {} : { note }),
        fieldOf: listField(part),
      });
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );

  admin.post<{ Body: Definition } & Edit>(
    path,
    route(
      part,
      `Create ${noun}; 409 if the ${idField} exists`,
      { 201: schemas.one },
      { body: schemas.definition, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const definition = request.body;
      const id = idOf(definition);
      let index = 0;
      const published = await publish(
        request,
        (list) => {
          if (list.some((existing) => idOf(existing) === id)) {
            const article = spec.article === 'a' ? 'A' : 'An';
            throw new OnrampError(
              'ONR_ALREADY_EXISTS',
              `${article} ${singular} with ${idField} ${JSON.stringify(id)} exists.`,
              [{ field: idField, message: `is already used by another ${singular}` }],
            );
          }
          index = list.length;
          return [...list, definition];
        },
        { ...baseOf(request), fieldOf: listField(part, () => index) },
      );
      void reply.code(201).header('etag', `"${published.version}"`);
      return oneReply(published, definition);
    },
  );
}

function registerOneRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publish: Publish,
  spec: ConfigListPart,
): void {
  const { part, idField, params, schemas, notFound } = spec;
  const { listOf, idOf, noun, configReply, oneReply } = partOf(spec);
  const path = `/${part}/:${idField}`;
  type Params = { Params: Record<string, string> };
  /** The id in the path (the params schema requires it). */
  const idParam = (request: FastifyRequest<Params>) => request.params[idField] as string;

  admin.get<Params>(
    path,
    route(part, `One published ${spec.singular}`, { 200: schemas.one }, { params }),
    async (request, reply) => {
      const id = idParam(request);
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      const found = listOf(current).find((d) => idOf(d) === id);
      if (found === undefined) throw notFound(id);
      void reply.header('etag', `"${current.version}"`);
      return oneReply(current, found);
    },
  );

  admin.put<Params & { Body: Definition } & Edit>(
    path,
    route(
      part,
      `Create or replace ${noun} (201 when created, 200 when replaced in place)`,
      { 200: schemas.one, 201: schemas.one },
      {
        description: spec.notes.put,
        params,
        body: schemas.definition,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const definition = request.body;
      const id = idParam(request);
      if (idOf(definition) !== id) {
        const message = `must be "${id}", the ${idField} in the path`;
        throw new OnrampError('ONR_VALIDATION', `${idField} ${message}.`, [
          { field: idField, message },
        ]);
      }
      let index = 0;
      let created = false;
      const published = await publish(
        request,
        (list) => {
          index = list.findIndex((existing) => idOf(existing) === id);
          created = index < 0;
          if (created) index = list.length;
          return created
            ? [...list, definition]
            : list.map((old, i) => (i === index ? definition : old));
        },
        { ...baseOf(request), fieldOf: listField(part, () => index) },
      );
      void reply.code(created ? 201 : 200).header('etag', `"${published.version}"`);
      return oneReply(published, definition);
    },
  );

  admin.delete<Params & Edit>(
    path,
    route(
      part,
      `Delete ${noun}; 404 if unknown`,
      { 200: schemas.config },
      {
        ...(spec.notes.delete === undefined ? {} : { description: spec.notes.delete }),
        params,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const id = idParam(request);
      const published = await publish(
        request,
        (list) => {
          if (!list.some((existing) => idOf(existing) === id)) throw notFound(id);
          return list.filter((existing) => idOf(existing) !== id);
        },
        { ...baseOf(request), fieldOf: listField(part) },
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}
