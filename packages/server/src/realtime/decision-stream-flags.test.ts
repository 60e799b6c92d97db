import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '@onramp/core';
import { testFlags } from '../flags/flag-fixtures.js';
import { sendBatch, startTestServer, type TestServer } from '../testing/test-server.js';
import { openSseStream, type SseStream } from '../testing/sse-client.js';
import { openWebSocket, type TestSocket } from '../testing/ws-client.js';
import { signUserToken } from './user-token.js';

// Flags in the decision push, end to end: events, config changes and schedules re-push them.

type Json = Record<string, unknown>;
interface Pushed {
  id: string;
  full: boolean;
  decisions: Record<string, Json | null>;
  flows?: Record<string, Json | null>;
  flags?: Record<string, Json | null>;
}

const start = Date.UTC(2026, 5, 1, 12, 0, 0);
const clock = createManualClock(start);
let server: TestServer;
const streams: SseStream[] = [];
const sockets: TestSocket[] = [];

/** The fixtures with `max-projects` giving `few` (3) the value `few`, plus extra flags. */
function publish(options: { few?: number; extra?: Json[]; without?: string } = {}) {
  const flags = testFlags
    .filter((flag) => flag.key !== options.without)
    .map((flag) =>
      flag.key === 'max-projects' && options.few !== undefined
        ? { ...flag, variants: { ...flag.variants, few: options.few } }
        : flag,
    );
  return server.engine.rules.publish(server.workspace.id, {
    source: 'api',
    content: [{ id: 'hello', type: 'banner', fields: { title: 'Hello' } }],
    placements: [{ id: 'banner', default: 'hello' }],
    flags: [...flags, ...(options.extra ?? [])],
  } as never);
}

before(async () => {
  server = await startTestServer({ clock });
  await publish();
});
after(async () => {
  for (const stream of streams) stream.close();
  for (const socket of sockets) socket.terminate();
  await server.close();
});

const token = (userId: string) => signUserToken(userId, server.workspace.identitySecret);
const query = (userId: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    writeKey: server.workspace.writeKey,
    userId,
    token: token(userId),
    ...extra,
  });

async function openStream(userId: string, extra: Record<string, string>): Promise<SseStream> {
  const stream = await openSseStream(
    `${server.url}/client/v1/decisions/stream?${query(userId, extra)}`,
  );
  streams.push(stream);
  return stream;
}

async function nextOf(stream: SseStream, timeoutMs = 3000): Promise<Pushed> {
  const event = await stream.next(timeoutMs);
  assert.equal(event.event, 'decisions');
  return { id: event.id, ...(JSON.parse(event.data) as Omit<Pushed, 'id'>) };
}

const valueOf = (pushed: Pushed, key: string) => pushed.flags?.[key]?.['value'];

describe('flags on the server-sent events stream', () => {
  test('full state first; an event that changes targeting pushes only the changed flags', async () => {
    const stream = await openStream('ada', { flags: 'welcome-copy,max-projects,new-checkout' });
    const first = await nextOf(stream);
    assert.equal(first.full, true);
    assert.deepEqual(Object.keys(first.decisions), ['banner']);
    assert.deepEqual(first.flags, {
      'welcome-copy': { value: 'Welcome!', reason: 'DEFAULT', variant: 'standard' },
      'max-projects': { value: 3, reason: 'DEFAULT', variant: 'few' },
      'new-checkout': { value: false, reason: 'DEFAULT', variant: 'off' },
    });

    await sendBatch(server, [{ type: 'track', userId: 'ada', event: 'Page Viewed' }]);
    await assert.rejects(stream.next(300), { code: 'SSE_TIMEOUT' }, 'no flag changed');
    await sendBatch(server, [{ type: 'identify', userId: 'ada', traits: { plan: 'pro' } }]);
    const pushed = await nextOf(stream);
    assert.equal(pushed.full, false);
    assert.deepEqual(pushed.decisions, {});
    assert.deepEqual(pushed.flags, {
      'welcome-copy': { value: 'Welcome back!', reason: 'TARGETING_MATCH', variant: 'pro' },
      'max-projects': { value: 50, reason: 'TARGETING_MATCH', variant: 'many' },
    });
    assert.notEqual(pushed.id.split('.')[2], first.id.split('.')[2], 'flags are in the digest');
    stream.close();
  });

  test('a config change re-pushes the changed flag; a removed flag is null', async () => {
    const stream = await openStream('bob', { flags: 'all' });
    const first = await nextOf(stream);
    assert.equal(Object.keys(first.flags ?? {}).length, testFlags.length);
    await publish({ few: 5 });
    const changed = await nextOf(stream);
    assert.deepEqual(changed.decisions, {});
    assert.deepEqual(changed.flags, {
      'max-projects': { value: 5, reason: 'DEFAULT', variant: 'few' },
    });
    await publish({ without: 'onboarding-layout' });
    const removed = await nextOf(stream);
    assert.deepEqual(removed.flags, {
      'max-projects': { value: 3, reason: 'DEFAULT', variant: 'few' },
      'onboarding-layout': null,
    });

    // A subscription naming the flag keeps going without it.
    const named = await openStream('bob', { flags: 'max-projects,welcome-copy' });
    await nextOf(named);
    await publish({ without: 'welcome-copy' });
    const dropped = await nextOf(named);
    assert.deepEqual(dropped.flags, { 'welcome-copy': null });
    await nextOf(stream);
    await publish();
    await nextOf(stream);
    await assert.rejects(named.next(300), { code: 'SSE_TIMEOUT' }, 'it no longer asks for it');
    stream.close();
    named.close();
  });

  test('a scheduled flag change is pushed when its time comes', async () => {
    const at = clock.now() + 3_600_000;
    await publish({
      extra: [
        {
          key: 'launch',
          type: 'boolean',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          schedule: [{ at, defaultVariant: 'on' }],
        },
      ],
    });
    const stream = await openStream('carol', { flags: 'launch' });
    assert.equal(valueOf(await nextOf(stream), 'launch'), false);
    clock.advance(3_600_000 - 1);
    await server.engine.runDueTimers();
    await assert.rejects(stream.next(200), { code: 'SSE_TIMEOUT' }, 'not yet');
    clock.advance(1);
    await server.engine.runDueTimers();
    const launched = await nextOf(stream);
    assert.deepEqual(launched.flags, { launch: { value: true, reason: 'DEFAULT', variant: 'on' } });
    stream.close();
    await publish();
  });

  test('without `flags`, no flags; bad `flags` get the 400s of decide', async () => {
    const plain = await openStream('dave', {});
    assert.equal((await nextOf(plain)).flags, undefined);
    plain.close();
    const fieldsOf = async (extra: Record<string, string>) => {
      const response = await fetch(
        `${server.url}/client/v1/decisions/stream?${query('dave', extra)}`,
      );
      const body = (await response.json()) as { errors: { field: string }[] };
      return [response.status, body.errors.map((error) => error.field)];
    };
    assert.deepEqual(await fieldsOf({ flags: 'welcome-copy,nope' }), [
      400,
      ['querystring.flags.1'],
    ]);
    assert.deepEqual(await fieldsOf({ flags: 'x'.repeat(10_201) }), [400, ['querystring.flags']]);
    const many = Array.from({ length: 101 }, () => 'max-projects').join(',');
    assert.deepEqual(await fieldsOf({ flags: many }), [400, ['querystring.flags']]);
  });
});

describe('flags over the WebSocket', () => {
  async function openSocket(userId: string, extra: Record<string, string>) {
    const url = `${server.url.replace('http', 'ws')}/client/v1/decisions/ws?${query(userId, extra)}`;
    const opened = await openWebSocket(url);
    assert.ok(opened.ok, opened.ok ? '' : `refused: ${opened.status} ${opened.body}`);
    sockets.push(opened.socket);
    return opened.socket;
  }

  test('a context message changes the flags and their context; bad ones get errors', async () => {
    const socket = await openSocket('erin', { flags: 'welcome-copy' });
    const first = await socket.next();
    assert.deepEqual(Object.keys(first.flags as Json), ['welcome-copy']);

    socket.send({ type: 'context', flags: ['welcome-copy', 'onboarding-layout'] });
    const both = await socket.next();
    assert.equal(both.full, true);
    assert.deepEqual(Object.keys(both.flags as Json), ['welcome-copy', 'onboarding-layout']);
    socket.send({ type: 'context', context: { device: 'desktop', country: 'FR' } });
    const moved = (await socket.next()).flags as Record<string, Json>;
    assert.equal(moved['welcome-copy']?.['value'], 'Bienvenue !');
    assert.deepEqual(moved['onboarding-layout']?.['value'], { columns: 3 });
    socket.send({ type: 'context', flags: false });
    assert.equal((await socket.next()).flags, undefined);
    socket.send({ type: 'context', flags: true });
    assert.equal(Object.keys((await socket.next()).flags as Json).length, testFlags.length);

    const errorOf = async (message: unknown) => {
      socket.send(message);
      const reply = await socket.next();
      assert.equal(reply.type, 'error');
      assert.equal(reply.code, 'ONR_VALIDATION');
      return (reply.errors as { field: string }[]).map((error) => error.field);
    };
    assert.deepEqual(await errorOf({ type: 'context', flags: 'all' }), ['flags']);
    assert.deepEqual(await errorOf({ type: 'context', flags: { a: 1 } }), ['flags']);
    assert.deepEqual(await errorOf({ type: 'context', flags: ['max-projects', 3] }), ['flags.1']);
    assert.deepEqual(await errorOf({ type: 'context', flags: ['max-projects', 'nope'] }), [
      'flags.1',
    ]);
    assert.deepEqual(
      await errorOf({ type: 'context', flags: Array.from({ length: 101 }, () => 'x') }),
      ['flags'],
    );
    await sendBatch(server, [{ type: 'identify', userId: 'erin', traits: { plan: 'team' } }]);
    const pushed = await socket.next();
    assert.equal(pushed.type, 'decisions', 'still subscribed with every flag');
    assert.deepEqual(Object.keys(pushed.flags as Json), ['max-projects']);
    socket.close();
  });

  test('a bad `flags` query is refused before the upgrade', async () => {
    const url = `${server.url.replace('http', 'ws')}/client/v1/decisions/ws?${query('erin', { flags: 'nope' })}`;
    const opened = await openWebSocket(url);
    if (opened.ok) {
      sockets.push(opened.socket);
      assert.fail('upgraded');
    }
    assert.equal(opened.status, 400);
    const body = JSON.parse(opened.body) as { errors: { field: string }[] };
    assert.deepEqual(
      body.errors.map((error) => error.field),
      ['querystring.flags.0'],
    );
  });
});
