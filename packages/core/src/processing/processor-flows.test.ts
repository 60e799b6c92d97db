import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import { compileConfig } from '../rules/rule-fixtures.js';
import { createManualClock } from '../time/clock.js';
import { Processor, type ProfileChange } from './processor.js';

// The processor with flows and interaction events, on the real in-memory log and
// store: steps complete from any source, rules advance flows (segment-triggered
// ones too), interactions are counted, `Flow …` events go to the log once and do
// not count as the person's activity, and every change is reported.

const rules = compileConfig({
  segments: [{ id: 'admins', condition: { 'traits.role': 'admin' } }],
  content: [{ id: 'tip', type: 'tooltip', fields: { target: '#a', body: 'Here' } }],
  placements: [{ id: 'sidebar' }],
  flows: [
    {
      id: 'start',
      placement: 'sidebar',
      steps: [
        { id: 'create', content: 'tip', completion: { event: 'Project Created' } },
        { id: 'admin-tour', completion: { event: 'Tour Done' } },
        { id: 'invite', required: false, completion: { event: 'Teammate Invited' } },
      ],
    },
  ],
  rules: [
    {
      id: 'admin-tour',
      trigger: { type: 'segment', segment: 'admins' },
      actions: [{ type: 'advanceFlow', flow: 'start', step: 'admin-tour' }],
    },
  ],
});

function setup() {
  const clock = createManualClock(Date.UTC(2026, 10, 24, 9));
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const store = createMemoryProfileStore();
  const emitted: OnrampEvent[] = [];
  const changes: ProfileChange[] = [];
  let ids = 0;
  let serial = 0;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: () => rules.profilePlan,
    rulesOf: () => rules,
    newProfileId: () => `p${ids++}`,
    onEmit: async (workspaceId, events) => {
      emitted.push(...events);
      await log.append(events.map((event) => ({ workspaceId, event })));
    },
    onChanges: (batch) => changes.push(...batch),
  });
  const send = async (fields: Partial<OnrampEvent>) => {
    const now = clock.now();
    const event = {
      type: 'track',
      messageId: `m${serial++}`,
      userId: 'ada',
      timestamp: now,
      receivedAt: now,
      ...fields,
    } as OnrampEvent;
    await log.append([{ workspaceId: 'ws', event }]);
    await processor.catchUp();
  };
  return { clock, processor, emitted, changes, send };
}

const flowEventsOf = (emitted: OnrampEvent[]) =>
  emitted
    .filter((event) => event.event?.startsWith('Flow '))
    .map((event) => [event.event, event.properties?.['step_id'] ?? null]);

describe('Processor with flows', () => {
  it('starts flows, completes steps from any source and from rules, and logs it once', async () => {
    const { clock, processor, emitted, changes, send } = setup();
    await processor.start();
    await send({ event: 'Signed Up' });
    clock.advance(60_000);
    await send({ event: 'Project Created' });
    clock.advance(60_000);
    await send({ type: 'identify', traits: { role: 'admin' } });
    assert.deepEqual(flowEventsOf(emitted), [
      ['Flow Started', null],
      ['Flow Step Completed', 'create'],
      ['Flow Step Completed', 'admin-tour'],
      ['Flow Completed', null],
    ]);
    // The Flow events the processor appended are applied on its next pass.
    await processor.flush();
    await processor.catchUp();
    const profile = await processor.findProfile('ws', { profileId: 'p0' });
    const progress = profile?.flows?.['start'];
    assert.equal(progress?.step, '');
    assert.equal(progress?.completedAt, Date.UTC(2026, 10, 24, 9) + 120_000);
    // Flow events are applied like any event, but are not the person's activity.
    assert.equal(profile?.lastSeen, Date.UTC(2026, 10, 24, 9) + 120_000);
    assert.equal(profile?.events['Flow Completed']?.[2], 1);
    const reported = changes.flatMap((change) => change.flows ?? []).map((change) => change.type);
    assert.deepEqual(reported, [
      'started',
      'step-reached',
      'step-completed',
      'step-reached',
      'step-completed',
      'completed',
    ]);
    // A replay of the same events appends nothing new to the log.
    const count = emitted.length;
    await send({ event: 'Project Created' });
    assert.equal(flowEventsOf(emitted.slice(count)).length, 0);
  });

  it('counts interaction events per content and reports them', async () => {
    const { processor, changes, send } = setup();
    await processor.start();
    const properties = { placement: 'sidebar', content: 'tip', flow: 'start', step: 'create' };
    await send({ event: 'Content Shown', properties });
    await send({ event: 'Content Clicked', properties });
    await send({ event: 'Content Dismissed', properties });
    await send({ event: 'Content Shown', properties: { content: { evil: true } } });
    await send({ event: 'Content Shown', properties: { content: '__proto__' } });
    const profile = await processor.findProfile('ws', { profileId: 'p0' });
    assert.deepEqual(profile?.interactions?.['tip']?.slice(0, 4), [1, 1, 1, 0]);
    assert.equal(Object.keys(profile?.interactions ?? {}).length, 1);
    assert.equal(profile?.flows?.['start']?.dismissed?.['create'] !== undefined, true);
    assert.deepEqual(
      changes.flatMap((change) => change.interactions ?? []).map((item) => item.kind),
      ['shown', 'clicked', 'dismissed'],
    );
  });
});
