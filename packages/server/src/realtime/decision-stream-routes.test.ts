import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createManualClock, type RuleDefinition } from '@onramp/core';
import { sendBatch, startTestServer, type TestServer } from '../testing/test-server.js';
import { openSseStream, type SseEvent, type SseStream } from '../testing/sse-client.js';
import { openWebSocket, type TestSocket } from '../testing/ws-client.js';
import { registerDecisionStreamRoutes } from './decision-stream-routes.js';
import { signUserToken } from './user-token.js';

// The decision push end to end: real server (SQLite, processor, timers), manual clock.

type Json = Record<string, unknown>;
interface Pushed {
  id: string;
  full: boolean;
  version: number;
  profileVersion: number;
  decisions: Record<string, Json | null>;
  flows?: Record<string, Json | null>;
}

const clock = createManualClock(Date.UTC(2026, 2, 2, 12, 0, 0));
let server: TestServer;
const streams: SseStream[] = [];
const sockets: TestSocket[] = [];

const content = (welcome: string) => [
  {
    id: 'welcome',
    type: 'banner',
    fields: { title: `${welcome} {{ traits.name | default: "there" }}` },
  },
  { id: 'page', type: 'message', fields: { title: 'on {{ context.page.path | default: "?" }}' } },
  { id: 'upgrade', type: 'banner', fields: { title: 'Upgrade now' } },
];
const placements = [
  { id: 'hero', default: 'welcome' },
  { id: 'where', default: 'page' },
  { id: 'sidebar' },
];
const rules = [
  {
    id: 'upsell',
    trigger: { type: 'event', event: 'Limit Reached' },
    actions: [{ type: 'decide', placement: 'sidebar', content: 'upgrade', ttl: '1h' }],
  },
] as unknown as RuleDefinition[];

function publish(welcome: string) {
  return server.engine.rules.publish(server.workspace.id, {
    rules,
    content: content(welcome),
    placements,
    source: 'api',
  } as Parameters<TestServer['engine']['rules']['publish']>[1]);
}

before(async () => {
  server = await startTestServer({ clock });
  await publish('Welcome');
});
after(async () => {
  for (const stream of streams) stream.close();
  for (const socket of sockets) socket.terminate();
  await server.close();
});

const token = (userId: string) => signUserToken(userId, server.workspace.identitySecret);

function queryOf(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, value);
  }
  return params.toString();
}

function userQuery(userId: string, extra: Record<string, string | undefined> = {}) {
  return { writeKey: server.workspace.writeKey, userId, token: token(userId), ...extra };
}

async function openStream(
  query: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const stream = await openSseStream(`${server.url}/client/v1/decisions/stream?${queryOf(query)}`, {
    headers,
  });
  streams.push(stream);
  return stream;
}

async function openSocket(query: Record<string, string | undefined>): Promise<TestSocket> {
  const opened = await openWebSocket(
    `${server.url.replace('http', 'ws')}/client/v1/decisions/ws?${queryOf(query)}`,
  );
  assert.ok(opened.ok, opened.ok ? '' : `refused: ${opened.status} ${opened.body}`);
  sockets.push(opened.socket);
  return opened.socket;
}

function pushedOf(event: SseEvent): Pushed {
  assert.equal(event.event, 'decisions');
  const data = JSON.parse(event.data) as Omit<Pushed, 'id'>;
  assert.match(event.id, /^\d+\.\d+\.[0-9a-f]{12}$/);
  assert.ok(
    event.id.startsWith(`${data.version}.${data.profileVersion}.`),
    'id names the versions',
  );
  return { id: event.id, ...data };
}

async function nextOf(stream: SseStream, timeoutMs = 3000): Promise<Pushed> {
  return pushedOf(await stream.next(timeoutMs));
}

async function track(userId: string, event: string): Promise<void> {
  await sendBatch(server, [{ type: 'track', userId, event }]);
}

const title = (decision: Json | null | undefined): unknown =>
  (decision?.content as { fields?: Json } | null | undefined)?.fields?.title;

describe('server-sent events', () => {
  test('full state first; a rule deciding a placement pushes only it; an unrelated event pushes nothing', async () => {
    const ada = await openStream(userQuery('ada'), { origin: 'https://app.example.com' });
    assert.equal(ada.status, 200);
    assert.match(ada.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(ada.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const bob = await openStream(userQuery('bob', { placements: 'hero,sidebar' }));

    const first = await nextOf(ada);
    assert.equal(ada.retry, 2000);
    assert.equal(first.full, true);
    assert.deepEqual(Object.keys(first.decisions).sort(), ['hero', 'sidebar', 'where']);
    assert.equal(title(first.decisions.hero), 'Welcome there');
    assert.equal(first.decisions.sidebar?.content, null);
    assert.equal(first.profileVersion, 0, 'no profile yet');
    const bobFirst = await nextOf(bob);
    assert.deepEqual(Object.keys(bobFirst.decisions).sort(), ['hero', 'sidebar']);

    await track('ada', 'Page Viewed');
    await assert.rejects(ada.next(300), { code: 'SSE_TIMEOUT' }, 'nothing changed');
    await track('ada', 'Limit Reached');
    const pushed = await nextOf(ada);
    assert.equal(pushed.full, false);
    assert.deepEqual(Object.keys(pushed.decisions), ['sidebar'], 'the next message is the rule’s');
    assert.equal(title(pushed.decisions.sidebar), 'Upgrade now');
    assert.equal((pushed.decisions.sidebar?.reason as Json).type, 'rule');

    await sendBatch(server, [{ type: 'identify', userId: 'ada', traits: { name: 'Ada' } }]);
    const renamed = await nextOf(ada);
    assert.deepEqual(Object.keys(renamed.decisions), ['hero']);
    assert.equal(title(renamed.decisions.hero), 'Welcome Ada');

    await assert.rejects(bob.next(300), { code: 'SSE_TIMEOUT' }, "none of ada's decisions");
    ada.close();
    bob.close();
  });

  test('a config change pushes the newly rendered text', async () => {
    const stream = await openStream(userQuery('carol'));
    await nextOf(stream);
    await publish('Hello');
    const pushed = await nextOf(stream);
    assert.deepEqual(Object.keys(pushed.decisions), ['hero']);
    assert.equal(title(pushed.decisions.hero), 'Hello there');
    await publish('Welcome');
    assert.equal(title((await nextOf(stream)).decisions.hero), 'Welcome there');
    stream.close();
  });

  test('a decision whose TTL ends is pushed when the timers run', async () => {
    const stream = await openStream(userQuery('dave', { placements: 'sidebar' }));
    await nextOf(stream);
    await track('dave', 'Limit Reached');
    const decided = await nextOf(stream);
    assert.equal(title(decided.decisions.sidebar), 'Upgrade now');
    assert.ok(typeof decided.decisions.sidebar?.validUntil === 'string');

    clock.advance(30 * 60_000);
    await server.engine.runDueTimers();
    await assert.rejects(stream.next(200), { code: 'SSE_TIMEOUT' }, 'not yet');
    clock.advance(30 * 60_000 + 1);
    await server.engine.runDueTimers();
    const expired = await nextOf(stream);
    assert.deepEqual(Object.keys(expired.decisions), ['sidebar']);
    assert.equal(expired.decisions.sidebar?.content, null);
    stream.close();
  });

  test('resumes: the same state sends nothing, a changed one the full state', async () => {
    const first = await openStream(userQuery('erin'));
    const seen = await nextOf(first);
    first.close();
    await first.ended;

    const same = await openStream(userQuery('erin'), { 'last-event-id': seen.id });
    await assert.rejects(same.next(300), { code: 'SSE_TIMEOUT' });
    await track('erin', 'Limit Reached');
    const change = await nextOf(same);
    assert.equal(change.full, false);
    assert.deepEqual(Object.keys(change.decisions), ['sidebar']);
    same.close();

    const stale = await openStream(userQuery('erin', { lastEventId: seen.id }));
    const full = await nextOf(stale);
    assert.equal(full.full, true);
    assert.deepEqual(Object.keys(full.decisions).sort(), ['hero', 'sidebar', 'where']);
    assert.equal(full.id, change.id);
    stale.close();
  });

  test('an anonymous visitor is streamed until they sign up', async () => {
    const query = { writeKey: server.workspace.writeKey, anonymousId: 'anon-1' };
    const stream = await openStream(query);
    assert.equal(stream.status, 200);
    await nextOf(stream);
    await sendBatch(server, [{ type: 'track', anonymousId: 'anon-1', event: 'Limit Reached' }]);
    assert.equal(title((await nextOf(stream)).decisions.sidebar), 'Upgrade now');
    await sendBatch(server, [{ type: 'identify', anonymousId: 'anon-1', userId: 'frank' }]);
    await stream.ended;
    const again = await openStream(query);
    assert.equal(again.status, 403, 'the anonymousId now names an identified user');
  });

  test('refuses bad requests with the stream route errors', async () => {
    const status = async (query: Record<string, string | undefined>) => {
      const response = await fetch(`${server.url}/client/v1/decisions/stream?${queryOf(query)}`);
      const body = (await response.json()) as { code: string; errors?: { field: string }[] };
      return { status: response.status, code: body.code, fields: body.errors?.map((e) => e.field) };
    };
    const { writeKey } = server.workspace;
    assert.equal((await status({ userId: 'ada', writeKey })).status, 401);
    assert.equal((await status({ userId: 'ada', token: token('ada') })).status, 401);
    assert.equal(
      (await status({ userId: 'ada', writeKey: 'nope', token: token('ada') })).status,
      401,
    );
    assert.equal((await status({ userId: 'ada', writeKey, token: token('bob') })).status, 403);
    assert.equal((await status({ writeKey })).status, 400);
    const unknown = await status(userQuery('ada', { placements: 'hero,nope' }));
    assert.deepEqual(unknown, {
      status: 400,
      code: 'ONR_VALIDATION',
      fields: ['querystring.placements.1'],
    });
    const locale = await status(userQuery('ada', { locale: 'not a locale!' }));
    assert.equal(locale.status, 400);
    assert.ok(locale.fields?.[0]?.startsWith('querystring.locale'), String(locale.fields));
    assert.equal((await status(userQuery('ada', { flows: 'maybe' }))).status, 400);
  });
});

describe('WebSocket', () => {
  test('pushes changes, and a context message re-decides in full', async () => {
    const socket = await openSocket(userQuery('grace', { url: 'https://app.example.com/home' }));
    const first = await socket.next();
    assert.equal(first.type, 'decisions');
    assert.equal(first.full, true);
    assert.match(first.id as string, /^\d+\.\d+\.[0-9a-f]{12}$/);
    assert.equal(title((first.decisions as Record<string, Json>).where), 'on /home');

    await track('grace', 'Limit Reached');
    const pushed = await socket.next();
    assert.deepEqual(Object.keys(pushed.decisions as Json), ['sidebar']);

    socket.send({ type: 'context', url: 'https://app.example.com/settings?tab=2' });
    const moved = await socket.next();
    assert.equal(moved.full, true);
    assert.equal(title((moved.decisions as Record<string, Json>).where), 'on /settings');
    socket.send({ type: 'context', placements: ['where'] });
    const narrowed = await socket.next();
    assert.deepEqual(Object.keys(narrowed.decisions as Json), ['where']);
    assert.equal(title((narrowed.decisions as Record<string, Json>).where), 'on /settings');
    socket.close();
  });

  test('answers bad messages with errors and stays open; a frame over 16 KB closes with 1009', async () => {
    const socket = await openSocket(userQuery('heidi', { placements: 'hero' }));
    await socket.next();
    const errorOf = async (message: unknown) => {
      socket.send(message);
      const reply = await socket.next();
      assert.equal(reply.type, 'error');
      assert.equal(reply.code, 'ONR_VALIDATION');
      return (reply.errors as { field: string }[]).map((error) => error.field);
    };
    assert.deepEqual(await errorOf('{not json'), ['message']);
    assert.deepEqual(await errorOf('[1]'), ['message']);
    assert.deepEqual(await errorOf({ type: 'subscribe' }), ['type']);
    assert.deepEqual(await errorOf({ type: 'context', placements: 'hero' }), ['placements']);
    assert.deepEqual(await errorOf({ type: 'context', locale: 7, flows: 'yes' }), [
      'locale',
      'flows',
    ]);
    assert.deepEqual(await errorOf({ type: 'context', placements: ['hero', 'nope'] }), [
      'placements.1',
    ]);
    assert.deepEqual(await errorOf({ type: 'context', extra: 1 }), ['extra']);
    assert.deepEqual(await errorOf('{"type":"context","__proto__":{"polluted":true}}'), [
      '__proto__',
    ]);
    assert.deepEqual(
      await errorOf('{"type":"context","context":{"a":{"__proto__":{"polluted":true}}}}'),
      ['context.a.__proto__'],
    );
    assert.deepEqual(await errorOf(Buffer.from('{}')), ['message']);
    assert.equal(({} as Json).polluted, undefined);

    socket.send({ type: 'context', locale: 'fr' });
    assert.equal((await socket.next()).full, true, 'still open and serving');
    socket.send(JSON.stringify({ type: 'context', context: { pad: 'x'.repeat(17 * 1024) } }));
    const closed = await socket.closed;
    assert.equal(closed.code, 1009);
  });

  test('refuses bad requests before the upgrade, with the HTTP errors', async () => {
    const refused = async (query: Record<string, string | undefined>) => {
      const opened = await openWebSocket(
        `${server.url.replace('http', 'ws')}/client/v1/decisions/ws?${queryOf(query)}`,
      );
      if (opened.ok) {
        sockets.push(opened.socket);
        assert.fail('upgraded');
      }
      return { status: opened.status, body: JSON.parse(opened.body) as Json };
    };
    const { writeKey } = server.workspace;
    assert.equal((await refused({ userId: 'ada', writeKey })).status, 401);
    assert.equal((await refused({ userId: 'ada', writeKey, token: token('bob') })).status, 403);
    const bad = await refused(userQuery('ada', { placements: 'nope' }));
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body.errors as { field: string }[]).map((error) => error.field),
      ['querystring.placements.0'],
    );
    const plain = await fetch(`${server.url}/client/v1/decisions/ws?${queryOf(userQuery('ada'))}`);
    assert.equal(plain.status, 400, 'not an upgrade');
  });

  test("a second user's socket never receives the first user's decisions", async () => {
    const ivan = await openSocket(userQuery('ivan'));
    const judy = await openSocket(userQuery('judy'));
    await ivan.next();
    await judy.next();
    await track('ivan', 'Limit Reached');
    assert.deepEqual(Object.keys((await ivan.next()).decisions as Json), ['sidebar']);
    await assert.rejects(judy.next(300), { code: 'WS_TIMEOUT' });
    ivan.close();
    judy.close();
  });
});

test('counts connections, pushes and event-to-push latency by transport', async () => {
  const value = async (
    metric: { get(): Promise<{ values: { labels: Json; value: number; metricName?: string }[] }> },
    labels: Json,
    name?: string,
  ) =>
    (await metric.get()).values.find(
      (entry) =>
        (name === undefined || entry.metricName === name) &&
        Object.entries(labels).every(([key, expected]) => entry.labels[key] === expected),
    )?.value ?? 0;
  const { metrics } = server.engine;
  const stream = await openStream(userQuery('kim'));
  const socket = await openSocket(userQuery('kim'));
  await nextOf(stream);
  await socket.next();
  assert.equal(await value(metrics.decisionConnections, { transport: 'sse' }), 1);
  assert.equal(await value(metrics.decisionConnections, { transport: 'websocket' }), 1);
  const sseBefore = await value(metrics.decisionPushes, { transport: 'sse' });
  const latencyBefore = await value(
    metrics.eventToDecisionPush,
    {},
    'onramp_event_to_decision_push_seconds_count',
  );
  await track('kim', 'Limit Reached');
  await nextOf(stream);
  await socket.next();
  assert.equal(await value(metrics.decisionPushes, { transport: 'sse' }), sseBefore + 1);
  assert.equal(
    await value(metrics.eventToDecisionPush, {}, 'onramp_event_to_decision_push_seconds_count'),
    latencyBefore + 2,
  );
  assert.ok((await value(metrics.decideRequests, { surface: 'push' })) > 0);
  stream.close();
  socket.close();
  await socket.closed;
  const deadline = Date.now() + 2000;
  while ((await value(metrics.decisionConnections, { transport: 'sse' })) !== 0) {
    assert.ok(Date.now() < deadline, 'the closed stream is no longer counted');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(await value(metrics.decisionConnections, { transport: 'websocket' }), 0);
});

test('heartbeats, pings, and a peer that stops answering pings is closed', async () => {
  const app = Fastify();
  await registerDecisionStreamRoutes(app, server.engine, { heartbeatMs: 30, pingMs: 40 });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const query = queryOf(userQuery('liam'));
  const stream = await openSseStream(`${url}/client/v1/decisions/stream?${query}`);
  const live = await openWebSocket(`${url.replace('http', 'ws')}/client/v1/decisions/ws?${query}`);
  const dead = await openWebSocket(`${url.replace('http', 'ws')}/client/v1/decisions/ws?${query}`, {
    autoPong: false,
  });
  assert.ok(live.ok && dead.ok);
  const closed = await dead.socket.closed;
  assert.equal(closed.code, 1006, 'terminated without a close frame');
  assert.ok(live.socket.pings >= 2);
  assert.ok(stream.comments.filter((comment) => comment === 'heartbeat').length >= 2);
  // Closing the app ends the open stream and socket instead of waiting for them.
  await app.close();
  await stream.ended;
  assert.equal((await live.socket.closed).code, 1001);
});

test('closing the server ends decision streams and sockets', async () => {
  const other = await startTestServer();
  const query = queryOf({
    writeKey: other.workspace.writeKey,
    userId: 'mia',
    token: signUserToken('mia', other.workspace.identitySecret),
  });
  const stream = await openSseStream(`${other.url}/client/v1/decisions/stream?${query}`);
  const opened = await openWebSocket(
    `${other.url.replace('http', 'ws')}/client/v1/decisions/ws?${query}`,
  );
  assert.equal(stream.status, 200);
  assert.ok(opened.ok);
  // The streams end in preClose, before the engine and storage close (which take their own time
  // on a loaded machine); without that hook the server would wait on them forever.
  const started = Date.now();
  const closing = other.close();
  await stream.ended;
  await opened.socket.closed;
  assert.ok(Date.now() - started < 5000, 'streams ended promptly');
  await closing;
});
