import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RuleConfigVersion, RuleDefinition } from '@onramp/core';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import { defaultContentSettings } from '../engine/compile-config-version.js';
import { OnrampError } from '../http/errors.js';
import { authenticateAdmin } from './admin-auth.js';
import {
  createConfigPublisher,
  type ConfigEdit,
  type ConfigPublisher,
  type PublishOptions,
} from './config-publisher.js';
import { checkDepth, compileValidator, ifMatch, oneRule, schema } from './rules-requests.js';
import {
  EditQuery,
  IfMatchHeaders,
  OneRule,
  PageQuery,
  ReplaceRulesBody,
  Rule,
  RuleConfig,
  RuleIdParams,
  VersionParams,
  VersionsPage,
} from './rules-schemas.js';
import { registerRuleToolRoutes } from './rules-tool-routes.js';

type WorkspaceOf = (request: FastifyRequest) => WorkspaceRuntime;
type Publish = (
  request: FastifyRequest,
  edit: ConfigEdit,
  options: PublishOptions,
) => Promise<RuleConfigVersion>;

/**
 * The rules admin API under /admin/v1: versioned rule config (list, read, create,
 * replace, delete, replace all), its history, dry runs, simulations and each
 * profile's firings. Every change publishes a new version through engine.rules,
 * by `publisher` (shared with the segments routes, so edits of one workspace queue).
 */
export async function registerRulesRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await app.register(
    async (admin) => {
      const workspaceOf = authenticateAdmin(admin, engine);
      admin.setValidatorCompiler(compileValidator);
      admin.addHook('preValidation', async (request) => checkDepth(request.body));
      const publish: Publish = (request, edit, options) =>
        publisher(workspaceOf(request).workspace.id, edit, options);
      registerReadRoutes(admin, engine, workspaceOf);
      registerSetRoutes(admin, publish);
      registerRestoreRoute(admin, engine, workspaceOf, publish);
      registerRuleRoutes(admin, publish);
      registerRuleToolRoutes(admin, engine, workspaceOf);
    },
    { prefix: '/admin/v1' },
  );
}

/** The running version, one rule, and the history. */
function registerReadRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
): void {
  admin.get(
    '/rules',
    schema('The published rules and settings (ETag: the version)', { 200: RuleConfig }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      void reply.header('etag', `"${current.version}"`);
      return configReply(current);
    },
  );

  admin.get<{ Querystring: PageQuery }>(
    '/rules/versions',
    schema(
      'Published versions, newest first (paged by version)',
      { 200: VersionsPage },
      { querystring: PageQuery },
    ),
    async (request) => {
      const { limit, before } = request.query;
      const versions = await engine.rules.versions(workspaceOf(request).workspace.id, {
        limit: limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      const page = versions.slice(0, limit);
      const last = page[page.length - 1];
      return {
        versions: page.map((version) => ({
          ...metadataOf(version),
          ruleCount: version.rules.length,
        })),
        ...(versions.length > limit && last !== undefined ? { nextBefore: last.version } : {}),
      };
    },
  );

  admin.get<{ Params: VersionParams }>(
    '/rules/versions/:version',
    schema(
      'One published version, rules included',
      { 200: RuleConfig },
      {
        params: VersionParams,
      },
    ),
    async (request) => {
      const { version } = request.params;
      const found = await engine.rules.version(workspaceOf(request).workspace.id, version);
      if (found === undefined) {
        throw new OnrampError('ONR_NOT_FOUND', `No rule config version ${version}.`);
      }
      return configReply(found);
    },
  );

  admin.get<{ Params: RuleIdParams }>(
    '/rules/:id',
    schema('One published rule', { 200: OneRule }, { params: RuleIdParams }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      const rule = current.rules.find((candidate) => candidate.id === request.params.id);
      if (rule === undefined) throw ruleNotFound(request.params.id);
      void reply.header('etag', `"${current.version}"`);
      return { version: current.version, rule };
    },
  );
}

/** The whole set at once. */
function registerSetRoutes(admin: FastifyInstance, publish: Publish): void {
  admin.put<{ Body: ReplaceRulesBody; Headers: IfMatchHeaders }>(
    '/rules',
    schema(
      'Replace every rule (and the settings): publishes a new version',
      { 200: RuleConfig },
      { body: ReplaceRulesBody, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const { rules, settings, note, baseVersion } = request.body;
      const base = baseVersion ?? ifMatch(request.headers['if-match']);
      const published = await publish(
        request,
        (current) => ({ rules, settings: settings ?? current.settings }),
        { ...(base === undefined ? {} : { base }), ...(note === undefined ? {} : { note }) },
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}

/** Rollback: an earlier version (rules, settings, segments, content…) published again as a new one. */
function registerRestoreRoute(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publish: Publish,
): void {
  admin.post<{ Params: VersionParams; Querystring: EditQuery; Headers: IfMatchHeaders }>(
    '/rules/versions/:version/restore',
    schema(
      'Publish an earlier version again (rollback): a new version with its rules, settings, segments, cohorts, clusterings, content, placements, flows, content settings, flags and experiments',
      { 200: RuleConfig },
      { params: VersionParams, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const { version } = request.params;
      const old = await engine.rules.version(workspaceOf(request).workspace.id, version);
      if (old === undefined) {
        throw new OnrampError('ONR_NOT_FOUND', `No rule config version ${version}.`);
      }
      const published = await publish(
        request,
        () => ({
          rules: old.rules,
          settings: old.settings,
          segments: old.segments ?? [],
          cohorts: old.cohorts ?? [],
          clusterings: old.clusterings ?? [],
          content: old.content ?? [],
          placements: old.placements ?? [],
          flows: old.flows ?? [],
          contentSettings: old.contentSettings ?? defaultContentSettings(),
          flags: old.flags ?? [],
          experiments: old.experiments ?? [],
        }),
        { ...baseOf(request), note: `restored version ${version}` },
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}

/** One rule at a time: create, replace, delete. */
function registerRuleRoutes(admin: FastifyInstance, publish: Publish): void {
  admin.post<{ Body: RuleDefinition; Querystring: EditQuery; Headers: IfMatchHeaders }>(
    '/rules',
    schema(
      'Create a rule (appended: lowest precedence among equal priorities); 409 if the id exists',
      { 201: OneRule },
      { body: Rule, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const rule = request.body;
      let index = 0;
      const published = await publish(
        request,
        (current) => {
          if (current.rules.some((existing) => existing.id === rule.id)) {
            throw new OnrampError('ONR_RULE_EXISTS', `A rule with id "${rule.id}" exists.`, [
              { field: 'id', message: 'is already used by another rule' },
            ]);
          }
          index = current.rules.length;
          return { rules: [...current.rules, rule] };
        },
        { ...baseOf(request), fieldOf: oneRule(() => index) },
      );
      void reply.code(201).header('etag', `"${published.version}"`);
      return { version: published.version, rule };
    },
  );

  admin.put<{
    Params: RuleIdParams;
    Body: RuleDefinition;
    Querystring: EditQuery;
    Headers: IfMatchHeaders;
  }>(
    '/rules/:id',
    schema(
      'Replace a rule (same position); 404 if unknown',
      { 200: OneRule },
      { params: RuleIdParams, body: Rule, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const rule = request.body;
      const { id } = request.params;
      if (rule.id !== id) {
        throw new OnrampError('ONR_VALIDATION', `id must be "${id}", the id in the path.`, [
          { field: 'id', message: `must be "${id}", the id in the path` },
        ]);
      }
      let index = 0;
      const published = await publish(
        request,
        (current) => {
          index = indexOf(current, id);
          return { rules: current.rules.map((old, i) => (i === index ? rule : old)) };
        },
        { ...baseOf(request), fieldOf: oneRule(() => index) },
      );
      void reply.header('etag', `"${published.version}"`);
      return { version: published.version, rule };
    },
  );

  admin.delete<{ Params: RuleIdParams; Querystring: EditQuery; Headers: IfMatchHeaders }>(
    '/rules/:id',
    schema(
      'Delete a rule; 404 if unknown',
      { 200: RuleConfig },
      { params: RuleIdParams, querystring: EditQuery, headers: IfMatchHeaders },
    ),
    async (request, reply) => {
      const { id } = request.params;
      const published = await publish(
        request,
        (current) => {
          const index = indexOf(current, id);
          return { rules: current.rules.filter((_rule, i) => i !== index) };
        },
        baseOf(request),
      );
      void reply.header('etag', `"${published.version}"`);
      return configReply(published);
    },
  );
}

function configReply(version: RuleConfigVersion) {
  return { ...metadataOf(version), rules: version.rules, settings: version.settings };
}

function metadataOf({ version, createdAt, source, fileDigest, note }: RuleConfigVersion) {
  return {
    version,
    ...(version === 0 ? {} : { createdAt: new Date(createdAt).toISOString(), source }),
    ...(fileDigest === undefined ? {} : { fileDigest }),
    ...(note === undefined ? {} : { note }),
  };
}

function indexOf(current: RuleConfigVersion, id: string): number {
  const index = current.rules.findIndex((rule) => rule.id === id);
  if (index < 0) throw ruleNotFound(id);
  return index;
}

function ruleNotFound(id: string): OnrampError {
  return new OnrampError('ONR_NOT_FOUND', `No rule with id ${JSON.stringify(id)}.`);
}

function baseOf(request: FastifyRequest<{ Querystring: EditQuery; Headers: IfMatchHeaders }>): {
  base?: number;
} {
  const base = request.query.baseVersion ?? ifMatch(request.headers['if-match']);
  return base === undefined ? {} : { base };
}
