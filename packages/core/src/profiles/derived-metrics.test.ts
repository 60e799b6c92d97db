import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import type { DerivedCounterSpec, SequenceSpec } from '../conditions/condition.js';
import type { OnrampEvent } from '../events/event.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import {
  applyEvent,
  compileProfilePlan,
  createProfile,
  mergeProfiles,
  type ProfilePlan,
} from './apply-event.js';
import { EVENT_FIRST, EVENT_LAST, EVENT_TOTAL, type ProfileState } from './profile.js';
import { countInWindow } from './windows.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 10);
const settings = (): ProfileSettings => Value.Default(ProfileSettingsSchema, {}) as ProfileSettings;

const exports: DerivedCounterSpec = {
  key: 'eExports',
  event: 'Feature Used',
  matches: (event) => event.properties?.['feature'] === 'export',
};
const sequence: SequenceSpec = { key: 'sAB', steps: ['A', 'B', 'C'], withinMs: 10 * MIN };

let serial = 0;
function track(name: string, at: number, properties = {}): OnrampEvent {
  serial += 1;
  return {
    type: 'track',
    event: name,
    properties,
    messageId: `m${serial}`,
    anonymousId: 'a1',
    timestamp: at,
    receivedAt: at,
  };
}

function play(
  plan: ProfilePlan,
  events: OnrampEvent[],
  state = createProfile('p', T0),
): ProfileState {
  for (const event of events) applyEvent(state, event, plan, event.timestamp);
  return state;
}

describe('compileProfilePlan with extras', () => {
  it("keeps the settings' windows and adds the conditions' (durations or ms)", () => {
    const plan = compileProfilePlan(settings(), { windows: ['90m', 2 * 86_400_000, '1h'] });
    assert.deepEqual(
      plan.windows.windows.map((w) => w.label),
      ['1h', '90m', '24h', '2d', '7d', '30d'],
    );
  });

  it('indexes specs by event name; no extras means empty indexes', () => {
    const plan = compileProfilePlan(settings(), {
      derived: [exports, exports],
      sequences: [sequence],
    });
    assert.equal(plan.derived.byEvent.get('Feature Used')?.length, 1);
    assert.deepEqual(
      plan.sequences.byEvent.get('A')?.map((s) => s.index),
      [0],
    );
    const bare = compileProfilePlan(settings());
    assert.equal(bare.derived.byEvent.size, 0);
    assert.equal(bare.sequences.byEvent.size, 0);
  });
});

describe('derived counters', () => {
  const plan = compileProfilePlan(settings(), { derived: [exports] });

  it('count only the matching events of the spec, with windows, in the EventCounters layout', () => {
    const state = play(plan, [
      track('Feature Used', T0, { feature: 'export' }),
      track('Feature Used', T0 + MIN, { feature: 'import' }),
      track('Feature Used', T0 + 2 * MIN, { feature: 'export' }),
      track('Other', T0 + 3 * MIN, { feature: 'export' }),
    ]);
    const counters = state.derived?.['eExports'];
    assert.ok(counters);
    assert.equal(counters[EVENT_TOTAL], 2);
    assert.equal(counters[EVENT_FIRST], T0);
    assert.equal(counters[EVENT_LAST], T0 + 2 * MIN);
    assert.equal(countInWindow(counters, plan.windows, 0, T0 + 10 * MIN, 3), 2);
    assert.equal(countInWindow(counters, plan.windows, 0, T0 + 61 * MIN, 3), 1);
    assert.equal(state.events['Feature Used']?.[EVENT_TOTAL], 3);
  });

  it('add nothing to profiles for events no spec names, nor without specs', () => {
    const state = play(plan, [track('Other', T0)]);
    assert.equal('derived' in state, false);
    assert.equal('sequences' in state, false);
    const bare = play(compileProfilePlan(settings()), [
      track('Feature Used', T0, { feature: 'export' }),
    ]);
    assert.equal('derived' in bare, false);
  });

  it('count from publication on (no backfill), and survive a JSON round trip', () => {
    const before = play(compileProfilePlan(settings()), [
      track('Feature Used', T0, { feature: 'export' }),
    ]);
    const after = play(
      plan,
      [track('Feature Used', T0 + MIN, { feature: 'export' })],
      structuredClone(before),
    );
    assert.equal(after.derived?.['eExports']?.[EVENT_TOTAL], 1);
    assert.equal(after.events['Feature Used']?.[EVENT_TOTAL], 2);
    const reloaded = JSON.parse(JSON.stringify(after)) as ProfileState;
    play(plan, [track('Feature Used', T0 + 2 * MIN, { feature: 'export' })], reloaded);
    assert.equal(reloaded.derived?.['eExports']?.[EVENT_TOTAL], 2);
  });

  it('drop keys the plan no longer names when a new counter is created', () => {
    const state = createProfile('p', T0);
    state.derived = { eOld: [T0, T0, 5] };
    play(plan, [track('Feature Used', T0, { feature: 'export' })], state);
    assert.deepEqual(Object.keys(state.derived), ['eExports']);
  });

  it('merge like event counters; keys the plan lacks are dropped', () => {
    const a = play(plan, [track('Feature Used', T0 + MIN, { feature: 'export' })]);
    const b = play(plan, [track('Feature Used', T0, { feature: 'export' })]);
    b.derived = { ...b.derived, eGone: [T0, T0, 1] };
    mergeProfiles(a, b, plan, T0 + 2 * MIN);
    assert.deepEqual(Object.keys(a.derived ?? {}), ['eExports']);
    const counters = a.derived?.['eExports'] ?? [];
    assert.deepEqual(counters.slice(0, 3), [T0, T0 + MIN, 2]);
    assert.equal(countInWindow(counters, plan.windows, 0, T0 + 2 * MIN, 3), 2);
    const c = createProfile('c', T0);
    mergeProfiles(c, a, plan, T0 + 2 * MIN);
    assert.deepEqual(c.derived?.['eExports']?.slice(0, 3), [T0, T0 + MIN, 2]);
  });
});

describe('sequence trackers', () => {
  const plan = compileProfilePlan(settings(), { sequences: [sequence] });

  it('keep [completedAt, s_1, s_2]: the latest start per progress, −1 for none', () => {
    const state = play(plan, [track('B', T0), track('A', T0 + MIN)]);
    assert.deepEqual(state.sequences?.['sAB'], [-1, T0 + MIN, -1]);
    play(plan, [track('A', T0 + 2 * MIN), track('B', T0 + 3 * MIN)], state);
    assert.deepEqual(state.sequences?.['sAB'], [-1, T0 + 2 * MIN, T0 + 2 * MIN]);
    play(plan, [track('C', T0 + 12 * MIN)], state);
    assert.deepEqual(state.sequences?.['sAB'], [T0 + 12 * MIN, T0 + 2 * MIN, T0 + 2 * MIN]);
  });

  it('do not complete beyond the window, nor from a step before its start', () => {
    const state = play(plan, [track('A', T0), track('B', T0 + MIN), track('C', T0 + 10 * MIN + 1)]);
    assert.deepEqual(state.sequences?.['sAB'], [-1, T0, T0]);
    play(plan, [track('B', T0 - MIN)], state);
    assert.deepEqual(state.sequences?.['sAB'], [-1, T0, T0]);
  });

  it('are not created by a step other than the first', () => {
    const state = play(plan, [track('B', T0), track('C', T0)]);
    assert.equal(state.sequences, undefined);
  });

  it('merge slot by slot, the later time winning', () => {
    const a = play(plan, [track('A', T0), track('B', T0 + MIN)]);
    const b = play(plan, [track('A', T0 + 5 * MIN)]);
    b.sequences = { ...b.sequences, sGone: [1, 2] };
    mergeProfiles(a, b, plan, T0 + 6 * MIN);
    assert.deepEqual(a.sequences, { sAB: [-1, T0 + 5 * MIN, T0] });
    play(plan, [track('C', T0 + 7 * MIN)], a);
    assert.equal(a.sequences?.['sAB']?.[0], T0 + 7 * MIN);
  });
});
