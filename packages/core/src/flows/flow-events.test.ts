import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import type { FlowChange } from './flow.js';
import {
  FLOW_COMPLETED,
  FLOW_STARTED,
  FLOW_STEP_COMPLETED,
  FLOW_STEP_DISMISSED,
  flowEvents,
} from './flow-events.js';

const t0 = Date.UTC(2026, 0, 5, 9);

const changes: FlowChange[] = [
  { type: 'started', flow: 'setup', variant: 'short' },
  { type: 'step-reached', flow: 'setup', step: 'a' },
  { type: 'step-completed', flow: 'setup', step: 'a', by: 'condition' },
  { type: 'step-skipped', flow: 'setup', step: 'b' },
  { type: 'step-dismissed', flow: 'setup', step: 'c' },
  { type: 'completed', flow: 'setup', durationMs: 1234 },
];

describe('flowEvents', () => {
  it('logs every change but reached steps, as track events of the profile', () => {
    const profile = createProfile('p1', t0);
    profile.userId = 'u1';
    const events = flowEvents(profile, changes, 'm42', t0 + 5, 1);
    assert.deepEqual(
      events.map((event) => [event.event, event.properties, event.messageId]),
      [
        [FLOW_STARTED, { flow_id: 'setup', variant: 'short' }, 'flow:setup:started:p1:m42'],
        [
          FLOW_STEP_COMPLETED,
          { flow_id: 'setup', step_id: 'a', by: 'condition' },
          'flow:setup:step-completed:a:p1:m42',
        ],
        [
          'Flow Step Skipped',
          { flow_id: 'setup', step_id: 'b' },
          'flow:setup:step-skipped:b:p1:m42',
        ],
        [
          FLOW_STEP_DISMISSED,
          { flow_id: 'setup', step_id: 'c' },
          'flow:setup:step-dismissed:c:p1:m42',
        ],
        [FLOW_COMPLETED, { flow_id: 'setup', duration_ms: 1234 }, 'flow:setup:completed:p1:m42'],
      ],
    );
    for (const event of events) {
      assert.equal(event.type, 'track');
      assert.equal(event.userId, 'u1');
      assert.equal(event.anonymousId, undefined);
      assert.deepEqual(event.context, { onramp: { flow: 'setup', depth: 2 } });
      assert.equal(event.timestamp, t0 + 5);
      assert.equal(event.receivedAt, t0 + 5);
    }
    // Deterministic: the same changes and cause give the same messageIds.
    assert.deepEqual(
      flowEvents(profile, changes, 'm42', t0 + 9, 1).map((event) => event.messageId),
      events.map((event) => event.messageId),
    );
  });

  it("uses an anonymous profile's first anonymousId, and omits an absent variant", () => {
    const profile = createProfile('p2', t0);
    profile.anonymousIds = ['anon-1', 'anon-2'];
    const [event] = flowEvents(profile, [{ type: 'started', flow: 'f' }], 'timer:1', t0, 0);
    assert.equal(event?.anonymousId, 'anon-1');
    assert.equal(event?.userId, undefined);
    assert.deepEqual(event?.properties, { flow_id: 'f' });
    assert.deepEqual(flowEvents(profile, [], 'c', t0, 0), []);
  });
});
