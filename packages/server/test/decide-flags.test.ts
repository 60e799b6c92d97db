import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createManualClock } from '@onramp/core';
import { testFlags } from '../src/flags/flag-fixtures.js';
import { signUserToken } from '../src/realtime/user-token.js';
import { sendBatch, startTestServer, type TestServer } from '../src/testing/test-server.js';

// Flags in decide answers, end to end: the real server, SQLite, processor and flags.

type Json = Record<string, unknown>;
const start = Date.UTC(2026, 5, 1, 12, 0, 0);
const launch = start + 24 * 3_600_000;
const clock = createManualClock(start);

/** The fixtures, one placement, and a flag switched on by a schedule a day from now. */
const flags = [
  ...testFlags,
  {
    key: 'launch-banner',
    type: 'boolean',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    schedule: [{ at: new Date(launch).toISOString(), defaultVariant: 'on' }],
  },
];

let server: TestServer;
before(async () => {
  server = await startTestServer({ clock });
  await publish({});
  await sendBatch(server, [
    { type: 'identify', userId: 'pro-user', traits: { plan: 'pro' } },
    { type: 'identify', userId: 'free-user', traits: { plan: 'free' } },
  ]);
  await server.engine.flush();
});
after(async () => server.close());

function publish(contentSettings: Json) {
  return server.engine.rules.publish(server.workspace.id, {
    source: 'api',
    content: [{ id: 'hello', type: 'banner', fields: { title: 'Hello' } }],
    placements: [{ id: 'banner', default: 'hello' }],
    contentSettings,
    flags,
  } as never);
}

const token = (userId: string) => signUserToken(userId, server.workspace.identitySecret);
const bearer = () => ({ authorization: `Bearer ${server.workspace.adminKey}` });

async function post(body: Json | string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.url}/client/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer() },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function get(query: Record<string, string>): Promise<{ status: number; body: Json }> {
  const params = new URLSearchParams({ writeKey: server.workspace.writeKey, ...query });
  const response = await fetch(`${server.url}/client/v1/decide?${params}`);
  return { status: response.status, body: (await response.json()) as Json };
}

const flagsOf = (body: Json) => body['flags'] as Record<string, Json>;
const valueOf = (body: Json, key: string) => flagsOf(body)[key]?.['value'];
const fieldsOf = (body: Json) => (body['errors'] as { field: string }[]).map((e) => e.field);

describe('decide with flags', () => {
  it('evaluates every flag on the stored profile: targeting by trait and by context', async () => {
    const pro = await post({ userId: 'pro-user', flags: true });
    assert.equal(pro.status, 200);
    assert.deepEqual(
      Object.keys(flagsOf(pro.body)),
      flags.map((flag) => flag.key),
    );
    assert.deepEqual(flagsOf(pro.body)['welcome-copy'], {
      value: 'Welcome back!',
      reason: 'TARGETING_MATCH',
      variant: 'pro',
    });
    assert.equal(valueOf(pro.body, 'max-projects'), 50);
    const free = await post({ userId: 'free-user', flags: ['welcome-copy', 'max-projects'] });
    assert.deepEqual(Object.keys(flagsOf(free.body)), ['welcome-copy', 'max-projects']);
    assert.deepEqual(flagsOf(free.body)['welcome-copy'], {
      value: 'Welcome!',
      reason: 'DEFAULT',
      variant: 'standard',
    });
    assert.equal(valueOf(free.body, 'max-projects'), 3);
    const desktop = await post({
      userId: 'free-user',
      flags: ['onboarding-layout', 'welcome-copy'],
      context: { device: 'desktop', country: 'FR' },
    });
    assert.deepEqual(valueOf(desktop.body, 'onboarding-layout'), { columns: 3 });
    assert.equal(valueOf(desktop.body, 'welcome-copy'), 'Bienvenue !');
  });

  it('keeps a rollout stable per user, whoever asks and however', async () => {
    // Buckets from spec/flags/hashing.json: user-2 → 109 (in the 20 %), user-1 → 2090.
    const inside = await post({ userId: 'user-2', flags: ['new-checkout', 'checkout-banner'] });
    assert.deepEqual(flagsOf(inside.body)['new-checkout'], {
      value: true,
      reason: 'SPLIT',
      variant: 'on',
    });
    assert.equal(valueOf(inside.body, 'checkout-banner'), true, 'its prerequisite holds');
    for (let i = 0; i < 3; i++) {
      const again = await get({ userId: 'user-2', token: token('user-2'), flags: 'new-checkout' });
      assert.equal(again.status, 200);
      assert.deepEqual(flagsOf(again.body)['new-checkout'], flagsOf(inside.body)['new-checkout']);
    }
    const outside = await post({ userId: 'user-1', flags: ['new-checkout'] });
    assert.equal(valueOf(outside.body, 'new-checkout'), false);
    // An anonymous visitor is bucketed by their anonymousId.
    const anonymous = await get({ anonymousId: 'user-2', flags: 'new-checkout' });
    assert.equal(valueOf(anonymous.body, 'new-checkout'), true);
  });

  it('without consent, evaluates on a blank profile; context and rollout still apply', async () => {
    await publish({ consentCategory: 'personalization' });
    try {
      const denied = {
        flags: ['welcome-copy', 'max-projects', 'new-checkout'],
        context: { consent: { categoryPreferences: { personalization: false } } },
      };
      const blank = await post({ userId: 'pro-user', ...denied });
      assert.equal(blank.body['personalized'], false);
      assert.equal(valueOf(blank.body, 'welcome-copy'), 'Welcome!', 'the plan is not read');
      assert.equal(valueOf(blank.body, 'max-projects'), 3);
      const french = await post({
        userId: 'pro-user',
        ...denied,
        context: { ...denied.context, country: 'FR' },
      });
      assert.equal(valueOf(french.body, 'welcome-copy'), 'Bienvenue !');
      const rolled = await post({ userId: 'user-2', ...denied });
      assert.equal(valueOf(rolled.body, 'new-checkout'), true);
      const allowed = await post({
        userId: 'pro-user',
        flags: ['welcome-copy'],
        context: { consent: { categoryPreferences: { personalization: true } } },
      });
      assert.equal(valueOf(allowed.body, 'welcome-copy'), 'Welcome back!');
      // consent.whenUnknown is allow by default: a profile that never said is personalized.
      const unknown = await post({ userId: 'pro-user', flags: ['welcome-copy'] });
      assert.equal(valueOf(unknown.body, 'welcome-copy'), 'Welcome back!');
    } finally {
      await publish({});
    }
  });

  it('answers with validUntil at the next scheduled flag change, and the new value after it', async () => {
    const before = await post({ userId: 'pro-user', flags: ['launch-banner'] });
    assert.equal(before.body['validUntil'], new Date(launch).toISOString());
    assert.deepEqual(flagsOf(before.body)['launch-banner'], {
      value: false,
      reason: 'DEFAULT',
      variant: 'off',
    });
    const without = await post({ userId: 'pro-user' });
    assert.equal(without.body['validUntil'], undefined, 'no flags, no flag schedule');
    assert.equal(without.body['flags'], undefined, 'no flags asked for, none answered');
    clock.advance(24 * 3_600_000);
    const afterLaunch = await post({ userId: 'pro-user', flags: ['launch-banner'] });
    assert.equal(valueOf(afterLaunch.body, 'launch-banner'), true);
    assert.equal(afterLaunch.body['validUntil'], undefined, 'no change scheduled after it');
  });

  it('is independent of flows and placements', async () => {
    const both = await post({ userId: 'pro-user', placements: [], flows: true, flags: [] });
    assert.deepEqual(both.body['decisions'], {});
    assert.deepEqual(both.body['flows'], {});
    assert.deepEqual(both.body['flags'], {});
    const none = await post({ userId: 'pro-user', placements: ['banner'], flags: false });
    assert.equal(none.body['flags'], undefined);
    const empty = await get({ userId: 'pro-user', token: token('pro-user'), flags: '' });
    assert.deepEqual(empty.body['flags'], {});
  });

  it('GET: flags=all and flags=a,b', async () => {
    const query = { userId: 'pro-user', token: token('pro-user') };
    const all = await get({ ...query, flags: 'all' });
    assert.equal(all.status, 200);
    assert.equal(Object.keys(flagsOf(all.body)).length, flags.length);
    const two = await get({ ...query, flags: 'max-projects, welcome-copy,max-projects' });
    assert.deepEqual(Object.keys(flagsOf(two.body)), ['max-projects', 'welcome-copy']);
    assert.equal(valueOf(two.body, 'welcome-copy'), 'Welcome back!');
  });

  it('refuses unknown keys and wrong types with a 400 naming the field', async () => {
    const unknown = await post({ userId: 'pro-user', flags: ['welcome-copy', 'nope'] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body['code'], 'ONR_VALIDATION');
    assert.equal(unknown.body['message'], 'body.flags.1: unknown flag "nope"');
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const reply = await post({ userId: 'pro-user', flags: [key] });
      assert.deepEqual([reply.status, fieldsOf(reply.body)], [400, ['body.flags.0']], key);
    }
    const bad: [unknown, string][] = [
      ['welcome-copy', 'body.flags'],
      [{}, 'body.flags'],
      [null, 'body.flags'],
      [1, 'body.flags'],
      ['true', 'body.flags'],
      [[1], 'body.flags.0'],
      [['welcome-copy', ['max-projects']], 'body.flags.1'],
      [Array.from({ length: 101 }, () => 'welcome-copy'), 'body.flags'],
    ];
    for (const [value, field] of bad) {
      const reply = await post({ userId: 'pro-user', flags: value } as Json);
      assert.equal(reply.status, 400, JSON.stringify(value));
      assert.deepEqual(fieldsOf(reply.body), [field], JSON.stringify(value));
    }
    const query = { userId: 'pro-user', token: token('pro-user') };
    const unknownGet = await get({ ...query, flags: 'welcome-copy,nope' });
    assert.equal(unknownGet.status, 400);
    assert.deepEqual(fieldsOf(unknownGet.body), ['querystring.flags.1']);
    const tooLong = await get({ ...query, flags: 'x'.repeat(10_201) });
    assert.deepEqual([tooLong.status, fieldsOf(tooLong.body)], [400, ['querystring.flags']]);
    const proto = await post('{"userId":"pro-user","flags":true,"__proto__":{"x":1}}');
    assert.equal(proto.status, 400);
  });
});
