import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SessionState } from './profile.js';
import {
  createSessions,
  mergeSessions,
  recordSessionActivity,
  sessionId,
  summarizeSessions,
} from './sessions.js';

const MIN = 60_000;
const TIMEOUT = 30 * MIN;
const T0 = Date.UTC(2026, 0, 1);

const empty = createSessions;

function record(times: readonly number[], sessions = empty()): SessionState {
  for (const t of times) recordSessionActivity(sessions, t, TIMEOUT);
  return sessions;
}

/** The current session as the summary shows it (id derived from the profile id). */
function currentOf(s: SessionState, id = 'p1') {
  const c = summarizeSessions(s, T0, TIMEOUT, id).current;
  return (
    c && {
      id: c.id,
      start: Date.parse(c.startedAt),
      last: Date.parse(c.lastEventAt),
      events: c.events,
    }
  );
}

test('events split into sessions by 30 minutes of inactivity', () => {
  const s = record([T0, T0 + 10 * MIN, T0 + 40 * MIN, T0 + 71 * MIN, T0 + 80 * MIN]);
  assert.equal(s.count, 2);
  assert.deepEqual(currentOf(s), {
    id: `p1:${(T0 + 71 * MIN).toString(36)}`,
    start: T0 + 71 * MIN,
    last: T0 + 80 * MIN,
    events: 2,
  });
  assert.equal(s.previousDurationMs, 40 * MIN);
  assert.equal(s.totalDurationMs, 49 * MIN);
});

test('an event exactly one timeout after the last continues the session', () => {
  const s = record([T0, T0 + TIMEOUT]);
  assert.equal(s.count, 1);
  assert.equal(s.totalDurationMs, TIMEOUT);
  assert.equal(record([T0, T0 + TIMEOUT + 1]).count, 2);
});

test('a late event inside the span only adds to the event count', () => {
  const s = record([T0, T0 + 20 * MIN, T0 + 5 * MIN]);
  assert.equal(s.count, 1);
  assert.equal(s.events, 3);
  assert.equal(s.totalDurationMs, 20 * MIN);
});

test('a late event within the timeout before the start extends the session backwards', () => {
  const s = record([T0, T0 + 10 * MIN, T0 - 25 * MIN]);
  assert.equal(s.count, 1);
  assert.equal(s.start, T0 - 25 * MIN);
  assert.equal(currentOf(s)?.id, sessionId('p1', T0 - 25 * MIN), 'the id follows the start');
  assert.equal(s.totalDurationMs, 35 * MIN);
});

test('a late event further back counts as a past session of its own', () => {
  const s = record([T0, T0 + 10 * MIN, T0 - 2 * 60 * MIN]);
  assert.equal(s.count, 2);
  assert.equal(s.start, T0);
  assert.equal(s.previousDurationMs, 0);
  assert.equal(s.totalDurationMs, 10 * MIN);
  // A known previous session is kept: which one came last is unknown.
  const t = record([T0, T0 + 60 * MIN, T0 + 2 * 60 * MIN, T0 - 5 * 60 * MIN]);
  assert.equal(t.count, 4);
  assert.equal(t.previousDurationMs, 0);
});

test('the summary reports activity, averages and ISO times', () => {
  const s = record([T0, T0 + 10 * MIN, T0 + 60 * MIN, T0 + 80 * MIN]);
  const summary = summarizeSessions(s, T0 + 90 * MIN, TIMEOUT, 'p1');
  assert.deepEqual(summary, {
    count: 2,
    current: {
      id: sessionId('p1', T0 + 60 * MIN),
      startedAt: new Date(T0 + 60 * MIN).toISOString(),
      lastEventAt: new Date(T0 + 80 * MIN).toISOString(),
      durationMs: 20 * MIN,
      events: 2,
      active: true,
    },
    totalDurationMs: 30 * MIN,
    averageDurationMs: 15 * MIN,
    previousDurationMs: 10 * MIN,
  });
  assert.equal(summarizeSessions(s, T0 + 110 * MIN + 1, TIMEOUT, 'p1').current?.active, false);
  assert.deepEqual(summarizeSessions(empty(), T0, TIMEOUT, 'p1'), {
    count: 0,
    current: null,
    totalDurationMs: 0,
    averageDurationMs: 0,
    previousDurationMs: null,
  });
});

test('merging close current sessions joins them', () => {
  const target = record([T0 + 20 * MIN, T0 + 30 * MIN]);
  const source = record([T0 - 60 * MIN, T0, T0 + 10 * MIN]);
  mergeSessions(target, source, TIMEOUT);
  assert.equal(target.count, 2);
  assert.deepEqual(currentOf(target, 'user'), {
    id: sessionId('user', T0),
    start: T0,
    last: T0 + 30 * MIN,
    events: 4,
  });
  assert.equal(target.totalDurationMs, 30 * MIN);
  assert.equal(target.previousDurationMs, 0);
});

test('merging distant current sessions keeps the later one current', () => {
  const target = record([T0, T0 + 5 * MIN]);
  const source = record([T0 + 3 * 60 * MIN, T0 + 3 * 60 * MIN + MIN]);
  mergeSessions(target, source, TIMEOUT);
  assert.equal(target.count, 2);
  assert.equal(currentOf(target, 'user')?.id, sessionId('user', T0 + 3 * 60 * MIN));
  assert.equal(target.previousDurationMs, 5 * MIN);
  assert.equal(target.totalDurationMs, 6 * MIN);
  const before = structuredClone(target);
  recordSessionActivity(source, T0 + 3 * 60 * MIN + 2 * MIN, TIMEOUT);
  assert.deepEqual(target, before, 'no state is shared with the source');
});

test('merging with an empty side copies the other', () => {
  const source = record([T0, T0 + MIN, T0 + 60 * MIN]);
  const target = empty();
  mergeSessions(target, source, TIMEOUT);
  assert.deepEqual(target, source);
  assert.equal(currentOf(target, 'user')?.id, sessionId('user', T0 + 60 * MIN));
  const before = structuredClone(target);
  mergeSessions(target, empty(), TIMEOUT);
  assert.deepEqual(target, before);
});

/** Sessionizes sorted times the textbook way. */
function bruteForce(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const sessions: { start: number; last: number; events: number }[] = [];
  for (const t of sorted) {
    const last = sessions.at(-1);
    if (last && t <= last.last + TIMEOUT) {
      last.last = t;
      last.events += 1;
    } else sessions.push({ start: t, last: t, events: 1 });
  }
  return sessions;
}

test('property: in-order events give exactly the textbook sessions', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 24 * 60 }), { maxLength: 60 }), (minutes) => {
      const times = minutes.map((m) => T0 + m * MIN).sort((a, b) => a - b);
      const s = record(times);
      const expected = bruteForce(times);
      const current = expected.at(-1);
      const previous = expected.at(-2);
      assert.equal(s.count, expected.length);
      assert.equal(
        s.totalDurationMs,
        expected.reduce((sum, e) => sum + e.last - e.start, 0),
      );
      assert.equal(s.events > 0 ? s.start : undefined, current?.start);
      assert.equal(s.events > 0 ? s.last : undefined, current?.last);
      assert.equal(s.events, current?.events ?? 0);
      assert.equal(s.previousDurationMs, previous ? previous.last - previous.start : null);
    }),
  );
});

test('property: any order keeps the latest event in the current session and totals consistent', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 24 * 60 }), { minLength: 1, maxLength: 60 }),
      (minutes) => {
        const times = minutes.map((m) => T0 + m * MIN);
        const s = record(times);
        assert.ok(s.events >= 1);
        assert.equal(s.last, Math.max(...times));
        assert.ok(s.last >= s.start);
        assert.ok(s.totalDurationMs >= s.last - s.start);
        assert.ok(s.count >= 1 && s.count <= times.length);
        assert.equal(currentOf(s)?.id, sessionId('p1', s.start));
      },
    ),
  );
});
