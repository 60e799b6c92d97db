import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, bearer, fieldsOf, type AdminClient, type Json } from './admin-test-client.js';

let server: TestServer;
let client: AdminClient;

before(async () => {
  server = await startTestServer();
  client = adminClient(server);
});

after(async () => {
  await server.close();
});

const call: AdminClient['call'] = (...args) => client.call(...args);
const adminKey = () => bearer(server.workspace.adminKey);

function segment(id: string, extra: Json = {}): Json {
  return { id, name: `The ${id} segment`, condition: { 'traits.plan': 'pro' }, ...extra };
}

async function version(): Promise<number> {
  return (await call('GET', '/segments')).body.version as number;
}

describe('segments config', () => {
  test('create, read, replace, create by PUT and delete; each change is a new version', async () => {
    const rule = {
      id: 'kept-rule',
      trigger: { type: 'event', event: 'Feature Used' },
      actions: [{ type: 'decide', placement: 'banner', content: 'hi' }],
    };
    assert.equal((await call('PUT', '/rules', { rules: [rule] })).status, 200);
    const start = (await call('PUT', '/segments', { segments: [] })).body.version as number;

    const created = await call('POST', '/segments', segment('pro'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.version, start + 1);
    assert.equal(created.headers.get('etag'), `"${start + 1}"`);
    assert.deepEqual(created.body.segment, segment('pro'));

    const read = await call('GET', '/segments/pro');
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), `"${start + 1}"`);
    assert.equal((read.body.segment as Json).name, 'The pro segment');

    const duplicate = await call('POST', '/segments', segment('pro'));
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.code, 'ONR_ALREADY_EXISTS');
    assert.deepEqual(fieldsOf(duplicate.body), ['id']);

    const replaced = await call('PUT', '/segments/pro', segment('pro', { name: 'Pros' }));
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.version, start + 2);
    assert.equal((replaced.body.segment as Json).name, 'Pros');

    const upserted = await call('PUT', '/segments/free', segment('free'));
    assert.equal(upserted.status, 201);
    assert.equal(upserted.body.version, start + 3);
    const mismatch = await call('PUT', '/segments/free', segment('other'));
    assert.equal(mismatch.status, 400);
    assert.deepEqual(fieldsOf(mismatch.body), ['id']);

    const all = await call('GET', '/segments');
    assert.equal(all.headers.get('etag'), `"${start + 3}"`);
    assert.deepEqual(
      (all.body.segments as Json[]).map((s) => s.id),
      ['pro', 'free'],
    );
    assert.equal(all.body.source, 'api');
    assert.equal(typeof all.body.createdAt, 'string');

    const removed = await call('DELETE', '/segments/pro');
    assert.equal(removed.status, 200);
    assert.equal(removed.body.version, start + 4);
    assert.deepEqual(
      (removed.body.segments as Json[]).map((s) => s.id),
      ['free'],
    );
    assert.equal((await call('DELETE', '/segments/pro')).status, 404);
    const gone = await call('GET', '/segments/pro');
    assert.equal(gone.status, 404);
    assert.match(String(gone.body.message), /"pro"/);

    const rules = await call('GET', '/rules');
    assert.deepEqual(
      (rules.body.rules as Json[]).map((r) => r.id),
      ['kept-rule'],
      'segment edits leave the rules as they are',
    );
    assert.equal(rules.body.version, start + 4, 'one version line for rules and segments');
  });

  test('PUT /segments replaces the set, with a note', async () => {
    const { status, body } = await call('PUT', '/segments', {
      segments: [segment('a'), segment('b', { condition: { 'traits.plan': 'free' } })],
      note: 'two segments',
    });
    assert.equal(status, 200, JSON.stringify(body));
    const current = await call('GET', '/segments');
    assert.deepEqual(
      (current.body.segments as Json[]).map((s) => s.id),
      ['a', 'b'],
    );
    assert.equal(current.body.note, 'two segments');
  });

  test('If-Match and baseVersion: a stale version is a 409, the current one publishes', async () => {
    const at = await version();
    const stale = await call('POST', '/segments', segment('c'), {
      ...adminKey(),
      'if-match': `"${at - 1}"`,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'ONR_VERSION_CONFLICT');
    const fresh = await call('POST', '/segments', segment('c'), {
      ...adminKey(),
      'if-match': `"${at}"`,
    });
    assert.equal(fresh.status, 201);
    const staleBody = await call('PUT', '/segments', { segments: [], baseVersion: at });
    assert.equal(staleBody.status, 409);
    const staleQuery = await call('DELETE', `/segments/c?baseVersion=${at}`);
    assert.equal(staleQuery.status, 409);
    const badHeader = await call('DELETE', '/segments/c', undefined, {
      ...adminKey(),
      'if-match': 'yesterday',
    });
    assert.equal(badHeader.status, 400);
    assert.deepEqual(fieldsOf(badHeader.body), ['headers.if-match']);
    assert.equal(await version(), at + 1, 'only the fresh create published');
  });

  test('concurrent creates of segments and rules all land, in distinct versions', async () => {
    const start = await version();
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? call('POST', '/segments', segment(`con${i}`))
          : call('POST', '/rules', {
              id: `con-rule${i}`,
              trigger: { type: 'event', event: 'X' },
              actions: [{ type: 'decide', placement: 'p', content: 'c' }],
            }),
      ),
    );
    assert.deepEqual(
      replies.map((reply) => reply.status),
      replies.map(() => 201),
    );
    const versions = replies.map((reply) => reply.body.version as number).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      replies.map((_, i) => start + 1 + i),
    );
  });
});

describe('cohorts and clusterings config', () => {
  test('cohorts: defaults filled, band errors named, delete', async () => {
    const cohort = {
      id: 'activity',
      metric: 'eventCount',
      bands: [
        { id: 'top', percent: 20 },
        { id: 'rest', percent: 80 },
      ],
    };
    const created = await call('POST', '/cohorts', cohort);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((created.body.cohort as Json).minPopulation, 20);
    const listed = await call('GET', '/cohorts');
    assert.equal(listed.headers.get('etag'), `"${String(created.body.version)}"`);
    assert.deepEqual(
      (listed.body.cohorts as Json[]).map((c) => c.id),
      ['activity'],
    );
    const badMetric = await call('PUT', '/cohorts/activity', { ...cohort, metric: 'nowhere' });
    assert.equal(badMetric.status, 400);
    assert.deepEqual(fieldsOf(badMetric.body), ['metric']);
    const oneBand = await call('PUT', '/cohorts/activity', { ...cohort, bands: [cohort.bands[0]] });
    assert.deepEqual(fieldsOf(oneBand.body), ['bands']);
    assert.equal((await call('DELETE', '/cohorts/activity')).status, 200);
    assert.equal((await call('GET', '/cohorts/activity')).status, 404);
  });

  test('clusterings: defaults filled, feature errors named from the body or the set', async () => {
    const created = await call('PUT', '/clusterings/usage', {
      id: 'usage',
      features: ['events.Feature Used', 'sessions.count'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const clustering = created.body.clustering as Json;
    assert.equal(clustering.normalization, 'zscore');
    assert.deepEqual(clustering.k, { min: 2, max: 8 });
    const badOne = await call('PUT', '/clusterings/usage', { id: 'usage', features: ['bogus'] });
    assert.equal(badOne.status, 400);
    assert.deepEqual(fieldsOf(badOne.body), ['features.0']);
    const badSet = await call('PUT', '/clusterings', {
      clusterings: [
        { id: 'ok', features: ['eventCount'] },
        { id: 'bad', features: ['bogus'] },
      ],
    });
    assert.deepEqual(fieldsOf(badSet.body), ['clusterings.1.features.0']);
    const k = await call('PUT', '/clusterings/usage', {
      id: 'usage',
      features: ['eventCount'],
      k: { min: 1 },
    });
    assert.deepEqual(fieldsOf(k.body), ['k.min']);
  });
});

describe('bad input publishes nothing', () => {
  test('malformed JSON, unknown fields, wrong types and missing fields name the field', async () => {
    const at = await version();
    const malformed = await call('PUT', '/segments', '{"segments": [');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'ONR_INVALID_JSON');
    const unknown = await call('POST', '/segments', segment('u', { colour: 'red' }));
    assert.deepEqual(fieldsOf(unknown.body), ['colour']);
    assert.match(String(unknown.body.message), /not a known field/);
    const inSet = await call('PUT', '/segments', { segments: [segment('u', { colour: 1 })] });
    assert.deepEqual(fieldsOf(inSet.body), ['segments.0.colour']);
    const wrongType = await call('POST', '/segments', segment('u', { name: 5 }));
    assert.deepEqual(fieldsOf(wrongType.body), ['name']);
    const missing = await call('POST', '/segments', { id: 'u' });
    assert.deepEqual(fieldsOf(missing.body), ['condition']);
    const notArray = await call('PUT', '/segments', { segments: 'all' });
    assert.deepEqual(fieldsOf(notArray.body), ['segments']);
    const extraTop = await call('PUT', '/segments', { segments: [], rules: [] });
    assert.deepEqual(fieldsOf(extraTop.body), ['rules']);
    const badId = await call('POST', '/segments', segment('no spaces!'));
    assert.deepEqual(fieldsOf(badId.body), ['id']);
    const bandId = await call('POST', '/segments', segment('cohort:band'));
    assert.deepEqual(fieldsOf(bandId.body), ['id']);
    const badPath = await call('GET', '/segments/no%20spaces');
    assert.equal(badPath.status, 400);
    assert.deepEqual(fieldsOf(badPath.body), ['params.id']);
    const reserved = await call('PUT', '/segments/passes', segment('passes'));
    assert.equal(reserved.status, 400);
    assert.deepEqual(fieldsOf(reserved.body), ['id']);
    const badQuery = await call('DELETE', '/segments/a?baseVersion=-1');
    assert.deepEqual(fieldsOf(badQuery.body), ['querystring.baseVersion']);
    assert.equal(await version(), at, 'nothing published');
  });

  test('condition errors come from the compiler, named from the body', async () => {
    const at = await version();
    const single = await call(
      'POST',
      '/segments',
      segment('x', { condition: { 'nowhere.plan': 'pro' } }),
    );
    assert.equal(single.status, 400, JSON.stringify(single.body));
    assert.deepEqual(fieldsOf(single.body), ['condition.nowhere.plan']);
    const operator = await call('PUT', '/segments', {
      segments: [segment('ok'), segment('bad', { condition: { 'traits.plan': { $bogus: 1 } } })],
    });
    assert.equal(operator.status, 400);
    assert.deepEqual(fieldsOf(operator.body), ['segments.1.condition.traits.plan.$bogus']);
    const constructor = await call(
      'POST',
      '/segments',
      segment('x', { condition: { constructor: 1 } }),
    );
    assert.equal(constructor.status, 400);
    assert.deepEqual(fieldsOf(constructor.body), ['condition.constructor']);
    assert.equal(await version(), at, 'nothing published');
  });

  test('__proto__ keys, deep nesting and huge bodies are refused without harm', async () => {
    const at = await version();
    const proto = await call('POST', '/segments', '{"id":"p","condition":{"__proto__":{"x":1}}}');
    assert.equal(proto.status, 400);
    assert.equal(proto.body.code, 'ONR_INVALID_JSON');
    assert.equal(({} as Json).x, undefined);
    const depth = 5000;
    const deep = `${'{"$and":['.repeat(depth)}{"traits.plan":"pro"}${']}'.repeat(depth)}`;
    const nested = await call(
      'PUT',
      '/segments',
      JSON.stringify({ segments: [segment('deep', { condition: 'DEEP' })] }).replace(
        '"DEEP"',
        deep,
      ),
    );
    assert.equal(nested.status, 400);
    assert.deepEqual(fieldsOf(nested.body), ['segments.0.condition']);
    const huge = await call(
      'POST',
      '/segments',
      segment('huge', { description: 'x'.repeat(3 << 20) }),
    );
    assert.equal(huge.status, 413);
    const many = await call('PUT', '/segments', {
      segments: Array.from({ length: 1001 }, (_, i) => segment(`s${i}`)),
    });
    assert.equal(many.status, 400);
    assert.deepEqual(fieldsOf(many.body), ['segments']);
    assert.equal(await version(), at, 'nothing published');
  });
});
