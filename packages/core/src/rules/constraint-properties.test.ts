import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import { compileRules, trackEvent } from './rule-fixtures.js';
import { runRulesForEvent } from './run-rules.js';

// Caps, cooldowns and the fatigue budget over random event streams: whatever the
// timing, no window of the configured length ever holds more firings than allowed.

const T0 = Date.UTC(2026, 4, 4, 10);
const minute = 60_000;

/** Firing times of `ruleIds` when one "Ping" event arrives at each of `offsets` (minutes). */
function fireTimes(
  rules: Record<string, unknown>[],
  settings: Record<string, unknown>,
  offsets: number[],
): Map<string, number[]> {
  const set = compileRules(rules, settings);
  const profile = createProfile('p1', T0);
  profile.userId = 'u1';
  const times = new Map<string, number[]>();
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const at = T0 + offset * minute;
    const event = trackEvent('Ping', at);
    applyEvent(profile, event, set.profilePlan, at);
    for (const firing of runRulesForEvent(set, profile, event, { now: at, depth: 0 }).firings) {
      times.set(firing.ruleId, [...(times.get(firing.ruleId) ?? []), firing.at]);
    }
  }
  return times;
}

/** The most firings in any half-open window [t, t + length). */
function busiestWindow(times: number[], length: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let count = 0;
    for (let j = i; j < times.length && (times[j] as number) < (times[i] as number) + length; j++)
      count++;
    most = Math.max(most, count);
  }
  return most;
}

const offsets = fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 60 });

describe('constraints over random event streams', () => {
  it('a cap of N per D never lets N + 1 firings into any window of length D', () => {
    fc.assert(
      fc.property(
        offsets,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 120 }),
        (o, n, d) => {
          const times = fireTimes(
            [
              {
                id: 'capped',
                trigger: { type: 'event', event: 'Ping' },
                actions: [{ type: 'setTrait', trait: 'seen', value: true }],
                constraints: { cap: { count: n, per: `${d}m` } },
              },
            ],
            {},
            o,
          );
          const fired = times.get('capped') ?? [];
          assert.ok(busiestWindow(fired, d * minute) <= n);
          assert.ok(fired.length >= 1, 'the first event always fires');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a cooldown of D keeps firings at least D apart', () => {
    fc.assert(
      fc.property(offsets, fc.integer({ min: 1, max: 120 }), (o, d) => {
        const fired =
          fireTimes(
            [
              {
                id: 'cool',
                trigger: { type: 'event', event: 'Ping' },
                actions: [{ type: 'setTrait', trait: 'seen', value: true }],
                constraints: { cooldown: `${d}m` },
              },
            ],
            {},
            o,
          ).get('cool') ?? [];
        for (let i = 1; i < fired.length; i++) {
          assert.ok((fired[i] as number) - (fired[i - 1] as number) >= d * minute);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the fatigue budget bounds prompts across all rules together', () => {
    fc.assert(
      fc.property(offsets, fc.integer({ min: 1, max: 3 }), (o, max) => {
        const prompt = (id: string) => ({
          id,
          trigger: { type: 'event', event: 'Ping' },
          actions: [{ type: 'decide', placement: id, content: id }],
        });
        const times = fireTimes(
          [prompt('one'), prompt('two'), prompt('three')],
          { fatigue: { max, per: '1h' } },
          o,
        );
        const all = [...times.values()].flat().sort((a, b) => a - b);
        assert.ok(busiestWindow(all, 60 * minute) <= max);
      }),
      { numRuns: 200 },
    );
  });
});
