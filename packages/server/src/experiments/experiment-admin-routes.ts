/**
 * The experiments admin API under /admin/v1/experiments: read all, replace all, create,
 * read one, create-or-replace one, delete one, and the results of one. Experiments are
 * part of the versioned config: every change publishes a new version through the shared
 * publisher (edits of one workspace queue with the other parts'), returned as the ETag;
 * `If-Match` (or `?baseVersion=`) makes an edit conditional.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ExperimentSchema,
  issuePath,
  type ExperimentDefinition,
  type RuleConfigVersion,
} from '@onramp/core';
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
import { registerExperimentResultsRoute } from './experiment-results-route.js';
import { ExperimentParams, experimentNotFound } from './experiment-requests.js';

const schemas = partSchemas('experiments', 'experiment', ExperimentSchema);
type Edit = { Querystring: EditQuery; Headers: IfMatchHeaders };

export async function registerExperimentAdminRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await app.register(
    async (admin) => {
      const workspaceOf = authenticateAdmin(admin, engine);
      admin.setValidatorCompiler(compileValidator);
      admin.addHook('preValidation', async (request) => checkDepth(request.body));
      const publish = (
        request: FastifyRequest,
        make: (experiments: ExperimentDefinition[]) => ExperimentDefinition[],
        options: PublishOptions,
      ) =>
        publisher(
          workspaceOf(request).workspace.id,
          (current) => ({ experiments: make(listOf(current)) }),
          options,
        );
      registerListRoutes(admin, engine, workspaceOf, publish);
      registerOneRoutes(admin, engine, workspaceOf, publish);
      registerExperimentResultsRoute(admin, engine, workspaceOf);
    },
    { prefix: '/admin/v1' },
  );
}

type Publish = (
  request: FastifyRequest,
  make: (experiments: ExperimentDefinition[]) => ExperimentDefinition[],
  options: PublishOptions,
) => Promise<RuleConfigVersion>;

/**
 * Names compiler issues from the request body: `experiments.2.variants…` for a
 * whole-list body, the bare field (`variants.0.weight`) for the one experiment a
 * single-experiment body holds; issues of other parts keep their place in the config.
 */
function experimentField(one?: () => number): FieldOf {
  return (path) => {
    const [first, index, ...rest] = path;
    if (first === '(experiments)' && one !== undefined && index === one() && rest.length > 0) {
      return rest.join('.');
    }
    return issuePath(path);
  };
}

const listOf = (version: RuleConfigVersion): ExperimentDefinition[] => version.experiments ?? [];
const configReply = (version: RuleConfigVersion) => ({
  ...metadataOf(version),
  experiments: listOf(version),
});
const oneReply = (version: RuleConfigVersion, fallback: ExperimentDefinition) => ({
  version: version.version,
  experiment: listOf(version).find((e) => e.id === fallback.id) ?? fallback,
});
function registerListRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publish: Publish,
): void {
  admin.get(
    '/experiments',
    route('experiments', 'The published experiments (ETag: the config version)', {
      200: schemas.config,
    }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      void reply.header('etag', `"${current.version}"`);
      return configReply(current);
    },
  );

  admin.put<
    {
      Body: { experiments: ExperimentDefinition[]; note?: string; baseVersion?: number };
    } & Edit
  >(
    '/experiments',
    route(
      'experiments',
      'Replace every experiment: publishes a new config version',
      { 200: schemas.config },
      {
        description:
          'The other parts stay as they are; all are compiled together (targeting, weights, layers, references to placements, content, flags, flows and segments).',
        body: schemas.replaceBody,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const { experiments, note, baseVersion } = request.body;
      const base = baseVersion === undefined ? baseOf(request) : { base: baseVersion };
      const published = await publish(request, () => experiments, {
        ...base,
        ...(note === undefined ? {} : { note }),
        fieldOf: experimentField(),
      });
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );

  admin.post<{ Body: ExperimentDefinition } & Edit>(
    '/experiments',
    route(
      'experiments',
      'Create an experiment; 409 if the id exists',
      { 201: schemas.one },
      { body: schemas.definition, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const experiment = request.body;
      let index = 0;
      const published = await publish(
        request,
        (experiments) => {
          if (experiments.some((existing) => existing.id === experiment.id)) {
            throw new OnrampError(
              'ONR_ALREADY_EXISTS',
              `An experiment with id ${JSON.stringify(experiment.id)} exists.`,
              [{ field: 'id', message: 'is already used by another experiment' }],
            );
          }
          index = experiments.length;
          return [...experiments, experiment];
        },
        { ...baseOf(request), fieldOf: experimentField(() => index) },
      );
      void reply.code(201).header('etag', `"${published.version}"`);
      return oneReply(published, experiment);
    },
  );
}

function registerOneRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publish: Publish,
): void {
  admin.get<{ Params: ExperimentParams }>(
    '/experiments/:id',
    route(
      'experiments',
      'One published experiment',
      { 200: schemas.one },
      {
        params: ExperimentParams,
      },
    ),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      const found = listOf(current).find((e) => e.id === request.params.id);
      if (found === undefined) throw experimentNotFound(request.params.id);
      void reply.header('etag', `"${current.version}"`);
      return oneReply(current, found);
    },
  );

  admin.put<{ Params: ExperimentParams; Body: ExperimentDefinition } & Edit>(
    '/experiments/:id',
    route(
      'experiments',
      'Create or replace an experiment (201 when created, 200 when replaced in place)',
      { 200: schemas.one, 201: schemas.one },
      {
        description:
          'Start it with `status: running`, stop it with `status: stopped` (its control is served to the users who had a variant).',
        params: ExperimentParams,
        body: schemas.definition,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const experiment = request.body;
      const { id } = request.params;
      if (experiment.id !== id) {
        throw new OnrampError('ONR_VALIDATION', `id must be "${id}", the id in the path.`, [
          { field: 'id', message: `must be "${id}", the id in the path` },
        ]);
      }
      let index = 0;
      let created = false;
      const published = await publish(
        request,
        (experiments) => {
          index = experiments.findIndex((existing) => existing.id === id);
          created = index < 0;
          if (created) index = experiments.length;
          return created
            ? [...experiments, experiment]
            : experiments.map((old, i) => (i === index ? experiment : old));
        },
        { ...baseOf(request), fieldOf: experimentField(() => index) },
      );
      void reply.code(created ? 201 : 200).header('etag', `"${published.version}"`);
      return oneReply(published, experiment);
    },
  );

  admin.delete<{ Params: ExperimentParams } & Edit>(
    '/experiments/:id',
    route(
      'experiments',
      'Delete an experiment; 404 if unknown',
      { 200: schemas.config },
      { params: ExperimentParams, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const { id } = request.params;
      const published = await publish(
        request,
        (experiments) => {
          if (!experiments.some((existing) => existing.id === id)) throw experimentNotFound(id);
          return experiments.filter((existing) => existing.id !== id);
        },
        { ...baseOf(request), fieldOf: experimentField() },
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}
