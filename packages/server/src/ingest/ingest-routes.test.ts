import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { jsonErrorPosition } from './ingest-body.js';

/* Segment's HTTP Tracking API against the real engine (SQLite), over real HTTP. */

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  body: any;
}

function basic(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

async function post(
  path: string,
  body: unknown,
  options: { auth?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const auth = options.auth === undefined ? basic(server.workspace.writeKey) : options.auth;
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth === null ? {} : { authorization: auth }),
      ...options.headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** The stored events of a user, once the processor has applied `count` of them. */
async function eventsOf(userId: string, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const page = await server.engine.listProfileEvents(
      server.workspace.id,
      { userId },
      { limit: 500 },
    );
    const events = page?.events.map((entry) => entry.event) ?? [];
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const newUser = (): string => `user-${randomUUID()}`;

describe('single-message endpoints', () => {
  test('every endpoint answers 200 {"success":true} and stores the event', async () => {
    const userId = newUser();
    const bodies: Record<string, Record<string, unknown>> = {
      track: { userId, event: 'Signed Up', properties: { plan: 'pro' } },
      identify: { userId, traits: { role: 'admin' } },
      page: { userId, name: 'Home', category: 'Docs', properties: { path: '/' } },
      screen: { userId, name: 'Dashboard' },
      group: { userId, groupId: 'acme', traits: { size: 20 } },
      alias: { userId, previousId: `anon-${randomUUID()}` },
    };
    for (const [type, body] of Object.entries(bodies)) {
      const reply = await post(`/v1/${type}`, body);
      assert.equal(reply.status, 200, `${type}: ${JSON.stringify(reply.body)}`);
      assert.deepEqual(reply.body, { success: true });
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    }
    const events = await eventsOf(userId, 6);
    assert.deepEqual(events.map((event) => event.type).sort(), Object.keys(bodies).sort());
    const track = events.find((event) => event.type === 'track');
    assert.equal(track?.event, 'Signed Up');
    assert.deepEqual(track?.properties, { plan: 'pro' });
  });

  test('the endpoint sets the type; a different type in the body is refused', async () => {
    const reply = await post('/v1/track', { type: 'identify', userId: newUser(), event: 'x' });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.code, 'ONR_VALIDATION');
    assert.equal(reply.body.errors[0].field, 'type');
  });

  test('wrong types are refused with the field at fault', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ userId: {}, event: 'e' }, 'userId'],
      [{ userId: 'u', event: 5 }, 'event'],
      [{ userId: 'u', event: 'e', properties: [] }, 'properties'],
      [{ event: 'e' }, 'userId'],
    ];
    for (const [body, field] of cases) {
      const reply = await post('/v1/track', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.success, false);
      assert.equal(reply.body.code, 'ONR_VALIDATION');
      assert.deepEqual(
        reply.body.rejected.map((r: { index: number }) => r.index),
        [0],
      );
      assert.ok(
        reply.body.errors.some((error: { field: string }) => error.field === field),
        `${field} in ${JSON.stringify(reply.body.errors)}`,
      );
    }
  });

  test('a body that is not an object is refused naming body', async () => {
    for (const body of ['[1,2]', '"text"', '42']) {
      const reply = await post('/v1/track', body);
      assert.equal(reply.status, 400, body);
      assert.equal(reply.body.errors[0].field, 'body');
    }
  });

  test('a duplicate messageId is accepted and stored once', async () => {
    const userId = newUser();
    const messageId = randomUUID();
    const body = { userId, event: 'Clicked', messageId };
    assert.equal((await post('/v1/track', body)).status, 200);
    assert.equal((await post('/v1/track', body)).status, 200);
    const batch = await post('/v1/batch', { batch: [{ ...body, type: 'track' }] });
    assert.deepEqual(batch.body, { success: true });
    await post('/v1/track', { userId, event: 'Marker' });
    const events = await eventsOf(userId, 2);
    assert.equal(events.filter((event) => event.messageId === messageId).length, 1);
    const profile = await server.engine.getProfile(server.workspace.id, { userId });
    assert.ok(profile !== undefined);
  });
});

describe('authentication', () => {
  test('the write key as Basic username, with or without a password', async () => {
    const key = server.workspace.writeKey;
    for (const auth of [basic(key), `Basic ${Buffer.from(`${key}:ignored`).toString('base64')}`]) {
      const reply = await post('/v1/track', { userId: newUser(), event: 'e' }, { auth });
      assert.equal(reply.status, 200);
    }
  });

  test('the raw write key after "Basic " (as some analytics-next versions send it)', async () => {
    const reply = await post(
      '/v1/track',
      { userId: newUser(), event: 'e' },
      { auth: `Basic ${server.workspace.writeKey}` },
    );
    assert.equal(reply.status, 200);
  });

  test('writeKey in the body, for single messages and batches', async () => {
    const writeKey = server.workspace.writeKey;
    const single = await post(
      '/v1/track',
      { writeKey, userId: newUser(), event: 'e' },
      { auth: null },
    );
    assert.equal(single.status, 200);
    const batch = await post(
      '/v1/batch',
      { writeKey, batch: [{ type: 'track', userId: newUser(), event: 'e' }] },
      { auth: null },
    );
    assert.equal(batch.status, 200);
    // A Bearer token (OAuth, not supported) falls back to the body key, as analytics-node sends both.
    const bearer = await post(
      '/v1/track',
      { writeKey, userId: newUser(), event: 'e' },
      { auth: 'Bearer abc' },
    );
    assert.equal(bearer.status, 200);
  });

  test('a missing or unknown key is 401', async () => {
    const body = { userId: newUser(), event: 'e' };
    const cases: Reply[] = [
      await post('/v1/track', body, { auth: null }),
      await post('/v1/track', body, { auth: basic('not-a-key') }),
      await post('/v1/track', { ...body, writeKey: 'not-a-key' }, { auth: null }),
      await post('/v1/batch', { batch: [{ ...body, type: 'track' }] }, { auth: null }),
      // The header wins over the body: a wrong header key is refused even with a right body key.
      await post(
        '/v1/track',
        { ...body, writeKey: server.workspace.writeKey },
        { auth: basic('nope') },
      ),
    ];
    for (const reply of cases) {
      assert.equal(reply.status, 401);
      assert.equal(reply.body.success, false);
      assert.equal(reply.body.code, 'ONR_UNAUTHORIZED');
    }
  });
});

describe('body parsing', () => {
  test('malformed JSON is 400 ONR_INVALID_JSON naming body with the position', async () => {
    for (const text of ['{"userId":"u","event":}', '{"userId":"u"', '{"a":1} x', "{'a':1}"]) {
      const reply = await post('/v1/track', text);
      assert.equal(reply.status, 400, text);
      assert.equal(reply.body.code, 'ONR_INVALID_JSON');
      assert.equal(reply.body.errors[0].field, 'body');
      assert.match(reply.body.errors[0].message, /position \d+/, text);
    }
    const empty = await post('/v1/track', '');
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'ONR_INVALID_JSON');
  });

  test('text/plain bodies (what browsers send) and any other media type are read as JSON', async () => {
    for (const contentType of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
    ]) {
      const reply = await post(
        '/v1/track',
        { userId: newUser(), event: 'e' },
        { headers: { 'content-type': contentType } },
      );
      assert.equal(reply.status, 200, contentType);
    }
  });

  test('gzip, deflate and br bodies are inflated', async () => {
    const userId = newUser();
    const encoders = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    for (const [encoding, encode] of Object.entries(encoders)) {
      const body = encode(Buffer.from(JSON.stringify({ userId, event: `Zipped ${encoding}` })));
      const reply = await post('/v1/track', body, { headers: { 'content-encoding': encoding } });
      assert.equal(reply.status, 200, encoding);
    }
    const batch = gzipSync(
      Buffer.from(
        JSON.stringify({
          writeKey: server.workspace.writeKey,
          batch: [{ type: 'track', userId, event: 'In batch' }],
        }),
      ),
    );
    const reply = await post('/v1/batch', batch, {
      auth: null,
      headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
    });
    assert.equal(reply.status, 200);
    const events = await eventsOf(userId, 4);
    assert.deepEqual(events.map((event) => event.event).sort(), [
      'In batch',
      'Zipped br',
      'Zipped deflate',
      'Zipped gzip',
    ]);
  });

  test('corrupt gzip is 400, an unknown encoding 415', async () => {
    const corrupt = await post('/v1/track', Buffer.from('not gzip'), {
      headers: { 'content-encoding': 'gzip' },
    });
    assert.equal(corrupt.status, 400);
    assert.equal(corrupt.body.errors[0].field, 'body');
    const unknown = await post('/v1/track', Buffer.from('{}'), {
      headers: { 'content-encoding': 'compress' },
    });
    assert.equal(unknown.status, 415);
  });

  test('a gzip bomb is 413, with or without a key in the header', async () => {
    // 50 MB of JSON whitespace compresses to about 50 KB.
    const bomb = gzipSync(
      Buffer.concat([
        Buffer.from('{"writeKey":"x",'),
        Buffer.alloc(50 * 1024 * 1024, 0x20),
        Buffer.from('"batch":[]}'),
      ]),
    );
    assert.ok(bomb.length < 100 * 1024);
    const keyed = await post('/v1/track', bomb, { headers: { 'content-encoding': 'gzip' } });
    assert.equal(keyed.status, 413);
    assert.equal(keyed.body.code, 'ONR_PAYLOAD_TOO_LARGE');
    const unkeyed = await post('/v1/batch', bomb, {
      auth: null,
      headers: { 'content-encoding': 'gzip' },
    });
    assert.equal(unkeyed.status, 413);
    assert.equal(unkeyed.body.code, 'ONR_PAYLOAD_TOO_LARGE');
  });

  test('__proto__ keys are refused with their path and pollute nothing', async () => {
    const cases: [string, string, string][] = [
      [
        '/v1/track',
        '{"userId":"u","event":"e","properties":{"__proto__":{"polluted":"yes"}}}',
        'properties.__proto__',
      ],
      [
        '/v1/identify',
        '{"userId":"u","traits":{"a":{"b":{"__proto__":{"polluted":"yes"}}}}}',
        'traits.a.b.__proto__',
      ],
      ['/v1/track', '{"userId":"u","event":"e","__proto__":{"polluted":"yes"}}', '__proto__'],
      [
        '/v1/batch',
        '{"batch":[{"type":"track","userId":"u","event":"e"}],"__proto__":{"polluted":"yes"}}',
        '__proto__',
      ],
      [
        '/v1/batch',
        '{"batch":[{"type":"track","userId":"u","event":"e"}],"context":{"__proto__":{"polluted":"yes"}}}',
        'context.__proto__',
      ],
      [
        '/v1/batch',
        '{"batch":[{"type":"track","userId":"u","event":"e","context":{"__proto__":{"polluted":"yes"}}}]}',
        'batch[0].context.__proto__',
      ],
    ];
    for (const [path, text, field] of cases) {
      const reply = await post(path, text);
      assert.equal(reply.status, 400, text);
      const fields = [
        ...(reply.body.errors ?? []),
        ...(reply.body.rejected ?? []).flatMap((r: { errors: unknown[] }) => r.errors),
      ].map((error: { field: string }) => error.field);
      assert.ok(fields.includes(field), `${field} in ${JSON.stringify(reply.body)}`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  test('deeply nested payloads are 400, never a crash', async () => {
    const nested = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
    const reply = await post('/v1/track', `{"userId":"u","event":"e","properties":${nested}}`);
    assert.equal(reply.status, 400);
    assert.match(reply.body.errors[0].field, /^properties\.a\.a/);
    const huge = '['.repeat(10_000) + ']'.repeat(10_000);
    const deep = await post('/v1/track', `{"userId":"u","event":"e","properties":{"x":${huge}}}`);
    assert.equal(deep.status, 400);
    const health = await post('/v1/track', { userId: newUser(), event: 'still alive' });
    assert.equal(health.status, 200);
  });

  test('jsonErrorPosition finds the first syntax error', () => {
    assert.equal(jsonErrorPosition('{"a":[1,2,{"b":null}],"c":"\\u00e9"}'), -1);
    assert.equal(jsonErrorPosition('{"a":}'), 5);
    assert.equal(jsonErrorPosition('[1,]'), 3);
    assert.equal(jsonErrorPosition('{"a":1,}'), 7);
    assert.equal(jsonErrorPosition('01'), 1);
    assert.equal(jsonErrorPosition('"\\x"'), 2);
    assert.equal(jsonErrorPosition(''), 0);
    assert.equal(jsonErrorPosition('['.repeat(50_000)), 50_000);
  });
});

describe('size limits', () => {
  const big = (bytes: number): string => 'x'.repeat(bytes);

  test('a message over 32 KB is 413', async () => {
    const body = { userId: newUser(), event: 'Big', properties: { blob: big(40 * 1024) } };
    const keyed = await post('/v1/track', body);
    assert.equal(keyed.status, 413);
    assert.equal(keyed.body.code, 'ONR_PAYLOAD_TOO_LARGE');
    assert.equal(keyed.body.errors[0].field, 'body');
    const unkeyed = await post(
      '/v1/track',
      { ...body, writeKey: server.workspace.writeKey },
      { auth: null },
    );
    assert.equal(unkeyed.status, 413);
  });

  test('a batch over 500 KB is 413', async () => {
    const batch = Array.from({ length: 20 }, () => ({
      type: 'track',
      userId: newUser(),
      event: 'e',
      properties: { blob: big(30 * 1024) },
    }));
    const reply = await post('/v1/batch', { batch });
    assert.equal(reply.status, 413);
    assert.equal(reply.body.code, 'ONR_PAYLOAD_TOO_LARGE');
  });

  test('one message over 32 KB in a batch is rejected alone (207)', async () => {
    const userId = newUser();
    const reply = await post('/v1/batch', {
      batch: [
        { type: 'track', userId, event: 'small' },
        { type: 'track', userId, event: 'huge', properties: { blob: big(40 * 1024) } },
      ],
    });
    assert.equal(reply.status, 207);
    assert.equal(reply.body.accepted, 1);
    assert.deepEqual(
      reply.body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason]),
      [[1, 'too_large']],
    );
  });

  test('limits follow the workspace settings', async () => {
    const small = await startTestServer({ settings: { ingest: { maxMessageBytes: 2048 } } });
    try {
      const response = await fetch(`${small.url}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: basic(small.workspace.writeKey),
        },
        body: JSON.stringify({ userId: 'u', event: 'e', properties: { blob: big(3000) } }),
      });
      assert.equal(response.status, 413);
    } finally {
      await small.close();
    }
  });
});

describe('batches', () => {
  test('some invalid items: 207 with per-index errors, kept as dead letters', async () => {
    const userId = newUser();
    const marker = randomUUID();
    const reply = await post('/v1/batch', {
      sentAt: new Date().toISOString(),
      batch: [
        { type: 'track', userId, event: 'ok 1' },
        { type: 'track', event: 'no user', properties: { marker } },
        { type: 'identify', userId, traits: { plan: 'pro' } },
        { type: 'track', userId: {}, event: 5, properties: { marker } },
        { type: 'launch', userId },
      ],
    });
    assert.equal(reply.status, 207, JSON.stringify(reply.body));
    assert.equal(reply.body.success, false);
    assert.equal(reply.body.accepted, 2);
    const rejected = reply.body.rejected as {
      index: number;
      reason: string;
      errors: { field: string }[];
    }[];
    assert.deepEqual(
      rejected.map((r) => r.index),
      [1, 3, 4],
    );
    assert.ok(rejected[0]?.errors.some((e) => e.field === 'batch[1].userId'));
    const fields3 = rejected[1]?.errors.map((e) => e.field) ?? [];
    assert.ok(
      fields3.includes('batch[3].userId') && fields3.includes('batch[3].event'),
      JSON.stringify(fields3),
    );
    assert.ok(rejected[2]?.errors.some((e) => e.field === 'batch[4].type'));

    const events = await eventsOf(userId, 2);
    assert.deepEqual(events.map((event) => event.type).sort(), ['identify', 'track']);

    const response = await fetch(`${server.url}/admin/v1/dead-letters?limit=50`, {
      headers: { authorization: `Bearer ${server.workspace.adminKey}` },
    });
    assert.equal(response.status, 200);
    const page = (await response.json()) as {
      deadLetters: { reason: string; errors: { field: string }[]; payload: unknown }[];
    };
    const ours = page.deadLetters.filter((letter) =>
      JSON.stringify(letter.payload).includes(marker),
    );
    assert.equal(ours.length, 2);
    assert.ok(ours.every((letter) => letter.reason === 'invalid'));
    assert.ok(ours.some((letter) => letter.errors.some((e) => e.field === 'batch[1].userId')));
  });

  test('all items invalid: 400 ONR_VALIDATION with the same shape', async () => {
    const reply = await post('/v1/batch', { batch: [{ type: 'track' }, { type: 'page' }] });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.code, 'ONR_VALIDATION');
    assert.equal(reply.body.accepted, 0);
    assert.deepEqual(
      reply.body.rejected.map((r: { index: number }) => r.index),
      [0, 1],
    );
    assert.ok(typeof reply.body.message === 'string');
  });

  test('envelope errors name the field', async () => {
    const cases: [unknown, string][] = [
      [{ batch: {} }, 'batch'],
      [{ batch: [] }, 'batch'],
      [{}, 'batch'],
      [[{ type: 'track' }], 'body'],
      [{ batch: [{ type: 'track', userId: 'u', event: 'e' }], sentAt: 'yesterday' }, 'sentAt'],
      [{ batch: [{ type: 'track', userId: 'u', event: 'e' }], context: 'x' }, 'context'],
    ];
    for (const [body, field] of cases) {
      const reply = await post('/v1/batch', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.errors[0].field, field, JSON.stringify(reply.body));
    }
  });

  test("batch-level context and integrations are merged under each message's own", async () => {
    const userId = newUser();
    const reply = await post('/v1/batch', {
      context: { app: { name: 'Batch App' }, locale: 'en-US' },
      integrations: { All: false },
      batch: [
        { type: 'track', userId, event: 'plain' },
        {
          type: 'track',
          userId,
          event: 'own',
          context: { locale: 'fr-FR' },
          integrations: { Onramp: true },
        },
      ],
    });
    assert.equal(reply.status, 200);
    const events = await eventsOf(userId, 2);
    const plain = events.find((event) => event.event === 'plain');
    const own = events.find((event) => event.event === 'own');
    assert.deepEqual((plain?.context as Record<string, unknown>)?.app, { name: 'Batch App' });
    assert.equal((plain?.context as Record<string, unknown>)?.locale, 'en-US');
    assert.equal((own?.context as Record<string, unknown>)?.locale, 'fr-FR');
    assert.deepEqual((own?.context as Record<string, unknown>)?.app, { name: 'Batch App' });
    assert.deepEqual(own?.integrations, { All: false, Onramp: true });
  });
});

describe('HTTP concerns', () => {
  test('CORS: a browser origin may preflight and read the answer', async () => {
    const origin = 'https://app.example.com';
    const preflight = await fetch(`${server.url}/v1/track`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    assert.ok(allowed.includes('content-type') && allowed.includes('authorization'), allowed);

    const reply = await post(
      '/v1/track',
      { userId: newUser(), event: 'e' },
      { headers: { origin, 'content-type': 'text/plain' } },
    );
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('access-control-allow-origin'), origin);
  });

  test('requests are counted by route and status', async () => {
    await post('/v1/screen', { userId: newUser(), name: 'Metrics' });
    await post('/v1/screen', { name: 'Metrics' });
    const text = await server.engine.metrics.registry.getSingleMetricAsString(
      'onramp_ingest_requests_total',
    );
    assert.match(text, /route="\/v1\/screen",status="200"\} [1-9]/);
    assert.match(text, /route="\/v1\/screen",status="400"\} [1-9]/);
    const durations = await server.engine.metrics.registry.getSingleMetricAsString(
      'onramp_ingest_request_duration_seconds',
    );
    assert.match(durations, /route="\/v1\/screen"/);
  });

  test('the routes are documented in OpenAPI', async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    const spec = (await response.json()) as {
      paths: Record<string, { post?: { summary?: string; security?: unknown[] } }>;
    };
    for (const path of [
      '/v1/track',
      '/v1/identify',
      '/v1/page',
      '/v1/screen',
      '/v1/group',
      '/v1/alias',
      '/v1/batch',
    ]) {
      assert.ok(spec.paths[path]?.post?.summary, path);
      assert.deepEqual(spec.paths[path]?.post?.security, [{ writeKey: [] }]);
    }
  });
});
