import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import type { ProfileCommit, ProfileStore } from '../profiles/profile-store.js';
import { compileRules } from '../rules/rule-fixtures.js';
import { createManualClock } from '../time/clock.js';
import { Processor } from './processor.js';
import type { DueTimer } from './rule-output.js';

// The processor with rules, on the real in-memory log and store: firings and queued
// messages are committed with the profiles that produced them; emitted events and
// armed timers reach the host; due timers fire through the processor's queue.

const rules = compileRules([
  {
    id: 'welcome',
    trigger: { type: 'event', event: 'Signed Up' },
    actions: [
      { type: 'decide', placement: 'banner', content: 'welcome' },
      { type: 'message', channel: 'email', template: 'welcome' },
      { type: 'emit', event: 'Welcome Shown' },
    ],
  },
  {
    id: 'idle',
    trigger: { type: 'inactive', for: '5m' },
    actions: [{ type: 'decide', placement: 'help', content: 'need-help' }],
  },
]);

function setup(
  store: ProfileStore = createMemoryProfileStore(),
  appending: Promise<void> | undefined = undefined,
) {
  const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const emitted: OnrampEvent[] = [];
  const armed: DueTimer[] = [];
  let ids = 0;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: () => rules.profilePlan,
    rulesOf: () => rules,
    newProfileId: () => `p${ids++}`,
    onEmit: (_workspaceId, events) => {
      emitted.push(...events);
      return appending;
    },
    onTimersArmed: (timers) => armed.push(...timers),
  });
  const signUp = async (userId: string) => {
    const now = clock.now();
    const event: OnrampEvent = {
      type: 'track',
      event: 'Signed Up',
      userId,
      messageId: `signup-${userId}`,
      timestamp: now,
      receivedAt: now,
    };
    await log.append([{ workspaceId: 'ws', event }]);
    await processor.catchUp();
  };
  return { clock, log, store, processor, emitted, armed, signUp };
}

describe('Processor with rules', () => {
  it('commits firings and queued messages with the profile, and hands out emits and timers', async () => {
    const { store, processor, emitted, armed, signUp } = setup();
    await processor.start();
    await signUp('ada');
    assert.equal(processor.stats().firings, 1);
    assert.deepEqual(
      emitted.map((event) => [event.event, event.userId, event.messageId]),
      [['Welcome Shown', 'ada', 'rule:welcome:signup-ada']],
    );
    assert.equal(armed.length, 1);
    assert.equal(armed[0]?.ruleId, 'idle');
    const profile = await processor.findProfile('ws', { identity: 'u:ada' });
    assert.ok(profile);
    assert.deepEqual(await store.listFirings('ws', profile.id, { limit: 10 }), []);
    await processor.flush();
    const firings = await store.listFirings('ws', profile.id, { limit: 10 });
    assert.deepEqual(
      firings.map((stored) => stored.firing.ruleId),
      ['welcome'],
    );
    const messages = await store.listMessages('ws', { limit: 10 });
    assert.deepEqual(
      messages.map((queued) => queued.message.template),
      ['welcome'],
    );
    assert.deepEqual(
      (await store.dueTimers(Number.MAX_SAFE_INTEGER, 10)).map((timer) => timer.ruleId),
      ['idle'],
    );
  });

  it('keeps firings for the next flush when a commit fails', async () => {
    const inner = createMemoryProfileStore();
    let failNext = true;
    const flaky: ProfileStore = {
      ...inner,
      commit: (commit: ProfileCommit) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('disk full'));
        }
        return inner.commit(commit);
      },
    };
    const { processor, signUp } = setup(flaky);
    await processor.start();
    await signUp('bo');
    await assert.rejects(processor.flush(), /disk full/);
    await processor.flush();
    const profile = await processor.findProfile('ws', { identity: 'u:bo' });
    assert.ok(profile);
    assert.equal((await inner.listFirings('ws', profile.id, { limit: 10 })).length, 1);
    assert.equal((await inner.listMessages('ws', { limit: 10 })).length, 1);
  });

  it('fires a due timer once, and a stale one not at all', async () => {
    const { clock, processor, armed, signUp } = setup();
    await processor.start();
    await signUp('cy');
    const timer = armed[0] as DueTimer;
    clock.advance(5 * 60_000);
    assert.equal(await processor.fireTimers([{ ...timer, dueAt: timer.dueAt - 1 }]), 0);
    assert.equal(await processor.fireTimers([timer]), 1);
    assert.equal(await processor.fireTimers([timer]), 0);
    const profile = await processor.findProfile('ws', { identity: 'u:cy' });
    assert.equal(profile?.decisions?.['help']?.content, 'need-help');
    assert.equal(profile?.rules?.timers?.['idle'], undefined);
  });

  it('does not commit a checkpoint before the events rules emitted are in the log', async () => {
    let appended: () => void = () => undefined;
    const appending = new Promise<void>((resolve) => (appended = resolve));
    const { store, processor, signUp } = setup(createMemoryProfileStore(), appending);
    await processor.start();
    await signUp('di');
    let committed = false;
    const flushed = processor.flush().then(() => (committed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(committed, false, 'the flush waits for the emit');
    assert.deepEqual(await store.loadCheckpoints(), new Map());
    appended();
    await flushed;
    assert.equal((await store.loadCheckpoints()).get(0), 1);
  });

  it("fires a merged profile's timer on the survivor, never bringing the merged one back", async () => {
    const { clock, log, store, processor, armed } = setup();
    await processor.start();
    const now = clock.now();
    const anonymousVisit: OnrampEvent = {
      type: 'track',
      event: 'Page Viewed',
      anonymousId: 'device-1',
      messageId: 'visit',
      timestamp: now,
      receivedAt: now,
    };
    await log.append([{ workspaceId: 'ws', event: anonymousVisit }]);
    await processor.catchUp();
    await processor.flush();
    const anonymousTimer = armed.find((timer) => timer.ruleId === 'idle') as DueTimer;
    // Signing in merges the anonymous profile into the user's (not flushed yet).
    const identify: OnrampEvent = {
      type: 'identify',
      userId: 'eve',
      anonymousId: 'device-1',
      messageId: 'identify',
      timestamp: now,
      receivedAt: now,
    };
    await log.append([
      {
        workspaceId: 'ws',
        event: { ...anonymousVisit, userId: 'eve', anonymousId: undefined, messageId: 'eve-visit' },
      },
      { workspaceId: 'ws', event: identify },
    ]);
    await processor.catchUp();
    clock.advance(10 * 60_000);
    assert.equal(await processor.fireTimers([anonymousTimer]), 0, 'the merged profile is gone');
    const survivor = await processor.findProfile('ws', { identity: 'u:eve' });
    assert.ok(survivor);
    const inherited = armed.filter((timer) => timer.profileId === survivor.id);
    assert.ok(inherited.length > 0);
    assert.equal(await processor.fireTimers(inherited), 1);
    await processor.flush();
    assert.deepEqual(await store.loadProfiles('ws', [anonymousTimer.profileId]), new Map());
  });
});
