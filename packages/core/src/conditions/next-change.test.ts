import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject, JsonValue } from '../json/json.js';
import { applyEvent, createProfile, type ProfilePlan } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { parseDuration } from '../time/duration.js';
import type { CompiledCondition } from './condition.js';
import { compileCondition, ConditionCompiler } from './condition-compiler.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Whole hours since the epoch: 1-minute buckets of the 1h window start on it. */
const T = Date.UTC(2026, 0, 1, 12);

function settings(overrides: Partial<ProfileSettings> = {}): ProfileSettings {
  const base = Value.Default(ProfileSettingsSchema, {}) as ProfileSettings;
  return {
    ...base,
    windows: ['1h', '24h'],
    engagement: { window: '1h', weights: { A: 1, B: -1, C: 2 }, max: 100 },
    ...overrides,
  };
}

interface Timed {
  name: string;
  at: number;
  x?: number;
}

function track({ name, at, x }: Timed, i: number): OnrampEvent {
  return {
    type: 'track',
    messageId: `m${i}`,
    userId: 'u',
    event: name,
    timestamp: at,
    receivedAt: at,
    ...(x !== undefined && { properties: { x } }),
  };
}

/** A compiled condition and a profile built with its plan from events processed in time order. */
function setup(document: JsonObject, events: readonly Timed[], profiles = settings()) {
  const { condition, profilePlan } = compileCondition(document, { profiles });
  const profile = build(profilePlan, events);
  const at = (now: number) => ({ profile, now });
  return { condition, profile, at };
}

function build(plan: ProfilePlan, events: readonly Timed[], lags: readonly number[] = []) {
  const profile = createProfile('p', T);
  let processed = Number.NEGATIVE_INFINITY;
  events.forEach((event, i) => {
    processed = Math.max(processed, event.at + (lags[i] ?? 0));
    applyEvent(profile, track(event, i), plan, processed);
  });
  return profile;
}

/** nextChange at `now`, with the value just before it and at it. */
function change(condition: CompiledCondition, profile: ProfileState, now: number) {
  const next = condition.nextChange({ profile, now });
  const before = condition.test({ profile, now: next - 1 });
  const after = Number.isFinite(next) ? condition.test({ profile, now: next }) : undefined;
  return { next, before, after, now: condition.test({ profile, now }) };
}

describe('nextChange: conditions that do not read time', () => {
  it('is Infinity whatever the profile', () => {
    const events = [{ name: 'A', at: T }];
    const documents: JsonObject[] = [
      { 'traits.plan': 'pro' },
      { $event: { name: 'A', count: { $gte: 1 } } },
      { $event: { name: 'A', since: 'B' } },
      { $sequence: { steps: ['A', 'B'], within: '1h' } },
      { lastSeen: { $lt: '2026-01-01T13:00:00Z' } },
      { $or: [{ 'traits.plan': 'pro' }, { $not: { $event: { name: 'B' } } }] },
    ];
    for (const document of documents) {
      const { condition, at } = setup(document, events);
      assert.equal(condition.needs.readsTime, false, JSON.stringify(document));
      assert.equal(condition.nextChange(at(T + HOUR)), Number.POSITIVE_INFINITY);
    }
  });

  it('throws before the compiler is finished, like test()', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    const condition = compiler.add({ $elapsed: { since: 'lastSeen', $gte: '1h' } });
    assert.throws(() => condition.nextChange({ profile: createProfile('p', T), now: T }), /finish/);
    compiler.finish();
    assert.equal(condition.nextChange({ profile: createProfile('p', T), now: T }), Infinity);
  });
});

describe('nextChange: $elapsed', () => {
  const last = [{ name: 'A', at: T }];
  const cases: [JsonObject, number, number | undefined][] = [
    // [operators, evaluated at T + …, flips at T + … (undefined: never)]
    [{ $gte: '3d' }, DAY, 3 * DAY],
    [{ $gt: '3d' }, DAY, 3 * DAY + 1],
    [{ $lt: '3d' }, DAY, 3 * DAY],
    [{ $lte: '3d' }, DAY, 3 * DAY + 1],
    [{ $gte: '3d' }, 4 * DAY, undefined],
    [{ $lt: '3d' }, 3 * DAY, undefined],
    [{ $gte: '1d', $lt: '2d' }, HOUR, DAY],
    [{ $gte: '1d', $lt: '2d' }, DAY + HOUR, 2 * DAY],
    [{ $eq: '1h' }, 0, HOUR],
    [{ $eq: '1h' }, HOUR, HOUR + 1],
    [{ $ne: '1h' }, HOUR - 5, HOUR],
    [{ $in: ['2h', '1h'] }, 0, HOUR],
    [{ $not: { $gte: '5m' } }, 0, 5 * MINUTE],
    // $ne flips at 2h but $gte 5h keeps it false until 5h: the flip found is the real one.
    [{ $ne: '2h', $gte: '5h' }, 0, 5 * HOUR],
  ];
  for (const [ops, offset, flip] of cases) {
    it(`${JSON.stringify(ops)} at +${offset} ms flips at ${flip === undefined ? 'never' : `+${flip}`}`, () => {
      const { condition, profile } = setup({ $elapsed: { since: 'lastSeen', ...ops } }, last);
      const c = change(condition, profile, T + offset);
      if (flip === undefined) {
        assert.equal(c.next, Number.POSITIVE_INFINITY);
        return;
      }
      assert.equal(c.next, T + flip);
      assert.equal(c.before, c.now, 'unchanged until then');
      assert.notEqual(c.after, c.now, 'flips exactly there');
    });
  }

  it('reads firstSeen, sessionStart and an event, and is Infinity when the reference is missing', () => {
    const events = [
      { name: 'A', at: T },
      { name: 'B', at: T + 10 * MINUTE },
      { name: 'A', at: T + 2 * HOUR },
    ];
    const at = T + 3 * HOUR;
    const expect = (since: JsonValue, flip: number) => {
      const { condition, profile } = setup({ $elapsed: { since, $gte: '1d' } }, events);
      assert.equal(condition.nextChange({ profile, now: at }), flip, JSON.stringify(since));
    };
    expect('firstSeen', T + DAY);
    expect('sessionStart', T + 2 * HOUR + DAY); // 2h idle opened a new session
    expect({ event: 'A', at: 'first' }, T + DAY);
    expect({ event: 'B' }, T + 10 * MINUTE + DAY);
    expect({ event: 'Never' }, Number.POSITIVE_INFINITY);
    const { condition, profile } = setup({ $elapsed: { since: 'lastSeen', $gte: '1h' } }, []);
    assert.equal(condition.nextChange({ profile, now: T }), Number.POSITIVE_INFINITY);
  });
});

describe('nextChange: the now path and decisions', () => {
  it('flips at the time compared with', () => {
    const { condition, at } = setup({ now: { $gte: '2026-01-02T00:00:00Z' } }, []);
    assert.equal(condition.nextChange(at(T)), Date.UTC(2026, 0, 2));
    assert.equal(condition.nextChange(at(Date.UTC(2026, 0, 2))), Number.POSITIVE_INFINITY);
    const exact = setup({ now: T }, []);
    assert.equal(exact.condition.nextChange(exact.at(T - 7)), T);
    assert.equal(exact.condition.nextChange(exact.at(T)), T + 1, 'always after now');
  });

  it('a decision reads missing from its expiry on', () => {
    const expiring = (document: JsonObject) => {
      const { condition, profile, at } = setup(document, []);
      profile.decisions = {
        hero: { content: 'x', rule: 'r', version: 1, priority: 0, at: T, expiresAt: T + HOUR },
      };
      return condition.nextChange(at(T));
    };
    assert.equal(expiring({ 'decisions.hero': 'x' }), T + HOUR);
    assert.equal(expiring({ 'decisions.hero': { $exists: false } }), T + HOUR);
    assert.equal(expiring({ 'decisions.hero': { $ne: 'y' } }), Number.POSITIVE_INFINITY);
  });
});

describe('nextChange: $event within a window', () => {
  // 1h window, 1-minute buckets: an event at t leaves at floor(t / 1m) · 1m + 1h.
  const events = [
    { name: 'A', at: T },
    { name: 'A', at: T + 30_000 },
    { name: 'A', at: T + 10 * MINUTE + 5 },
  ];
  const at = T + 20 * MINUTE;

  it('a falling count flips when enough buckets have left', () => {
    const expect = (count: JsonValue, flip: number) => {
      const { condition, profile } = setup({ $event: { name: 'A', within: '1h', count } }, events);
      const c = change(condition, profile, at);
      assert.equal(c.next, flip, JSON.stringify(count));
      if (!Number.isFinite(flip)) return;
      assert.equal(c.before, c.now);
      assert.notEqual(c.after, c.now);
    };
    expect({ $gte: 3 }, T + HOUR); // both of the first minute leave together
    expect({ $gte: 1 }, T + 10 * MINUTE + HOUR);
    expect(0, T + 10 * MINUTE + HOUR); // "not in the last hour"
    expect({ $lt: 2 }, T + HOUR);
    expect({ $eq: 1 }, T + HOUR);
    expect({ $eq: 2 }, Number.POSITIVE_INFINITY); // 3 → 1 → 0 jumps over 2
    expect({ $gte: 0 }, Number.POSITIVE_INFINITY);
    expect({ $gte: 5 }, Number.POSITIVE_INFINITY); // counts never rise with time
  });

  it('with since, holds until the last counted event leaves; false stays false', () => {
    const withB = [{ name: 'B', at: T - MINUTE }, ...events];
    const { condition, at: input } = setup(
      { $event: { name: 'A', since: 'B', within: '1h' } },
      withB,
    );
    assert.equal(condition.nextChange(input(at)), T + 10 * MINUTE + HOUR);
    const after = setup({ $event: { name: 'B', since: 'A', within: '1h' } }, withB);
    assert.equal(after.condition.nextChange(after.at(at)), Number.POSITIVE_INFINITY);
  });

  it('counts filtered events and coarser windows by their own buckets', () => {
    const filtered = events.map((e, i) => ({ ...e, x: i === 2 ? 1 : 0 }));
    const { condition, at: input } = setup(
      { $event: { name: 'A', where: { 'properties.x': 1 }, within: '1h' } },
      filtered,
    );
    assert.equal(condition.nextChange(input(at)), T + 10 * MINUTE + HOUR);
    // 24h window: 24-minute buckets aligned to the epoch; 12:00 and 12:10 share one.
    const day = setup({ $event: { name: 'A', within: '24h' } }, events);
    assert.equal(day.condition.nextChange(day.at(at)), T + DAY);
    assert.equal(day.condition.test(day.at(T + DAY - 1)), true);
    assert.equal(day.condition.test(day.at(T + DAY)), false);
  });
});

describe('nextChange: engagement', () => {
  it('changes when a weighted event leaves the engagement window, either way', () => {
    const falls = setup({ engagement: { $gte: 2 } }, [
      { name: 'A', at: T },
      { name: 'A', at: T + 10 * MINUTE },
    ]);
    assert.equal(falls.condition.nextChange(falls.at(T + 20 * MINUTE)), T + HOUR);
    // B weighs −1: the score rises to 1 when B leaves first.
    const rises = setup({ engagement: { $gte: 1 } }, [
      { name: 'B', at: T },
      { name: 'A', at: T + 10 * MINUTE },
    ]);
    assert.equal(rises.condition.test(rises.at(T + 20 * MINUTE)), false);
    assert.equal(rises.condition.nextChange(rises.at(T + 20 * MINUTE)), T + HOUR);
    // A leaves first: −1, then 0; never ≥ 1.
    const never = setup({ engagement: { $gte: 1 } }, [
      { name: 'A', at: T },
      { name: 'B', at: T + 10 * MINUTE },
    ]);
    assert.equal(never.condition.nextChange(never.at(T + 20 * MINUTE)), Infinity);
  });
});

describe('nextChange: logical operators', () => {
  const events = [{ name: 'A', at: T }];
  const soon = { $elapsed: { since: 'lastSeen', $gte: '1h' } }; // false now, flips at T + 1h
  const later = { $elapsed: { since: 'lastSeen', $gte: '2h' } }; // false now, flips at T + 2h
  const ends = { $elapsed: { since: 'lastSeen', $lt: '3h' } }; // true now, flips at T + 3h
  const expect = (document: JsonObject, flip: number, traits: JsonObject = {}) => {
    const { condition, profile } = setup(document, events);
    profile.traits = traits;
    assert.equal(condition.nextChange({ profile, now: T }), flip, JSON.stringify(document));
  };

  it('$and: earliest change when true, latest false child when false', () => {
    expect({ $and: [soon, later] }, T + 2 * HOUR);
    expect({ $and: [ends, { 'traits.plan': 'pro' }] }, T + 3 * HOUR, { plan: 'pro' });
    expect({ $and: [soon, { 'traits.plan': 'pro' }] }, Infinity, { plan: 'free' });
    expect({ $and: [soon, { 'traits.plan': 'pro' }] }, T + HOUR, { plan: 'pro' });
  });

  it('$or and $nor: latest true child when true, earliest change when false', () => {
    expect({ $or: [soon, later] }, T + HOUR);
    expect({ $or: [ends, { 'traits.plan': 'pro' }] }, Infinity, { plan: 'pro' });
    expect({ $or: [ends, { 'traits.plan': 'pro' }] }, T + 3 * HOUR, { plan: 'free' });
    expect({ $nor: [soon, later] }, T + HOUR);
    expect({ $not: { $and: [soon, later] } }, T + 2 * HOUR);
  });
});

// Property: for random profiles and time-dependent conditions, the value is the same
// at every time in [now, nextChange), checked at random times and at every time
// where any value read could move (bucket exits, reference + literal); and exact
// leaves flip at nextChange.

const BASE = Date.UTC(2026, 2, 1);
const names = ['A', 'B', 'C'] as const;
const durations = ['10m', '1h', '90m', '6h', '1d', '3d', 1, 59_999, 3_600_001];
const small = fc.integer({ min: 0, max: 4 });
const count: fc.Arbitrary<JsonValue> = fc.oneof(
  small,
  fc.record({ $gte: small }),
  fc.record({ $gt: small }),
  fc.record({ $lt: small }),
  fc.record({ $lte: small }),
  fc.record({ $ne: small }),
  fc.record({ $in: fc.array(small, { minLength: 1, maxLength: 3 }) }),
  fc.record({ $not: fc.record({ $gte: small, $lt: small }) }),
  fc.record({ $gte: small, $lte: small }),
);
const duration = fc.constantFrom(...durations);
const window = fc.constantFrom('1h', '24h', '90m', '10m');
const name = fc.constantFrom(...names);
const since = fc.constantFrom<JsonValue>(
  'firstSeen',
  'lastSeen',
  'sessionStart',
  { event: 'A' },
  { event: 'B', at: 'first' },
  { event: 'C', where: { 'properties.x': 1 } },
);
const comparison = (value: fc.Arbitrary<JsonValue>) =>
  fc.oneof(
    fc.record({ $gte: value }),
    fc.record({ $gt: value }),
    fc.record({ $lt: value }),
    fc.record({ $lte: value }),
    fc.record({ $eq: value }),
    fc.record({ $ne: value }),
    fc.record({ $gte: value, $lt: value }),
    fc.record({ $not: fc.record({ $lte: value }) }),
  );

const leaf: fc.Arbitrary<JsonObject> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ name, within: window, count }).map(($event) => ({ $event })),
  },
  fc.record({ name, within: window, since: name }).map(($event) => ({ $event })),
  fc
    .record({ name, within: window, count })
    .map(($event) => ({ $event: { ...$event, where: { 'properties.x': 1 } } })),
  {
    weight: 3,
    arbitrary: fc
      .tuple(since, comparison(duration))
      .map(([from, ops]) => ({ $elapsed: { since: from, ...(ops as JsonObject) } })),
  },
  comparison(fc.integer({ min: -HOUR, max: DAY }).map((d) => BASE + d)).map((now) => ({
    now,
  })),
  comparison(fc.constantFrom(-1, 0, 0.5, 1, 2, 3, 5)).map((engagement) => ({ engagement })),
  fc.constantFrom<JsonObject>(
    { 'traits.plan': 'pro' },
    { $event: { name: 'A', count: { $gte: 2 } } },
    { $sequence: { steps: ['A', 'B'], within: '1h' } },
    { 'decisions.hero': 'x' },
  ),
);

const { condition: document } = fc.letrec<{ condition: JsonObject }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('$and', '$or', '$nor'),
          fc.array(tie('condition'), { minLength: 1, maxLength: 3 }),
        )
        .map(([op, list]) => ({ [op]: list })),
    },
    { weight: 1, arbitrary: tie('condition').map((inner) => ({ $not: inner })) },
  ),
}));

const history = fc.array(
  fc.record({
    name,
    at: fc.integer({ min: 0, max: 12 * HOUR }).map((d) => BASE + d),
    x: fc.constantFrom(0, 1),
    lag: fc.integer({ min: -10 * MINUTE, max: 30 * MINUTE }),
  }),
  { maxLength: 25 },
);

/** Every time at which something a condition reads could move, for an oracle independent of next-change.ts. */
function movingTimes(profile: ProfileState, plan: ProfilePlan, doc: JsonObject): number[] {
  const times: number[] = [];
  const literals = new Set<number>();
  JSON.stringify(doc, (_key, value: unknown) => {
    if (typeof value === 'number') literals.add(value);
    if (typeof value === 'string') {
      const ms = parseDuration(value);
      if (ms !== undefined) literals.add(ms);
    }
    return value;
  });
  const counters = [...Object.values(profile.events), ...Object.values(profile.derived ?? {})];
  const references = [0, profile.firstSeen, profile.lastSeen, profile.sessions.start];
  for (const c of counters) {
    references.push(c[0] as number, c[1] as number);
    for (let i = 3; i < c.length; i += 2) {
      const start = Math.floor((c[i] as number) / 16);
      for (const w of plan.windows.windows) {
        times.push(Math.floor(start / w.bucketMs) * w.bucketMs + w.ms);
      }
    }
  }
  for (const r of references) for (const l of literals) times.push(r + l, r + l + 1);
  const expiresAt = profile.decisions?.['hero']?.expiresAt;
  if (expiresAt !== undefined) times.push(expiresAt);
  return times.flatMap((t) => [t - 1, t]);
}

/** True when the document is one leaf whose answer is exact (next-change.ts RULES). */
function isExactLeaf(doc: JsonObject): boolean {
  const keys = Object.keys(doc);
  if (keys.length !== 1) return false;
  const key = keys[0] as string;
  return (
    key === '$elapsed' ||
    key === 'now' ||
    (key === '$event' && 'within' in (doc[key] as JsonObject))
  );
}

describe('nextChange, property-based', () => {
  it('the value holds on [now, nextChange), nextChange > now, exact leaves flip there', () => {
    fc.assert(
      fc.property(
        document,
        history,
        fc.constantFrom(4, 6, 60),
        fc.integer({ min: 0, max: 3 * HOUR }),
        fc.option(fc.integer({ min: 0, max: DAY })),
        fc.constantFrom('pro', 'free'),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 6, maxLength: 6 }),
        (doc, events, buckets, idle, expiry, plan, samples) => {
          const profiles = settings({ bucketsPerWindow: buckets });
          const { condition, profilePlan } = compileCondition(doc, { profiles });
          const sorted = [...events].sort((a, b) => a.at + a.lag - (b.at + b.lag));
          const profile = build(
            profilePlan,
            sorted,
            sorted.map((e) => e.lag),
          );
          profile.traits = { plan };
          if (expiry !== null) {
            profile.decisions = {
              hero: {
                content: 'x',
                rule: 'r',
                version: 1,
                priority: 0,
                at: BASE,
                expiresAt: BASE + expiry,
              },
            };
          }
          const moving = movingTimes(profile, profilePlan, doc);
          const horizon = BASE + 10 * DAY;
          let now = Math.max(BASE, ...sorted.map((e) => e.at + e.lag)) + idle;
          for (let hop = 0; hop < 4 && now < horizon; hop++) {
            const next = condition.nextChange({ profile, now });
            assert.ok(next > now, `nextChange ${next} ≤ now ${now}`);
            if (!condition.needs.readsTime) assert.equal(next, Number.POSITIVE_INFINITY);
            const value = condition.test({ profile, now });
            const end = Math.min(next, horizon);
            const checks = [
              now + 1,
              end - 1,
              ...moving,
              ...samples.map((s) => now + (s % (end - now))),
            ];
            for (const t of checks) {
              if (t < now || t >= end) continue;
              assert.equal(
                condition.test({ profile, now: t }),
                value,
                `at now + ${t - now} (next: now + ${next - now})`,
              );
            }
            if (!Number.isFinite(next)) break;
            if (isExactLeaf(doc)) {
              assert.notEqual(
                condition.test({ profile, now: next }),
                value,
                'an exact leaf flips at nextChange',
              );
            }
            now = next;
          }
        },
      ),
      { numRuns: 600 },
    );
  });
});
