import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';

type Json = Record<string, unknown>;

const other = {
  id: 'other-workspace',
  name: 'Other',
  writeKey: 'wk_other_workspace_key',
  adminKey: 'ak_other_workspace_key',
  identitySecret: 'is_other',
};

let server: TestServer;

before(async () => {
  // A second workspace in the same engine, to prove a key reads only its own workspace.
  server = await startTestServer({ otherWorkspaces: [other] });

  await ingest('identify', { userId: 'u-1', anonymousId: 'anon-1', traits: { plan: 'pro' } });
  for (let i = 0; i < 5; i++)
    await ingest('track', { userId: 'u-1', event: 'Report Created', properties: { i } });
  await waitForVersion('u-1', 6);
});

after(async () => {
  await server.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function ingest(path: 'identify' | 'track' | 'batch', body: Json): Promise<Response> {
  return fetch(`${server.url}/v1/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
}

async function waitForVersion(userId: string, version: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const profile = (await server.engine.getProfile(server.workspace.id, { userId })) as
      Json | undefined;
    if (typeof profile?.version === 'number' && profile.version >= version) return;
    if (Date.now() > deadline)
      throw new Error(`profile of ${userId} never reached version ${version}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function get(
  path: string,
  headers: Record<string, string> = bearer(server.workspace.adminKey),
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, { headers });
  return {
    status: response.status,
    body: (await response.json()) as Json,
    headers: response.headers,
  };
}

function fieldsOf(body: Json): string[] {
  return ((body.errors ?? []) as { field: string }[]).map((error) => error.field);
}

describe('authentication', () => {
  test('401 without a key, with a wrong key, or with the write key', async () => {
    for (const headers of [
      {},
      bearer('ak_wrong'),
      bearer(server.workspace.writeKey),
      { authorization: 'Token something' },
    ]) {
      const { status, body, headers: replyHeaders } = await get('/admin/v1/workspace', headers);
      assert.equal(status, 401);
      assert.equal(body.code, 'ONR_UNAUTHORIZED');
      assert.match(replyHeaders.get('www-authenticate') ?? '', /^Bearer/);
    }
  });

  test('401 comes before validation: no schema details for strangers', async () => {
    const { status } = await get('/admin/v1/profiles/bogus/x?nope=1', {});
    assert.equal(status, 401);
  });

  test('accepts Basic with the admin key as username', async () => {
    const basic = `Basic ${Buffer.from(`${server.workspace.adminKey}:`).toString('base64')}`;
    const { status, body } = await get('/admin/v1/workspace', { authorization: basic });
    assert.equal(status, 200);
    assert.equal(body.id, server.workspace.id);
  });

  test("another workspace's admin key reads only its own workspace", async () => {
    const { status, body } = await get('/admin/v1/workspace', bearer(other.adminKey));
    assert.equal(status, 200);
    assert.deepEqual(body, { id: other.id, name: other.name, writeKey: other.writeKey });
    assert.equal((await get('/admin/v1/profiles/user/u-1', bearer(other.adminKey))).status, 404);
    assert.equal(
      (await get('/admin/v1/profiles/user/u-1/events', bearer(other.adminKey))).status,
      404,
    );
    const letters = await get('/admin/v1/dead-letters', bearer(other.adminKey));
    assert.deepEqual(letters.body.deadLetters, []);
  });
});

test('GET /workspace shows the write key, never the admin key or identity secret', async () => {
  const { status, body } = await get('/admin/v1/workspace');
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body).sort(), ['id', 'name', 'writeKey']);
  assert.equal(body.writeKey, server.workspace.writeKey);
  const text = JSON.stringify(body);
  assert.ok(
    !text.includes(server.workspace.adminKey) && !text.includes(server.workspace.identitySecret),
  );
});

test('GET /profiles/:kind/:id finds a profile by userId, anonymousId and profile id', async () => {
  const byUser = await get('/admin/v1/profiles/user/u-1');
  assert.equal(byUser.status, 200);
  assert.equal((byUser.body.traits as Json).plan, 'pro');
  assert.equal(byUser.body.userId, 'u-1');
  assert.ok(typeof byUser.body.profileId === 'string' && byUser.body.profileId !== '');
  const metrics = byUser.body.metrics as { events: Record<string, { total: number }> };
  assert.equal(metrics.events['Report Created']?.total, 5, 'nested fields survive serialization');

  const byAnonymous = await get('/admin/v1/profiles/anonymous/anon-1');
  assert.equal(byAnonymous.status, 200);
  assert.equal(byAnonymous.body.profileId, byUser.body.profileId);

  const byProfile = await get(
    `/admin/v1/profiles/profile/${encodeURIComponent(String(byUser.body.profileId))}`,
  );
  assert.equal(byProfile.status, 200);
  assert.deepEqual(byProfile.body, byUser.body);
});

test('404 for an unknown profile', async () => {
  const { status, body } = await get('/admin/v1/profiles/user/nobody');
  assert.equal(status, 404);
  assert.equal(body.code, 'ONR_NOT_FOUND');
  assert.equal((await get('/admin/v1/profiles/user/nobody/events')).status, 404);
});

test('GET /profiles/:kind/:id/events pages backwards through all events', async () => {
  const offsets: number[] = [];
  let path = '/admin/v1/profiles/user/u-1/events?limit=2';
  for (let pages = 0; pages < 10; pages++) {
    const { status, body } = await get(path);
    assert.equal(status, 200);
    const events = body.events as { offset: number; event: Json }[];
    assert.ok(events.length <= 2);
    offsets.push(...events.map((entry) => entry.offset));
    if (body.nextBefore === undefined) break;
    path = `/admin/v1/profiles/user/u-1/events?limit=2&before=${String(body.nextBefore)}`;
  }
  assert.equal(offsets.length, 6, 'identify + 5 tracks');
  assert.deepEqual(
    offsets,
    [...offsets].sort((a, b) => b - a),
    'newest first',
  );
  assert.equal(new Set(offsets).size, 6, 'no event twice');

  const { body } = await get('/admin/v1/profiles/user/u-1/events?limit=1');
  const [newest] = body.events as { event: Json }[];
  assert.equal(newest?.event.event, 'Report Created');
  assert.equal(typeof newest?.event.timestamp, 'string', 'times as ISO 8601');
});

test('GET /dead-letters lists refused messages with the field at fault, paged', async () => {
  const response = await ingest('batch', {
    batch: [
      { type: 'track', userId: 'u-2', event: 'Fine' },
      { type: 'track', userId: 'u-2' },
      { type: 'track', event: 'No Identity' },
    ],
  });
  assert.ok(response.status < 500, await response.text());

  const { status, body } = await get('/admin/v1/dead-letters?limit=1');
  assert.equal(status, 200);
  const [newest] = body.deadLetters as Json[];
  assert.ok(newest !== undefined);
  assert.equal(typeof newest.receivedAt, 'string');
  assert.ok(Array.isArray(newest.errors) && newest.errors.length > 0);
  assert.equal(typeof body.nextBefore, 'number');

  const next = await get(`/admin/v1/dead-letters?limit=10&before=${String(body.nextBefore)}`);
  const older = next.body.deadLetters as Json[];
  assert.equal(older.length, 1);
  assert.equal(next.body.nextBefore, undefined);
  const fields = [newest, ...older].flatMap((letter) =>
    (letter.errors as { field: string }[]).map((e) => e.field),
  );
  assert.ok(
    fields.some((field) => field.includes('event')),
    `fields: ${fields.join(', ')}`,
  );
});

describe('validation', () => {
  test('an unknown kind is a 400 naming params.kind', async () => {
    const { status, body } = await get('/admin/v1/profiles/company/acme');
    assert.equal(status, 400);
    assert.equal(body.code, 'ONR_VALIDATION');
    assert.deepEqual(fieldsOf(body), ['params.kind']);
    assert.match(String(body.message), /user, anonymous, profile/);
  });

  test('unknown query fields are a 400 naming them', async () => {
    const events = await get('/admin/v1/profiles/user/u-1/events?limt=5');
    assert.equal(events.status, 400);
    assert.deepEqual(fieldsOf(events.body), ['querystring.limt']);
    const workspace = await get('/admin/v1/workspace?verbose=1');
    assert.equal(workspace.status, 400);
    assert.deepEqual(fieldsOf(workspace.body), ['querystring.verbose']);
  });

  test('limit must be an integer from 1 to 500; before a non-negative integer', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'limit=1.5']) {
      const { status, body } = await get(`/admin/v1/dead-letters?${query}`);
      assert.equal(status, 400, query);
      assert.deepEqual(fieldsOf(body), ['querystring.limit'], query);
    }
    const { status, body } = await get('/admin/v1/dead-letters?before=-1');
    assert.equal(status, 400);
    assert.deepEqual(fieldsOf(body), ['querystring.before']);
    assert.equal((await get('/admin/v1/dead-letters?limit=500')).status, 200);
  });
});

test('the OpenAPI document lists the admin, realtime and health routes', async () => {
  const response = await fetch(`${server.url}/openapi.json`);
  assert.equal(response.status, 200);
  const document = (await response.json()) as { paths: Record<string, Record<string, Json>> };
  for (const path of [
    '/admin/v1/workspace',
    '/admin/v1/profiles/{kind}/{id}',
    '/admin/v1/profiles/{kind}/{id}/events',
    '/admin/v1/dead-letters',
    '/client/v1/stream',
    '/healthz',
    '/readyz',
    '/metrics',
  ]) {
    assert.ok(document.paths[path]?.get !== undefined, `${path} is documented`);
  }
  const profile = document.paths['/admin/v1/profiles/{kind}/{id}']?.get;
  assert.deepEqual(profile?.tags, ['admin']);
  assert.deepEqual(profile?.security, [{ adminKey: [] }]);
  assert.deepEqual(document.paths['/client/v1/stream']?.get?.tags, ['realtime']);
});
