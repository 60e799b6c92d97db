/**
 * The experiments admin API under /admin/v1/experiments: read all, replace all, create,
 * read one, create-or-replace one, delete one, and the results of one. Experiments are
 * part of the versioned config: every change publishes a new version through the shared
 * publisher (edits of one workspace queue with the other parts'), returned as the ETag;
 * `If-Match` (or `?baseVersion=`) makes an edit conditional.
 */
import type { FastifyInstance } from 'fastify';
import { ExperimentSchema } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { registerAdminScope, registerConfigListRoutes } from '../admin/config-list-routes.js';
import { createConfigPublisher, type ConfigPublisher } from '../admin/config-publisher.js';
import { partSchemas } from '../admin/segments-schemas.js';
import { registerExperimentResultsRoute } from './experiment-results-route.js';
import { ExperimentParams, experimentNotFound } from './experiment-requests.js';

export async function registerExperimentAdminRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await registerAdminScope(app, engine, (admin, workspaceOf) => {
    registerConfigListRoutes(admin, engine, workspaceOf, publisher, {
      part: 'experiments',
      singular: 'experiment',
      article: 'an',
      idField: 'id',
      params: ExperimentParams,
      schemas: partSchemas('experiments', 'experiment', ExperimentSchema),
      notes: {
        replace:
          'The other parts stay as they are; all are compiled together (targeting, weights, layers, references to placements, content, flags, flows and segments).',
        put: 'Start it with `status: running`, stop it with `status: stopped` (its control is served to the users who had a variant).',
      },
      notFound: experimentNotFound,
    });
    registerExperimentResultsRoute(admin, engine, workspaceOf);
  });
}
