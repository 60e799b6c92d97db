import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, type AdminClient, type Json } from '../admin/admin-test-client.js';
import { signUserToken } from '../realtime/user-token.js';
import { testFlags } from './flag-fixtures.js';

let server: TestServer;
let admin: AdminClient;

before(async () => {
  server = await startTestServer();
  admin = adminClient(server);
  const published = await admin.call('PUT', '/flags', { flags: testFlags });
  assert.equal(published.status, 200, JSON.stringify(published.body));
  await admin.ingest({ type: 'identify', userId: 'u-pro', traits: { plan: 'pro' } });
  await admin.ingest({ type: 'identify', anonymousId: 'anon-1', traits: { plan: 'pro' } });
  await server.engine.flush();
});

after(async () => {
  await server.close();
});

interface Call {
  status: number;
  body: Json | undefined;
  headers: Headers;
}

async function ofrep(
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${server.workspace.adminKey}` },
): Promise<Call> {
  const response = await fetch(`${server.url}/ofrep/v1/evaluate/flags${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as Json),
    headers: response.headers,
  };
}

const browser = (userId?: string): Record<string, string> => ({
  'x-api-key': server.workspace.writeKey,
  ...(userId === undefined
    ? {}
    : { 'x-onramp-user-token': signUserToken(userId, server.workspace.identitySecret) }),
});

describe('OFREP single evaluation', () => {
  test('reads the stored profile of the targeting key and the context attributes', async () => {
    const pro = await ofrep('/welcome-copy', { context: { targetingKey: 'u-pro' } });
    assert.equal(pro.status, 200);
    assert.deepEqual(pro.body, {
      key: 'welcome-copy',
      value: 'Welcome back!',
      reason: 'TARGETING_MATCH',
      variant: 'pro',
      metadata: { owner: 'growth' },
    });
    const french = await ofrep('/welcome-copy', {
      context: { targetingKey: 'new', country: 'FR' },
    });
    assert.deepEqual([french.body?.value, french.body?.reason], ['Bienvenue !', 'TARGETING_MATCH']);
    const plain = await ofrep('/welcome-copy', { context: { targetingKey: 'new' } });
    assert.deepEqual([plain.body?.value, plain.body?.reason], ['Welcome!', 'DEFAULT']);
  });

  test('a rollout is sticky per targeting key, and needs one', async () => {
    const first = await ofrep('/new-checkout', { context: { targetingKey: 'user-2' } });
    assert.deepEqual([first.body?.value, first.body?.reason], [true, 'SPLIT']);
    const again = await ofrep('/new-checkout', { context: { targetingKey: 'user-2' } });
    assert.deepEqual(again.body, first.body);
    const out = await ofrep('/new-checkout', { context: { targetingKey: 'user-1' } });
    assert.deepEqual([out.body?.value, out.body?.reason], [false, 'DEFAULT']);
    const none = await ofrep('/new-checkout', { context: {} });
    assert.equal(none.status, 400);
    assert.equal(none.body?.errorCode, 'TARGETING_KEY_MISSING');
    assert.equal(none.body?.key, 'new-checkout');
  });

  test('an unknown flag is 404 FLAG_NOT_FOUND, prototype names included', async () => {
    for (const key of ['nope', '__proto__', 'constructor', 'toString']) {
      const reply = await ofrep(`/${key}`, { context: { targetingKey: 'u1' } });
      assert.equal(reply.status, 404, key);
      assert.deepEqual([reply.body?.key, reply.body?.errorCode], [key, 'FLAG_NOT_FOUND']);
    }
  });

  test('bad bodies and contexts are 400 with OFREP error codes', async () => {
    const cases: [unknown, string][] = [
      ['{"context": ', 'PARSE_ERROR'],
      ['{"context": {"__proto__": {"admin": true}}}', 'PARSE_ERROR'],
      [[1, 2], 'PARSE_ERROR'],
      [{ context: 'u1' }, 'INVALID_CONTEXT'],
      [{ context: [] }, 'INVALID_CONTEXT'],
      [{ context: { targetingKey: 42 } }, 'INVALID_CONTEXT'],
      [{ context: { targetingKey: 'x'.repeat(201) } }, 'INVALID_CONTEXT'],
      [{ context: { targetingKey: 'u1', anonymous: 'yes' } }, 'INVALID_CONTEXT'],
      [
        { context: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } },
        'INVALID_CONTEXT',
      ],
    ];
    for (const [body, code] of cases) {
      const reply = await ofrep('/welcome-copy', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body?.errorCode, code, JSON.stringify(body));
      assert.equal(reply.body?.key, 'welcome-copy');
      assert.equal(typeof reply.body?.errorDetails, 'string');
    }
    assert.equal(({} as Json)['admin'], undefined);
  });

  test('keys: none, unknown or of another kind are 401; a token for another user is 403', async () => {
    const context = { context: { targetingKey: 'u-pro' } };
    assert.equal((await ofrep('/welcome-copy', context, {})).status, 401);
    assert.equal((await ofrep('/welcome-copy', context, { 'x-api-key': 'nope' })).status, 401);
    const asAdmin = { authorization: `Bearer ${server.workspace.writeKey}`, 'x-api-key': 'no' };
    assert.equal((await ofrep('/welcome-copy', context, asAdmin)).status, 401);
    const noToken = await ofrep('/welcome-copy', context, browser());
    assert.equal(noToken.status, 401);
    assert.deepEqual(noToken.body?.errors, [
      {
        field: 'headers.x-onramp-user-token',
        message: "is required: the app's backend signs it (HMAC-SHA256 of userId)",
      },
    ]);
    const otherToken = {
      ...browser(),
      'x-onramp-user-token': signUserToken('someone-else', server.workspace.identitySecret),
    };
    assert.equal((await ofrep('/welcome-copy', context, otherToken)).status, 403);
    const ok = await ofrep('/welcome-copy', context, browser('u-pro'));
    assert.deepEqual([ok.status, ok.body?.variant], [200, 'pro']);
  });

  test('browsers evaluate anonymous visitors without a token, until they sign up', async () => {
    const anonymous = { context: { targetingKey: 'anon-1', anonymous: true } };
    const reply = await ofrep('/welcome-copy', anonymous, browser());
    assert.deepEqual([reply.status, reply.body?.variant], [200, 'pro']);
    await admin.ingest({ type: 'identify', anonymousId: 'anon-2', userId: 'u-2' });
    await server.engine.flush();
    const known = { context: { targetingKey: 'anon-2', anonymous: true } };
    assert.equal((await ofrep('/welcome-copy', known, browser())).status, 403);
    const withoutKey = await ofrep('/welcome-copy', { context: {} }, browser());
    assert.deepEqual([withoutKey.status, withoutKey.body?.reason], [200, 'DEFAULT']);
  });
});

describe('OFREP bulk evaluation', () => {
  test('evaluates every flag, per-flag errors included, with an ETag and 304', async () => {
    const first = await ofrep('', { context: { targetingKey: 'u-pro' } });
    assert.equal(first.status, 200);
    const flags = first.body?.flags as Json[];
    assert.deepEqual(
      flags.map((flag) => flag.key),
      testFlags.map((flag) => flag.key),
    );
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[\w-]{27}"$/);
    assert.equal(first.headers.get('access-control-expose-headers'), 'ETag');
    const same = await ofrep(
      '',
      { context: { targetingKey: 'u-pro' } },
      {
        authorization: `Bearer ${server.workspace.adminKey}`,
        'if-none-match': `W/${etag}`,
      },
    );
    assert.deepEqual([same.status, same.body, same.headers.get('etag')], [304, undefined, etag]);
    const other = await ofrep(
      '',
      { context: { targetingKey: 'u-other' } },
      {
        authorization: `Bearer ${server.workspace.adminKey}`,
        'if-none-match': etag ?? '',
      },
    );
    assert.equal(other.status, 200);
    assert.notEqual(other.headers.get('etag'), etag);
    const anonymous = await ofrep('', {});
    const checkout = (anonymous.body?.flags as Json[]).find((f) => f.key === 'new-checkout');
    assert.deepEqual(checkout?.errorCode, 'TARGETING_KEY_MISSING');
  });

  test('a config change changes the answer and its ETag', async () => {
    const before = await ofrep('', { context: { targetingKey: 'u-pro' } });
    const welcome = testFlags[0];
    assert.ok(welcome);
    const kill = { ...welcome, enabled: false };
    const changed = await admin.call('PUT', `/flags/${kill.key}`, kill);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const after = await ofrep(
      '',
      { context: { targetingKey: 'u-pro' } },
      {
        authorization: `Bearer ${server.workspace.adminKey}`,
        'if-none-match': before.headers.get('etag') ?? '',
      },
    );
    assert.equal(after.status, 200);
    const flag = (after.body?.flags as Json[])[0];
    assert.deepEqual([flag?.reason, flag?.value], ['DISABLED', 'Welcome!']);
    await admin.call('PUT', `/flags/${kill.key}`, welcome);
  });

  test('bad bodies are 400 without a key', async () => {
    const reply = await ofrep('', '{not json');
    assert.deepEqual([reply.status, reply.body?.errorCode], [400, 'PARSE_ERROR']);
    assert.equal(reply.body?.key, undefined);
  });
});

describe('OFREP and consent', () => {
  test('without consent for personalization, the stored profile is not read', async () => {
    const settings = await admin.call('PUT', '/content-settings', {
      consentCategory: 'personalization',
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    await admin.ingest({
      type: 'identify',
      userId: 'u-private',
      traits: { plan: 'pro' },
      context: { consent: { categoryPreferences: { personalization: false } } },
    });
    await admin.ingest({
      type: 'identify',
      userId: 'u-open',
      traits: { plan: 'pro' },
      context: { consent: { categoryPreferences: { personalization: true } } },
    });
    await server.engine.flush();
    const denied = await ofrep('/welcome-copy', { context: { targetingKey: 'u-private' } });
    assert.deepEqual([denied.body?.variant, denied.body?.reason], ['standard', 'DEFAULT']);
    const fromContext = await ofrep('/welcome-copy', {
      context: { targetingKey: 'u-private', country: 'FR' },
    });
    assert.equal(fromContext.body?.variant, 'fr');
    const granted = await ofrep('/welcome-copy', { context: { targetingKey: 'u-open' } });
    assert.equal(granted.body?.variant, 'pro');
    await admin.call('PUT', '/content-settings', {});
  });
});

describe('OFREP provider configuration', () => {
  const configuration = (headers: Record<string, string>) =>
    fetch(`${server.url}/ofrep/v1/configuration`, { headers });

  test('tells what the server supports, to a server key or a write key', async () => {
    const callers: Record<string, string>[] = [
      { authorization: `Bearer ${server.workspace.adminKey}` },
      { 'x-api-key': server.workspace.writeKey },
      {
        authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
      },
    ];
    for (const headers of callers) {
      const response = await configuration(headers);
      assert.equal(response.status, 200, JSON.stringify(headers));
      assert.deepEqual(await response.json(), {
        name: 'onramp',
        capabilities: {
          cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
          flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
          caching: { enabled: false },
        },
      });
      assert.match(response.headers.get('etag') ?? '', /^"[\w-]{27}"$/);
    }
  });

  test('answers 304 to If-None-Match naming its ETag, 200 to another', async () => {
    const bearer = { authorization: `Bearer ${server.workspace.adminKey}` };
    const etag = (await configuration(bearer)).headers.get('etag') as string;
    const same = await configuration({ ...bearer, 'if-none-match': `"other", W/${etag}` });
    assert.equal(same.status, 304);
    assert.equal(await same.text(), '');
    const other = await configuration({ ...bearer, 'if-none-match': '"other"' });
    assert.equal(other.status, 200);
  });

  test('refuses a request without a key or with a wrong one', async () => {
    const callers: Record<string, string>[] = [
      {},
      { 'x-api-key': 'not-a-write-key' },
      { authorization: 'Bearer not-a-secret-key' },
    ];
    for (const headers of callers) {
      const response = await configuration(headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(body.code, 'ONR_UNAUTHORIZED');
      const expected = headers.authorization
        ? /Unknown secret key/
        : headers['x-api-key']
          ? /Unknown write key/
          : /Missing key/;
      assert.match(body.message, expected);
    }
  });
});
