import { Value } from '@sinclair/typebox/value';

/**
 * The parts of the server and core used here, imported by names TypeScript does not
 * follow: this project compiles with the DOM library, under which their sources do not
 * typecheck (their own project checks them). As in the SDK's tests.
 */
interface ProfileLike {
  flows: Record<string, { completedAt?: string; done?: Record<string, string> } | undefined>;
  interactions: Record<string, Record<string, unknown> | undefined>;
}
export interface TestServer {
  url: string;
  workspace: { id: string; writeKey: string; identitySecret: string };
  engine: {
    flush(): Promise<void>;
    rules: { publish(workspaceId: string, config: object): Promise<unknown> };
    getProfile(workspaceId: string, lookup: { userId: string }): Promise<ProfileLike | undefined>;
  };
  close(): Promise<void>;
}
type Schema = Parameters<typeof Value.Default>[0];
const testServerPath: string = '../../../server/src/testing/test-server.js';
const userTokenPath: string = '../../../server/src/realtime/user-token.js';
const corePath: string = '@onramp/core';
const { startTestServer, sendBatch } = (await import(testServerPath)) as {
  startTestServer(options: { flushIntervalMs: number }): Promise<TestServer>;
  sendBatch(server: TestServer, messages: Record<string, unknown>[]): Promise<void>;
};
const { signUserToken } = (await import(userTokenPath)) as {
  signUserToken(userId: string, secret: string): string;
};
const { ContentItemSchema, FlowSchema, PlacementSchema, RuleSchema } = (await import(
  corePath
)) as Record<'ContentItemSchema' | 'FlowSchema' | 'PlacementSchema' | 'RuleSchema', Schema>;

// A real engine (SQLite, processor, decision stream) with the config the React tests use.

type Json = Record<string, unknown>;
const fill = (schema: Schema, items: Json[]): unknown[] =>
  items.map((item) => Value.Default(schema, structuredClone(item)));

export const content: Json[] = [
  {
    id: 'welcome',
    type: 'banner',
    fields: {
      title: 'Welcome, {{ traits.first_name | default: "there" }}!',
      body: 'Set up your workspace.',
      cta: { label: 'Start', url: '{{ traits.link | default: "/start" }}' },
    },
  },
  {
    id: 'thanks',
    type: 'banner',
    fields: { title: 'Thanks for upgrading, {{ traits.first_name }}' },
  },
  {
    id: 'tutorial',
    type: 'modal',
    fields: {
      title: 'Reports tutorial',
      body: 'Learn reports in 2 minutes.',
      cta: { label: 'Watch', url: '/tutorial' },
    },
  },
  {
    id: 'new-tip',
    type: 'tooltip',
    fields: { target: '#new-project', body: 'Create your first project here.' },
  },
  { id: 'list', type: 'checklist', flow: 'start', fields: { title: 'Getting started' } },
  {
    id: 'tour',
    type: 'tour',
    flow: 'tour-flow',
    fields: {
      steps: [
        { target: '#search', title: 'Search', body: 'Find anything.', step: 'search' },
        { target: '#create', title: 'Create', body: 'Make a project.', step: 'create' },
        { target: '#late', title: 'Reports', body: 'See your numbers.', step: 'reports' },
      ],
    },
  },
];

export const placements: Json[] = [
  { id: 'banner', default: 'welcome', types: ['banner'] },
  { id: 'modal', types: ['modal'] },
  { id: 'sidebar' },
  { id: 'checklist', default: 'list' },
  { id: 'tour', default: 'tour' },
];

export const flows: Json[] = [
  {
    id: 'start',
    placement: 'sidebar',
    steps: [
      {
        id: 'create',
        title: 'Create a project',
        content: 'new-tip',
        completion: { event: 'Project Created' },
      },
      { id: 'invite', title: 'Invite a teammate', completion: { event: 'Teammate Invited' } },
      {
        id: 'billing',
        title: 'Set up billing',
        required: false,
        completion: { event: 'Billing Configured' },
      },
    ],
  },
  {
    id: 'tour-flow',
    steps: ['search', 'create', 'reports'].map((id) => ({
      id,
      completion: { event: `Tour ${id}` },
    })),
  },
];

export const rules: Json[] = [
  {
    id: 'upgrade-thanks',
    trigger: { type: 'event', event: 'Plan Upgraded' },
    actions: [{ type: 'decide', placement: 'banner', content: 'thanks' }],
  },
  {
    id: 'reports-tutorial',
    trigger: { type: 'event', event: 'Feature Used' },
    actions: [{ type: 'decide', placement: 'modal', content: 'tutorial' }],
  },
];

export interface TestEngine {
  server: TestServer;
  token(userId: string): string;
  send(messages: Json[]): Promise<void>;
  /** The profile's interaction counts for one content id. */
  interactions(userId: string, content: string): Promise<Record<string, unknown> | undefined>;
}

export async function startEngine(): Promise<TestEngine> {
  const server = await startTestServer({ flushIntervalMs: 10 });
  await server.engine.rules.publish(server.workspace.id, {
    source: 'api',
    rules: fill(RuleSchema, rules),
    content: fill(ContentItemSchema, content),
    placements: fill(PlacementSchema, placements),
    flows: fill(FlowSchema, flows),
  });
  return {
    server,
    token: (userId) => signUserToken(userId, server.workspace.identitySecret),
    async send(messages) {
      await sendBatch(server, messages);
      await server.engine.flush();
    },
    async interactions(userId, contentId) {
      await server.engine.flush();
      const profile = await server.engine.getProfile(server.workspace.id, { userId });
      return profile?.interactions[contentId];
    },
  };
}
