import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  RuleConfigError,
  RuleVersionConflictError,
  createManualClock,
  type ManualClock,
  type ProfileSummary,
  type RuleDefinition,
} from '@onramp/core';
import { sendBatch, startTestServer, type TestServer } from '../src/testing/test-server.js';

// Rules end to end on the real engine (SQLite, processor, scheduler), with an injected clock.

const start = Date.UTC(2026, 2, 2, 12, 0, 0);
const servers: TestServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

async function serverAt(clock: ManualClock, dataDir?: string): Promise<TestServer> {
  const server = await startTestServer({ clock, ...(dataDir === undefined ? {} : { dataDir }) });
  servers.push(server);
  return server;
}

async function send(server: TestServer, messages: Record<string, unknown>[]): Promise<void> {
  await sendBatch(server, messages);
  await server.engine.flush();
}

const track = (userId: string, event: string, properties: Record<string, unknown> = {}) => ({
  type: 'track',
  userId,
  event,
  properties,
});

async function profile(server: TestServer, userId: string): Promise<ProfileSummary> {
  const found = await server.engine.getProfile(server.workspace.id, { userId });
  assert.ok(found, `profile ${userId}`);
  return found;
}

async function firings(server: TestServer, userId: string): Promise<string[]> {
  const list = await server.engine.rules.firings(server.workspace.id, { userId }, { limit: 100 });
  return (list ?? []).map((stored) => stored.firing.ruleId).reverse();
}

function publish(server: TestServer, rules: unknown[], settings?: unknown) {
  return server.engine.rules.publish(server.workspace.id, {
    rules: rules as RuleDefinition[],
    source: 'api',
    ...(settings === undefined ? {} : { settings: settings as never }),
  });
}

describe('rules on the engine', () => {
  it('offers the tutorial on the third use of a feature, once', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, [
      {
        id: 'reports-tutorial',
        trigger: {
          type: 'event',
          event: 'Feature Used',
          where: { 'properties.feature': 'reports' },
        },
        condition: {
          $event: {
            name: 'Feature Used',
            where: { 'properties.feature': 'reports' },
            count: { $gte: 3 },
          },
        },
        actions: [{ type: 'decide', placement: 'sidebar', content: 'reports-tutorial' }],
        constraints: { once: true },
      },
    ]);
    await send(server, [
      track('u1', 'Feature Used', { feature: 'reports' }),
      track('u1', 'Feature Used', { feature: 'billing' }),
      track('u1', 'Feature Used', { feature: 'reports' }),
    ]);
    assert.deepEqual((await profile(server, 'u1')).decisions, {});
    await send(server, [track('u1', 'Feature Used', { feature: 'reports' })]);
    const decision = (await profile(server, 'u1')).decisions['sidebar'];
    assert.equal(decision?.content, 'reports-tutorial');
    assert.equal(decision?.rule, 'reports-tutorial');
    assert.equal(decision?.version, 1);
    await send(server, [track('u1', 'Feature Used', { feature: 'reports' })]);
    assert.deepEqual(await firings(server, 'u1'), ['reports-tutorial'], 'once per user');
    const metrics = await server.engine.metrics.registry.metrics();
    assert.match(metrics, /onramp_rule_firings_total\{rule="reports-tutorial"\} 1\n/);
    assert.match(
      metrics,
      /onramp_rule_suppressed_total\{rule="reports-tutorial",reason="once"\} 1\n/,
    );
  });

  it('fires a condition trigger on each crossing, not on every event after it', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, [
      {
        id: 'advanced-tips',
        trigger: { type: 'condition' },
        condition: { 'traits.activity': { $gt: 70 } },
        actions: [{ type: 'decide', placement: 'tips', content: 'advanced' }],
      },
    ]);
    for (const activity of [50, 80, 90, 40, 75]) {
      await send(server, [{ type: 'identify', userId: 'u2', traits: { activity } }]);
    }
    assert.deepEqual(await firings(server, 'u2'), ['advanced-tips', 'advanced-tips']);
  });

  it('offers help after 5 minutes of inactivity, re-armed by activity, once', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, [
      {
        id: 'idle-help',
        trigger: { type: 'inactive', for: '5m' },
        actions: [{ type: 'decide', placement: 'modal', content: 'need-help' }],
      },
    ]);
    await send(server, [track('u3', 'Page Viewed')]);
    clock.advance(4 * 60_000);
    assert.equal(await server.engine.runDueTimers(), 0);
    await send(server, [track('u3', 'Page Viewed')]);
    clock.advance(4 * 60_000);
    assert.equal(await server.engine.runDueTimers(), 0, 're-armed by the second event');
    clock.advance(60_000);
    assert.equal(await server.engine.runDueTimers(), 1);
    assert.equal(await server.engine.runDueTimers(), 0);
    clock.advance(60 * 60_000);
    assert.equal(await server.engine.runDueTimers(), 0, 'fires once until the next activity');
    await server.engine.flush();
    assert.deepEqual(await firings(server, 'u3'), ['idle-help']);
    assert.equal((await profile(server, 'u3')).decisions['modal']?.content, 'need-help');
  });

  it('nudges 24 h after signup unless a project was created', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, [
      {
        id: 'nudge',
        trigger: { type: 'delay', event: 'Signed Up', delay: '24h', unless: ['Project Created'] },
        actions: [{ type: 'message', channel: 'email', template: 'create-a-project' }],
      },
    ]);
    await send(server, [track('busy', 'Signed Up'), track('idle', 'Signed Up')]);
    clock.advance(3_600_000);
    await send(server, [track('busy', 'Project Created')]);
    clock.advance(23 * 3_600_000);
    assert.equal(await server.engine.runDueTimers(), 1);
    await server.engine.flush();
    assert.deepEqual(await firings(server, 'idle'), ['nudge']);
    assert.deepEqual(await firings(server, 'busy'), []);

    // The queued message is in the outbox, listed by the admin API.
    const auth = { authorization: `Bearer ${server.workspace.adminKey}` };
    const response = await fetch(`${server.url}/admin/v1/messages?limit=10`, { headers: auth });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      messages: { ruleId: string; channel: string; template: string; profileId: string }[];
    };
    assert.deepEqual(
      body.messages.map(({ ruleId, channel, template }) => [ruleId, channel, template]),
      [['nudge', 'email', 'create-a-project']],
    );
    assert.equal(body.messages[0]?.profileId, (await profile(server, 'idle')).profileId);
    for (const query of ['limit=0', 'limit=abc', 'after=-1', 'bogus=1']) {
      const bad = await fetch(`${server.url}/admin/v1/messages?${query}`, { headers: auth });
      assert.equal(bad.status, 400, query);
    }
    const unauthorized = await fetch(`${server.url}/admin/v1/messages`, {
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(unauthorized.status, 401);
  });

  it('chains rules through emitted events and stops a loop at the chain depth', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(
      server,
      [
        {
          id: 'welcome',
          trigger: { type: 'event', event: 'Signed Up' },
          actions: [{ type: 'emit', event: 'Welcome Shown', properties: { via: 'rule' } }],
        },
        {
          id: 'mark',
          trigger: { type: 'event', event: 'Welcome Shown' },
          actions: [{ type: 'setTrait', trait: 'welcomed', value: true }],
        },
        {
          id: 'echo',
          trigger: { type: 'event', event: 'Ping' },
          actions: [{ type: 'emit', event: 'Pong' }],
        },
        {
          id: 'echo-back',
          trigger: { type: 'event', event: 'Pong' },
          actions: [{ type: 'emit', event: 'Ping' }],
        },
      ],
      { maxChainDepth: 3 },
    );
    await send(server, [track('u4', 'Signed Up'), track('u5', 'Ping')]);
    // Emitted events go through the log: wait until the chain has settled.
    for (let round = 0; round < 20; round++) await server.engine.flush();
    assert.equal((await profile(server, 'u4')).traits['welcomed'], true);
    const loop = await firings(server, 'u5');
    assert.ok(loop.length >= 2 && loop.length <= 4, `loop bounded: ${loop.join(',')}`);
  });

  it('publishes versions atomically and refuses a stale base version or a bad rule', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    const rule = (content: string) => ({
      id: 'greet',
      trigger: { type: 'event', event: 'Signed Up' },
      actions: [{ type: 'decide', placement: 'banner', content }],
    });
    const v1 = await publish(server, [rule('hello-v1')]);
    assert.equal(v1.version, 1);
    await send(server, [track('a', 'Signed Up')]);
    await server.engine.rules.publish(server.workspace.id, {
      rules: [rule('hello-v2')] as RuleDefinition[],
      source: 'api',
      baseVersion: 1,
    });
    await send(server, [track('b', 'Signed Up')]);
    assert.equal((await profile(server, 'a')).decisions['banner']?.version, 1);
    assert.equal((await profile(server, 'b')).decisions['banner']?.content, 'hello-v2');
    await assert.rejects(
      server.engine.rules.publish(server.workspace.id, {
        rules: [],
        source: 'api',
        baseVersion: 1,
      }),
      RuleVersionConflictError,
    );
    await assert.rejects(
      publish(server, [{ ...rule('x'), condition: { 'traits.plan': { $bogus: 1 } } }]),
      (error: unknown) =>
        error instanceof RuleConfigError &&
        error.issues.some((issue) => issue.path.join('.').startsWith('0.condition')),
    );
    assert.equal(server.engine.rules.current(server.workspace.id).version, 2);
  });

  it('keeps armed timers across a restart and fires them once', async () => {
    const clock = createManualClock(start);
    const first = await startTestServer({ clock });
    const dataDir = first.dataDir;
    await publish(first, [
      {
        id: 'idle-help',
        trigger: { type: 'inactive', for: '10m' },
        actions: [{ type: 'decide', placement: 'modal', content: 'need-help' }],
      },
    ]);
    await send(first, [track('r1', 'Page Viewed')]);
    await first.close({ keepData: true });
    const second = await serverAt(clock, dataDir);
    assert.equal(second.engine.rules.current(second.workspace.id).version, 1);
    clock.advance(10 * 60_000);
    assert.equal(await second.engine.runDueTimers(), 1);
    assert.equal(await second.engine.runDueTimers(), 0);
    await second.engine.flush();
    assert.deepEqual(await firings(second, 'r1'), ['idle-help']);
  });

  it('explains a dry run for a stored user and for a profile document', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, [
      {
        id: 'referral-welcome',
        trigger: { type: 'event', event: 'Signed Up' },
        condition: { 'traits.source': 'referral' },
        actions: [{ type: 'decide', placement: 'banner', content: 'referral-welcome' }],
      },
    ]);
    await send(server, [{ type: 'identify', userId: 'd1', traits: { source: 'referral' } }]);
    const stored = await server.engine.rules.dryRun(server.workspace.id, {
      profile: { userId: 'd1' },
      event: track('d1', 'Signed Up'),
    });
    assert.equal(stored.version, 1);
    assert.equal(stored.rules[0]?.fires, true);
    const document = await server.engine.rules.dryRun(server.workspace.id, {
      profile: { document: { traits: { source: 'ads' } } },
      event: track('d2', 'Signed Up'),
    });
    assert.equal(document.rules[0]?.fires, false);
    assert.equal(document.rules[0]?.triggered, true);
    assert.equal(document.rules[0]?.condition?.result, false);
    assert.deepEqual(await firings(server, 'd1'), [], 'a dry run fires nothing');
  });

  it('simulates a draft over a period of real events without side effects', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, [
      {
        id: 'live-rule',
        trigger: { type: 'event', event: 'Signed Up' },
        actions: [{ type: 'decide', placement: 'banner', content: 'hi' }],
      },
    ]);
    await send(server, [track('s1', 'Signed Up'), track('s2', 'Signed Up')]);
    clock.advance(60_000);
    await send(server, [track('s1', 'Project Created'), track('s3', 'Signed Up')]);
    const report = await server.engine.rules.simulate(server.workspace.id, {
      from: start,
      to: start + 120_000,
      rules: [
        {
          id: 'draft-rule',
          trigger: { type: 'event', event: 'Project Created' },
          actions: [{ type: 'decide', placement: 'banner', content: 'next' }],
        },
      ] as RuleDefinition[],
    });
    assert.equal(report.events, 4);
    assert.deepEqual(
      report.draft.map((rule) => [rule.ruleId, rule.firings, rule.sample]),
      [['draft-rule', 1, ['s1']]],
    );
    assert.deepEqual(
      report.live.map((rule) => [rule.ruleId, rule.firings]),
      [['live-rule', 3]],
    );
    assert.deepEqual(
      report.diff.map((row) => [row.ruleId, row.delta]),
      [
        ['live-rule', -3],
        ['draft-rule', 1],
      ],
    );
    assert.equal((await profile(server, 's1')).decisions['banner']?.content, 'hi', 'no writes');
  });
});
