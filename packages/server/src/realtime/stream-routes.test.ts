import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { openSseStream, type SseEvent, type SseStream } from '../testing/sse-client.js';
import { registerStreamRoutes } from './stream-routes.js';
import { signUserToken } from './user-token.js';

type Summary = Record<string, unknown> & {
  version: number;
  traits?: Record<string, unknown>;
  metrics?: { events: Record<string, { total: number; windows: Record<string, number> }> };
};

let server: TestServer;
const streams: SseStream[] = [];

before(async () => {
  server = await startTestServer();
});
after(async () => {
  for (const stream of streams) stream.close();
  await server.close();
});

function basic(key: string): string {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

function streamUrl(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) params.set(name, value);
  return `${server.url}/client/v1/stream?${params}`;
}

async function open(
  userId: string,
  options: { headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<SseStream> {
  const url = streamUrl({
    writeKey: server.workspace.writeKey,
    userId,
    token: signUserToken(userId, server.workspace.identitySecret),
    ...options.query,
  });
  const stream = await openSseStream(
    url,
    options.headers === undefined ? {} : { headers: options.headers },
  );
  streams.push(stream);
  assert.equal(stream.status, 200);
  return stream;
}

async function send(path: 'identify' | 'track', body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/v1/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: basic(server.workspace.writeKey),
    },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

/** Waits until the processor has applied the user's changes up to at least `version`. */
async function waitForVersion(userId: string, version: number): Promise<Summary> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const profile = (await server.engine.getProfile(server.workspace.id, { userId })) as
      Summary | undefined;
    if (profile !== undefined && profile.version >= version) return profile;
    if (Date.now() > deadline)
      throw new Error(`profile of ${userId} never reached version ${version}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function summaryOf(event: SseEvent): Summary {
  assert.equal(event.event, 'profile');
  const summary = JSON.parse(event.data) as Summary;
  assert.equal(event.id, String(summary.version), 'the event id is the profile version');
  return summary;
}

async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { code: string };
  return { status: response.status, code: body.code };
}

describe('authentication', () => {
  const token = (userId: string) => signUserToken(userId, server.workspace.identitySecret);

  test('missing token → 401, wrong token → 403, another user’s token → 403', async () => {
    const { writeKey } = server.workspace;
    assert.deepEqual(await errorOf(await fetch(streamUrl({ writeKey, userId: 'alice' }))), {
      status: 401,
      code: 'ONR_UNAUTHORIZED',
    });
    assert.deepEqual(
      await errorOf(await fetch(streamUrl({ writeKey, userId: 'alice', token: 'f'.repeat(64) }))),
      {
        status: 403,
        code: 'ONR_FORBIDDEN',
      },
    );
    assert.deepEqual(
      await errorOf(await fetch(streamUrl({ writeKey, userId: 'alice', token: token('bob') }))),
      {
        status: 403,
        code: 'ONR_FORBIDDEN',
      },
    );
    const otherSecret = signUserToken('alice', 'not-the-identity-secret');
    assert.equal(
      (await fetch(streamUrl({ writeKey, userId: 'alice', token: otherSecret }))).status,
      403,
    );
  });

  test('unknown or missing write key → 401; missing userId → 400', async () => {
    assert.deepEqual(
      await errorOf(
        await fetch(streamUrl({ writeKey: 'nope', userId: 'alice', token: token('alice') })),
      ),
      { status: 401, code: 'ONR_UNAUTHORIZED' },
    );
    assert.equal((await fetch(streamUrl({ userId: 'alice', token: token('alice') }))).status, 401);
    const response = await fetch(
      streamUrl({ writeKey: server.workspace.writeKey, token: token('alice') }),
    );
    assert.equal(response.status, 400);
    const body = (await response.json()) as { errors: { field: string }[] };
    assert.equal(body.errors[0]?.field, 'querystring.userId');
  });

  test('accepts Basic write key with X-Onramp-User-Token, and a Bearer token', async () => {
    const viaHeaders = await openSseStream(streamUrl({ userId: 'alice' }), {
      headers: {
        authorization: basic(server.workspace.writeKey),
        'x-onramp-user-token': token('alice'),
      },
    });
    streams.push(viaHeaders);
    assert.equal(viaHeaders.status, 200);
    const viaBearer = await openSseStream(
      streamUrl({ writeKey: server.workspace.writeKey, userId: 'alice' }),
      {
        headers: { authorization: `Bearer ${token('alice')}` },
      },
    );
    streams.push(viaBearer);
    assert.equal(viaBearer.status, 200);
    viaHeaders.close();
    viaBearer.close();
  });
});

test('speaks SSE: headers, retry, CORS for browsers', async () => {
  const stream = await open('header-user', { headers: { origin: 'https://app.example.com' } });
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(stream.headers.get('cache-control'), 'no-cache');
  assert.equal(stream.headers.get('x-accel-buffering'), 'no');
  assert.equal(stream.headers.get('access-control-allow-origin'), 'https://app.example.com');
  await assert.rejects(
    stream.next(200),
    { code: 'SSE_TIMEOUT' },
    'no profile yet: no first message',
  );
  assert.equal(stream.retry, 2000);
  stream.close();
});

test('pushes profile changes to every connection of the user, and nothing of other users', async () => {
  const first = await open('carol');
  const second = await open('carol');
  const dave = await open('dave');

  await send('identify', { userId: 'carol', traits: { plan: 'pro' } });
  for (const stream of [first, second]) {
    const summary = summaryOf(await stream.next());
    assert.equal(summary.traits?.plan, 'pro');
  }
  await send('track', { userId: 'carol', event: 'Report Created' });
  const afterTrack = summaryOf(await first.next());
  assert.ok(afterTrack.version > 1);
  assert.equal(afterTrack.metrics?.events['Report Created']?.total, 1);
  assert.equal(afterTrack.metrics?.events['Report Created']?.windows['1h'], 1);
  assert.equal(afterTrack.traits?.plan, 'pro');
  assert.equal(summaryOf(await second.next()).version, afterTrack.version);

  await assert.rejects(dave.next(300), { code: 'SSE_TIMEOUT' });
  for (const stream of [first, second, dave]) stream.close();
});

test('sends the current profile first to a new connection', async () => {
  await send('identify', { userId: 'erin', traits: { role: 'admin' } });
  const profile = await waitForVersion('erin', 1);
  const stream = await open('erin');
  const first = summaryOf(await stream.next());
  assert.equal(first.version, profile.version);
  assert.equal(first.traits?.role, 'admin');
  stream.close();
});

test('a reconnect with Last-Event-ID gets only what it missed, never an old id', async () => {
  const stream = await open('frank');
  await send('identify', { userId: 'frank', traits: { step: 1 } });
  const seen = summaryOf(await stream.next());
  stream.close();
  await stream.ended;

  // While disconnected: two changes, buffered because frank was connected recently.
  await send('track', { userId: 'frank', event: 'Step Done' });
  await send('identify', { userId: 'frank', traits: { step: 2 } });
  const latest = await waitForVersion('frank', seen.version + 2);

  const buffered = server.engine.push.replay(server.workspace.id, 'frank', seen.version);
  assert.ok(buffered !== undefined && buffered.length > 0, "frank's buffer reaches back");
  const resumed = await open('frank', { headers: { 'last-event-id': String(seen.version) } });
  const ids: number[] = [];
  for (let i = 0; i < buffered.length; i++) ids.push(summaryOf(await resumed.next()).version);
  assert.deepEqual(
    ids,
    buffered.map((message) => message.id),
    'replayed from the buffer, in order',
  );
  assert.ok(ids.every((id) => id > seen.version));
  assert.equal(ids.at(-1), latest.version);
  await assert.rejects(resumed.next(200), { code: 'SSE_TIMEOUT' });

  // Up to date: nothing first, then only newer ids.
  const current = await open('frank', { query: { lastEventId: String(latest.version) } });
  await assert.rejects(current.next(200), { code: 'SSE_TIMEOUT' });
  await send('track', { userId: 'frank', event: 'Step Done' });
  assert.ok(summaryOf(await current.next()).version > latest.version);
  resumed.close();
  current.close();
});

test('a reconnect the buffer cannot serve gets one snapshot newer than Last-Event-ID', async () => {
  await send('identify', { userId: 'grace', traits: { plan: 'free' } });
  await send('identify', { userId: 'grace', traits: { plan: 'team' } });
  const profile = await waitForVersion('grace', 2);
  // grace never connected: nothing is buffered, so the snapshot stands in for the replay.
  const stream = await open('grace', { query: { lastEventId: '1' } });
  const snapshot = summaryOf(await stream.next());
  assert.equal(snapshot.version, profile.version);
  assert.equal(snapshot.traits?.plan, 'team');
  await assert.rejects(stream.next(200), { code: 'SSE_TIMEOUT' });
  stream.close();

  // Already has the current version: the snapshot is not newer, so nothing is sent.
  const current = await open('grace', { headers: { 'last-event-id': String(profile.version) } });
  await assert.rejects(current.next(200), { code: 'SSE_TIMEOUT' });
  current.close();
});

test('counts connections and pushed messages', async () => {
  const gauge = async () =>
    (await server.engine.metrics.pushConnections.get()).values[0]?.value ?? 0;
  const pushed = async () => (await server.engine.metrics.pushMessages.get()).values[0]?.value ?? 0;
  const gaugeReaches = async (value: number) => {
    const deadline = Date.now() + 2000;
    while ((await gauge()) !== value && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await gauge(), value);
  };
  // The streams of earlier tests were closed by their clients; the server notices shortly.
  await gaugeReaches(0);
  const pushedBefore = await pushed();
  const stream = await open('heidi');
  assert.equal(await gauge(), 1);
  await send('identify', { userId: 'heidi', traits: { a: 1 } });
  await stream.next();
  assert.equal(await pushed(), pushedBefore + 1);
  stream.close();
  await gaugeReaches(0);
});

test('sends heartbeat comments', async () => {
  const app = Fastify();
  await registerStreamRoutes(app, server.engine, { heartbeatMs: 30 });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const userId = 'ivan';
  const stream = await openSseStream(
    `${url}/client/v1/stream?writeKey=${server.workspace.writeKey}&userId=${userId}&token=${signUserToken(userId, server.workspace.identitySecret)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.ok(
    stream.comments.filter((c) => c === 'heartbeat').length >= 2,
    `got ${stream.comments.length} comments`,
  );
  // Closing the app ends the open stream instead of waiting for it.
  await app.close();
  await stream.ended;
});

test('closing the server ends open streams (graceful shutdown does not hang)', async () => {
  const other = await startTestServer();
  const userId = 'judy';
  const stream = await openSseStream(
    `${other.url}/client/v1/stream?writeKey=${other.workspace.writeKey}&userId=${userId}&token=${signUserToken(userId, other.workspace.identitySecret)}`,
  );
  assert.equal(stream.status, 200);
  // The stream ends before the engine and storage close; without that the close would hang.
  const started = Date.now();
  const closing = other.close();
  await stream.ended;
  assert.ok(Date.now() - started < 5000, 'stream ended promptly');
  await closing;
  await assert.rejects(stream.next(100), { code: 'SSE_CLOSED' });
});
