import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createManualClock, type Decision, type ProfileState } from '@onramp/core';
import type { WorkspaceRuntime } from '../engine/engine.js';
import { createEngineMetrics } from '../observability/metrics.js';
import {
  DecideRequestError,
  type DecideAnswer,
  type DecideCall,
  type DecideLookup,
  type DecisionSignal,
  type EngineDecide,
  type ValidDecideCall,
} from '../decide/decide-contract.js';
import {
  createDecisionHub,
  type DecisionEndReason,
  type DecisionSubscriptionOptions,
} from './decision-hub.js';
import { digestOfUpdateId, mergeDecisionUpdates, type DecisionUpdate } from './decision-update.js';

const workspaceId = 'ws1';

/**
 * A small EngineDecide: a placement shows `<config text>/<profile trait of that name>`;
 * the trait `until` sets validUntil. Config versions are published with `publish`.
 */
function createFakeEngine() {
  const clock = createManualClock();
  let runtime = runtimeOf(1, { banner: 'hello', sidebar: 'tip' });
  const profiles = new Map<string, ProfileState>();
  const listeners = new Set<(signal: DecisionSignal) => void>();
  /** When set, findProfile waits for it (ordering tests). */
  let gate: Promise<void> | undefined;
  let lookups = 0;
  let failLookups = false;

  const decisions: EngineDecide = {
    validate(current, call: DecideCall): ValidDecideCall {
      const known = textsOf(current);
      const placements = call.placements ?? Object.keys(known);
      const errors = placements.flatMap((placement, i) =>
        Object.hasOwn(known, placement)
          ? []
          : [{ field: `placements.${i}`, message: `unknown placement "${placement}"` }],
      );
      if (errors.length > 0) throw new DecideRequestError(errors);
      return {
        lookup: call.lookup,
        placements,
        context: call.context ?? {},
        flows: call.flows ?? false,
        ...(call.locale === undefined ? {} : { locale: call.locale }),
        version: current.rules.version,
      };
    },
    // The hub loads profiles with findProfile (the decide route peeks first).
    peekProfile: () => undefined,
    async findProfile(_workspaceId, lookup: DecideLookup) {
      lookups++;
      if (gate !== undefined) await gate;
      if (failLookups) throw new Error('storage is down');
      return profiles.get('userId' in lookup ? lookup.userId : `anon:${lookup.anonymousId}`);
    },
    decideFor(current, profile, call): DecideAnswer {
      const texts = textsOf(current);
      const result: Record<string, Decision> = {};
      for (const placement of call.placements) {
        const trait = profile?.traits[placement];
        result[placement] = {
          placement,
          content: {
            id: placement,
            type: 'banner',
            locale: call.locale ?? 'en',
            fields: { text: `${texts[placement]}/${String(trait ?? '')}` },
          },
          reason: { type: 'default' },
        };
      }
      const until = profile?.traits.until;
      return {
        decisions: result,
        ...(call.flows ? { flows: {} } : {}),
        personalized: true,
        failures: [],
        version: current.rules.version,
        profileVersion: profile?.version ?? 0,
        ...(typeof until === 'number' ? { validUntil: until } : {}),
      };
    },
    async decide() {
      throw new Error('not used by the hub');
    },
    onSignal(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    clock,
    engine: {
      decisions,
      workspaceById: (id: string) => (id === workspaceId ? runtime : undefined),
    },
    listeners,
    get lookups() {
      return lookups;
    },
    failLookups() {
      failLookups = true;
    },
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    /** Stores a profile and signals it, as the processor does after applying an event. */
    change(profile: ProfileState, causedAt = clock.now()): void {
      if (profile.userId !== undefined) profiles.set(profile.userId, profile);
      for (const id of profile.anonymousIds) profiles.set(`anon:${id}`, profile);
      emit({ type: 'profiles', workspaceId, changes: [{ profile, causedAt }] });
    },
    store(profile: ProfileState): void {
      if (profile.userId !== undefined) profiles.set(profile.userId, profile);
      for (const id of profile.anonymousIds) profiles.set(`anon:${id}`, profile);
    },
    publish(texts: Record<string, string>): void {
      runtime = runtimeOf(runtime.rules.version + 1, texts);
      emit({ type: 'config', workspaceId, version: runtime.rules.version });
    },
    tick(): void {
      emit({ type: 'tick', now: clock.now() });
    },
  };

  function emit(signal: DecisionSignal): void {
    for (const listener of listeners) listener(signal);
  }
}

function runtimeOf(version: number, texts: Record<string, string>): WorkspaceRuntime {
  return { rules: { version }, texts } as unknown as WorkspaceRuntime;
}
function textsOf(runtime: WorkspaceRuntime): Record<string, string> {
  return (runtime as unknown as { texts: Record<string, string> }).texts;
}

function profileOf(
  userId: string | undefined,
  version: number,
  traits: Record<string, string | number> = {},
  anonymousIds: string[] = [],
): ProfileState {
  return {
    id: `p-${userId ?? anonymousIds[0]}`,
    ...(userId === undefined ? {} : { userId }),
    anonymousIds,
    version,
    traits,
  } as unknown as ProfileState;
}

function setup() {
  const fake = createFakeEngine();
  const metrics = createEngineMetrics({ defaultMetrics: false });
  const hub = createDecisionHub({
    engine: fake.engine,
    clock: fake.clock,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const subscribe = (
    lookup: DecideLookup,
    options: Partial<DecisionSubscriptionOptions> & { placements?: string[] } = {},
  ) => {
    const sent: DecisionUpdate[] = [];
    const ended: DecisionEndReason[] = [];
    const call = fake.engine.decisions.validate(fake.engine.workspaceById(workspaceId)!, {
      lookup,
      ...(options.placements === undefined ? {} : { placements: options.placements }),
    });
    const subscription = hub.open({
      workspaceId,
      call,
      allPlacements: options.placements === undefined,
      transport: options.transport ?? 'sse',
      ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
      ...(options.anonymousOnly === undefined ? {} : { anonymousOnly: options.anonymousOnly }),
      send: (update) => sent.push(update),
      end: (reason) => ended.push(reason),
    });
    return { sent, ended, subscription };
  };
  return { fake, hub, metrics, subscribe };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const textOf = (update: DecisionUpdate | undefined, placement: string): unknown =>
  update?.decisions[placement]?.content?.fields.text;

describe('decision hub', () => {
  test('sends the full state at once, then only the placements an event changed', async () => {
    const { fake, subscribe, metrics } = setup();
    fake.store(profileOf('ada', 3, { banner: 'x' }));
    const { sent } = subscribe({ userId: 'ada' });
    await settle();
    assert.equal(sent.length, 1);
    const first = sent[0]!;
    assert.equal(first.full, true);
    assert.deepEqual(Object.keys(first.decisions), ['banner', 'sidebar']);
    assert.equal(textOf(first, 'banner'), 'hello/x');
    assert.match(first.id, /^1\.3\.[0-9a-f]{12}$/);
    assert.equal(first.flows, undefined, 'no flows unless asked');

    fake.clock.advance(5);
    fake.change(profileOf('ada', 4, { banner: 'x', sidebar: 'y' }), fake.clock.now() - 5);
    assert.equal(sent.length, 2, 'pushed synchronously with the signal');
    assert.equal(sent[1]!.full, false);
    assert.deepEqual(Object.keys(sent[1]!.decisions), ['sidebar']);
    assert.equal(textOf(sent[1], 'sidebar'), 'tip/y');
    assert.equal(sent[1]!.profileVersion, 4);

    // A change that leaves every decision as it was sends nothing.
    fake.change(profileOf('ada', 5, { banner: 'x', sidebar: 'y', unrelated: 1 }));
    assert.equal(sent.length, 2);

    const latency = (await metrics.eventToDecisionPush.get()).values.find(
      (value) => value.metricName === 'onramp_event_to_decision_push_seconds_count',
    );
    assert.equal(latency?.value, 1, 'only the push caused by an event is timed');
    const pushes = await metrics.decisionPushes.get();
    assert.equal(pushes.values[0]?.value, 2);
    const decides = await metrics.decideRequests.get();
    assert.equal(decides.values.find((v) => v.labels.surface === 'push')?.value, 3);
  });

  test("never sends one user's decisions to another user's subscription", async () => {
    const { fake, subscribe } = setup();
    const ada = subscribe({ userId: 'ada' });
    const bob = subscribe({ userId: 'bob' });
    await settle();
    fake.change(profileOf('ada', 1, { banner: 'secret' }));
    assert.equal(ada.sent.length, 2);
    assert.equal(bob.sent.length, 1, 'only its own first state');
    assert.equal(textOf(bob.sent[0], 'banner'), 'hello/');
  });

  test('matches anonymous subscriptions by the profile’s anonymousIds; anonymousOnly ends once identified', async () => {
    const { fake, subscribe } = setup();
    const anonymous = subscribe({ anonymousId: 'a-1' }, { anonymousOnly: true });
    const server = subscribe({ anonymousId: 'a-1' });
    await settle();
    fake.change(profileOf(undefined, 1, { banner: 'anon' }, ['a-1']));
    assert.equal(textOf(anonymous.sent[1], 'banner'), 'hello/anon');
    fake.change(profileOf('carol', 2, { banner: 'known' }, ['a-1']));
    assert.equal(anonymous.sent.length, 2, 'nothing of the identified profile');
    assert.deepEqual(anonymous.ended, ['identified']);
    assert.equal(textOf(server.sent[2], 'banner'), 'hello/known', 'a server may keep reading');
  });

  test('a config change pushes new text, sends removed placements as null once, adds new ones to "all"', async () => {
    const { fake, subscribe } = setup();
    fake.store(profileOf('ada', 1));
    const all = subscribe({ userId: 'ada' });
    const some = subscribe({ userId: 'ada' }, { placements: ['sidebar', 'banner'] });
    await settle();

    fake.publish({ banner: 'hello v2', sidebar: 'tip' });
    await settle();
    for (const { sent } of [all, some]) {
      assert.equal(sent.length, 2);
      assert.deepEqual(Object.keys(sent[1]!.decisions), ['banner']);
      assert.equal(textOf(sent[1], 'banner'), 'hello v2/');
      assert.equal(sent[1]!.version, 2);
    }

    fake.publish({ banner: 'hello v2', modal: 'new' });
    await settle();
    assert.deepEqual(all.sent[2]!.decisions.sidebar, null);
    assert.equal(textOf(all.sent[2], 'modal'), 'new/');
    assert.deepEqual(some.sent[2]!.decisions, { sidebar: null });

    fake.publish({ banner: 'hello v3', modal: 'new', sidebar: 'back' });
    await settle();
    assert.deepEqual(Object.keys(some.sent[3]!.decisions), ['banner'], 'sidebar stays dropped');
    assert.deepEqual(Object.keys(all.sent[3]!.decisions).sort(), ['banner', 'sidebar']);

    fake.publish({ modal: 'only' });
    await settle();
    assert.deepEqual(some.sent[4]!.decisions, { banner: null }, 'every placement gone');
    assert.equal(some.ended.length, 0);
  });

  test('a tick re-decides subscriptions whose decisions expired, and only those', async () => {
    const { fake, subscribe } = setup();
    const until = fake.clock.now() + 1000;
    fake.store(profileOf('ada', 1, { until, banner: 'a' }));
    fake.store(profileOf('bob', 1, { banner: 'b' }));
    const ada = subscribe({ userId: 'ada' });
    const bob = subscribe({ userId: 'bob' });
    await settle();
    const before = fake.lookups;
    fake.tick();
    await settle();
    assert.equal(fake.lookups, before, 'nothing due');

    fake.store(profileOf('ada', 1, { banner: 'expired' }));
    fake.clock.advance(1000);
    fake.tick();
    await settle();
    assert.equal(fake.lookups, before + 1, 'only ada re-decided');
    assert.equal(textOf(ada.sent[1], 'banner'), 'hello/expired');
    assert.equal(bob.sent.length, 1);
    fake.tick();
    await settle();
    assert.equal(fake.lookups, before + 1, 'no validUntil any more: not re-decided');
  });

  test('resume: the same digest sends nothing first, another gets the full state', async () => {
    const { fake, subscribe } = setup();
    fake.store(profileOf('ada', 2, { banner: 'x' }));
    const first = subscribe({ userId: 'ada' });
    await settle();
    const id = first.sent[0]!.id;

    const resumed = subscribe({ userId: 'ada' }, { lastEventId: id });
    await settle();
    assert.equal(resumed.sent.length, 0);
    fake.change(profileOf('ada', 3, { banner: 'y' }));
    assert.deepEqual(Object.keys(resumed.sent[0]!.decisions), ['banner'], 'then only changes');
    assert.equal(resumed.sent[0]!.full, false);

    const stale = subscribe({ userId: 'ada' }, { lastEventId: id });
    const garbage = subscribe({ userId: 'ada' }, { lastEventId: '1.2.__proto__xxx' });
    await settle();
    for (const { sent } of [stale, garbage]) {
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.full, true);
    }
  });

  test('keeps order while a lookup is under way: the newest state is sent last', async () => {
    const { fake, subscribe } = setup();
    fake.store(profileOf('ada', 1, { banner: 'one' }));
    const ada = subscribe({ userId: 'ada' });
    await settle();
    const release = fake.hold();
    fake.publish({ banner: 'v2', sidebar: 'tip' });
    // Events during the lookup: coalesced into one pending re-decide.
    for (let version = 2; version <= 50; version++) {
      fake.change(profileOf('ada', version, { banner: `n${version}` }));
    }
    assert.equal(ada.sent.length, 1, 'waits for the lookup');
    release();
    await settle();
    await settle();
    const texts = ada.sent.slice(1).map((update) => textOf(update, 'banner'));
    assert.equal(texts.at(-1), 'v2/n50');
    assert.ok(ada.sent.length <= 3, `coalesced: ${ada.sent.length} updates`);
  });

  test('update() replaces the call and sends the full state', async () => {
    const { fake, subscribe } = setup();
    const ada = subscribe({ userId: 'ada' }, { placements: ['banner'] });
    await settle();
    const runtime = fake.engine.workspaceById(workspaceId)!;
    ada.subscription.update(
      fake.engine.decisions.validate(runtime, {
        lookup: { userId: 'ada' },
        placements: ['sidebar'],
        locale: 'fr',
      }),
      false,
    );
    await settle();
    assert.equal(ada.sent[1]!.full, true);
    assert.deepEqual(Object.keys(ada.sent[1]!.decisions), ['sidebar']);
    assert.equal(ada.sent[1]!.decisions.sidebar?.content?.locale, 'fr');
  });

  test('close stops updates; counts connections by transport; hub.close ends the rest', async () => {
    const { fake, hub, subscribe, metrics } = setup();
    const sse = subscribe({ userId: 'ada' });
    const ws = subscribe({ userId: 'ada' }, { transport: 'websocket' });
    await settle();
    const gauge = async (transport: string) =>
      (await metrics.decisionConnections.get()).values.find((v) => v.labels.transport === transport)
        ?.value;
    assert.equal(await gauge('sse'), 1);
    assert.equal(await gauge('websocket'), 1);
    sse.subscription.close();
    fake.change(profileOf('ada', 1, { banner: 'z' }));
    assert.equal(sse.sent.length, 1);
    assert.equal(ws.sent.length, 2);
    assert.equal(await gauge('sse'), 0);
    hub.close();
    assert.deepEqual(ws.ended, ['closing']);
    assert.equal(hub.size(), 0);
    assert.equal(fake.listeners.size, 0, 'stopped listening');
  });

  test('a failed lookup ends the subscription so the client reconnects', async () => {
    const { fake, hub, subscribe } = setup();
    fake.failLookups();
    const ada = subscribe({ userId: 'ada' });
    await settle();
    assert.deepEqual(ada.sent, []);
    assert.deepEqual(ada.ended, ['failed']);
    assert.equal(hub.size(), 0);
  });
});

describe('decision updates', () => {
  const update = (
    full: boolean,
    decisions: Record<string, string | null>,
    id = '1.1.000000000000',
  ): DecisionUpdate => ({
    id,
    full,
    version: 1,
    profileVersion: 1,
    decisions: Object.fromEntries(
      Object.entries(decisions).map(([key, text]) => [
        key,
        text === null ? null : { placement: key, content: null, reason: { type: 'none' } },
      ]),
    ),
  });

  test('merging keeps one entry per placement, the newest; a full update replaces', () => {
    const merged = mergeDecisionUpdates(
      update(false, { a: 'x', b: 'x' }),
      update(false, { b: null, c: 'y' }, '1.2.111111111111'),
    );
    assert.deepEqual(Object.keys(merged.decisions).sort(), ['a', 'b', 'c']);
    assert.equal(merged.decisions.b, null);
    assert.equal(merged.id, '1.2.111111111111');
    assert.equal(merged.full, false);
    assert.equal(
      mergeDecisionUpdates(update(true, { a: 'x' }), update(false, { b: 'y' })).full,
      true,
    );
    const full = update(true, { c: 'z' });
    assert.equal(mergeDecisionUpdates(update(false, { a: 'x' }), full), full);
  });

  test('only ids we issued name a digest', () => {
    assert.equal(digestOfUpdateId('3.12.0123456789ab'), '0123456789ab');
    for (const id of [
      undefined,
      '',
      '12',
      '3.12.0123456789aB',
      '3.12.0123456789abc',
      'a.b.c',
      '3.12',
    ]) {
      assert.equal(digestOfUpdateId(id), undefined, String(id));
    }
  });
});
