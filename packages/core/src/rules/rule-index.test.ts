import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import { compileRules, trackEvent } from './rule-fixtures.js';
import { candidatesFor } from './rule-index.js';
import { runtimeOf } from './rule-runtime.js';
import { runRulesForEvent } from './run-rules.js';

const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

function manyRules(count: number, signups: number): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < count - signups; i++) {
    rules.push({
      id: `other-${i}`,
      trigger: { type: 'event', event: `Event ${i}` },
      condition: { 'traits.plan': 'pro' },
      actions: [{ type: 'setTrait', trait: `r${i}`, value: i }],
    });
  }
  for (let i = 0; i < signups; i++) {
    rules.push({
      id: `signup-${i}`,
      priority: i % 3,
      trigger: { type: 'event', event: 'Signed Up' },
      condition: { 'traits.plan': 'enterprise' },
      actions: [{ type: 'setTrait', trait: `s${i}`, value: i }],
    });
  }
  return rules;
}

describe('the trigger index', () => {
  it('selects only the rules an event can fire, in evaluation order', () => {
    const set = runtimeOf(compileRules(manyRules(1000, 10)));
    const ranks = candidatesFor(set.index, trackEvent('Signed Up', T0));
    assert.equal(ranks.length, 10);
    const ids = ranks.map((rank) => set.rules[rank]?.id);
    assert.ok(ids.every((id) => id?.startsWith('signup-')));
    const priorities = ranks.map((rank) => set.rules[rank]?.priority ?? 0);
    assert.deepEqual(
      priorities,
      [...priorities].sort((a, b) => b - a),
    );
    assert.deepEqual(candidatesFor(set.index, trackEvent('Never Configured', T0)), []);
  });

  it('lists "*" triggers and time-reading conditions under every event', () => {
    const set = runtimeOf(
      compileRules([
        {
          id: 'named',
          trigger: { type: 'event', event: 'A' },
          actions: [{ type: 'emit', event: 'X' }],
        },
        {
          id: 'any',
          trigger: { type: 'event', event: '*' },
          actions: [{ type: 'emit', event: 'X' }],
        },
        {
          id: 'recent',
          trigger: { type: 'condition' },
          condition: { $elapsed: { since: 'firstSeen', $gte: '7d' } },
          actions: [{ type: 'emit', event: 'X' }],
        },
        {
          id: 'counted',
          trigger: { type: 'condition' },
          condition: { $event: { name: 'B', count: { $gte: 3 } } },
          actions: [{ type: 'emit', event: 'X' }],
        },
        {
          id: 'trait',
          trigger: { type: 'condition' },
          condition: { 'traits.plan': 'pro' },
          actions: [{ type: 'emit', event: 'X' }],
        },
        {
          id: 'disabled',
          enabled: false,
          trigger: { type: 'event', event: 'A' },
          actions: [{ type: 'emit', event: 'X' }],
        },
      ]),
    );
    const idsFor = (event: Parameters<typeof candidatesFor>[1]) =>
      candidatesFor(set.index, event).map((rank) => set.rules[rank]?.id);
    assert.deepEqual(idsFor(trackEvent('A', T0)), ['named', 'any', 'recent']);
    assert.deepEqual(idsFor(trackEvent('B', T0)), ['any', 'recent', 'counted']);
    assert.deepEqual(idsFor(trackEvent('C', T0)), ['any', 'recent']);
    const identify = trackEvent('', T0, { type: 'identify', event: undefined });
    assert.deepEqual(idsFor(identify), ['any', 'recent', 'trait']);
    const consent = trackEvent('C', T0, { context: { consent: { categoryPreferences: {} } } });
    assert.deepEqual(idsFor(consent), ['any', 'recent', 'trait']);
  });

  it('keeps the cost of an event with 1 000 rules close to that of its 10 candidates', () => {
    const all = compileRules(manyRules(1000, 10));
    const only = compileRules(manyRules(10, 10));
    const time = (set: typeof all) => {
      const profile = createProfile('p1', T0);
      const event = trackEvent('Signed Up', T0);
      for (let i = 0; i < 2000; i++) runRulesForEvent(set, profile, event, { now: T0, depth: 0 });
      const start = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i++) runRulesForEvent(set, profile, event, { now: T0, depth: 0 });
      return Number(process.hrtime.bigint() - start);
    };
    time(all);
    time(only);
    const ratio = time(all) / time(only);
    // Same work per event; a generous bound keeps the test stable on a loaded machine.
    assert.ok(ratio < 3, `1 000 rules cost ${ratio.toFixed(2)}× 10 rules`);
  });
});
