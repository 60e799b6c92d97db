import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StoredFiring } from '@onramp/core';
import type { Engine, ProfileLookup, WorkspaceRuntime } from '../engine/engine.js';
import { OnrampError } from '../http/errors.js';
import { asRuleError, common, errors, schema, wholeSet } from './rules-requests.js';
import {
  DryRunBody,
  DryRunReply,
  FiringsPage,
  PageQuery,
  SimulateBody,
  SimulationReply,
} from './rules-schemas.js';

/** Dry run, simulation and each profile's firings: the rules' read-only tools. */
export function registerRuleToolRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: (request: FastifyRequest) => WorkspaceRuntime,
): void {
  admin.post<{ Body: DryRunBody }>(
    '/rules/dry-run',
    schema(
      'Which rules would fire for a profile (and an event), and why: each condition node with its value',
      { 200: DryRunReply },
      { body: DryRunBody },
    ),
    async (request) => {
      const { event, rules, settings, now } = request.body;
      const workspaceId = workspaceOf(request).workspace.id;
      const profile = profileOf(request.body);
      if (
        !('document' in profile) &&
        (await engine.getProfile(workspaceId, profile)) === undefined
      ) {
        const [kind, id] = Object.entries(profile)[0] ?? [];
        throw new OnrampError('ONR_NOT_FOUND', `No profile with ${kind} ${JSON.stringify(id)}.`, [
          { field: kind ?? 'userId', message: 'no such profile' },
        ]);
      }
      return engine.rules
        .dryRun(workspaceId, {
          profile,
          ...(event === undefined ? {} : { event }),
          ...(rules === undefined ? {} : { rules }),
          ...(settings === undefined ? {} : { settings }),
          ...(now === undefined ? {} : { now: Date.parse(now) }),
        })
        .catch((error: unknown) => {
          throw asRuleError(error, wholeSet);
        });
    },
  );

  admin.post<{ Body: SimulateBody }>(
    '/rules/simulate',
    schema(
      'Replay logged events of a period against draft rules, with no side effects',
      { 200: SimulationReply },
      { body: SimulateBody },
    ),
    async (request) => {
      const { from, to, rules, settings, sample, maxEvents } = request.body;
      const period = { from: Date.parse(from), to: Date.parse(to) };
      if (period.from >= period.to) {
        throw new OnrampError('ONR_VALIDATION', 'to must be after from.', [
          { field: 'to', message: 'must be after from' },
        ]);
      }
      return engine.rules
        .simulate(workspaceOf(request).workspace.id, {
          ...period,
          rules,
          ...(settings === undefined ? {} : { settings }),
          ...(sample === undefined ? {} : { sample }),
          ...(maxEvents === undefined ? {} : { maxEvents }),
        })
        .catch((error: unknown) => {
          throw asRuleError(error, wholeSet);
        });
    },
  );
  registerFiringsRoute(admin, engine, workspaceOf);
}

const ProfileKind = {
  type: 'string',
  enum: ['user', 'anonymous', 'profile'],
  description: 'How `id` names the profile: a userId, an anonymousId, or the internal profile id.',
} as const;
interface ProfileParams {
  kind: 'user' | 'anonymous' | 'profile';
  id: string;
}

function registerFiringsRoute(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: (request: FastifyRequest) => WorkspaceRuntime,
): void {
  admin.get<{ Params: ProfileParams; Querystring: PageQuery }>(
    '/profiles/:kind/:id/firings',
    {
      schema: {
        ...common,
        summary: "A profile's rule firings, newest first: rule, version, time, cause, actions",
        params: {
          type: 'object',
          properties: { kind: ProfileKind, id: { type: 'string', minLength: 1 } },
          required: ['kind', 'id'],
        },
        querystring: PageQuery,
        response: { 200: FiringsPage, ...errors },
      },
    },
    async (request) => {
      const { kind, id } = request.params;
      const { limit, before } = request.query;
      const lookup: ProfileLookup =
        kind === 'user'
          ? { userId: id }
          : kind === 'anonymous'
            ? { anonymousId: id }
            : { profileId: id };
      const firings = await engine.rules.firings(workspaceOf(request).workspace.id, lookup, {
        limit: limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      if (firings === undefined) {
        throw new OnrampError('ONR_NOT_FOUND', `No profile with ${kind} id ${JSON.stringify(id)}.`);
      }
      const page = firings.slice(0, limit);
      const last = page[page.length - 1];
      return {
        firings: page.map(firingReply),
        ...(firings.length > limit && last !== undefined ? { nextBefore: last.id } : {}),
      };
    },
  );
}

function firingReply({ id, firing }: StoredFiring) {
  const { ruleId, version, at, cause, actions } = firing;
  return { id, ruleId, version, at: new Date(at).toISOString(), cause, actions };
}

function profileOf(body: DryRunBody):
  | { userId: string }
  | { anonymousId: string }
  | {
      profileId: string;
    }
  | { document: unknown } {
  const given = (['userId', 'anonymousId', 'profileId', 'profile'] as const).filter(
    (field) => body[field] !== undefined,
  );
  if (given.length !== 1) {
    const message = 'give exactly one of userId, anonymousId, profileId or profile';
    throw new OnrampError('ONR_VALIDATION', `${message}.`, [
      { field: given.length === 0 ? 'userId' : (given[1] ?? 'profile'), message },
    ]);
  }
  if (body.userId !== undefined) return { userId: body.userId };
  if (body.anonymousId !== undefined) return { anonymousId: body.anonymousId };
  if (body.profileId !== undefined) return { profileId: body.profileId };
  return { document: body.profile };
}
