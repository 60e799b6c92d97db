import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import {
  requireClustering,
  route,
  runReply,
  runtimeOf,
  type WorkspaceOf,
} from './segments-requests.js';
import {
  ClusterRunReply,
  ClusterRunsReply,
  DefinitionParams,
  RunNowQuery,
  RunParams,
  RunsQuery,
} from './segments-schemas.js';

/** Clustering runs: run one now, list them, read one (or the latest). */
export function registerClusteringRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
): void {
  admin.post<{ Params: DefinitionParams; Querystring: RunNowQuery }>(
    '/clusterings/:id/runs',
    route(
      'clusterings',
      'Run a clustering now: sample profiles, choose k, label every profile',
      { 201: ClusterRunReply },
      {
        description:
          'Answers when the run has finished. A failed run (too few profiles, a worker error) is recorded and answered as 201 with status "failed" and its error. Labels are written by a background pass that follows (GET /admin/v1/segments/passes). A run already going for the clustering is joined, not repeated.',
        params: DefinitionParams,
        querystring: RunNowQuery,
      },
    ),
    async (request, reply) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      const { id } = request.params;
      requireClustering(runtime, id);
      const run = await engine.segments.runClustering(
        runtime.workspace.id,
        id,
        request.query.trigger,
      );
      void reply.code(201);
      return runReply(run);
    },
  );

  admin.get<{ Params: DefinitionParams; Querystring: RunsQuery }>(
    '/clusterings/:id/runs',
    route(
      'clusterings',
      "A clustering's runs, newest first (paged by run number)",
      { 200: ClusterRunsReply },
      {
        description: 'Runs of a clustering no longer in the config are listed while they exist.',
        params: DefinitionParams,
        querystring: RunsQuery,
      },
    ),
    async (request) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      const { id } = request.params;
      const { limit, before } = request.query;
      const runs = await engine.segments.clusterRuns(runtime.workspace.id, id, {
        limit: limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      if (runs.length === 0 && before === undefined) requireClustering(runtime, id);
      const page = runs.slice(0, limit);
      const last = page[page.length - 1];
      return {
        runs: page.map(runReply),
        ...(runs.length > limit && last !== undefined ? { nextBefore: last.run } : {}),
      };
    },
  );

  admin.get<{ Params: RunParams }>(
    '/clusterings/:id/runs/:run',
    route(
      'clusterings',
      'One clustering run (or `latest`): k, candidates, clusters and the model',
      { 200: ClusterRunReply },
      { params: RunParams },
    ),
    async (request) => {
      const workspaceId = workspaceOf(request).workspace.id;
      const { id, run } = request.params;
      const found =
        run === 'latest'
          ? (await engine.segments.clusterRuns(workspaceId, id, { limit: 1 }))[0]
          : await engine.segments.clusterRun(workspaceId, id, Number(run));
      if (found === undefined) {
        throw new OnrampError(
          'ONR_NOT_FOUND',
          run === 'latest'
            ? `Clustering ${JSON.stringify(id)} has no runs.`
            : `No run ${run} of clustering ${JSON.stringify(id)}.`,
        );
      }
      return runReply(found);
    },
  );
}
