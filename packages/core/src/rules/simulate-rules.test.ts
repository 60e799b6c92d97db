import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { OnrampEvent } from '../events/event.js';
import { compileRules, trackEvent } from './rule-fixtures.js';
import { RuleSimulation, simulateRules } from './simulate-rules.js';

const t0 = Date.UTC(2026, 3, 1, 8);
const minute = 60_000;

function at(event: OnrampEvent, time: number): OnrampEvent {
  return { ...event, timestamp: time, receivedAt: time };
}

describe('simulateRules', () => {
  it('counts firings in the period only, with the history before it building state', () => {
    const set = compileRules([
      {
        id: 'third-report',
        trigger: { type: 'event', event: 'Report Opened' },
        condition: { $event: { name: 'Report Opened', count: { $eq: 3 } } },
        actions: [{ type: 'decide', placement: 'modal', content: 'tutorial' }],
      },
    ]);
    const events = [
      at(trackEvent('Report Opened', 0, { userId: 'a' }), t0),
      at(trackEvent('Report Opened', 0, { userId: 'a' }), t0 + minute),
      at(trackEvent('Report Opened', 0, { userId: 'b' }), t0 + minute),
      at(trackEvent('Report Opened', 0, { userId: 'a' }), t0 + 10 * minute),
      at(trackEvent('Report Opened', 0, { userId: 'b' }), t0 + 11 * minute),
    ];
    const result = simulateRules(events, set, {
      from: t0 + 5 * minute,
      to: t0 + 60 * minute,
      sample: 5,
    });
    assert.equal(result.events, 2);
    assert.equal(result.profiles, 2);
    assert.deepEqual(result.rules, [
      { ruleId: 'third-report', firings: 1, profiles: 1, sample: ['a'] },
    ]);
  });

  it('fires time triggers on the virtual clock, re-armed by activity, up to the end', () => {
    const set = compileRules([
      {
        id: 'idle',
        trigger: { type: 'inactive', for: '5m' },
        actions: [{ type: 'decide', placement: 'help', content: 'need-help' }],
      },
    ]);
    const events = [
      at(trackEvent('Page Viewed', 0, { userId: 'a' }), t0),
      at(trackEvent('Page Viewed', 0, { userId: 'a' }), t0 + 4 * minute),
      at(trackEvent('Page Viewed', 0, { userId: 'b' }), t0 + 20 * minute),
    ];
    const result = simulateRules(events, set, { from: t0, to: t0 + 22 * minute, sample: 5 });
    // a: idle from t0+4m, fires at t0+9m; b: due at t0+25m, after the period.
    assert.deepEqual(result.rules, [{ ruleId: 'idle', firings: 1, profiles: 1, sample: ['a'] }]);
  });

  it('feeds emitted events back in and follows identity merges', () => {
    const set = compileRules([
      {
        id: 'welcome',
        trigger: { type: 'event', event: 'Signed Up' },
        actions: [{ type: 'emit', event: 'Welcome Shown' }],
      },
      {
        id: 'after-welcome',
        trigger: { type: 'event', event: 'Welcome Shown' },
        condition: { $event: { name: 'Page Viewed', count: { $gte: 2 } } },
        actions: [{ type: 'setTrait', trait: 'welcomed', value: true }],
      },
    ]);
    const anonymous = { userId: undefined, anonymousId: 'device-1' };
    const events = [
      at(trackEvent('Page Viewed', 0, anonymous), t0),
      at(trackEvent('Page Viewed', 0, anonymous), t0 + 1),
      at(trackEvent('Signed Up', 0, { userId: 'ada', anonymousId: 'device-1' }), t0 + 2),
    ];
    const result = simulateRules(events, set, { from: t0, to: t0 + minute, sample: 5 });
    assert.equal(result.profiles, 1, 'the anonymous profile merged into the user');
    assert.deepEqual(
      result.rules.map((rule) => [rule.ruleId, rule.firings, rule.sample]),
      [
        ['after-welcome', 1, ['ada']],
        ['welcome', 1, ['ada']],
      ],
    );
  });

  it('samples at most the asked number of profiles and stops at `to`', () => {
    const set = compileRules([
      {
        id: 'hello',
        trigger: { type: 'event', event: 'Signed Up' },
        actions: [{ type: 'decide', placement: 'banner', content: 'hi' }],
      },
    ]);
    const simulation = new RuleSimulation(set, { from: t0, to: t0 + 10, sample: 2 });
    for (let index = 0; index < 5; index++) {
      assert.equal(
        simulation.replay(at(trackEvent('Signed Up', 0, { userId: `u${index}` }), t0 + index)),
        true,
      );
    }
    assert.equal(
      simulation.replay(at(trackEvent('Signed Up', 0, { userId: 'late' }), t0 + 10)),
      false,
    );
    const result = simulation.finish();
    assert.deepEqual(result.rules, [
      { ruleId: 'hello', firings: 5, profiles: 5, sample: ['u0', 'u1'] },
    ]);
    assert.equal(result.events, 5);
  });

  it('an inactivity trigger fires once per idle gap, whatever the event times', () => {
    const set = compileRules([
      {
        id: 'idle',
        trigger: { type: 'inactive', for: '10m' },
        actions: [{ type: 'setTrait', trait: 'idle', value: true }],
      },
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 240 }), { minLength: 1, maxLength: 30 }),
        (minutes) => {
          const times = [...new Set(minutes)].sort((a, b) => a - b).map((m) => t0 + m * minute);
          const end = t0 + 300 * minute;
          const events = times.map((time) => at(trackEvent('Ping', 0, { userId: 'a' }), time));
          const result = simulateRules(events, set, { from: t0, to: end, sample: 1 });
          let gaps = 0;
          times.forEach((time, index) => {
            const next = times[index + 1] ?? end;
            if (next - time >= 10 * minute) gaps++;
          });
          assert.equal(result.rules[0]?.firings ?? 0, gaps);
        },
      ),
      { numRuns: 200 },
    );
  });
});
