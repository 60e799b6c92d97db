import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine, ProfileLookup } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { authenticateAdmin } from './admin-auth.js';
import { registerAudienceConfigRoutes } from './audience-config-routes.js';
import { registerClusteringRoutes } from './clustering-routes.js';
import { createConfigPublisher, type ConfigPublisher } from './config-publisher.js';
import { checkDepth, compileValidator } from './rules-requests.js';
import {
  iso,
  passReply,
  periodOf,
  requireMembership,
  route,
  runtimeOf,
  type WorkspaceOf,
} from './segments-requests.js';
import {
  BackfillBody,
  ClusteringSchemas,
  CohortSchemas,
  CohortStatusReply,
  DefinitionParams,
  MembersPage,
  MembersQuery,
  MembershipParams,
  MembershipReply,
  NoQuery,
  PassReply,
  PassesReply,
  ProfileMembershipParams,
  SegmentSchemas,
  SizeReply,
  SizesQuery,
  SizesReply,
} from './segments-schemas.js';

/**
 * The segments, cohorts and clusterings admin API under /admin/v1: their
 * versioned config (published with the rules, through the same `publisher`),
 * segment membership and size, background passes, cohort status and clustering
 * runs. Every route reads the workspace of the admin key, and only it.
 */
export async function registerSegmentsRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await app.register(
    async (admin) => {
      const workspaceOf = authenticateAdmin(admin, engine);
      admin.setValidatorCompiler(compileValidator);
      admin.addHook('preValidation', async (request) => checkDepth(request.body));
      registerPassRoutes(admin, engine, workspaceOf);
      registerAudienceConfigRoutes(admin, engine, workspaceOf, publisher, {
        part: 'segments',
        singular: 'segment',
        schemas: SegmentSchemas,
        reserved: ['passes', 'backfill'],
      });
      registerAudienceConfigRoutes(admin, engine, workspaceOf, publisher, {
        part: 'cohorts',
        singular: 'cohort',
        schemas: CohortSchemas,
      });
      registerAudienceConfigRoutes(admin, engine, workspaceOf, publisher, {
        part: 'clusterings',
        singular: 'clustering',
        schemas: ClusteringSchemas,
      });
      registerMembershipRoutes(admin, engine, workspaceOf);
      registerCohortRoutes(admin, engine, workspaceOf);
      registerClusteringRoutes(admin, engine, workspaceOf);
    },
    { prefix: '/admin/v1' },
  );
}

/** Who is in a segment (or cohort band), whether one profile is, and how many over time. */
function registerMembershipRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
): void {
  admin.get<{ Params: MembershipParams; Querystring: MembersQuery }>(
    '/segments/:id/members',
    route(
      'segments',
      'Members of a segment or cohort band, paged by profile id',
      { 200: MembersPage },
      {
        description: 'Reads committed membership after applying pending events.',
        params: MembershipParams,
        querystring: MembersQuery,
      },
    ),
    async (request) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      requireMembership(runtime, request.params.id);
      const { limit, after } = request.query;
      const page = await engine.segments.members(runtime.workspace.id, request.params.id, {
        limit,
        ...(after === undefined ? {} : { after }),
      });
      return {
        members: page.members.map((member) => ({ ...member, since: iso(member.since) })),
        ...(page.nextAfter === undefined ? {} : { nextAfter: page.nextAfter }),
      };
    },
  );

  admin.get<{ Params: ProfileMembershipParams; Querystring: NoQuery }>(
    '/segments/:id/members/:kind/:key',
    route(
      'segments',
      'Whether a profile is a member, and since when',
      { 200: MembershipReply },
      { params: ProfileMembershipParams, querystring: NoQuery },
    ),
    async (request) => {
      const { id, kind, key } = request.params;
      const runtime = runtimeOf(engine, workspaceOf, request);
      requireMembership(runtime, id);
      const lookup: ProfileLookup =
        kind === 'user'
          ? { userId: key }
          : kind === 'anonymous'
            ? { anonymousId: key }
            : { profileId: key };
      const found = await engine.segments.membership(runtime.workspace.id, id, lookup);
      if (found === undefined) {
        throw new OnrampError(
          'ONR_NOT_FOUND',
          `No profile with ${kind} id ${JSON.stringify(key)}.`,
        );
      }
      return {
        segment: id,
        profileId: found.profileId,
        member: found.member,
        ...(found.since === undefined ? {} : { since: iso(found.since) }),
      };
    },
  );

  admin.get<{ Params: MembershipParams; Querystring: NoQuery }>(
    '/segments/:id/size',
    route(
      'segments',
      'The current member count of a segment or cohort band',
      { 200: SizeReply },
      { params: MembershipParams, querystring: NoQuery },
    ),
    async (request) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      const { id } = request.params;
      requireMembership(runtime, id);
      const counts = await engine.segments.counts(runtime.workspace.id);
      return { segment: id, size: counts[id] ?? 0, version: runtime.ruleConfig.version };
    },
  );

  admin.get<{ Params: MembershipParams; Querystring: SizesQuery }>(
    '/segments/:id/sizes',
    route(
      'segments',
      'Size over time: the member count sampled on an interval, oldest first',
      { 200: SizesReply },
      {
        description:
          '`from` and `to` take ISO 8601 or epoch milliseconds; the last 24 h by default.',
        params: MembershipParams,
        querystring: SizesQuery,
      },
    ),
    async (request) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      const { id } = request.params;
      requireMembership(runtime, id);
      const period = periodOf(request.query, engine.clock.now());
      const samples = await engine.segments.sizes(runtime.workspace.id, id, {
        ...period,
        limit: request.query.limit,
      });
      return {
        segment: id,
        from: iso(period.from),
        to: iso(period.to),
        samples: samples.map(({ at, size }) => ({ at: iso(at), size })),
      };
    },
  );
}

/** Background passes: their progress, and a back-fill on demand. */
function registerPassRoutes(admin: FastifyInstance, engine: Engine, workspaceOf: WorkspaceOf) {
  admin.post<{ Body: BackfillBody }>(
    '/segments/backfill',
    {
      ...route(
        'segments',
        'Evaluate segments (all when none are named) over every stored profile, in the background',
        { 202: PassReply },
        {
          description:
            'Returns the queued pass at once; follow it with GET /admin/v1/segments/passes. The body may be empty.',
          body: BackfillBody,
        },
      ),
      // No body (a bare POST) means every segment; Fastify would validate it as null.
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      const { segments } = request.body;
      segments?.forEach((id, index) => {
        if (runtime.rules.audiences.byId.has(id)) return;
        throw new OnrampError(
          'ONR_NOT_FOUND',
          `No segment ${JSON.stringify(id)} in config version ${runtime.ruleConfig.version}.`,
          [{ field: `segments.${index}`, message: 'is not a segment of the running config' }],
        );
      });
      const pass = engine.segments.backfill(
        runtime.workspace.id,
        segments === undefined ? undefined : [...new Set(segments)],
      );
      void reply.code(202);
      return passReply(pass);
    },
  );

  admin.get<{ Querystring: NoQuery }>(
    '/segments/passes',
    route(
      'segments',
      'Background passes (back-fill, rank, re-band, rebuild, label) and their progress',
      { 200: PassesReply },
      { querystring: NoQuery },
    ),
    async (request) => ({
      passes: engine.segments.passes(workspaceOf(request).workspace.id).map(passReply),
    }),
  );
}

function registerCohortRoutes(admin: FastifyInstance, engine: Engine, workspaceOf: WorkspaceOf) {
  admin.get<{ Params: DefinitionParams; Querystring: NoQuery }>(
    '/cohorts/:id/status',
    route(
      'cohorts',
      "A cohort's state: population, band thresholds and sizes, readiness, drift and churn",
      { 200: CohortStatusReply },
      { params: DefinitionParams, querystring: NoQuery },
    ),
    async (request) => {
      const runtime = runtimeOf(engine, workspaceOf, request);
      const report = await engine.segments.cohort(runtime.workspace.id, request.params.id);
      if (report === undefined) {
        throw new OnrampError(
          'ONR_NOT_FOUND',
          `No cohort ${JSON.stringify(request.params.id)} in config version ${runtime.ruleConfig.version}.`,
          [{ field: 'id', message: 'is not a cohort of the running config' }],
        );
      }
      return report;
    },
  );
}
