import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, bearer, fieldsOf, type AdminClient, type Json } from './admin-test-client.js';

const other = {
  id: 'other-workspace',
  name: 'Other',
  writeKey: 'wk_other_segments_key',
  adminKey: 'ak_other_segments_admin_key',
  identitySecret: 'is_other_segments',
};

let server: TestServer;
let client: AdminClient;

before(async () => {
  // A second workspace in the same engine: its key must never see this workspace's segments.
  server = await startTestServer({ otherWorkspaces: [other] });
  client = adminClient(server);
  const { status, body } = await client.call('PUT', '/segments', {
    segments: [{ id: 'pro', condition: { 'traits.plan': 'pro' } }],
  });
  assert.equal(status, 200, JSON.stringify(body));
});

after(async () => {
  await server.close();
});

const call: AdminClient['call'] = (...args) => client.call(...args);
const workspaceId = () => server.workspace.id;

async function identify(userId: string, traits: Json): Promise<void> {
  await client.ingest({ type: 'identify', userId, traits });
}

describe('authentication and isolation', () => {
  test('401 without a key, with a wrong key or with the write key, before validation', async () => {
    for (const headers of [{}, bearer('ak_wrong_key'), bearer(server.workspace.writeKey)]) {
      for (const [method, path, body] of [
        ['POST', '/segments', { nonsense: true }],
        ['GET', '/segments'],
        ['GET', '/segments/pro/members'],
        ['GET', '/segments/passes'],
        ['POST', '/segments/backfill', {}],
        ['GET', '/cohorts/x/status'],
        ['POST', '/clusterings/x/runs'],
      ] as const) {
        const reply = await call(method, path, body, headers);
        assert.equal(reply.status, 401, `${method} ${path}`);
        assert.equal(reply.body.code, 'ONR_UNAUTHORIZED');
      }
    }
  });

  test("another workspace's key never sees or changes this workspace's segments", async () => {
    const theirs = bearer(other.adminKey);
    const config = await call('GET', '/segments', undefined, theirs);
    assert.equal(config.status, 200);
    assert.deepEqual(config.body.segments, []);
    assert.equal((await call('GET', '/segments/pro', undefined, theirs)).status, 404);
    assert.equal((await call('DELETE', '/segments/pro', undefined, theirs)).status, 404);
    assert.equal((await call('GET', '/segments/pro/members', undefined, theirs)).status, 404);
    assert.equal((await call('GET', '/segments/pro/size', undefined, theirs)).status, 404);
    const backfill = await call('POST', '/segments/backfill', { segments: ['pro'] }, theirs);
    assert.equal(backfill.status, 404);
    assert.equal((await call('GET', '/segments/pro')).status, 200, 'still there');
  });
});

describe('membership', () => {
  test('a segment on traits: members, size and each profile, after identify events', async () => {
    await identify('ada', { plan: 'pro' });
    await identify('bob', { plan: 'free' });
    await identify('cy', { plan: 'pro' });
    await server.engine.flush();

    const members = await call('GET', '/segments/pro/members');
    assert.equal(members.status, 200, JSON.stringify(members.body));
    const listed = members.body.members as Json[];
    assert.deepEqual(listed.map((m) => m.userId).sort(), ['ada', 'cy']);
    assert.ok(listed.every((m) => typeof m.profileId === 'string'));
    assert.ok(listed.every((m) => !Number.isNaN(Date.parse(String(m.since)))));
    assert.equal(members.body.nextAfter, undefined);

    const first = await call('GET', '/segments/pro/members?limit=1');
    assert.equal((first.body.members as Json[]).length, 1);
    assert.equal(typeof first.body.nextAfter, 'string');
    const second = await call(
      'GET',
      `/segments/pro/members?limit=1&after=${String(first.body.nextAfter)}`,
    );
    assert.deepEqual(
      [...(first.body.members as Json[]), ...(second.body.members as Json[])]
        .map((m) => m.userId)
        .sort(),
      ['ada', 'cy'],
    );

    const size = await call('GET', '/segments/pro/size');
    assert.equal(size.status, 200);
    assert.equal(size.body.segment, 'pro');
    assert.equal(size.body.size, 2);
    assert.equal(typeof size.body.version, 'number');

    const ada = await call('GET', '/segments/pro/members/user/ada');
    assert.equal(ada.status, 200, JSON.stringify(ada.body));
    assert.equal(ada.body.member, true);
    assert.equal(ada.body.segment, 'pro');
    assert.equal(typeof ada.body.since, 'string');
    const byProfile = await call(
      'GET',
      `/segments/pro/members/profile/${String(ada.body.profileId)}`,
    );
    assert.equal(byProfile.body.member, true);
    const bob = await call('GET', '/segments/pro/members/user/bob');
    assert.equal(bob.body.member, false);
    assert.equal(bob.body.since, undefined);

    await identify('bob', { plan: 'pro' });
    await identify('ada', { plan: 'free' });
    await server.engine.flush();
    assert.equal((await call('GET', '/segments/pro/members/user/bob')).body.member, true);
    assert.equal((await call('GET', '/segments/pro/members/user/ada')).body.member, false);
    assert.equal((await call('GET', '/segments/pro/size')).body.size, 2);
  });

  test('unknown segments, unknown profiles and bad queries', async () => {
    const unknown = await call('GET', '/segments/nope/members');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.message), /"nope"/);
    assert.equal((await call('GET', '/segments/nope/size')).status, 404);
    assert.equal((await call('GET', '/segments/nope/sizes')).status, 404);
    assert.equal((await call('GET', '/segments/nope/members/user/ada')).status, 404);
    const nobody = await call('GET', '/segments/pro/members/user/nobody');
    assert.equal(nobody.status, 404);
    assert.match(String(nobody.body.message), /nobody/);
    const kind = await call('GET', '/segments/pro/members/robot/ada');
    assert.deepEqual(fieldsOf(kind.body), ['params.kind']);
    for (const [query, field] of [
      ['limit=0', 'querystring.limit'],
      ['limit=1001', 'querystring.limit'],
      ['limit=ten', 'querystring.limit'],
      ['colour=red', 'querystring.colour'],
    ] as const) {
      const reply = await call('GET', `/segments/pro/members?${query}`);
      assert.equal(reply.status, 400, query);
      assert.deepEqual(fieldsOf(reply.body), [field], query);
    }
    const badId = await call('GET', '/segments/a:b:c/size');
    assert.deepEqual(fieldsOf(badId.body), ['params.id']);
  });

  test('size over time: samples in a period, ISO or ms; bad periods named', async () => {
    const now = server.engine.clock.now();
    await server.engine.segments.maintain();
    const recent = await call('GET', '/segments/pro/sizes');
    assert.equal(recent.status, 200, JSON.stringify(recent.body));
    const samples = recent.body.samples as Json[];
    assert.ok(samples.length >= 1, 'maintain() recorded a sample');
    assert.ok(
      samples.some((sample) => sample.size === 2),
      JSON.stringify(samples),
    );
    assert.equal(
      Date.parse(String(recent.body.to)) - Date.parse(String(recent.body.from)),
      86_400_000,
    );
    const byMs = await call(
      'GET',
      `/segments/pro/sizes?from=${now - 60_000}&to=${now + 60_000}&limit=5`,
    );
    assert.equal(byMs.status, 200);
    assert.ok((byMs.body.samples as Json[]).length >= 1);
    const before = await call('GET', '/segments/pro/sizes?to=2020-01-01T00:00:00Z');
    assert.deepEqual(before.body.samples, []);
    const bad = await call('GET', '/segments/pro/sizes?from=yesterday');
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad.body), ['querystring.from']);
    const backwards = await call('GET', `/segments/pro/sizes?from=${now}&to=${now - 1}`);
    assert.deepEqual(fieldsOf(backwards.body), ['querystring.to']);
    const limit = await call('GET', '/segments/pro/sizes?limit=0');
    assert.deepEqual(fieldsOf(limit.body), ['querystring.limit']);
  });
});

describe('background passes', () => {
  test('a segment created after its profiles exist is back-filled', async () => {
    for (let i = 0; i < 5; i++) await identify(`gold-${i}`, { tier: 'gold' });
    await identify('silver-0', { tier: 'silver' });
    await server.engine.flush();
    const created = await call('POST', '/segments', {
      id: 'gold',
      condition: { 'traits.tier': 'gold' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await server.engine.segments.idle(workspaceId());

    const members = await call('GET', '/segments/gold/members');
    assert.deepEqual((members.body.members as Json[]).map((m) => m.userId).sort(), [
      'gold-0',
      'gold-1',
      'gold-2',
      'gold-3',
      'gold-4',
    ]);
    const passes = await call('GET', '/segments/passes');
    assert.equal(passes.status, 200);
    const pass = (passes.body.passes as Json[]).find(
      (p) => p.kind === 'backfill' && p.version === created.body.version,
    );
    assert.ok(pass !== undefined, JSON.stringify(passes.body));
    assert.equal(pass.state, 'done');
    assert.ok((pass.scanned as number) >= 6, `scanned ${String(pass.scanned)}`);
    assert.ok((pass.entered as number) >= 5);
    assert.equal(typeof pass.finishedAt, 'string');
  });

  test('POST /segments/backfill queues a pass (202) that runs to the end', async () => {
    const queued = await call('POST', '/segments/backfill', { segments: ['gold', 'gold'] });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.equal(queued.body.kind, 'backfill');
    assert.deepEqual(queued.body.segments, ['gold']);
    assert.ok(['queued', 'running', 'done'].includes(String(queued.body.state)));
    assert.equal(typeof queued.body.queuedAt, 'string');
    await server.engine.segments.idle(workspaceId());
    const done = ((await call('GET', '/segments/passes')).body.passes as Json[]).find(
      (p) => p.id === queued.body.id,
    );
    assert.equal(done?.state, 'done');
    assert.ok((done?.scanned as number) >= 6);

    const empty = await fetch(`${server.url}/admin/v1/segments/backfill`, {
      method: 'POST',
      headers: bearer(server.workspace.adminKey),
    });
    assert.equal(empty.status, 202, 'no body: every segment');
    assert.equal(((await empty.json()) as Json).segments, undefined);
    await server.engine.segments.idle(workspaceId());
  });

  test('back-fill of unknown segments or with a bad body is refused', async () => {
    const unknown = await call('POST', '/segments/backfill', { segments: ['gold', 'nope'] });
    assert.equal(unknown.status, 404);
    assert.deepEqual(fieldsOf(unknown.body), ['segments.1']);
    assert.match(String(unknown.body.message), /"nope"/);
    const wrongType = await call('POST', '/segments/backfill', { segments: 'gold' });
    assert.equal(wrongType.status, 400);
    assert.deepEqual(fieldsOf(wrongType.body), ['segments']);
    const extra = await call('POST', '/segments/backfill', { segments: ['gold'], now: true });
    assert.equal(extra.status, 400);
    assert.deepEqual(fieldsOf(extra.body), ['now']);
    const badId = await call('POST', '/segments/backfill', { segments: ['no spaces'] });
    assert.deepEqual(fieldsOf(badId.body), ['segments.0']);
    const none = await call('POST', '/segments/backfill', { segments: [] });
    assert.deepEqual(fieldsOf(none.body), ['segments']);
    const malformed = await call('POST', '/segments/backfill', '{"segments":');
    assert.equal(malformed.body.code, 'ONR_INVALID_JSON');
  });
});

describe('cohorts', () => {
  test('status: population, thresholds and band sizes once ranked', async () => {
    for (let i = 1; i <= 10; i++) await identify(`scored-${i}`, { score: i * 10 });
    await server.engine.flush();
    const created = await call('POST', '/cohorts', {
      id: 'scores',
      metric: 'traits.score',
      bands: [
        { id: 'top', percent: 20 },
        { id: 'rest', percent: 80 },
      ],
      minPopulation: 5,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await server.engine.segments.idle(workspaceId());

    const status = await call('GET', '/cohorts/scores/status');
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.cohortId, 'scores');
    assert.equal(status.body.metric, 'traits.score');
    assert.equal(status.body.ready, true);
    assert.equal(status.body.size, 10);
    assert.equal((status.body.thresholds as number[]).length, 1);
    const bands = status.body.bands as Json[];
    assert.deepEqual(
      bands.map((b) => [b.id, b.membership, b.percent]),
      [
        ['top', 'scores:top', 20],
        ['rest', 'scores:rest', 80],
      ],
    );
    assert.equal(
      bands.reduce((sum, b) => sum + (b.size as number), 0),
      10,
    );
    const top = await call('GET', '/segments/scores:top/members');
    assert.equal(top.status, 200, 'a band reads as a segment');
    assert.ok((top.body.members as Json[]).some((m) => m.userId === 'scored-10'));
    assert.equal((await call('GET', '/segments/scores:top/size')).body.size, bands[0]?.size);
  });

  test('unknown cohort or bad id', async () => {
    const unknown = await call('GET', '/cohorts/nope/status');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.message), /"nope"/);
    assert.deepEqual(fieldsOf((await call('GET', '/cohorts/a:b/status')).body), ['params.id']);
  });
});

test('the OpenAPI document lists the segments, cohorts and clusterings routes', async () => {
  const response = await fetch(`${server.url}/openapi.json`);
  const document = (await response.json()) as { paths: Record<string, Record<string, Json>> };
  const routes = [
    ['segments', '/admin/v1/segments', ['get', 'put', 'post']],
    ['segments', '/admin/v1/segments/{id}', ['get', 'put', 'delete']],
    ['segments', '/admin/v1/segments/{id}/members', ['get']],
    ['segments', '/admin/v1/segments/{id}/members/{kind}/{key}', ['get']],
    ['segments', '/admin/v1/segments/{id}/size', ['get']],
    ['segments', '/admin/v1/segments/{id}/sizes', ['get']],
    ['segments', '/admin/v1/segments/backfill', ['post']],
    ['segments', '/admin/v1/segments/passes', ['get']],
    ['cohorts', '/admin/v1/cohorts', ['get', 'put', 'post']],
    ['cohorts', '/admin/v1/cohorts/{id}', ['get', 'put', 'delete']],
    ['cohorts', '/admin/v1/cohorts/{id}/status', ['get']],
    ['clusterings', '/admin/v1/clusterings', ['get', 'put', 'post']],
    ['clusterings', '/admin/v1/clusterings/{id}', ['get', 'put', 'delete']],
    ['clusterings', '/admin/v1/clusterings/{id}/runs', ['get', 'post']],
    ['clusterings', '/admin/v1/clusterings/{id}/runs/{run}', ['get']],
  ] as const;
  for (const [tag, path, methods] of routes) {
    for (const method of methods) {
      const operation = document.paths[path]?.[method];
      assert.ok(operation !== undefined, `${method} ${path} is documented`);
      assert.deepEqual(operation.tags, [tag], `${method} ${path}`);
      assert.deepEqual(operation.security, [{ adminKey: [] }]);
      assert.equal(typeof operation.summary, 'string');
    }
  }
});
