import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import {
  addAnonymousId,
  applyEvent,
  compileProfilePlan,
  createProfile,
  mergeProfiles,
} from './apply-event.js';
import {
  EVENT_BUCKETS,
  eventCounters,
  eventFirstSeen,
  eventLastSeen,
  eventTotal,
  eventWindowCounts,
  type ProfileState,
} from './profile.js';
import { summarizeProfile } from './profile-summary.js';
import { sessionId } from './sessions.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1);

function settings(overrides: Partial<ProfileSettings> = {}): ProfileSettings {
  return { ...(Value.Default(ProfileSettingsSchema, {}) as ProfileSettings), ...overrides };
}

const plan = compileProfilePlan(settings());
let serial = 0;

function event(fields: Partial<OnrampEvent> = {}): OnrampEvent {
  serial += 1;
  return {
    type: 'track',
    event: 'Clicked',
    messageId: `m${serial}`,
    anonymousId: 'a1',
    timestamp: T0,
    receivedAt: T0,
    ...fields,
  };
}

function apply(state: ProfileState, events: readonly OnrampEvent[], now = T0): ProfileState {
  for (const e of events) applyEvent(state, e, plan, now);
  return state;
}

test('the plan compiles settings and adds the engagement window when missing', () => {
  assert.deepEqual(
    plan.windows.windows.map((w) => w.label),
    ['1h', '24h', '7d', '30d'],
  );
  assert.equal(plan.sessionTimeoutMs, 30 * MIN);
  assert.equal(plan.engagement.windowIndex, 2);
  const other = compileProfilePlan(
    settings({ engagement: { window: '14d', weights: {}, max: 10 } }),
  );
  assert.deepEqual(
    other.windows.windows.map((w) => w.label),
    ['1h', '24h', '7d', '14d', '30d'],
  );
  assert.equal(other.engagement.windowIndex, 3);
  assert.throws(() => compileProfilePlan(settings({ sessionTimeout: 'soon' })), /session timeout/);
});

test('a new profile is empty, and JSON-safe', () => {
  const state = createProfile('p1', T0);
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  assert.equal(state.groups, undefined, 'nested records are created when first needed');
  assert.equal(state.version, 0);
  assert.equal(state.eventCount, 0);
});

test('an event updates seen times, counters, sessions and version', () => {
  const state = apply(
    createProfile('p1', T0 + HOUR),
    [
      event({ timestamp: T0 }),
      event({ timestamp: T0 + 10 * MIN }),
      event({ timestamp: T0 - 5 * MIN, type: 'page', event: undefined }),
    ],
    T0 + 10 * MIN,
  );
  assert.equal(state.firstSeen, T0 - 5 * MIN, 'the first event sets firstSeen, not creation');
  assert.equal(state.lastSeen, T0 + 10 * MIN);
  assert.equal(state.eventCount, 3);
  assert.equal(state.version, 3);
  assert.deepEqual(
    [
      eventFirstSeen(state, 'Clicked'),
      eventLastSeen(state, 'Clicked'),
      eventTotal(state, 'Clicked'),
    ],
    [T0, T0 + 10 * MIN, 2],
  );
  assert.equal(eventTotal(state, '$page'), 1);
  assert.deepEqual(eventWindowCounts(state, 'Clicked', plan.windows, T0 + 10 * MIN), [2, 2, 2, 2]);
  assert.equal(eventTotal(state, 'Never'), 0);
  assert.deepEqual(eventWindowCounts(state, 'Never', plan.windows, T0), [0, 0, 0, 0]);
  assert.equal(state.sessions.count, 1);
  assert.equal(state.sessions.totalDurationMs, 15 * MIN);
});

test('identify merges traits shallowly; null sets null; context traits are ignored', () => {
  const state = apply(createProfile('p1', T0), [
    event({ type: 'identify', traits: { plan: 'free', role: 'admin', address: { city: 'Lyon' } } }),
    event({ type: 'identify', traits: { plan: 'team', role: null, address: { zip: '69001' } } }),
    event({ context: { traits: { plan: 'hacked' } } }),
  ]);
  assert.deepEqual(state.traits, { plan: 'team', role: null, address: { zip: '69001' } });
  apply(state, [event({ type: 'identify', traits: { seats: 3, plan: 'pro' } })]);
  assert.deepEqual(state.traits, {
    plan: 'pro',
    role: null,
    address: { zip: '69001' },
    seats: 3,
  });
});

test('__proto__ and other unsafe keys never reach a prototype', () => {
  const traits = JSON.parse(
    '{"__proto__": {"polluted": true}, "constructor": 1, "ok": 1}',
  ) as JsonObject;
  const state = apply(createProfile('p1', T0), [
    event({ type: 'identify', traits }),
    event({ event: '__proto__' }),
    event({ event: 'constructor' }),
    event({ event: 'toString' }),
    event({ type: 'group', groupId: '__proto__', traits: { x: 1 } }),
    event({ type: 'group', groupId: 'g1', traits }),
    event({
      context: {
        consent: { categoryPreferences: JSON.parse('{"__proto__": {"a": true}, "ads": false}') },
      },
    }),
  ]);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(state.traits), Object.prototype);
  assert.deepEqual(Object.keys(state.traits), ['ok']);
  assert.deepEqual(Object.keys(state.events), ['$identify', 'toString', '$group', 'Clicked']);
  assert.equal(state.untrackedEvents, 2, '__proto__ and constructor are counted, not tracked');
  assert.equal(eventTotal(state, 'toString'), 1);
  assert.equal(eventTotal(state, 'constructor'), 0);
  assert.deepEqual(Object.keys(state.groups ?? {}), ['g1']);
  assert.deepEqual(state.groups?.['g1'], { ok: 1 });
  assert.deepEqual(state.consent?.categories, { ads: false });
});

test('event names beyond maxEventNames count as untracked', () => {
  const small = compileProfilePlan(settings({ maxEventNames: 2 }));
  const state = createProfile('p1', T0);
  for (const name of ['a', 'b', 'c', 'a', 'd'])
    applyEvent(state, event({ event: name }), small, T0);
  assert.deepEqual(Object.keys(state.events), ['a', 'b']);
  assert.equal(eventTotal(state, 'a'), 2);
  assert.equal(state.untrackedEvents, 2);
  assert.equal(state.eventCount, 5);
});

test('groups merge traits, keep the most recent last, and are bounded', () => {
  const small = compileProfilePlan(settings({ maxGroups: 2 }));
  const state = createProfile('p1', T0);
  const group = (groupId: string, traits?: JsonObject) =>
    applyEvent(state, event({ type: 'group', groupId, traits }), small, T0);
  group('acme', { name: 'Acme', size: 10 });
  group('beta');
  group('acme', { size: 12 });
  assert.deepEqual(Object.keys(state.groups ?? {}), ['beta', 'acme']);
  assert.deepEqual(state.groups?.['acme'], { name: 'Acme', size: 12 });
  group('acme', { plan: 'pro' });
  assert.deepEqual(Object.keys(state.groups ?? {}), ['beta', 'acme'], 'the last one stays last');
  assert.deepEqual(state.groups?.['acme'], { name: 'Acme', size: 12, plan: 'pro' });
  group('gamma', { name: 'G' });
  assert.deepEqual(Object.keys(state.groups ?? {}), ['acme', 'gamma']);
});

test('consent follows the latest statement by timestamp', () => {
  const consent = (timestamp: number, ads: boolean) =>
    event({
      timestamp,
      context: { consent: { categoryPreferences: { ads, analytics: true, junk: 'yes' } } },
    });
  const state = apply(createProfile('p1', T0), [consent(T0, true), consent(T0 - MIN, false)]);
  assert.deepEqual(state.consent, { categories: { ads: true, analytics: true }, updatedAt: T0 });
  apply(state, [consent(T0, false)]);
  assert.equal(state.consent?.categories['ads'], false, 'a tie goes to the later processed');
});

test('a partial consent statement keeps the categories it does not mention', () => {
  const state = apply(createProfile('p1', T0), [
    event({
      timestamp: T0,
      context: { consent: { categoryPreferences: { ads: true, analytics: true } } },
    }),
    event({ timestamp: T0 + MIN, context: { consent: { categoryPreferences: { ads: false } } } }),
  ]);
  assert.deepEqual(state.consent, {
    categories: { ads: false, analytics: true },
    updatedAt: T0 + MIN,
  });
});

test('touches come from the event context', () => {
  const page = (timestamp: number, path: string) =>
    event({ type: 'page', timestamp, context: { page: { path } } });
  const state = apply(createProfile('p1', T0), [
    page(T0, '/b'),
    page(T0 - MIN, '/a'),
    page(T0 + MIN, '/c'),
  ]);
  assert.equal(state.firstTouch?.page, '/a');
  assert.equal(state.lastTouch?.page, '/c');
});

test('anonymousIds are linked once each, oldest first, bounded', () => {
  const state = createProfile('p1', T0);
  assert.equal(addAnonymousId(state, 'a1', 2), true);
  assert.equal(addAnonymousId(state, 'a1', 2), false);
  assert.equal(addAnonymousId(state, 'a2', 2), true);
  assert.equal(addAnonymousId(state, 'a3', 2), true);
  assert.deepEqual(state.anonymousIds, ['a2', 'a3'], 'the oldest is dropped');
});

test('merging profiles combines history as one person', () => {
  const user = apply(
    createProfile('user', T0),
    [
      event({
        type: 'identify',
        userId: 'u1',
        traits: { plan: 'team' },
        timestamp: T0 + 20 * MIN,
        anonymousId: undefined,
      }),
      event({ event: 'Clicked', timestamp: T0 + 25 * MIN }),
      event({ type: 'group', groupId: 'acme', traits: { name: 'Acme' } }),
    ],
    T0 + 25 * MIN,
  );
  user.anonymousIds = ['a-user'];
  const anon = apply(
    createProfile('anon', T0),
    [
      event({ type: 'identify', traits: { plan: 'free', source: 'ad' }, timestamp: T0 }),
      event({
        event: 'Clicked',
        timestamp: T0 + 5 * MIN,
        context: { page: { path: '/landing' }, consent: { categoryPreferences: { ads: true } } },
      }),
      event({ event: 'Viewed', timestamp: T0 + 6 * MIN }),
      event({ type: 'group', groupId: 'beta' }),
    ],
    T0 + 25 * MIN,
  );
  anon.anonymousIds = ['a1', 'a-user'];
  const versions = [user.version, anon.version];
  mergeProfiles(user, anon, plan, T0 + 30 * MIN);
  assert.deepEqual(user.traits, { plan: 'team', source: 'ad' });
  assert.deepEqual(Object.keys(user.groups ?? {}), ['beta', 'acme']);
  assert.equal(user.firstSeen, T0);
  assert.equal(user.lastSeen, T0 + 25 * MIN);
  assert.equal(user.eventCount, 7);
  assert.deepEqual(
    [eventFirstSeen(user, 'Clicked'), eventLastSeen(user, 'Clicked'), eventTotal(user, 'Clicked')],
    [T0 + 5 * MIN, T0 + 25 * MIN, 2],
  );
  assert.deepEqual(eventWindowCounts(user, 'Clicked', plan.windows, T0 + 30 * MIN), [2, 2, 2, 2]);
  assert.equal(eventTotal(user, 'Viewed'), 1);
  assert.notEqual(eventCounters(user, 'Viewed'), eventCounters(anon, 'Viewed'), 'not shared');
  assert.equal(user.sessions.count, 1, 'sessions 20 minutes apart are one');
  assert.equal(user.sessions.start, T0);
  assert.deepEqual(user.consent?.categories, { ads: true });
  assert.equal(user.firstTouch?.page, '/landing');
  assert.deepEqual(user.anonymousIds, ['a1', 'a-user']);
  assert.equal(user.version, Math.max(...versions) + 1);
});

test('merging respects the bounds', () => {
  const small = compileProfilePlan(
    settings({ maxEventNames: 2, maxAnonymousIds: 2, maxGroups: 1 }),
  );
  const target = createProfile('t', T0);
  const source = createProfile('s', T0);
  for (const name of ['a', 'b']) applyEvent(target, event({ event: name }), small, T0);
  for (const name of ['b', 'c', 'c']) applyEvent(source, event({ event: name }), small, T0);
  applyEvent(target, event({ type: 'group', groupId: 'g1' }), small, T0);
  applyEvent(source, event({ type: 'group', groupId: 'g2' }), small, T0);
  target.anonymousIds = ['t1', 't2'];
  source.anonymousIds = ['s1'];
  mergeProfiles(target, source, small, T0);
  assert.deepEqual(Object.keys(target.events), ['a', 'b']);
  // c's two events, plus each side's $group event that was beyond the bound.
  assert.equal(target.untrackedEvents, 2 + 1 + 1);
  assert.deepEqual(Object.keys(target.groups ?? {}), ['g1']);
  assert.deepEqual(target.anonymousIds, ['t1', 't2']);
});

test('merging into an empty profile takes the source as is', () => {
  const source = apply(createProfile('s', T0), [event({ timestamp: T0 - HOUR })], T0);
  const target = createProfile('t', T0 + HOUR);
  mergeProfiles(target, source, plan, T0);
  assert.equal(target.firstSeen, T0 - HOUR);
  assert.equal(target.lastSeen, T0 - HOUR);
  assert.equal(summarizeProfile(target, plan, T0).sessions.current?.id, sessionId('t', T0 - HOUR));
  assert.equal(sessionId('t', T0 - HOUR), `t:${(T0 - HOUR).toString(36)}`);
});

test('property: merged counts equal one profile fed every event', () => {
  const eventArb = fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    offset: fc.integer({ min: -48 * 60, max: 60 }),
    left: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 40 }), (specs) => {
      const now = T0;
      const whole = createProfile('w', now);
      const left = createProfile('l', now);
      const right = createProfile('r', now);
      for (const spec of specs) {
        const e = event({ event: spec.name, timestamp: now + spec.offset * MIN });
        applyEvent(whole, e, plan, now);
        applyEvent(spec.left ? left : right, e, plan, now);
      }
      mergeProfiles(left, right, plan, now);
      assert.equal(left.eventCount, whole.eventCount);
      for (const name of Object.keys(whole.events)) {
        assert.deepEqual(
          [eventFirstSeen(left, name), eventLastSeen(left, name), eventTotal(left, name)],
          [eventFirstSeen(whole, name), eventLastSeen(whole, name), eventTotal(whole, name)],
        );
        assert.deepEqual(
          eventWindowCounts(left, name, plan.windows, now),
          eventWindowCounts(whole, name, plan.windows, now),
        );
      }
      if (whole.eventCount > 0)
        assert.deepEqual([left.firstSeen, left.lastSeen], [whole.firstSeen, whole.lastSeen]);
    }),
  );
});

test('a state loaded from JSON keeps working, crafted __proto__ keys included', () => {
  const state = apply(createProfile('p1', T0), [
    event(),
    event({ type: 'identify', traits: { a: 1 } }),
  ]);
  const loaded = JSON.parse(JSON.stringify(state)) as ProfileState;
  apply(loaded, [event({ timestamp: T0 + MIN })], T0 + MIN);
  assert.equal(eventTotal(loaded, 'Clicked'), 2);
  const crafted = JSON.parse(
    '{"id":"x","anonymousIds":[],"version":1,"firstSeen":0,"lastSeen":0,"eventCount":1,"untrackedEvents":0,' +
      '"traits":{"__proto__":{"polluted":true}},"groups":{"__proto__":{}},' +
      '"events":{"__proto__":[0,0,1]},"sessions":{"count":0,"totalDurationMs":0,' +
      '"previousDurationMs":null,"start":0,"last":0,"events":0}}',
  ) as ProfileState;
  mergeProfiles(loaded, crafted, plan, T0 + MIN);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(loaded.events), Object.prototype);
  assert.deepEqual(Object.keys(loaded.traits), ['a']);
  assert.equal(loaded.untrackedEvents, 1);
});

test('state stays bounded however many events and names arrive', () => {
  const bounded = compileProfilePlan(settings({ maxEventNames: 20, maxGroups: 3 }));
  const state = createProfile('p1', T0);
  let now = T0;
  for (let i = 0; i < 20_000; i++) {
    now += 5 * MIN;
    const name = `event-${i % 50}`;
    const late = i % 7 === 0 ? 3 * 24 * HOUR : 0;
    applyEvent(state, event({ event: name, timestamp: now - late }), bounded, now);
    if (i % 100 === 0) applyEvent(state, event({ type: 'group', groupId: `g${i}` }), bounded, now);
  }
  assert.equal(Object.keys(state.events).length, 20);
  assert.equal(Object.keys(state.groups ?? {}).length, 3);
  // Entry bound from windows.ts: 2·60 + 1 for 1h, 60 + 2 for 24h and 7d, 43200/672 + 2 for 30d.
  const bound = 121 + 62 + 62 + Math.ceil(43_200 / 672) + 2;
  for (const counters of Object.values(state.events)) {
    assert.ok(counters.length - EVENT_BUCKETS <= 2 * bound);
  }
  assert.equal(state.eventCount, 20_000 + 200);
});

test('property: a JSON round trip at any point changes no outcome', () => {
  const eventArb = fc.record({
    kind: fc.constantFrom('track', 'page', 'identify', 'group', 'consent'),
    name: fc.constantFrom('a', 'b', 'toString'),
    offset: fc.integer({ min: -3 * 24 * 60, max: 60 }),
    step: fc.integer({ min: 0, max: 90 }),
    path: fc.constantFrom(undefined, '/a', '/b'),
    source: fc.constantFrom(undefined, 'google', 'ads'),
  });
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 30 }), fc.nat(30), (specs, cut) => {
      let now = T0;
      const events = specs.map((spec) => {
        now += spec.step * MIN;
        const context: JsonObject = {};
        if (spec.path !== undefined) context['page'] = { path: spec.path };
        if (spec.source !== undefined) context['campaign'] = { source: spec.source };
        if (spec.kind === 'consent') {
          context['consent'] = { categoryPreferences: { ads: spec.offset % 2 === 0 } };
        }
        const fields: Partial<OnrampEvent> = {
          type: spec.kind === 'consent' ? 'track' : spec.kind,
          event: spec.name,
          timestamp: now + spec.offset * MIN,
          context,
        };
        if (spec.kind === 'identify') fields.traits = { [spec.name]: spec.offset };
        if (spec.kind === 'group') fields.groupId = `g-${spec.name}`;
        return [event(fields), now] as const;
      });
      const kept = createProfile('p', T0);
      let reloaded = createProfile('p', T0);
      events.forEach(([e, at], i) => {
        if (i === cut) reloaded = JSON.parse(JSON.stringify(reloaded)) as ProfileState;
        applyEvent(kept, e, plan, at);
        applyEvent(reloaded, e, plan, at);
      });
      const end = now + HOUR;
      assert.deepEqual(summarizeProfile(reloaded, plan, end), summarizeProfile(kept, plan, end));
      assert.deepEqual(JSON.parse(JSON.stringify(reloaded)), JSON.parse(JSON.stringify(kept)));
      const other = JSON.parse(JSON.stringify(kept)) as ProfileState;
      mergeProfiles(reloaded, other, plan, end);
      mergeProfiles(kept, structuredClone(kept), plan, end);
      assert.deepEqual(summarizeProfile(reloaded, plan, end), summarizeProfile(kept, plan, end));
    }),
    { numRuns: 200 },
  );
});

test('an event a rule emitted counts by name but is not the person’s activity', () => {
  const state = createProfile('p', T0);
  applyEvent(state, event({ event: 'Page Viewed', timestamp: T0 }), plan, T0);
  const emitted = event({
    event: 'Help Offered',
    timestamp: T0 + HOUR,
    context: { onramp: { rule: 'idle-help', depth: 1 }, page: { url: 'https://x.test/' } },
  });
  applyEvent(state, emitted, plan, T0 + HOUR);
  assert.equal(eventTotal(state, 'Help Offered'), 1);
  assert.equal(state.eventCount, 2);
  assert.equal(state.lastSeen, T0, 'last seen is the person’s last activity');
  assert.equal(state.sessions.count, 1, 'no new session');
  assert.equal(state.sessions.events, 1);
  assert.equal(state.lastTouch?.page, undefined);
});
