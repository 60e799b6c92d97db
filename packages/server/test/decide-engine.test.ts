import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import {
  ContentItemSchema,
  FlowSchema,
  PlacementSchema,
  RuleSchema,
  type ContentItem,
  type FlowDefinition,
  type PlacementDefinition,
  type RuleDefinition,
} from '@onramp/core';
import { signUserToken } from '../src/realtime/user-token.js';
import { sendBatch, startTestServer, type TestServer } from '../src/testing/test-server.js';

// The decide API end to end: the real server, SQLite, processor and rules.

type Json = Record<string, unknown>;
const fill = <T>(schema: Parameters<typeof Value.Default>[0], items: Json[]): T[] =>
  items.map((item) => Value.Default(schema, structuredClone(item)) as T);

const content = [
  {
    id: 'welcome',
    type: 'banner',
    fields: { title: 'Welcome, {{ traits.first_name | default: "there" }}!' },
    locales: { fr: { title: 'Bienvenue, {{ traits.first_name | default: "vous" }} !' } },
  },
  {
    id: 'admin-welcome',
    type: 'banner',
    fields: { title: 'Hello admin {{ traits.first_name }}', body: '{{ traits.company }}' },
  },
  { id: 'tutorial', type: 'modal', fields: { title: 'Reports tutorial' } },
  { id: 'tip', type: 'tooltip', fields: { target: '#new', body: 'Start here' } },
  { id: 'list', type: 'checklist', flow: 'start', fields: { title: 'Get started' } },
];
const placements = [
  { id: 'banner', default: 'welcome', types: ['banner'] },
  { id: 'modal', types: ['modal'] },
  { id: 'sidebar' },
  { id: 'checklist', default: 'list' },
];
const flows = [
  {
    id: 'start',
    placement: 'sidebar',
    steps: [
      {
        id: 'create',
        title: 'Create a project',
        content: 'tip',
        completion: { event: 'Project Created' },
      },
      { id: 'invite', title: 'Invite a teammate', completion: { event: 'Teammate Invited' } },
    ],
  },
];
const rules = [
  {
    id: 'admin-welcome',
    priority: 5,
    trigger: { type: 'event', event: '$identify' },
    condition: { 'traits.role': 'admin' },
    actions: [{ type: 'decide', placement: 'banner', content: 'admin-welcome' }],
  },
  {
    id: 'reports-tutorial',
    trigger: { type: 'event', event: 'Feature Used' },
    condition: { $event: { name: 'Feature Used', count: { $gte: 3 } } },
    actions: [{ type: 'decide', placement: 'modal', content: 'tutorial' }],
    constraints: { once: true },
  },
];

let server: TestServer;
/** Publishes this file's content, placements, flows and rules on a server. */
async function publishConfig(target: TestServer): Promise<void> {
  await target.engine.rules.publish(target.workspace.id, {
    source: 'api',
    rules: fill<RuleDefinition>(RuleSchema, rules),
    content: fill<ContentItem>(ContentItemSchema, content),
    placements: fill<PlacementDefinition>(PlacementSchema, placements),
    flows: fill<FlowDefinition>(FlowSchema, flows),
  });
}

before(async () => {
  server = await startTestServer();
  await publishConfig(server);
});
after(async () => server.close());

const token = (userId: string) => signUserToken(userId, server.workspace.identitySecret);
const basic = () => `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`;

async function decide(
  body: Json,
  headers: Record<string, string> = { authorization: basic() },
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.url}/client/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function send(messages: Json[]): Promise<void> {
  await sendBatch(server, messages);
  await server.engine.flush();
}

const decisionOf = (body: Json, placement: string) =>
  (body['decisions'] as Record<string, Json>)[placement] as Json & {
    content: (Json & { fields: Json; checklist?: Json }) | null;
    reason: Json;
  };

/** An object nested `depth` levels deep. */
function nested(depth: number): Json {
  let value: Json = { leaf: 1 };
  for (let i = 1; i < depth; i++) value = { deeper: value };
  return value;
}

describe('decide API', () => {
  it('renders the default for a user, escaped, with its reason and interaction properties', async () => {
    await send([{ type: 'identify', userId: 'ada', traits: { first_name: '<script>x</script>' } }]);
    const { status, body } = await decide({
      userId: 'ada',
      token: token('ada'),
      placements: ['banner'],
    });
    assert.equal(status, 200);
    assert.equal(body['userId'], 'ada');
    assert.equal(body['personalized'], true);
    assert.deepEqual(decisionOf(body, 'banner'), {
      placement: 'banner',
      content: {
        id: 'welcome',
        type: 'banner',
        locale: 'en',
        fields: { title: 'Welcome, &lt;script&gt;x&lt;/script&gt;!' },
      },
      reason: { type: 'default' },
      track: { placement: 'banner', content: 'welcome' },
    });
  });

  it("shows a rule's decision with the rule's id and version, and the flow step with its checklist", async () => {
    await send([
      {
        type: 'identify',
        userId: 'grace',
        traits: { role: 'admin', first_name: 'Grace', company: 'Navy' },
      },
    ]);
    const { body } = await decide({ userId: 'grace', token: token('grace'), flows: true });
    const banner = decisionOf(body, 'banner');
    assert.deepEqual(banner.content?.fields, { title: 'Hello admin Grace', body: 'Navy' });
    assert.equal(banner.reason['type'], 'rule');
    assert.equal(banner.reason['rule'], 'admin-welcome');
    assert.equal(banner.reason['version'], body['version']);
    assert.match(String(banner.reason['at']), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(decisionOf(body, 'sidebar').reason, {
      type: 'flow',
      flow: 'start',
      step: 'create',
    });
    assert.equal(decisionOf(body, 'modal').content, null);
    const checklist = decisionOf(body, 'checklist').content?.checklist as Json;
    assert.equal(checklist['percent'], 0);

    // Progress is the server's: the app's backend reports the project, from anywhere.
    await send([{ type: 'track', userId: 'grace', event: 'Project Created' }]);
    const after = (await decide({ userId: 'grace', token: token('grace'), flows: true })).body;
    const progressed = decisionOf(after, 'checklist').content?.checklist as Json;
    assert.equal(progressed['percent'], 50);
    assert.equal(progressed['current'], 'invite');
    assert.equal(decisionOf(after, 'sidebar').content, null, 'the invite step has no content');
    const flow = (after['flows'] as Record<string, Json>)['start'] as Json;
    assert.equal(flow['done'], 1);
    assert.equal(typeof flow['startedAt'], 'string');
    await send([{ type: 'track', userId: 'grace', event: 'Teammate Invited' }]);
    const done = (await decide({ userId: 'grace', token: token('grace'), flows: true })).body;
    const finished = (done['flows'] as Record<string, Json>)['start'] as Json;
    assert.equal(finished['completed'], true);
    assert.equal(finished['percent'], 100);
    assert.equal(typeof finished['timeToCompleteMs'], 'number');
    const profile = await server.engine.getProfile(server.workspace.id, { userId: 'grace' });
    assert.equal(typeof profile?.flows['start']?.completedAt, 'string');
  });

  it('hides dismissed content and counts interactions on the profile', async () => {
    await send([1, 2, 3].map(() => ({ type: 'track', userId: 'lin', event: 'Feature Used' })));
    const { body } = await decide({ userId: 'lin', token: token('lin'), placements: ['modal'] });
    assert.equal(decisionOf(body, 'modal').content?.['id'], 'tutorial');
    const track = decisionOf(body, 'modal')['track'] as Json;
    await send([
      { type: 'track', userId: 'lin', event: 'Content Shown', properties: track },
      { type: 'track', userId: 'lin', event: 'Content Dismissed', properties: track },
    ]);
    const again = await decide({ userId: 'lin', token: token('lin'), placements: ['modal'] });
    assert.equal(decisionOf(again.body, 'modal').content, null);
    const profile = await server.engine.getProfile(server.workspace.id, { userId: 'lin' });
    assert.equal(profile?.interactions['tutorial']?.shown, 1);
    assert.equal(profile?.interactions['tutorial']?.dismissed, 1);
  });

  it('takes the locale from the request and falls back along the chain', async () => {
    const { body } = await decide({
      userId: 'ada',
      token: token('ada'),
      placements: ['banner'],
      context: { locale: 'fr-CA' },
    });
    assert.equal(decisionOf(body, 'banner').content?.['locale'], 'fr');
    const query = new URLSearchParams({
      userId: 'ada',
      token: token('ada'),
      writeKey: server.workspace.writeKey,
      placements: 'banner',
      locale: 'fr',
    });
    const viaGet = await fetch(`${server.url}/client/v1/decide?${query}`);
    assert.equal(viaGet.status, 200);
    const got = (await viaGet.json()) as Json;
    assert.equal(decisionOf(got, 'banner').content?.['locale'], 'fr');
  });

  it('decides for an anonymous visitor, but not once they are identified', async () => {
    const visitor = await decide({ anonymousId: 'anon-1', placements: ['banner'] });
    assert.equal(visitor.status, 200);
    assert.equal(decisionOf(visitor.body, 'banner').content?.fields['title'], 'Welcome, there!');
    await send([{ type: 'identify', anonymousId: 'anon-2', userId: 'kim', traits: {} }]);
    const identified = await decide({ anonymousId: 'anon-2', placements: ['banner'] });
    assert.equal(identified.status, 403);
    assert.deepEqual(identified.body['errors'], [
      { field: 'body.anonymousId', message: 'belongs to an identified user' },
    ]);
  });

  it('lets a server decide for anyone with the secret key, and accepts text/plain', async () => {
    const { status, body } = await decide(
      { userId: 'grace', placements: ['banner'] },
      { authorization: `Bearer ${server.workspace.adminKey}` },
    );
    assert.equal(status, 200);
    assert.equal(decisionOf(body, 'banner').reason['rule'], 'admin-welcome');
    const plain = await fetch(`${server.url}/client/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        userId: 'ada',
        token: token('ada'),
        writeKey: server.workspace.writeKey,
        placements: ['banner'],
      }),
    });
    assert.equal(plain.status, 200);
  });

  it('reads the secret key in any spelling of Bearer, and nothing else as one', async () => {
    const key = server.workspace.adminKey;
    for (const authorization of [`bearer ${key}`, `BEARER   ${key}  `, `Bearer\t${key}`]) {
      const { status } = await decide(
        { userId: 'grace', placements: ['banner'] },
        { authorization },
      );
      assert.equal(status, 200, JSON.stringify(authorization));
    }
    // Not a secret key: then the call is a browser's, which needs the write key.
    for (const authorization of [`Bearer ${key} extra`, `Bearer ${key}x`, `Bearer `, `Bearer`]) {
      const { status } = await decide(
        { userId: 'grace', placements: ['banner'] },
        { authorization },
      );
      assert.equal(status, 401, JSON.stringify(authorization));
    }
  });

  it('refuses bad input with a 4xx naming the field', async () => {
    const cases: [Json | string, Record<string, string> | undefined, number, string][] = [
      [
        { userId: 'ada', token: token('ada'), placements: ['banner', 'nope'] },
        undefined,
        400,
        'body.placements.1',
      ],
      [
        { userId: 'ada', token: token('ada'), locale: 'not a locale!' },
        undefined,
        400,
        'body.locale',
      ],
      [
        { userId: 'ada', token: token('ada'), context: { locale: 42 } },
        undefined,
        400,
        'body.context.locale',
      ],
      [{ userId: 'ada', token: token('ada'), colour: 'red' }, undefined, 400, 'body.colour'],
      [
        { userId: 'ada', token: token('ada'), placements: { a: 1 } },
        undefined,
        400,
        'body.placements',
      ],
      [{ userId: 'ada' }, undefined, 401, 'body.token'],
      [{ userId: 'ada', token: token('bob') }, undefined, 403, 'body.token'],
      [{ placements: ['banner'] }, undefined, 400, 'body.userId'],
      [
        { userId: 'ada', anonymousId: 'x', token: token('ada') },
        undefined,
        400,
        'body.anonymousId',
      ],
      [{ userId: 'ada', token: token('ada'), context: nested(9) }, undefined, 400, 'body.context'],
      ['{"userId": "ada", ', undefined, 400, 'body'],
      ['{"userId":"ada","context":{"__proto__":{"x":1}}}', undefined, 400, 'body'],
    ];
    for (const [body, headers, status, field] of cases) {
      const response = await decide(body as Json, headers);
      assert.equal(response.status, status, JSON.stringify(body));
      const fields = ((response.body['errors'] as Json[] | undefined) ?? []).map((e) => e['field']);
      assert.ok(
        fields.includes(field),
        `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`,
      );
    }
    const noKey = await decide({ userId: 'ada', token: token('ada') }, {});
    assert.equal(noKey.status, 401);
    const wrongKey = await decide(
      { userId: 'ada', token: token('ada') },
      { authorization: 'Basic eDo=' },
    );
    assert.equal(wrongKey.status, 401);
  });

  it('re-decides with a new config version at once', async () => {
    const current = server.engine.rules.current(server.workspace.id);
    const edited = (current.content ?? []).map((item) =>
      item.id === 'welcome'
        ? { ...item, fields: { title: 'Hi again {{ traits.first_name }}' } }
        : item,
    );
    await server.engine.rules.publish(server.workspace.id, { source: 'api', content: edited });
    const { body } = await decide({ userId: 'ada', token: token('ada'), placements: ['banner'] });
    assert.equal(
      decisionOf(body, 'banner').content?.fields['title'],
      'Hi again &lt;script&gt;x&lt;/script&gt;',
    );
    assert.equal(body['version'], current.version + 1);
  });
});

describe('decide for a profile not in memory', () => {
  it('loads it from storage after a restart and answers what it answered from memory', async () => {
    const first = await startTestServer();
    const dataDir = first.dataDir;
    let second: TestServer | undefined;
    try {
      await publishConfig(first);
      await sendBatch(first, [
        {
          type: 'identify',
          userId: 'lin',
          anonymousId: 'anon-lin',
          traits: { role: 'admin', first_name: 'Lin', company: 'Acme' },
        },
        { type: 'track', userId: 'lin', event: 'Project Created' },
      ]);
      await first.engine.flush();
      const ask = async (target: TestServer, body: Json) => {
        const response = await fetch(`${target.url}/client/v1/decide`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${target.workspace.writeKey}:`).toString('base64')}`,
          },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Json };
      };
      const lin = (target: TestServer) => ({
        userId: 'lin',
        token: signUserToken('lin', target.workspace.identitySecret),
        flows: true,
      });
      const fromMemory = await ask(first, lin(first));
      assert.equal(fromMemory.status, 200);
      await first.close({ keepData: true });

      second = await startTestServer({ dataDir });
      assert.equal(
        second.engine.decisions.peekProfile(second.workspace.id, { userId: 'lin' }),
        undefined,
        'the restarted engine has not loaded the profile yet',
      );
      const fromStorage = await ask(second, lin(second));
      assert.equal(fromStorage.status, 200);
      assert.deepEqual(fromStorage.body, fromMemory.body);
      assert.equal(decisionOf(fromStorage.body, 'banner').reason['rule'], 'admin-welcome');

      // The anonymousId of an identified visitor is refused after a restart too.
      const anonymous = await ask(second, { anonymousId: 'anon-lin' });
      assert.equal(anonymous.status, 403);
    } finally {
      await second?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
