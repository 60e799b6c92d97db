import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/test-server.js';

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
  headers: Headers;
}

const other = {
  id: 'other-workspace',
  name: 'Other',
  writeKey: 'wk_other_rules_key',
  adminKey: 'ak_other_rules_admin_key',
  identitySecret: 'is_other_rules',
};

let server: TestServer;

before(async () => {
  // A second workspace in the same engine: its key must never see this workspace's rules.
  server = await startTestServer({ otherWorkspaces: [other] });
});

after(async () => {
  await server.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = bearer(server.workspace.adminKey),
): Promise<Reply> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: raw }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Json,
    headers: response.headers,
  };
}

async function ingest(body: Json): Promise<void> {
  const response = await fetch(`${server.url}/v1/${String(body.type)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

async function eventually<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function fieldsOf(body: Json): string[] {
  return ((body.errors ?? []) as { field: string }[]).map((error) => error.field);
}

function rule(id: string, extra: Json = {}): Json {
  return {
    id,
    trigger: { type: 'event', event: 'Feature Used' },
    condition: { 'traits.plan': 'pro' },
    actions: [{ type: 'decide', placement: 'banner', content: `${id}-content` }],
    ...extra,
  };
}

/** Puts the whole set back to `rules` and returns the new version. */
async function replaceAll(rules: Json[]): Promise<number> {
  const { status, body } = await call('PUT', '/rules', { rules });
  assert.equal(status, 200, JSON.stringify(body));
  return body.version as number;
}

describe('authentication and isolation', () => {
  test('401 without a key, with a wrong key or with the write key, before validation', async () => {
    for (const headers of [{}, bearer('ak_wrong_key'), bearer(server.workspace.writeKey)]) {
      const reply = await call('POST', '/rules', { nonsense: true }, headers);
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'ONR_UNAUTHORIZED');
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal((await call('GET', '/rules', undefined, {})).status, 401);
    assert.equal((await call('GET', '/profiles/user/u/firings', undefined, {})).status, 401);
  });

  test("another workspace's key never sees or changes this workspace's rules", async () => {
    const mine = await replaceAll([rule('private-rule')]);
    const theirs = await call('GET', '/rules', undefined, bearer(other.adminKey));
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.body.rules, []);
    assert.equal(theirs.body.version, 0);
    const read = await call('GET', '/rules/private-rule', undefined, bearer(other.adminKey));
    assert.equal(read.status, 404);
    const removed = await call('DELETE', '/rules/private-rule', undefined, bearer(other.adminKey));
    assert.equal(removed.status, 404);
    const version = await call('GET', `/rules/versions/${mine}`, undefined, bearer(other.adminKey));
    assert.equal(version.status, 404);
    assert.equal((await call('GET', '/rules/private-rule')).status, 200, 'still there');
  });
});

describe('editing rules', () => {
  test('create, read, replace and delete one rule; each change is a new version', async () => {
    const start = await replaceAll([]);
    const created = await call('POST', '/rules', rule('welcome'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.version, start + 1);
    assert.equal(created.headers.get('etag'), `"${start + 1}"`);
    assert.equal((created.body.rule as Json).enabled, true, 'defaults filled');

    const read = await call('GET', '/rules/welcome');
    assert.equal(read.status, 200);
    assert.equal((read.body.rule as Json).id, 'welcome');

    const duplicate = await call('POST', '/rules', rule('welcome'));
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.code, 'ONR_RULE_EXISTS');

    const replaced = await call('PUT', '/rules/welcome', rule('welcome', { priority: 5 }));
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.version, start + 2);
    assert.equal((replaced.body.rule as Json).priority, 5);

    const unknown = await call('PUT', '/rules/nope', rule('nope'));
    assert.equal(unknown.status, 404);
    const mismatch = await call('PUT', '/rules/welcome', rule('other'));
    assert.equal(mismatch.status, 400);
    assert.deepEqual(fieldsOf(mismatch.body), ['id']);

    const removed = await call('DELETE', '/rules/welcome');
    assert.equal(removed.status, 200);
    assert.equal(removed.body.version, start + 3);
    assert.deepEqual(removed.body.rules, []);
    assert.equal((await call('DELETE', '/rules/welcome')).status, 404);
    assert.equal((await call('GET', '/rules/welcome')).status, 404);
  });

  test('PUT /rules replaces the set and settings; GET /rules shows them with an ETag', async () => {
    const { status, body } = await call('PUT', '/rules', {
      rules: [rule('a'), rule('b')],
      settings: { defaultTimezone: 'Europe/Paris', fatigue: { max: 3, per: '1d' } },
      note: 'two rules',
    });
    assert.equal(status, 200, JSON.stringify(body));
    const current = await call('GET', '/rules');
    assert.equal(current.body.version, body.version);
    assert.equal(current.headers.get('etag'), `"${String(body.version)}"`);
    assert.deepEqual(
      (current.body.rules as Json[]).map((r) => r.id),
      ['a', 'b'],
    );
    assert.equal((current.body.settings as Json).defaultTimezone, 'Europe/Paris');
    assert.equal(current.body.source, 'api');
    assert.equal(current.body.note, 'two rules');
    assert.equal(typeof current.body.createdAt, 'string');
  });

  test('If-Match and baseVersion: a stale version is a 409, the current one publishes', async () => {
    const version = await replaceAll([rule('a')]);
    const stale = await call('POST', '/rules', rule('b'), {
      ...bearer(server.workspace.adminKey),
      'if-match': `"${version - 1}"`,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'ONR_VERSION_CONFLICT');
    const fresh = await call('POST', '/rules', rule('b'), {
      ...bearer(server.workspace.adminKey),
      'if-match': `"${version}"`,
    });
    assert.equal(fresh.status, 201);
    const staleBody = await call('PUT', '/rules', { rules: [], baseVersion: version });
    assert.equal(staleBody.status, 409);
    const staleQuery = await call('DELETE', `/rules/a?baseVersion=${version}`);
    assert.equal(staleQuery.status, 409);
    const badHeader = await call('DELETE', '/rules/a', undefined, {
      ...bearer(server.workspace.adminKey),
      'if-match': 'yesterday',
    });
    assert.equal(badHeader.status, 400);
    assert.deepEqual(fieldsOf(badHeader.body), ['headers.if-match']);
  });

  test('concurrent creates without a base version all land, in distinct versions', async () => {
    const start = await replaceAll([]);
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const replies = await Promise.all(ids.map((id) => call('POST', '/rules', rule(id))));
    assert.deepEqual(
      replies.map((reply) => reply.status),
      ids.map(() => 201),
    );
    const versions = replies.map((reply) => reply.body.version as number).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      ids.map((_, i) => start + 1 + i),
    );
    const current = await call('GET', '/rules');
    assert.deepEqual((current.body.rules as Json[]).map((r) => r.id).sort(), [...ids].sort());
  });

  test('versions are listed newest first, paged, and each can be read back', async () => {
    const latest = await replaceAll([rule('v')]);
    const first = await call('GET', '/rules/versions?limit=2');
    assert.equal(first.status, 200);
    const versions = first.body.versions as Json[];
    assert.deepEqual(
      versions.map((v) => v.version),
      [latest, latest - 1],
    );
    assert.equal(versions[0]?.ruleCount, 1);
    assert.equal(first.body.nextBefore, latest - 1);
    const next = await call('GET', `/rules/versions?limit=2&before=${latest - 1}`);
    assert.equal((next.body.versions as Json[])[0]?.version, latest - 2);
    const one = await call('GET', `/rules/versions/${latest}`);
    assert.equal(one.status, 200);
    assert.deepEqual(
      (one.body.rules as Json[]).map((r) => r.id),
      ['v'],
    );
    assert.equal((await call('GET', '/rules/versions/99999')).status, 404);
    assert.equal((await call('GET', '/rules/versions/zero')).status, 400);
  });

  test('restoring a version publishes its rules and settings again, as a new version', async () => {
    const good = await replaceAll([rule('good')]);
    const bad = await replaceAll([rule('bad')]);
    const restored = await call('POST', `/rules/versions/${good}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.version, bad + 1);
    assert.equal(restored.body.note, `restored version ${good}`);
    assert.deepEqual(
      (restored.body.rules as Json[]).map((r) => r.id),
      ['good'],
    );
    assert.equal(restored.headers.get('etag'), `"${bad + 1}"`);
    const stale = await call('POST', `/rules/versions/${good}/restore?baseVersion=${bad}`);
    assert.equal(stale.status, 409);
    assert.equal((await call('POST', '/rules/versions/99999/restore')).status, 404);
    assert.equal((await call('POST', '/rules/versions/0/restore')).status, 400);
    const other = await call(
      'POST',
      `/rules/versions/${good}/restore`,
      undefined,
      bearer('ak_other_rules_admin_key'),
    );
    assert.equal(other.status, 404, "another workspace's versions are not this one's");
  });
});

describe('bad input', () => {
  test('an unknown action type names the field and the allowed types', async () => {
    const one = await call('POST', '/rules', rule('x', { actions: [{ type: 'decid' }] }));
    assert.equal(one.status, 400);
    assert.equal(one.body.code, 'ONR_VALIDATION');
    assert.deepEqual(fieldsOf(one.body), ['actions.0.type']);
    assert.match(String(one.body.message), /unknown action type "decid"; must be one of: decide,/);
    const all = await call('PUT', '/rules', { rules: [rule('y'), rule('x', { trigger: {} })] });
    assert.deepEqual(fieldsOf(all.body), ['rules.1.trigger.type']);
    assert.match(String(all.body.message), /is required \(must be one of: event, condition/);
  });

  test('a known type gets the errors of its own branch only', async () => {
    const reply = await call(
      'POST',
      '/rules',
      rule('x', { trigger: { type: 'inactive', for: '5 minutes' } }),
    );
    assert.equal(reply.status, 400);
    assert.deepEqual(fieldsOf(reply.body), ['trigger.for']);
    assert.match(String(reply.body.message), /positive duration/);
  });

  test('condition errors come from the compiler, named from the body', async () => {
    const operator = await call('PUT', '/rules', {
      rules: [rule('ok'), rule('bad', { condition: { 'traits.plan': { $bogus: 1 } } })],
    });
    assert.equal(operator.status, 400, JSON.stringify(operator.body));
    assert.deepEqual(fieldsOf(operator.body), ['rules.1.condition.traits.plan.$bogus']);
    assert.equal(
      operator.body.message,
      'rules.1.condition.traits.plan.$bogus unknown operator "$bogus"',
    );
    const single = await call(
      'POST',
      '/rules',
      rule('bad', { condition: { 'nowhere.plan': 'pro' } }),
    );
    assert.equal(single.status, 400, JSON.stringify(single.body));
    assert.deepEqual(fieldsOf(single.body), ['condition.nowhere.plan']);
    assert.match(String(single.body.message), /unknown path "nowhere.plan"/);
  });

  test('malformed JSON, unknown fields and wrong types are 400s naming the field', async () => {
    const malformed = await call('PUT', '/rules', '{"rules": [');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'ONR_INVALID_JSON');
    const unknown = await call('PUT', '/rules', { rules: [rule('a', { colour: 'red' })] });
    assert.deepEqual(fieldsOf(unknown.body), ['rules.0.colour']);
    assert.match(String(unknown.body.message), /not a known field/);
    const wrongType = await call('PUT', '/rules', { rules: [rule('a', { priority: 'high' })] });
    assert.deepEqual(fieldsOf(wrongType.body), ['rules.0.priority']);
    const notArray = await call('PUT', '/rules', { rules: 'all of them' });
    assert.deepEqual(fieldsOf(notArray.body), ['rules']);
    const missing = await call('PUT', '/rules', {});
    assert.deepEqual(fieldsOf(missing.body), ['rules']);
    const query = await call('GET', '/rules/versions?limit=0');
    assert.deepEqual(fieldsOf(query.body), ['querystring.limit']);
  });

  test('__proto__ keys in rules and conditions are refused and pollute nothing', async () => {
    const before = (await call('GET', '/rules')).body.version;
    const inRule = await call('PUT', '/rules', `{"rules":[{"__proto__":{"polluted":true}}]}`);
    assert.equal(inRule.status, 400);
    const inCondition = await call(
      'POST',
      '/rules',
      JSON.stringify(rule('p')).replace('"traits.plan"', '"__proto__":{"polluted":1},"x"'),
    );
    assert.equal(inCondition.status, 400);
    assert.equal(inCondition.body.code, 'ONR_INVALID_JSON');
    const constructor = await call('POST', '/rules', rule('p', { condition: { constructor: 1 } }));
    assert.equal(constructor.status, 400);
    assert.deepEqual(fieldsOf(constructor.body), ['condition.constructor']);
    assert.equal(({} as Json).polluted, undefined);
    assert.equal((await call('GET', '/rules')).body.version, before, 'nothing published');
  });

  test('deeply nested and huge bodies are refused without harm', async () => {
    // Built as text: JSON.stringify itself would overflow the stack at this depth.
    const depth = 5000;
    const deep = `${'{"$and":['.repeat(depth)}{"traits.plan":"pro"}${']}'.repeat(depth)}`;
    const body = JSON.stringify({ rules: [rule('deep', { condition: 'DEEP' })] });
    const nested = await call('PUT', '/rules', body.replace('"DEEP"', deep));
    assert.equal(nested.status, 400);
    assert.deepEqual(fieldsOf(nested.body), ['rules.0.condition']);
    const huge = await call('PUT', '/rules', {
      rules: [rule('huge', { description: 'x'.repeat(3 * 1024 * 1024) })],
    });
    assert.equal(huge.status, 413);
    const many = await call('PUT', '/rules', {
      rules: Array.from({ length: 1001 }, (_, i) => rule(`r${i}`)),
    });
    assert.equal(many.status, 400);
    assert.deepEqual(fieldsOf(many.body), ['rules']);
    assert.equal((await call('GET', '/rules')).status, 200, 'still serving');
  });
});

describe('dry run, simulate, firings', () => {
  before(async () => {
    await replaceAll([
      rule('pro-banner'),
      rule('free-banner', { condition: { 'traits.plan': 'free' } }),
    ]);
    await ingest({ type: 'identify', userId: 'ada', traits: { plan: 'pro' } });
    await eventually(
      async () => server.engine.getProfile(server.workspace.id, { userId: 'ada' }),
      'ada',
    );
  });

  test('dry run explains each rule with its condition tree', async () => {
    const { status, body } = await call('POST', '/rules/dry-run', {
      userId: 'ada',
      event: { type: 'track', userId: 'ada', event: 'Feature Used' },
    });
    assert.equal(status, 200, JSON.stringify(body));
    const rules = body.rules as Json[];
    const pro = rules.find((r) => r.ruleId === 'pro-banner');
    const free = rules.find((r) => r.ruleId === 'free-banner');
    assert.equal(pro?.fires, true);
    assert.equal(pro?.triggered, true);
    assert.equal((pro?.condition as Json).result, true);
    assert.equal(free?.fires, false);
    assert.equal((free?.condition as Json).result, false);
    assert.equal(typeof body.profileId, 'string');
    assert.ok((body.version as number) > 0);
  });

  test('dry run of a profile document against draft rules', async () => {
    const { status, body } = await call('POST', '/rules/dry-run', {
      profile: { userId: 'someone', traits: { plan: 'free' } },
      event: { type: 'track', userId: 'someone', event: 'Feature Used' },
      rules: [rule('free-only', { condition: { 'traits.plan': 'free' } })],
      now: '2026-01-01T10:00:00Z',
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.version, 0);
    assert.deepEqual(
      (body.rules as Json[]).map((r) => [r.ruleId, r.fires]),
      [['free-only', true]],
    );
  });

  test('dry run refuses ambiguous or unknown profiles, bad events and bad drafts', async () => {
    const none = await call('POST', '/rules/dry-run', {});
    assert.equal(none.status, 400);
    const two = await call('POST', '/rules/dry-run', { userId: 'ada', profileId: 'p' });
    assert.equal(two.status, 400);
    const unknown = await call('POST', '/rules/dry-run', { userId: 'nobody' });
    assert.equal(unknown.status, 404);
    const badEvent = await call('POST', '/rules/dry-run', {
      userId: 'ada',
      event: { type: 'track', userId: 'ada' },
    });
    assert.equal(badEvent.status, 400);
    assert.ok(fieldsOf(badEvent.body).some((field) => field.startsWith('event')));
    const badDraft = await call('POST', '/rules/dry-run', {
      userId: 'ada',
      rules: [rule('x', { actions: [] })],
    });
    assert.equal(badDraft.status, 400);
    assert.deepEqual(fieldsOf(badDraft.body), ['rules.0.actions']);
    const badNow = await call('POST', '/rules/dry-run', { userId: 'ada', now: 'soon' });
    assert.deepEqual(fieldsOf(badNow.body), ['now']);
  });

  test('firings are recorded on the profile and listed newest first', async () => {
    await ingest({ type: 'track', userId: 'ada', event: 'Feature Used' });
    await ingest({ type: 'track', userId: 'ada', event: 'Feature Used' });
    const page = await eventually(async () => {
      const reply = await call('GET', '/profiles/user/ada/firings?limit=1');
      return (reply.body.firings as Json[] | undefined)?.length === 1 ? reply : undefined;
    }, 'a firing');
    const [firing] = page.body.firings as Json[];
    assert.equal(firing?.ruleId, 'pro-banner');
    assert.equal(typeof firing?.version, 'number');
    assert.equal(typeof firing?.at, 'string');
    assert.equal((firing?.cause as Json).type, 'event');
    assert.equal(((firing?.actions as Json[])[0] as Json).type, 'decide');
    assert.equal((await call('GET', '/profiles/user/nobody/firings')).status, 404);
    assert.equal((await call('GET', '/profiles/robot/ada/firings')).status, 400);
    const theirs = await call(
      'GET',
      '/profiles/user/ada/firings',
      undefined,
      bearer(other.adminKey),
    );
    assert.equal(theirs.status, 404);
  });

  test('simulate replays a period against a draft and compares with the live version', async () => {
    const { status, body } = await call('POST', '/rules/simulate', {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      rules: [
        rule('pro-banner'),
        rule('everyone', {
          condition: undefined,
          actions: [{ type: 'decide', placement: 'sidebar', content: 'hello' }],
        }),
      ],
      sample: 2,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok((body.events as number) >= 2);
    const draft = body.draft as Json[];
    assert.ok(draft.some((r) => r.ruleId === 'everyone' && (r.firings as number) >= 2));
    const diff = body.diff as Json[];
    const everyone = diff.find((d) => d.ruleId === 'everyone');
    assert.equal(everyone?.live, 0, 'not in the live version');
    assert.equal(everyone?.delta, everyone?.draft);
    const pro = diff.find((d) => d.ruleId === 'pro-banner');
    assert.equal(pro?.delta, 0, 'the same rule fires as often in both');
    assert.deepEqual((draft.find((r) => r.ruleId === 'everyone') as Json).sample, ['ada']);
    assert.equal(typeof body.liveVersion, 'number');
    const backwards = await call('POST', '/rules/simulate', {
      from: '2026-01-02T00:00:00Z',
      to: '2026-01-01T00:00:00Z',
      rules: [],
    });
    assert.equal(backwards.status, 400);
    assert.deepEqual(fieldsOf(backwards.body), ['to']);
  });
});

test('the OpenAPI document lists the rules routes with the admin key', async () => {
  const response = await fetch(`${server.url}/openapi.json`);
  const document = (await response.json()) as { paths: Record<string, Record<string, Json>> };
  for (const [path, method] of [
    ['/admin/v1/rules', 'get'],
    ['/admin/v1/rules', 'put'],
    ['/admin/v1/rules', 'post'],
    ['/admin/v1/rules/{id}', 'delete'],
    ['/admin/v1/rules/versions', 'get'],
    ['/admin/v1/rules/dry-run', 'post'],
    ['/admin/v1/rules/simulate', 'post'],
    ['/admin/v1/profiles/{kind}/{id}/firings', 'get'],
  ] as const) {
    const operation = document.paths[path]?.[method];
    assert.ok(operation !== undefined, `${method} ${path} is documented`);
    assert.deepEqual(operation.security, [{ adminKey: [] }]);
  }
});
