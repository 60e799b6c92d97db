/**
 * How the segments, cohorts, clusterings and content routes read requests and shape
 * replies: route options (tag, admin key, error replies, body limit), times in
 * and out, the running config's ids, and If-Match.
 */
import type { FastifyRequest, FastifySchema } from 'fastify';
import type { ClusterRun, RuleConfigVersion } from '@onramp/core';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import type { PassProgress } from '../segments/background-passes.js';
import { OnrampError } from '../http/errors.js';
import type { ListPart } from './config-publisher.js';
import { errors, ifMatch } from './rules-requests.js';
import type { EditQuery, IfMatchHeaders } from './segments-schemas.js';

/** Definitions are small; this bounds what a request may make the compiler chew on. */
const BODY_LIMIT = 2 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The OpenAPI tag of a route: its part of the config (content, placements and flows use 'content'). */
export type Tag = ListPart | 'flags' | 'experiments';
export type WorkspaceOf = (request: FastifyRequest) => WorkspaceRuntime;

/** Route options: the schema (tag, admin key, summary, error replies) and the body limit. */
export function route(
  tag: Tag,
  summary: string,
  replies: Record<number, unknown>,
  parts: Omit<FastifySchema, 'response'> = {},
): { schema: FastifySchema; bodyLimit: number } {
  return {
    schema: {
      tags: [tag],
      security: [{ adminKey: [] }],
      summary,
      ...parts,
      response: { ...replies, ...errors },
    },
    bodyLimit: BODY_LIMIT,
  };
}

/** The running config of the request's workspace (the newest, should one be published meanwhile). */
export function runtimeOf(engine: Engine, workspaceOf: WorkspaceOf, request: FastifyRequest) {
  const runtime = workspaceOf(request);
  return engine.workspaceById(runtime.workspace.id) ?? runtime;
}

/** 404 unless `id` is a segment or cohort band (`cohort:band`) of the running config. */
export function requireMembership(runtime: WorkspaceRuntime, id: string, field = 'id'): void {
  if (runtime.rules.audiences.memberships.has(id)) return;
  throw new OnrampError(
    'ONR_NOT_FOUND',
    `No segment or cohort band ${JSON.stringify(id)} in config version ${runtime.ruleConfig.version}.`,
    [{ field, message: 'is not a segment or cohort band of the running config' }],
  );
}

/** A query time: ISO 8601 or milliseconds since the epoch. */
export function timeOf(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined) return fallback;
  const time = /^\d{1,15}$/.test(text)
    ? Number(text)
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isNaN(time)) {
    const message = 'must be an ISO 8601 time or milliseconds since the epoch';
    throw new OnrampError('ONR_VALIDATION', `${field} ${message}.`, [{ field, message }]);
  }
  return time;
}

/** The period of a size-over-time query: the last 24 hours by default. */
export function periodOf(query: { from?: string; to?: string }, now: number) {
  const to = timeOf(query.to, 'querystring.to', now);
  const from = timeOf(query.from, 'querystring.from', to - DAY_MS);
  if (from >= to) {
    throw new OnrampError('ONR_VALIDATION', 'querystring.to must be after from.', [
      { field: 'querystring.to', message: 'must be after from' },
    ]);
  }
  return { from, to };
}

export const iso = (time: number): string => new Date(time).toISOString();

export function metadataOf({ version, createdAt, source, fileDigest, note }: RuleConfigVersion) {
  return {
    version,
    ...(version === 0 ? {} : { createdAt: iso(createdAt), source }),
    ...(fileDigest === undefined ? {} : { fileDigest }),
    ...(note === undefined ? {} : { note }),
  };
}

/** A pass's progress with ISO times (a snapshot: the record goes on changing). */
export function passReply(pass: PassProgress) {
  const { workspaceId: _workspace, queuedAt, startedAt, finishedAt, ...rest } = pass;
  return {
    ...rest,
    queuedAt: iso(queuedAt),
    ...(startedAt === undefined ? {} : { startedAt: iso(startedAt) }),
    ...(finishedAt === undefined ? {} : { finishedAt: iso(finishedAt) }),
  };
}

/** A clustering run with ISO times; a non-finite score (a degenerate k) as null. */
export function runReply(run: ClusterRun) {
  const { workspaceId: _workspace, startedAt, finishedAt, model, candidates, ...rest } = run;
  return {
    ...rest,
    startedAt: iso(startedAt),
    finishedAt: iso(finishedAt),
    candidates: candidates.map((c) => ({
      k: c.k,
      silhouette: finite(c.silhouette),
      inertia: finite(c.inertia),
    })),
    ...(model === undefined
      ? {}
      : {
          model: {
            trainedAt: iso(model.trainedAt),
            offsets: model.offsets,
            scales: model.scales,
            centroids: model.centroids,
            labels: model.labels,
          },
        }),
  };
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The base version an edit names: `?baseVersion=` or `If-Match`. */
export function baseOf(
  request: FastifyRequest<{ Querystring: EditQuery; Headers: IfMatchHeaders }>,
): { base?: number } {
  const base = request.query.baseVersion ?? ifMatch(request.headers['if-match']);
  return base === undefined ? {} : { base };
}

/** The running config's clustering `id`, or 404. */
export function requireClustering(runtime: WorkspaceRuntime, id: string): void {
  if (runtime.rules.audiences.clusterings.some((job) => job.id === id)) return;
  throw new OnrampError(
    'ONR_NOT_FOUND',
    `No clustering ${JSON.stringify(id)} in config version ${runtime.ruleConfig.version}.`,
    [{ field: 'id', message: 'is not a clustering of the running config' }],
  );
}
