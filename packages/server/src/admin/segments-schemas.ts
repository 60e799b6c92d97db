/**
 * TypeBox schemas of the segments, cohorts and clusterings admin API: they
 * validate requests, serialize responses (times in ISO 8601) and document the
 * routes in OpenAPI.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ClusteringSchema, CohortSchema, SegmentSchema } from '@onramp/core';
import { BaseVersion } from './rules-schemas.js';

/** The most definitions of one kind a request may carry (the body limit bounds their size). */
export const MAX_DEFINITIONS = 1000;

const IsoTime = Type.String({ format: 'date-time' });
const idPattern = SegmentSchema.properties.id.pattern ?? '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$';
const idBody = idPattern.slice(1, -1);

const DefinitionId = Type.String({
  pattern: idPattern,
  description: 'Letters, digits, "_", "-" and "."; at most 100 characters.',
});
/** A segment id, or a cohort band's membership id `cohort:band`. */
const MembershipId = Type.String({
  pattern: `^${idBody}(:${idBody})?$`,
  description: 'A segment id, or a cohort band as `cohort:band`.',
});

export const DefinitionParams = Type.Object({ id: DefinitionId });
export type DefinitionParams = Static<typeof DefinitionParams>;
export const MembershipParams = Type.Object({ id: MembershipId });
export type MembershipParams = Static<typeof MembershipParams>;

const ProfileKind = Type.Unsafe<'user' | 'anonymous' | 'profile'>({
  type: 'string',
  enum: ['user', 'anonymous', 'profile'],
  description: 'How `key` names the profile: a userId, an anonymousId, or the internal profile id.',
});
export const ProfileMembershipParams = Type.Object({
  id: MembershipId,
  kind: ProfileKind,
  key: Type.String({ minLength: 1, maxLength: 200 }),
});
export type ProfileMembershipParams = Static<typeof ProfileMembershipParams>;

export const MembersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    after: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The `nextAfter` of the previous page (a profile id).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MembersQuery = Static<typeof MembersQuery>;

const TimeParam = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'ISO 8601 (2026-01-31T09:00:00Z) or milliseconds since the epoch.',
});
export const SizesQuery = Type.Object(
  {
    from: Type.Optional(TimeParam),
    to: Type.Optional(TimeParam),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1440 }),
  },
  { additionalProperties: false },
);
export type SizesQuery = Static<typeof SizesQuery>;

export const NoQuery = Type.Object({}, { additionalProperties: false });
export type NoQuery = Static<typeof NoQuery>;

// Edits of segments, cohorts and clusterings take the same version checks as rules.
export { EditQuery, IfMatchHeaders } from './rules-schemas.js';

/** May be absent: the route reads no body as `{}`. */
export const BackfillBody = Type.Object(
  {
    segments: Type.Optional(
      Type.Array(DefinitionId, {
        minItems: 1,
        maxItems: MAX_DEFINITIONS,
        description: 'Segments to evaluate again; all when absent.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type BackfillBody = Static<typeof BackfillBody>;

export const VersionFields = {
  version: Type.Integer({ description: '0 when no config was ever published.' }),
  createdAt: Type.Optional(IsoTime),
  source: Type.Optional(Type.Union([Type.Literal('file'), Type.Literal('api')])),
  fileDigest: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
};

/** The request and reply schemas of one kind of definition's config routes. */
export interface PartSchemas {
  definition: TSchema;
  replaceBody: TSchema;
  config: TSchema;
  one: TSchema;
}

/** The schemas of one kind of definition's routes: `part` names the list, `singular` one. */
export function partSchemas(part: string, singular: string, definition: TSchema): PartSchemas {
  return {
    definition,
    replaceBody: Type.Object(
      {
        [part]: Type.Array(definition, { maxItems: MAX_DEFINITIONS }),
        note: Type.Optional(Type.String({ maxLength: 500 })),
        baseVersion: Type.Optional(BaseVersion),
      },
      { additionalProperties: false },
    ),
    config: Type.Object({ ...VersionFields, [part]: Type.Array(definition) }),
    one: Type.Object({ version: Type.Integer(), [singular]: definition }),
  };
}

export const SegmentSchemas = partSchemas('segments', 'segment', SegmentSchema);
export const CohortSchemas = partSchemas('cohorts', 'cohort', CohortSchema);
export const ClusteringSchemas = partSchemas('clusterings', 'clustering', ClusteringSchema);

export const MembersPage = Type.Object({
  members: Type.Array(
    Type.Object({
      profileId: Type.String(),
      userId: Type.Optional(Type.String()),
      since: IsoTime,
    }),
  ),
  nextAfter: Type.Optional(
    Type.String({ description: 'Pass as `after` for the next page; absent on the last.' }),
  ),
});
export const MembershipReply = Type.Object({
  segment: Type.String(),
  profileId: Type.String(),
  member: Type.Boolean(),
  since: Type.Optional(IsoTime),
});
export const SizeReply = Type.Object({
  segment: Type.String(),
  size: Type.Integer(),
  version: Type.Integer({ description: 'The config version it is counted under.' }),
});
export const SizesReply = Type.Object({
  segment: Type.String(),
  from: IsoTime,
  to: IsoTime,
  samples: Type.Array(Type.Object({ at: IsoTime, size: Type.Integer() }), {
    description: 'Oldest first, one per sampling interval (60 s by default).',
  }),
});

export const PassReply = Type.Object({
  id: Type.Integer(),
  kind: Type.Union(
    ['backfill', 'rank', 'reband', 'rebuild', 'label', 'sample'].map((kind) => Type.Literal(kind)),
  ),
  reason: Type.String(),
  version: Type.Integer({ description: 'The config version it was queued under.' }),
  segments: Type.Optional(Type.Array(Type.String())),
  cohorts: Type.Optional(Type.Array(Type.String())),
  clustering: Type.Optional(Type.String()),
  state: Type.Union(
    ['queued', 'running', 'done', 'failed', 'cancelled'].map((state) => Type.Literal(state)),
  ),
  total: Type.Integer({ description: 'Profiles in the workspace when it started (an estimate).' }),
  scanned: Type.Integer(),
  changed: Type.Integer(),
  entered: Type.Integer(),
  exited: Type.Integer(),
  queuedAt: IsoTime,
  startedAt: Type.Optional(IsoTime),
  finishedAt: Type.Optional(IsoTime),
  rate: Type.Optional(Type.Number({ description: 'Profiles per second so far.' })),
  error: Type.Optional(Type.String()),
});
export const PassesReply = Type.Object({
  passes: Type.Array(PassReply, {
    description: 'Running and queued passes first, then recent finished ones, newest first.',
  }),
});

export const CohortStatusReply = Type.Object({
  cohortId: Type.String(),
  metric: Type.String(),
  size: Type.Integer({ description: 'Profiles with a value of the metric.' }),
  churn: Type.Number({ description: 'Removed values / size since the last sketch rebuild.' }),
  ready: Type.Boolean({ description: 'False until the first rank pass has filled the sketch.' }),
  rebuilding: Type.Boolean(),
  thresholds: Type.Array(Type.Number(), {
    description: 'Metric values at the band boundaries, top first.',
  }),
  drift: Type.Number({ description: 'Largest move, in rank, of a boundary since the re-band.' }),
  bands: Type.Array(
    Type.Object({
      id: Type.String(),
      membership: Type.String({ description: 'The membership id: `cohort:band`.' }),
      percent: Type.Number(),
      size: Type.Integer(),
    }),
  ),
});

export const RunParams = Type.Object({
  id: DefinitionId,
  run: Type.String({
    pattern: '^(latest|[1-9][0-9]{0,14})$',
    description: 'A run number, or `latest`.',
  }),
});
export type RunParams = Static<typeof RunParams>;
export const RunsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
    before: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The `nextBefore` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type RunsQuery = Static<typeof RunsQuery>;
export const RunNowQuery = Type.Object(
  {
    trigger: Type.Union([Type.Literal('api'), Type.Literal('cli')], {
      default: 'api',
      description: 'Who asked for the run (the CLI sends `cli`).',
    }),
  },
  { additionalProperties: false },
);
export type RunNowQuery = Static<typeof RunNowQuery>;

export const ClusterRunReply = Type.Object({
  clusteringId: Type.String(),
  run: Type.Integer(),
  configVersion: Type.Integer(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('api'), Type.Literal('cli')]),
  startedAt: IsoTime,
  finishedAt: IsoTime,
  status: Type.Union([Type.Literal('done'), Type.Literal('failed')]),
  error: Type.Optional(Type.String()),
  sampled: Type.Integer({ description: 'Profiles in the training sample.' }),
  population: Type.Integer({ description: 'Profiles in the workspace when it ran.' }),
  features: Type.Array(Type.String()),
  k: Type.Integer({ description: 'The chosen k (0 when failed).' }),
  candidates: Type.Array(
    Type.Object({
      k: Type.Integer(),
      silhouette: Type.Union([Type.Number(), Type.Null()]),
      inertia: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  model: Type.Optional(
    Type.Object({
      trainedAt: IsoTime,
      offsets: Type.Array(Type.Number()),
      scales: Type.Array(Type.Number()),
      centroids: Type.Array(Type.Array(Type.Number()), { description: 'In scaled units.' }),
      labels: Type.Array(Type.String()),
    }),
  ),
  clusters: Type.Array(
    Type.Object({
      label: Type.String(),
      size: Type.Integer(),
      share: Type.Number(),
      centroid: Type.Record(Type.String(), Type.Number(), {
        description: 'By feature, in original units.',
      }),
      distinguishing: Type.Array(
        Type.Object({
          feature: Type.String(),
          clusterMean: Type.Number(),
          populationMean: Type.Number(),
          z: Type.Number(),
        }),
      ),
    }),
  ),
});
export const ClusterRunsReply = Type.Object({
  runs: Type.Array(ClusterRunReply, { description: 'Newest first.' }),
  nextBefore: Type.Optional(Type.Integer()),
});
