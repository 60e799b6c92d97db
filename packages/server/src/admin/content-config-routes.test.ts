import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, bearer, fieldsOf, type AdminClient, type Json } from './admin-test-client.js';
import { contentSettingsField, partField } from './config-publisher.js';

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

function item(id: string, extra: Json = {}): Json {
  return { id, type: 'banner', fields: { title: `Hello from ${id}` }, ...extra };
}

function flow(id: string, extra: Json = {}): Json {
  return { id, steps: [{ id: 'invite', completion: { event: 'Teammate Invited' } }], ...extra };
}

async function version(): Promise<number> {
  return (await call('GET', '/content')).body.version as number;
}

const ids = (list: unknown) => (list as Json[]).map((entry) => entry.id);

/** Empties the parts that refer to content, then the content, so a test starts from none. */
async function reset(): Promise<void> {
  for (const [path, body] of [
    ['/flows', { flows: [] }],
    ['/placements', { placements: [] }],
    ['/rules', { rules: [] }],
    ['/content', { content: [] }],
  ] as const) {
    const reply = await call('PUT', path, body);
    assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`);
  }
}

describe('content config', () => {
  test('replace all, read, create and replace one by PUT, delete; each change is a version', async () => {
    const rule = {
      id: 'kept-rule',
      trigger: { type: 'event', event: 'Feature Used' },
      actions: [{ type: 'emit', event: 'Nudged' }],
    };
    assert.equal((await call('PUT', '/rules', { rules: [rule] })).status, 200);
    const all = await call('PUT', '/content', { content: [item('a'), item('b')], note: 'two' });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const start = all.body.version as number;
    assert.equal(all.headers.get('etag'), `"${start}"`);
    assert.deepEqual(ids(all.body.content), ['a', 'b']);
    assert.equal(all.body.note, 'two');
    assert.equal(all.body.source, 'api');

    const read = await call('GET', '/content/a');
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), `"${start}"`);
    assert.deepEqual(read.body, { version: start, content: item('a') });

    const created = await call(
      'PUT',
      '/content/c',
      item('c', { locales: { fr: { title: 'Salut' } } }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.version, start + 1);
    assert.equal(created.headers.get('etag'), `"${start + 1}"`);
    const replaced = await call('PUT', '/content/a', item('a', { type: 'modal' }));
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.version, start + 2);
    assert.equal((replaced.body.content as Json).type, 'modal');
    const mismatch = await call('PUT', '/content/a', item('other'));
    assert.equal(mismatch.status, 400);
    assert.deepEqual(fieldsOf(mismatch.body), ['id']);

    const listed = await call('GET', '/content');
    assert.deepEqual(ids(listed.body.content), ['a', 'b', 'c'], 'replaced in place, created last');
    const removed = await call('DELETE', '/content/b');
    assert.equal(removed.status, 200);
    assert.equal(removed.body.version, start + 3);
    assert.deepEqual(ids(removed.body.content), ['a', 'c']);
    const again = await call('DELETE', '/content/b');
    assert.equal(again.status, 404);
    assert.match(String(again.body.message), /No content item with id "b"/);
    assert.equal((await call('GET', '/content/b')).status, 404);

    const rules = await call('GET', '/rules');
    assert.deepEqual(ids(rules.body.rules), ['kept-rule'], 'content edits leave the rules');
    assert.equal(rules.body.version, start + 3, 'one version line for rules and content');
    const ruleEdit = await call('PUT', '/rules', { rules: [] });
    assert.equal(ruleEdit.status, 200);
    assert.deepEqual(ids((await call('GET', '/content')).body.content), ['a', 'c']);
  });

  test('placements and flows: the same edits, defaults filled', async () => {
    const placement = await call('PUT', '/placements/sidebar', {
      id: 'sidebar',
      types: ['banner', 'tooltip'],
    });
    assert.equal(placement.status, 201, JSON.stringify(placement.body));
    assert.deepEqual(placement.body.placement, { id: 'sidebar', types: ['banner', 'tooltip'] });
    const created = await call('POST', '/flows', flow('setup', { placement: 'sidebar' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual((created.body.flow as { steps: Json[] }).steps[0], {
      id: 'invite',
      completion: { event: 'Teammate Invited' },
      required: true,
      priority: 0,
    });
    const duplicate = await call('POST', '/flows', flow('setup'));
    assert.equal(duplicate.status, 409);
    assert.deepEqual(fieldsOf(duplicate.body), ['id']);
    const flows = await call('GET', '/flows');
    assert.deepEqual(ids(flows.body.flows), ['setup']);
    assert.equal(flows.headers.get('etag'), `"${String(created.body.version)}"`);
    assert.equal((await call('DELETE', '/flows/setup')).status, 200);
    const placements = await call('PUT', '/placements', { placements: [] });
    assert.equal(placements.status, 200);
    assert.deepEqual(placements.body.placements, []);
  });

  test('content settings: defaults, replace, reset; errors name the field', async () => {
    const initial = await call('GET', '/content-settings');
    assert.equal(initial.status, 200);
    assert.deepEqual(initial.body.contentSettings, { defaultLocale: 'en' });
    const at = initial.body.version as number;
    assert.equal(initial.headers.get('etag'), `"${at}"`);
    const set = await call('PUT', '/content-settings', {
      defaultLocale: 'fr-CA',
      consentCategory: 'personalization',
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.version, at + 1);
    assert.equal(set.headers.get('etag'), `"${at + 1}"`);
    assert.deepEqual(set.body.contentSettings, {
      defaultLocale: 'fr-CA',
      consentCategory: 'personalization',
    });
    const reset = await call('PUT', '/content-settings', {});
    assert.deepEqual(reset.body.contentSettings, { defaultLocale: 'en' });
    const badLocale = await call('PUT', '/content-settings', { defaultLocale: 'en_GB' });
    assert.equal(badLocale.status, 400);
    assert.deepEqual(fieldsOf(badLocale.body), ['defaultLocale']);
    const unknown = await call('PUT', '/content-settings', { colour: 'red' });
    assert.deepEqual(fieldsOf(unknown.body), ['colour']);
    assert.equal(await version(), at + 2, 'the bad ones published nothing');
  });

  test('restoring a version restores its content, placements, flows and settings', async () => {
    const base = await call('PUT', '/content', { content: [item('kept')] });
    await call('PUT', '/placements', { placements: [{ id: 'home', default: 'kept' }] });
    await call('PUT', '/flows', { flows: [flow('onboarding')] });
    const saved = await call('PUT', '/content-settings', { defaultLocale: 'de' });
    assert.equal(saved.body.version, (base.body.version as number) + 3);
    await call('PUT', '/flows', { flows: [] });
    await call('PUT', '/placements', { placements: [] });
    await call('PUT', '/content', { content: [item('other')] });
    await call('PUT', '/content-settings', {});
    const restored = await call('POST', `/rules/versions/${String(saved.body.version)}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(ids((await call('GET', '/content')).body.content), ['kept']);
    assert.deepEqual((await call('GET', '/placements')).body.placements, [
      { id: 'home', default: 'kept' },
    ]);
    assert.deepEqual(ids((await call('GET', '/flows')).body.flows), ['onboarding']);
    assert.deepEqual((await call('GET', '/content-settings')).body.contentSettings, {
      defaultLocale: 'de',
    });
  });
});

describe('versions and keys', () => {
  test('If-Match and baseVersion: a stale version is a 409, the current one publishes', async () => {
    const at = await version();
    const stale = { ...adminKey(), 'if-match': `"${at - 1}"` };
    for (const [method, path, body] of [
      ['PUT', '/content/x', item('x')],
      ['PUT', '/content', { content: [] }],
      ['PUT', '/placements/p', { id: 'p' }],
      ['PUT', '/flows/f', flow('f')],
      ['PUT', '/content-settings', {}],
    ] as const) {
      const reply = await call(method, path, body, stale);
      assert.equal(reply.status, 409, `${method} ${path}`);
      assert.equal(reply.body.code, 'ONR_VERSION_CONFLICT');
    }
    const staleBody = await call('PUT', '/placements', { placements: [], baseVersion: at - 1 });
    assert.equal(staleBody.status, 409);
    const staleQuery = await call('DELETE', `/content/x?baseVersion=${at - 1}`);
    assert.equal(staleQuery.status, 409);
    const fresh = await call('PUT', '/content/x', item('x'), {
      ...adminKey(),
      'if-match': `"${at}"`,
    });
    assert.equal(fresh.status, 201);
    const badHeader = await call('DELETE', '/content/x', undefined, {
      ...adminKey(),
      'if-match': 'yesterday',
    });
    assert.equal(badHeader.status, 400);
    assert.deepEqual(fieldsOf(badHeader.body), ['headers.if-match']);
    assert.equal(await version(), at + 1, 'only the fresh write published');
  });

  test('concurrent content, placement and rule edits all land, in distinct versions', async () => {
    const start = await version();
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 3 === 0
          ? call('PUT', `/content/con${i}`, item(`con${i}`))
          : i % 3 === 1
            ? call('PUT', `/placements/con${i}`, { id: `con${i}` })
            : call('POST', '/rules', {
                id: `con-rule${i}`,
                trigger: { type: 'event', event: 'X' },
                actions: [{ type: 'emit', event: 'Y' }],
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

  test('a wrong, missing or write key is a 401 and publishes nothing', async () => {
    const at = await version();
    for (const headers of [bearer('ak_wrong'), bearer(server.workspace.writeKey), {}]) {
      for (const [method, path, body] of [
        ['GET', '/content', undefined],
        ['PUT', '/content/z', item('z')],
        ['DELETE', '/placements/p', undefined],
        ['PUT', '/content-settings', { colour: 1 }],
      ] as const) {
        const reply = await call(method, path, body, headers);
        assert.equal(reply.status, 401, `${method} ${path}`);
        assert.equal(reply.body.code, 'ONR_UNAUTHORIZED');
        assert.equal(reply.body.errors, undefined, 'no validation errors before the key');
      }
    }
    assert.equal(await version(), at);
  });
});

describe('bad input publishes nothing', () => {
  test('unknown fields, wrong types and missing fields name the field', async () => {
    const at = await version();
    const unknown = await call('PUT', '/content/u', item('u', { colour: 'red' }));
    assert.equal(unknown.status, 400);
    assert.deepEqual(fieldsOf(unknown.body), ['colour']);
    assert.match(String(unknown.body.message), /not a known field/);
    const inList = await call('PUT', '/content', {
      content: [item('ok'), item('u', { colour: 1 })],
    });
    assert.deepEqual(fieldsOf(inList.body), ['content.1.colour']);
    const variant = await call('PUT', '/content/u', item('u', { variants: [{ id: 'v', x: 1 }] }));
    assert.deepEqual(fieldsOf(variant.body), ['variants.0.x']);
    const badType = await call('PUT', '/content/u', item('u', { type: 'billboard' }));
    assert.deepEqual(fieldsOf(badType.body), ['type']);
    const missing = await call('PUT', '/content/u', { id: 'u', type: 'banner' });
    assert.deepEqual(fieldsOf(missing.body), ['fields']);
    const placement = await call('PUT', '/placements/p', { id: 'p', types: ['billboard'] });
    assert.deepEqual(fieldsOf(placement.body), ['types.0']);
    const step = await call('PUT', '/flows/f', {
      id: 'f',
      steps: [{ id: 's', completion: { event: 'E' }, colour: 1 }],
    });
    assert.deepEqual(fieldsOf(step.body), ['steps.0.colour']);
    const noSteps = await call('PUT', '/flows/f', { id: 'f', steps: [] });
    assert.deepEqual(fieldsOf(noSteps.body), ['steps']);
    const extraTop = await call('PUT', '/flows', { flows: [], rules: [] });
    assert.deepEqual(fieldsOf(extraTop.body), ['rules']);
    const badPath = await call('GET', '/content/no%20spaces');
    assert.deepEqual(fieldsOf(badPath.body), ['params.id']);
    const malformed = await call('PUT', '/content', '{"content": [');
    assert.equal(malformed.body.code, 'ONR_INVALID_JSON');
    assert.equal(await version(), at, 'nothing published');
  });

  test('__proto__ keys, deep nesting, huge and long bodies are refused without harm', async () => {
    const at = await version();
    const proto = await call(
      'PUT',
      '/content/p',
      '{"id":"p","type":"banner","fields":{"__proto__":{"polluted":1}}}',
    );
    assert.equal(proto.status, 400);
    assert.equal(proto.body.code, 'ONR_INVALID_JSON');
    assert.equal(({} as Json).polluted, undefined);
    const settingsProto = await call('PUT', '/content-settings', '{"__proto__":{"polluted":1}}');
    assert.equal(settingsProto.status, 400);
    assert.equal(({} as Json).polluted, undefined);
    const depth = 100;
    const deep = `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
    const nested = await call(
      'PUT',
      '/content',
      JSON.stringify({ content: [item('deep', { fields: 'DEEP' })] }).replace('"DEEP"', deep),
    );
    assert.equal(nested.status, 400);
    assert.deepEqual(fieldsOf(nested.body), ['content.0.fields']);
    const huge = await call(
      'PUT',
      '/content/huge',
      item('huge', { fields: { body: 'x'.repeat(3 << 20) } }),
    );
    assert.equal(huge.status, 413);
    const many = await call('PUT', '/flows', {
      flows: Array.from({ length: 1001 }, (_, i) => flow(`f${i}`)),
    });
    assert.equal(many.status, 400);
    assert.deepEqual(fieldsOf(many.body), ['flows']);
    assert.equal(await version(), at, 'nothing published');
  });
});

describe('compile issues name the request field', () => {
  test('partField and contentSettingsField map compiler paths to the body', () => {
    const one = partField('content', () => 2);
    assert.equal(one(['(content)', 2, 'fields', 'title']), 'fields.title');
    assert.equal(one(['(content)', 1, 'fields', 'title']), 'content.1.fields.title');
    assert.equal(one(['(placements)', 0, 'default']), 'placements.0.default');
    assert.equal(one([0, 'actions', 0, 'content']), 'rules.0.actions.0.content');
    const list = partField('flows');
    assert.equal(list(['(flows)', 3, 'steps', 0, 'content']), 'flows.3.steps.0.content');
    assert.equal(contentSettingsField(['(contentSettings)', 'defaultLocale']), 'defaultLocale');
    assert.equal(contentSettingsField(['(contentSettings)']), 'contentSettings');
    assert.equal(contentSettingsField(['(content)', 0, 'fields']), 'content.0.fields');
  });

  test('a bad template is named from a single body or a list body', async () => {
    await reset();
    const at = await version();
    const bad = item('tpl', { fields: { title: 'Hi {{ traits.name ' } });
    const single = await call('PUT', '/content/tpl', bad);
    assert.equal(single.status, 400, JSON.stringify(single.body));
    assert.deepEqual(fieldsOf(single.body), ['fields.title']);
    const list = await call('PUT', '/content', { content: [item('x'), item('y'), bad] });
    assert.equal(list.status, 400, JSON.stringify(list.body));
    assert.deepEqual(fieldsOf(list.body), ['content.2.fields.title']);
    assert.equal(await version(), at);
  });

  test('a locale that is not a language tag is named', async () => {
    await reset();
    const reply = await call('PUT', '/content/u', item('u', { locales: { 'not a tag': {} } }));
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.ok(fieldsOf(reply.body)[0]?.startsWith('locales'), JSON.stringify(reply.body));
  });

  test('deleting content still referred to is a 400 naming the referrer', async () => {
    await reset();
    await call('PUT', '/content', { content: [item('hero'), item('tip'), item('step')] });
    await call('PUT', '/placements', {
      placements: [{ id: 'home', default: 'hero' }, { id: 'side' }],
    });
    await call('PUT', '/flows', {
      flows: [
        {
          id: 'tour',
          placement: 'side',
          steps: [{ id: 's', content: 'step', completion: { event: 'Done' } }],
        },
      ],
    });
    await call('PUT', '/rules', {
      rules: [
        {
          id: 'tips',
          trigger: { type: 'event', event: 'Feature Used' },
          actions: [{ type: 'decide', placement: 'side', content: 'tip' }],
        },
      ],
    });
    const at = await version();
    for (const [id, field] of [
      ['hero', 'placements.0.default'],
      ['tip', 'rules.0.actions.0.content'],
      ['step', 'flows.0.steps.0.content'],
    ] as const) {
      const reply = await call('DELETE', `/content/${id}`);
      assert.equal(reply.status, 400, `${id}: ${JSON.stringify(reply.body)}`);
      assert.deepEqual(fieldsOf(reply.body), [field]);
    }
    assert.equal(await version(), at, 'nothing published');
  });
});

test('the routes are in the OpenAPI document under the content tag', async () => {
  const response = await fetch(`${server.url}/openapi.json`);
  const document = (await response.json()) as { paths: Record<string, Record<string, Json>> };
  for (const path of [
    '/admin/v1/content',
    '/admin/v1/content/{id}',
    '/admin/v1/placements',
    '/admin/v1/placements/{id}',
    '/admin/v1/flows',
    '/admin/v1/flows/{id}',
    '/admin/v1/content-settings',
  ]) {
    const operations = document.paths[path];
    assert.ok(operations !== undefined, path);
    for (const operation of Object.values(operations)) {
      assert.deepEqual(operation.tags, ['content'], path);
    }
  }
  assert.ok(document.paths['/admin/v1/content/{id}']?.put);
  assert.ok(document.paths['/admin/v1/content-settings']?.put);
});

test('content survives a restart (stored in the config version)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-content-'));
  try {
    const first = await startTestServer({ dataDir });
    try {
      const firstClient = adminClient(first);
      const put = await firstClient.call('PUT', '/content/kept', item('kept'));
      assert.equal(put.status, 201, JSON.stringify(put.body));
      await firstClient.call('PUT', '/content-settings', { defaultLocale: 'es' });
    } finally {
      await first.close();
    }
    const second = await startTestServer({ dataDir });
    try {
      const secondClient = adminClient(second);
      assert.deepEqual(
        (await secondClient.call('GET', '/content/kept')).body.content,
        item('kept'),
      );
      assert.deepEqual((await secondClient.call('GET', '/content-settings')).body.contentSettings, {
        defaultLocale: 'es',
      });
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
