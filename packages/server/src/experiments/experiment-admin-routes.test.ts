import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import {
  adminClient,
  bearer,
  fieldsOf,
  type AdminClient,
  type Json,
} from '../admin/admin-test-client.js';
import { publishExperimentBase, welcomeExperiment } from './experiment-fixtures.js';

let server: TestServer;
let client: AdminClient;

before(async () => {
  server = await startTestServer({ flushIntervalMs: 20 });
  client = adminClient(server);
  await publishExperimentBase(server);
});

after(async () => {
  await server.close();
});

const call: AdminClient['call'] = (...args) => client.call(...args);
const ids = (list: unknown) => (list as Json[]).map((experiment) => experiment.id);

describe('experiments admin API', () => {
  test('replace all, read, create, replace one, delete: each change is a version', async () => {
    const all = await call('PUT', '/experiments', {
      experiments: [welcomeExperiment()],
      note: 'first test',
    });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const v1 = all.body.version as number;
    assert.equal(all.headers.get('etag'), `"${v1}"`);
    assert.deepEqual(ids(all.body.experiments), ['welcome-test']);
    const first = (all.body.experiments as Json[])[0] as Json;
    assert.deepEqual([first.traffic, first.holdout, first.kind], [100, 0, 'ab'], 'defaults');

    const draft = welcomeExperiment({ id: 'draft-test', status: 'draft' });
    const created = await call('POST', '/experiments', draft);
    assert.deepEqual([created.status, created.body.version], [201, v1 + 1]);
    assert.equal((await call('POST', '/experiments', draft)).status, 409);
    const one = await call('GET', '/experiments/draft-test');
    assert.deepEqual([one.status, (one.body.experiment as Json).status], [200, 'draft']);
    const started = await call('PUT', '/experiments/draft-test', { ...draft, status: 'running' });
    assert.deepEqual([started.status, (started.body.experiment as Json).status], [200, 'running']);
    const deleted = await call('DELETE', '/experiments/draft-test');
    assert.deepEqual(ids(deleted.body.experiments), ['welcome-test']);
    assert.equal((await call('GET', '/experiments/draft-test')).status, 404);
    assert.equal((await call('DELETE', '/experiments/draft-test')).status, 404);
    assert.equal((await call('GET', '/experiments/draft-test/results')).status, 404);
  });

  test('If-Match: an edit based on an old version is 409 and publishes nothing', async () => {
    const current = (await call('GET', '/experiments')).body.version as number;
    const body = welcomeExperiment({ id: 'x1', status: 'draft' });
    const headers = (version: number) => ({
      ...bearer(server.workspace.adminKey),
      'if-match': `"${version}"`,
    });
    assert.equal((await call('PUT', '/experiments/x1', body, headers(current - 1))).status, 409);
    assert.equal((await call('GET', '/experiments')).body.version, current);
    assert.equal((await call('PUT', '/experiments/x1', body, headers(current))).status, 201);
    await call('DELETE', '/experiments/x1');
  });

  test('bad input is a 400 naming the field; unknown metric events are fine', async () => {
    const put = (experiment: Json) =>
      call('PUT', `/experiments/${String(experiment.id)}`, experiment);
    const weights = await put(
      welcomeExperiment({
        id: 'w',
        variants: [
          { id: 'a', weight: 60 },
          { id: 'b', weight: 30 },
        ],
      }),
    );
    assert.deepEqual([weights.status, fieldsOf(weights.body)], [400, ['variants']]);
    const content = await put(
      welcomeExperiment({
        id: 'c',
        variants: [{ id: 'a', weight: 100, content: { item: 'nope' } }],
      }),
    );
    assert.deepEqual(fieldsOf(content.body), ['variants.0.content.item']);
    const flag = await put({
      id: 'f',
      variants: [{ id: 'a', weight: 100, flag: { key: 'nope', variant: 'on' } }],
    });
    assert.deepEqual(fieldsOf(flag.body), ['variants.0.flag.key']);
    const list = await call('PUT', '/experiments', {
      experiments: [welcomeExperiment(), welcomeExperiment({ id: 'l', placement: 'nowhere' })],
    });
    assert.deepEqual(fieldsOf(list.body), ['experiments.1.placement']);
    const unknownField = await put(welcomeExperiment({ id: 'u', colour: 'red' }));
    assert.equal(unknownField.status, 400);
    assert.match(JSON.stringify(unknownField.body), /colour/);
    const wrongType = await put(welcomeExperiment({ id: 't', traffic: 'all' }));
    assert.deepEqual([wrongType.status, fieldsOf(wrongType.body)], [400, ['traffic']]);
    const wrongId = await call('PUT', '/experiments/a', welcomeExperiment({ id: 'b' }));
    assert.deepEqual([wrongId.status, fieldsOf(wrongId.body)], [400, ['id']]);
    const anyEvent = await put(
      welcomeExperiment({
        id: 'any-event',
        status: 'draft',
        metrics: [{ id: 'm', type: 'conversion', event: 'Never Sent Before' }],
      }),
    );
    assert.equal(anyEvent.status, 201, JSON.stringify(anyEvent.body));
    await call('DELETE', '/experiments/any-event');
  });

  test('__proto__ keys and malformed JSON are refused, nothing polluted', async () => {
    const proto = await call(
      'PUT',
      '/experiments/p',
      '{"id":"p","variants":[{"id":"a","weight":100}],"__proto__":{"polluted":true}}',
    );
    assert.equal(proto.status, 400);
    assert.equal(({} as Json).polluted, undefined);
    const nested = await call(
      'PUT',
      '/experiments/p',
      '{"id":"p","variants":[{"id":"a","weight":100,"content":{"item":"welcome","__proto__":{"x":1}}}]}',
    );
    assert.equal(nested.status, 400);
    assert.equal((await call('PUT', '/experiments/p', '{"id": ')).status, 400);
  });

  test('the admin key is required; a write key is not enough', async () => {
    assert.equal((await call('GET', '/experiments', undefined, {})).status, 401);
    const write = bearer(server.workspace.writeKey);
    assert.equal((await call('GET', '/experiments', undefined, write)).status, 401);
    assert.equal(
      (await call('GET', '/experiments/welcome-test/results', undefined, write)).status,
      401,
    );
  });
});
