import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RuleConfigVersion } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import {
  partField,
  type ListPart,
  type ConfigParts,
  type ConfigPublisher,
  type PublishOptions,
} from './config-publisher.js';
import { ifMatch } from './rules-requests.js';
import { baseOf, metadataOf, route, type Tag, type WorkspaceOf } from './segments-requests.js';
import {
  DefinitionParams,
  EditQuery,
  IfMatchHeaders,
  type PartSchemas,
} from './segments-schemas.js';

/**
 * One kind of definition edited through its own routes: `/segments`, `/cohorts`,
 * `/clusterings`, `/content`, `/placements`, `/flows`.
 */
export interface AudienceConfigPart {
  part: ListPart;
  /** The reply field of one definition (`segment`, `content`). */
  singular: 'segment' | 'cohort' | 'clustering' | 'content' | 'placement' | 'flow';
  /** The word in messages and summaries ("content item"); `singular` when absent. */
  noun?: string;
  /** The OpenAPI tag; `part` when absent. */
  tag?: Tag;
  /** What replacing all and deleting one do besides publishing; the segments' passes when absent. */
  notes?: { replace: string; delete: string };
  schemas: PartSchemas;
  /** Ids a definition may not have (they would be shadowed by other routes). */
  reserved?: readonly string[];
}

const audienceNotes = {
  replace: `Rules and the other kinds of definitions stay as they are. Stored profiles are evaluated against what changed in the background (GET /admin/v1/segments/passes).`,
  delete: `Its memberships are pruned by the background pass the new version queues.`,
};

interface Definition {
  id: string;
}
type Edit = { Querystring: EditQuery; Headers: IfMatchHeaders };

/**
 * The versioned config of one kind of definition: read all, replace all, create,
 * read one, create-or-replace one, delete one. Every change publishes a new
 * config version (rules and the other kinds unchanged); replies carry it and the
 * ETag. The edits queue with the rules' (one publisher).
 */
export function registerAudienceConfigRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publisher: ConfigPublisher,
  spec: AudienceConfigPart,
): void {
  const { part, singular, schemas } = spec;
  const noun = spec.noun ?? singular;
  const tag = spec.tag ?? part;
  const notes = spec.notes ?? audienceNotes;
  const path = `/${part}`;
  const listOf = (version: RuleConfigVersion): Definition[] => version[part] ?? [];
  const configReply = (version: RuleConfigVersion) => ({
    ...metadataOf(version),
    [part]: listOf(version),
  });
  const publish = (
    request: FastifyRequest,
    make: (list: Definition[]) => Definition[],
    options: PublishOptions,
  ) =>
    publisher(
      workspaceOf(request).workspace.id,
      (current) => ({ [part]: make(listOf(current)) }) as ConfigParts,
      options,
    );
  const oneReply = (version: RuleConfigVersion, fallback: Definition) => ({
    version: version.version,
    [singular]: listOf(version).find((d) => d.id === fallback.id) ?? fallback,
  });
  const notFound = (id: string) =>
    new OnrampError('ONR_NOT_FOUND', `No ${noun} with id ${JSON.stringify(id)}.`);
  const checkReserved = (definitions: Definition[], field: (index: number) => string) => {
    definitions.forEach((definition, index) => {
      if (spec.reserved?.includes(definition.id) === true) {
        const message = `is reserved: ${path}/${definition.id} is another route`;
        throw new OnrampError('ONR_VALIDATION', `${field(index)} ${message}.`, [
          { field: field(index), message },
        ]);
      }
    });
  };

  admin.get(
    path,
    route(tag, `The published ${part} (ETag: the config version)`, { 200: schemas.config }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      void reply.header('etag', `"${current.version}"`);
      return configReply(current);
    },
  );

  admin.put<{ Body: Record<string, unknown> & { note?: string; baseVersion?: number } } & Edit>(
    path,
    route(
      tag,
      `Replace every ${noun}: publishes a new config version`,
      { 200: schemas.config },
      {
        description: notes.replace,
        body: schemas.replaceBody,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const { note, baseVersion } = request.body;
      const definitions = request.body[part] as Definition[];
      checkReserved(definitions, (index) => `${part}.${index}.id`);
      const base = baseVersion ?? ifMatch(request.headers['if-match']);
      const published = await publish(request, () => definitions, {
        ...(base === undefined ? {} : { base }),
        ...(note === undefined ? {} : { note }),
        fieldOf: partField(part),
      });
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );

  admin.post<{ Body: Definition } & Edit>(
    path,
    route(
      tag,
      `Create a ${noun}; 409 if the id exists`,
      { 201: schemas.one },
      {
        body: schemas.definition,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const definition = request.body;
      checkReserved([definition], () => 'id');
      let index = 0;
      const published = await publish(
        request,
        (list) => {
          if (list.some((existing) => existing.id === definition.id)) {
            throw new OnrampError(
              'ONR_ALREADY_EXISTS',
              `A ${noun} with id ${JSON.stringify(definition.id)} exists.`,
              [{ field: 'id', message: `is already used by another ${noun}` }],
            );
          }
          index = list.length;
          return [...list, definition];
        },
        { ...baseOf(request), fieldOf: partField(part, () => index) },
      );
      void reply.code(201).header('etag', `"${published.version}"`);
      return oneReply(published, definition);
    },
  );

  admin.get<{ Params: DefinitionParams }>(
    `${path}/:id`,
    route(tag, `One published ${noun}`, { 200: schemas.one }, { params: DefinitionParams }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      const found = listOf(current).find((d) => d.id === request.params.id);
      if (found === undefined) throw notFound(request.params.id);
      void reply.header('etag', `"${current.version}"`);
      return oneReply(current, found);
    },
  );

  admin.put<{ Params: DefinitionParams; Body: Definition } & Edit>(
    `${path}/:id`,
    route(
      tag,
      `Create or replace a ${noun} (201 when created, 200 when replaced in place)`,
      { 200: schemas.one, 201: schemas.one },
      {
        params: DefinitionParams,
        body: schemas.definition,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const definition = request.body;
      const { id } = request.params;
      if (definition.id !== id) {
        throw new OnrampError('ONR_VALIDATION', `id must be "${id}", the id in the path.`, [
          { field: 'id', message: `must be "${id}", the id in the path` },
        ]);
      }
      checkReserved([definition], () => 'id');
      let index = 0;
      let created = false;
      const published = await publish(
        request,
        (list) => {
          index = list.findIndex((existing) => existing.id === id);
          created = index < 0;
          if (created) index = list.length;
          return created
            ? [...list, definition]
            : list.map((old, i) => (i === index ? definition : old));
        },
        { ...baseOf(request), fieldOf: partField(part, () => index) },
      );
      void reply.code(created ? 201 : 200).header('etag', `"${published.version}"`);
      return oneReply(published, definition);
    },
  );

  admin.delete<{ Params: DefinitionParams } & Edit>(
    `${path}/:id`,
    route(
      tag,
      `Delete a ${noun}; 404 if unknown`,
      { 200: schemas.config },
      {
        description: notes.delete,
        params: DefinitionParams,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const { id } = request.params;
      const published = await publish(
        request,
        (list) => {
          if (!list.some((existing) => existing.id === id)) throw notFound(id);
          return list.filter((existing) => existing.id !== id);
        },
        { ...baseOf(request), fieldOf: partField(part) },
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}
