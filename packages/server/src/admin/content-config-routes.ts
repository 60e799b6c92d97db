import type { FastifyInstance } from 'fastify';
import type { ContentSettings, RuleConfigVersion } from '@onramp/core';
import type { Engine } from '../engine/engine.js';
import { defaultContentSettings } from '../engine/compile-config-version.js';
import { authenticateAdmin } from './admin-auth.js';
import { registerAudienceConfigRoutes, type AudienceConfigPart } from './audience-config-routes.js';
import {
  contentSettingsField,
  createConfigPublisher,
  type ConfigPublisher,
} from './config-publisher.js';
import {
  ContentSchemas,
  ContentSettingsBody,
  ContentSettingsReply,
  FlowSchemas,
  PlacementSchemas,
} from './content-schemas.js';
import { checkDepth, compileValidator } from './rules-requests.js';
import { baseOf, metadataOf, route, type WorkspaceOf } from './segments-requests.js';
import { EditQuery, IfMatchHeaders } from './segments-schemas.js';

const referred =
  'A 400 names every part of the config that still refers to it (a placement default, a rule’s decide action, a flow step…), and nothing is published.';

/** Content, placements and flows: each a list in the config version, edited like segments. */
const parts: AudienceConfigPart[] = [
  {
    part: 'content',
    singular: 'content',
    noun: 'content item',
    tag: 'content',
    schemas: ContentSchemas,
    notes: {
      replace:
        'Rules, placements, flows and the other parts stay as they are; all are compiled together (templates, locales, references).',
      delete: referred,
    },
  },
  {
    part: 'placements',
    singular: 'placement',
    tag: 'content',
    schemas: PlacementSchemas,
    notes: {
      replace:
        'Rules, content, flows and the other parts stay as they are; all are compiled together.',
      delete: referred,
    },
  },
  {
    part: 'flows',
    singular: 'flow',
    tag: 'content',
    schemas: FlowSchemas,
    notes: {
      replace:
        'Rules, content, placements and the other parts stay as they are; all are compiled together (conditions, events, step references).',
      delete: referred,
    },
  },
];

type SettingsEdit = { Querystring: EditQuery; Headers: IfMatchHeaders };

/**
 * The content admin API under /admin/v1: content, placements, flows (read all,
 * replace all, create, read one, create-or-replace one, delete one) and the content
 * settings (read, replace). They are part of the versioned config: every change
 * publishes a new version through `publisher` (shared with the rules and segments
 * routes, so edits of one workspace queue), returned with its number as the ETag.
 */
export async function registerContentRoutes(
  app: FastifyInstance,
  engine: Engine,
  publisher: ConfigPublisher = createConfigPublisher(engine),
): Promise<void> {
  await app.register(
    async (admin) => {
      const workspaceOf = authenticateAdmin(admin, engine);
      admin.setValidatorCompiler(compileValidator);
      admin.addHook('preValidation', async (request) => checkDepth(request.body));
      for (const spec of parts) {
        registerAudienceConfigRoutes(admin, engine, workspaceOf, publisher, spec);
      }
      registerContentSettingsRoutes(admin, engine, workspaceOf, publisher);
    },
    { prefix: '/admin/v1' },
  );
}

/** GET and PUT /content-settings: the body is the settings object itself. */
function registerContentSettingsRoutes(
  admin: FastifyInstance,
  engine: Engine,
  workspaceOf: WorkspaceOf,
  publisher: ConfigPublisher,
): void {
  const settingsReply = (version: RuleConfigVersion) => ({
    ...metadataOf(version),
    contentSettings: version.contentSettings ?? defaultContentSettings(),
  });

  admin.get(
    '/content-settings',
    route('content', 'The published content settings (ETag: the config version)', {
      200: ContentSettingsReply,
    }),
    async (request, reply) => {
      const current = engine.rules.current(workspaceOf(request).workspace.id);
      void reply.header('etag', `"${current.version}"`);
      return settingsReply(current);
    },
  );

  admin.put<{ Body: ContentSettings } & SettingsEdit>(
    '/content-settings',
    route(
      'content',
      'Replace the content settings: publishes a new config version',
      { 200: ContentSettingsReply },
      {
        description:
          'Absent fields take their defaults (defaultLocale "en", no consent category). Everything else stays as it is.',
        body: ContentSettingsBody,
        querystring: EditQuery,
        headers: IfMatchHeaders,
      },
    ),
    async (request, reply) => {
      const contentSettings = request.body;
      const published = await publisher(
        workspaceOf(request).workspace.id,
        () => ({ contentSettings }),
        { ...baseOf(request), fieldOf: contentSettingsField },
      );
      void reply.header('etag', `"${published.version}"`);
      return settingsReply(published);
    },
  );
}
