import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { applyEvent, compileProfilePlan, createProfile } from './apply-event.js';
import { eventTotal } from './profile.js';
import {
  measureProfileBytes,
  typicalProfileEvents,
  typicalProfileHistory,
} from './profile-memory.js';
import { summarizeProfile } from './profile-summary.js';

/** ARCHITECTURE §5: ≤ 2 KB per active profile in hot state. */
const BUDGET_BYTES = 2048;

test('the typical profile is the documented mix', () => {
  const plan = compileProfilePlan(Value.Default(ProfileSettingsSchema, {}) as ProfileSettings);
  const events = typicalProfileHistory(3, Date.UTC(2026, 0, 1));
  assert.equal(events.length, typicalProfileEvents);
  assert.equal(typicalProfileEvents, 30);
  const first = events[0]?.timestamp ?? 0;
  const last = events.at(-1)?.timestamp ?? 0;
  assert.ok(last - first > 24 * 3_600_000 && last - first < 48 * 3_600_000, 'over two days');
  const state = createProfile('p', first);
  for (const event of events) applyEvent(state, event, plan, event.receivedAt);
  assert.equal(Object.keys(state.events).length, 6);
  assert.equal(eventTotal(state, '$page'), 14);
  assert.equal(Object.keys(state.traits).length, 5);
  const summary = summarizeProfile(state, plan, last);
  assert.equal(summary.sessions.count, 3);
  assert.deepEqual(Object.keys(summary.firstTouch?.utm ?? {}), [
    'source',
    'medium',
    'campaign',
    'content',
  ]);
  assert.ok(summary.firstTouch?.referrer?.startsWith('https://'));
});

test(
  'a typical active profile takes at most 2 KB of heap',
  {
    skip:
      globalThis.gc === undefined &&
      'needs node --expose-gc: node --expose-gc --import tsx --test packages/core/src/profiles/profile-memory.test.ts',
  },
  () => {
    const bytes = measureProfileBytes(20_000);
    assert.ok(bytes <= BUDGET_BYTES, `${Math.round(bytes)} bytes per profile`);
    assert.ok(bytes > 500, `${Math.round(bytes)} bytes per profile: the measure measures nothing`);
  },
);

test('measureProfileBytes says what it needs rather than measuring nothing', () => {
  if (globalThis.gc !== undefined) return;
  assert.throws(() => measureProfileBytes(1), /--expose-gc/);
});
