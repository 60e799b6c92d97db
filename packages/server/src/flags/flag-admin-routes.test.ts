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
import { testFlags } from './flag-fixtures.js';

let server: TestServer;
let client: AdminClient;

before(async () => {
  server = await startTestServer({ flushIntervalMs: 20 });
  client = adminClient(server);
});

after(async () => {
  await server.close();
});

const call: AdminClient['call'] = (...args) => client.call(...args);
const keys = (list: unknown) => (list as Json[]).map((flag) => flag.key);
const flag = (key: string, extra: Json = {}): Json => ({
  key,
  type: 'boolean',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  ...extra,
});

describe('flags admin API', () => {
  test('replace all, read, create, replace one, delete: each change is a version', async () => {
    const all = await call('PUT', '/flags', { flags: testFlags, note: 'first flags' });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const v1 = all.body.version as number;
    assert.equal(all.headers.get('etag'), `"${v1}"`);
    assert.equal(all.body.note, 'first flags');
    assert.deepEqual(
      keys(all.body.flags),
      testFlags.map((f) => f.key),
    );
    const listed = await call('GET', '/flags');
    assert.deepEqual(listed.body.flags, all.body.flags);

    const created = await call('POST', '/flags', flag('dark-mode'));
    assert.equal(created.status, 201);
    assert.equal(created.body.version, v1 + 1);
    assert.equal((created.body.flag as Json).enabled, true, 'defaults are filled');
    assert.equal((await call('POST', '/flags', flag('dark-mode'))).status, 409);

    const one = await call('GET', '/flags/dark-mode');
    assert.deepEqual([one.status, (one.body.flag as Json).key], [200, 'dark-mode']);
    const replaced = await call('PUT', '/flags/dark-mode', flag('dark-mode', { enabled: false }));
    assert.deepEqual([replaced.status, (replaced.body.flag as Json).enabled], [200, false]);
    const added = await call('PUT', '/flags/beta', flag('beta'));
    assert.equal(added.status, 201);

    const deleted = await call('DELETE', '/flags/beta');
    assert.equal(deleted.status, 200);
    assert.ok(!keys(deleted.body.flags).includes('beta'));
    assert.equal((await call('GET', '/flags/beta')).status, 404);
    assert.equal((await call('DELETE', '/flags/beta')).status, 404);
  });

  test('If-Match: an edit based on an old version is 409 and publishes nothing', async () => {
    const current = (await call('GET', '/flags')).body.version as number;
    const stale = await call('PUT', '/flags/x1', flag('x1'), {
      ...bearer(server.workspace.adminKey),
      'if-match': `"${current - 1}"`,
    });
    assert.equal(stale.status, 409);
    assert.equal((await call('GET', '/flags')).body.version, current);
    const fresh = await call('PUT', '/flags/x1', flag('x1'), {
      ...bearer(server.workspace.adminKey),
      'if-match': `"${current}"`,
    });
    assert.equal(fresh.status, 201);
  });

  test('validation errors name the field, in a list body and in a one-flag body', async () => {
    const bad = flag('bad', { variants: { on: 'yes' }, defaultVariant: 'on' });
    const list = await call('PUT', '/flags', { flags: [...testFlags, bad] });
    assert.equal(list.status, 400);
    assert.deepEqual(fieldsOf(list.body), [`flags.${testFlags.length}.variants.on`]);
    const one = await call('PUT', '/flags/bad', bad);
    assert.deepEqual([one.status, fieldsOf(one.body)], [400, ['variants.on']]);
    const rule = flag('r', { rules: [{ when: { colour: 'red' }, variant: 'on' }] });
    assert.deepEqual(fieldsOf((await call('PUT', '/flags/r', rule)).body), ['rules.0.when.colour']);
    const segment = flag('s', { rules: [{ segment: 'ghosts', variant: 'on' }] });
    assert.deepEqual(fieldsOf((await call('PUT', '/flags/s', segment)).body), ['rules.0.segment']);
    const unknownField = await call('PUT', '/flags/u', flag('u', { colour: 'red' }));
    assert.equal(unknownField.status, 400);
    assert.match(JSON.stringify(unknownField.body), /colour/);
    const wrongKey = await call('PUT', '/flags/a', flag('b'));
    assert.deepEqual([wrongKey.status, fieldsOf(wrongKey.body)], [400, ['key']]);
    const typed = await call('PUT', '/flags/t', { ...flag('t'), type: 'date' });
    assert.equal(typed.status, 400);
  });

  test('__proto__ keys and malformed JSON are refused, nothing polluted', async () => {
    const proto = await call(
      'PUT',
      '/flags/p',
      '{"key":"p","type":"boolean","variants":{"__proto__":{"polluted":true}},"defaultVariant":"on"}',
    );
    assert.equal(proto.status, 400);
    assert.equal(({} as Json).polluted, undefined);
    assert.equal((await call('PUT', '/flags/p', '{"key": ')).status, 400);
  });

  test('a flag another one needs cannot be deleted; cycles are refused', async () => {
    const parent = flag('parent');
    const child = flag('child', { prerequisites: [{ flag: 'parent', variants: ['on'] }] });
    assert.equal((await call('PUT', '/flags', { flags: [parent, child] })).status, 200);
    const removed = await call('DELETE', '/flags/parent');
    assert.equal(removed.status, 400);
    assert.match(JSON.stringify(removed.body), /flags\.\d+\.prerequisites\.0\.flag/);
    const cycle = await call('PUT', '/flags/parent', {
      ...parent,
      prerequisites: [{ flag: 'child', variants: ['on'] }],
    });
    assert.equal(cycle.status, 400);
    assert.match(JSON.stringify(cycle.body), /cycle/);
  });

  test('the admin key is required; a write key is not enough', async () => {
    assert.equal((await call('GET', '/flags', undefined, {})).status, 401);
    assert.equal(
      (await call('GET', '/flags', undefined, bearer(server.workspace.writeKey))).status,
      401,
    );
  });

  test('restoring a version restores its flags; flags survive a restart', async () => {
    const first = await call('PUT', '/flags', { flags: [flag('kept')] });
    await call('PUT', '/flags', { flags: [flag('later')] });
    const restored = await call('POST', `/rules/versions/${String(first.body.version)}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(keys((await call('GET', '/flags')).body.flags), ['kept']);

    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    server = await startTestServer({ dataDir });
    client = adminClient(server);
    assert.deepEqual(keys((await call('GET', '/flags')).body.flags), ['kept']);
  });
});
