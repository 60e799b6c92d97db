/**
 * `GET /admin/v1/experiments/{id}/results`: per variant, the exposed users and each
 * metric's totals and mean; then analyzeExperiment's analysis of them (the sample ratio
 * check and its warning, each treatment against the control per metric, and the
 * decision guidance: significant, not-yet, inconclusive). Events received before the
 * request are applied and committed first, so the results include them.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { banditResults, banditStateFromTotals, experimentResults } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { route, type WorkspaceOf } from '../admin/segments-requests.js';
import { BanditResultsReply } from './bandit-results-reply.js';
import { ExperimentParams, experimentNotFound } from './experiment-requests.js';

const MetricResult = Type.Object({
  n: Type.Integer({ description: 'Exposed users of the variant.' }),
  sum: Type.Number({ description: 'Conversions (conversion, step) or the sum of values.' }),
  sumSq: Type.Number(),
  mean: Type.Union([Type.Number(), Type.Null()], {
    description: 'The conversion rate or mean per user; null without users.',
  }),
});

const ResultsReply = Type.Object({
  version: Type.Integer({ description: 'The config version the results are read under.' }),
  experiment: Type.String(),
  status: Type.String(),
  control: Type.String(),
  variants: Type.Array(
    Type.Object({
      id: Type.String(),
      weight: Type.Number(),
      users: Type.Integer(),
      metrics: Type.Record(Type.String(), MetricResult),
    }),
  ),
  analysis: Type.Optional(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'A/B: analyzeExperiment (docs/experiments-statistics.md): ok, controlId, options, sampleRatio, warnings (sample-ratio-mismatch), metrics[] with comparisons and guidance. Not for a bandit (its split is not random over time).',
      },
    ),
  ),
  kind: Type.Optional(Type.Literal('bandit')),
  bandit: Type.Optional(BanditResultsReply),
});
export type ResultsReply = Static<typeof ResultsReply>;

export function registerExperimentResultsRoute(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
): void {
  admin.get<{ Params: ExperimentParams }>(
    '/experiments/:id/results',
    route(
      'experiments',
      'Results per variant and metric, with the SRM check and the decision guidance',
      { 200: ResultsReply },
      { params: ExperimentParams },
    ),
    async (request) => {
      const workspaceId = workspaceOf(request).workspace.id;
      const totals = await engine.experimentTotals(workspaceId, request.params.id);
      // Read after the totals: the version whose metrics and variants the answer names.
      const runtime = engine.workspaceById(workspaceId) ?? workspaceOf(request);
      const experiment = runtime.rules.experiments.byId.get(request.params.id);
      if (experiment === undefined) throw experimentNotFound(request.params.id);
      const version = runtime.rules.version;
      if (experiment.bandit !== undefined) {
        const { analysis: _ignored, ...results } = experimentResults(experiment, totals);
        const state = engine.banditState(workspaceId, experiment.id);
        const live = state ?? banditStateFromTotals(experiment.bandit.policy, totals);
        return {
          version,
          ...results,
          kind: 'bandit' as const,
          bandit: banditResults(experiment, live),
        };
      }
      return { version, ...experimentResults(experiment, totals) };
    },
  );
}
