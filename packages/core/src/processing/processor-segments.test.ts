import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import { compileConfig } from '../rules/rule-fixtures.js';
import { SEGMENT_TIMER } from '../segments/segment-runtime.js';
import { createManualClock } from '../time/clock.js';
import { Processor, type ProfileChange } from './processor.js';
import type { DueTimer } from './rule-output.js';

// The processor with segments, on the real in-memory log and store: membership
// changes are committed with the profile, announced as `Segment Entered/Exited`
// events, reported with the profile change (push), set off segment-triggered rules;
// time-dependent segments change through the `$segments` timer; merges and
// back-fill sweeps keep memberships right.

const rules = compileConfig({
  segments: [
    { id: 'pro', condition: { 'traits.plan': 'pro' } },
    { id: 'new', condition: { $elapsed: { since: 'firstSeen', $lt: '1h' } } },
    { id: 'exporter', condition: { $event: { name: 'Exported', count: { $gte: 2 } } } },
  ],
  rules: [
    {
      id: 'pro-welcome',
      trigger: { type: 'segment', segment: 'pro', on: 'entered' },
      actions: [{ type: 'decide', placement: 'banner', content: 'pro-welcome' }],
    },
  ],
});

function setup() {
  const clock = createManualClock(Date.UTC(2026, 10, 2, 9));
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const store = createMemoryProfileStore();
  const emitted: OnrampEvent[] = [];
  const armed: DueTimer[] = [];
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
    onTimersArmed: (timers) => armed.push(...timers),
    onChanges: (batch) => changes.push(...batch),
  });
  const send = async (fields: Partial<OnrampEvent>) => {
    const now = clock.now();
    const event = {
      type: 'track',
      messageId: `m${serial++}`,
      timestamp: now,
      receivedAt: now,
      ...fields,
    } as OnrampEvent;
    await log.append([{ workspaceId: 'ws', event }]);
    await processor.catchUp();
  };
  return { clock, log, store, processor, emitted, armed, changes, send };
}

describe('Processor with segments', () => {
  it('commits memberships, emits events, reports changes and fires segment rules', async () => {
    const { store, processor, emitted, changes, send } = setup();
    await processor.start();
    await send({ type: 'identify', userId: 'ada', traits: { plan: 'pro' } });
    assert.deepEqual(
      emitted.map((event) => [event.event, event.userId, event.properties]),
      [
        ['Segment Entered', 'ada', { segment_id: 'pro' }],
        ['Segment Entered', 'ada', { segment_id: 'new' }],
      ],
    );
    assert.deepEqual(changes.at(-1)?.memberships, [
      { segment: 'pro', on: 'entered' },
      { segment: 'new', on: 'entered' },
    ]);
    const profile = changes.at(-1)?.profile;
    assert.equal(profile?.decisions?.['banner']?.content, 'pro-welcome');
    await processor.flush();
    assert.deepEqual(Object.fromEntries(await store.countMembers('ws')), { new: 1, pro: 1 });
    assert.equal((await store.membership('ws', 'pro', 'p0'))?.profileId, 'p0');
    // The emitted events come back through the log: counted by name, not as activity.
    await processor.catchUp();
    const stored = await processor.findProfile('ws', { profileId: 'p0' });
    assert.equal(stored?.events['Segment Entered']?.[2], 2);
    assert.equal(stored?.eventCount, 3);
  });

  it('leaves a time-dependent segment when its timer fires, and commits that', async () => {
    const { clock, store, processor, armed, emitted, send } = setup();
    await processor.start();
    await send({ event: 'Opened', userId: 'bo' });
    const timer = armed.find((t) => t.ruleId === SEGMENT_TIMER);
    assert.ok(timer !== undefined, 'the $segments timer was announced');
    clock.set(timer.dueAt);
    await processor.fireTimers([timer]);
    assert.equal(emitted.at(-1)?.event, 'Segment Exited');
    await processor.flush();
    assert.deepEqual(Object.fromEntries(await store.countMembers('ws')), {});
    // Fired again (a stale heap entry): nothing more happens.
    const before = emitted.length;
    await processor.fireTimers([timer]);
    assert.equal(emitted.length, before);
  });

  it('a merge drops the merged profile`s memberships and re-evaluates the survivor', async () => {
    const { store, processor, send } = setup();
    await processor.start();
    await send({ event: 'Exported', anonymousId: 'anon-1' });
    await send({ event: 'Exported', userId: 'cy' });
    await processor.flush();
    assert.deepEqual(Object.fromEntries(await store.countMembers('ws')), { new: 2 });
    // anon-1 becomes cy: two exports on one person.
    await send({ type: 'identify', userId: 'cy', anonymousId: 'anon-1' });
    await processor.flush();
    assert.deepEqual(Object.fromEntries(await store.countMembers('ws')), { new: 1, exporter: 1 });
  });

  it('a sweep back-fills stored profiles between event batches', async () => {
    const { store, processor, send, changes } = setup();
    await processor.start();
    await send({ type: 'identify', userId: 'di', traits: { seats: 40 } });
    await send({ type: 'identify', userId: 'ed', traits: { seats: 2 } });
    await processor.flush();
    const later = compileConfig({
      segments: [
        { id: 'big', condition: { 'traits.seats': { $gte: 10 } } },
        { id: 'new', condition: { $elapsed: { since: 'firstSeen', $lt: '1h' } } },
      ],
    });
    const swept = new Processor({
      log: createMemoryEventLog({ partitions: 1, dedupWindowMs: 1, clock: createManualClock(0) }),
      store,
      clock: createManualClock(Date.UTC(2026, 10, 2, 9)),
      planOf: () => later.profilePlan,
      rulesOf: () => later,
      newProfileId: () => 'x',
      onChanges: (batch) => changes.push(...batch),
    });
    const page = await store.scanProfiles('ws', { limit: 10 });
    const result = await swept.sweepAudiences('ws', page, { segments: new Set(['big']) }, 'test');
    assert.deepEqual(result, { visited: 2, changed: 1, entered: 1, exited: 0 });
    await swept.flush();
    assert.deepEqual(Object.fromEntries(await store.countMembers('ws')), { big: 1, new: 2 });
  });
});
