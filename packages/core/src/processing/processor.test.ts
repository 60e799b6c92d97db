import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import type { EventLog } from '../log/event-log.js';
import { compileProfilePlan } from '../profiles/apply-event.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import { eventTotal, type ProfileState } from '../profiles/profile.js';
import { createManualClock } from '../time/clock.js';
import { Processor, type ProfileChange } from './processor.js';

const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
const plan = compileProfilePlan({
  windows: ['1h', '24h', '7d', '30d'],
  bucketsPerWindow: 60,
  sessionTimeout: '30m',
  maxEventNames: 100,
  maxAnonymousIds: 3,
  maxGroups: 10,
  engagement: { window: '7d', weights: { Clicked: 2 }, max: 100 },
});

let messageCount = 0;
function event(fields: Partial<OnrampEvent>): OnrampEvent {
  const now = clock.now();
  return {
    type: 'track',
    event: 'Clicked',
    messageId: `m${messageCount++}`,
    timestamp: now,
    receivedAt: now,
    ...fields,
  };
}

function setup(options: { log?: EventLog; store?: ProfileStore; cacheCapacity?: number } = {}) {
  const log =
    options.log ?? createMemoryEventLog({ partitions: 2, dedupWindowMs: 86_400_000, clock });
  const store = options.store ?? createMemoryProfileStore();
  const changes: ProfileChange[] = [];
  let ids = 0;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: (workspaceId) => (workspaceId === 'ws' ? plan : undefined),
    newProfileId: () => `p${ids++}-${Math.random().toString(36).slice(2, 6)}`,
    readBatch: 7,
    ...(options.cacheCapacity === undefined ? {} : { cacheCapacity: options.cacheCapacity }),
    onChanges: (batch) => changes.push(...batch),
  });
  const append = (...events: OnrampEvent[]) =>
    log.append(events.map((e) => ({ workspaceId: 'ws', event: e })));
  const profileOf = async (userId: string): Promise<ProfileState | undefined> =>
    processor.findProfile('ws', { identity: `u:${userId}` });
  return { log, store, processor, changes, append, profileOf };
}

test('applies events in order and reports each changed profile once per pass', async () => {
  const { processor, changes, append, profileOf } = setup();
  await processor.start();
  await append(event({ userId: 'ann' }), event({ userId: 'ann' }), event({ userId: 'bob' }));
  assert.equal(await processor.catchUp(), 3);
  assert.equal(eventTotal((await profileOf('ann')) ?? { events: {} }, 'Clicked'), 2);
  assert.equal((await profileOf('bob'))?.eventCount, 1);
  assert.deepEqual(changes.map((c) => c.profile.userId).sort(), ['ann', 'bob']);
  assert.equal(await processor.catchUp(), 0, 'nothing left to apply');
});

test('identify stitches an anonymous visitor into the user and merges their history', async () => {
  const { processor, append, profileOf } = setup();
  await processor.start();
  await append(event({ anonymousId: 'anon-1' }), event({ anonymousId: 'anon-1' }));
  await append(event({ userId: 'u1' }));
  await processor.catchUp();
  await append(
    event({
      type: 'identify',
      event: undefined,
      userId: 'u1',
      anonymousId: 'anon-1',
      traits: { plan: 'team' },
    }),
  );
  await processor.catchUp();
  const profile = await profileOf('u1');
  assert.equal(profile?.eventCount, 4);
  assert.equal(eventTotal(profile ?? { events: {} }, 'Clicked'), 3);
  assert.deepEqual(profile?.anonymousIds, ['anon-1']);
  assert.equal(profile?.traits['plan'], 'team');
  const viaAnonymous = await processor.findProfile('ws', { identity: 'a:anon-1' });
  assert.equal(viaAnonymous?.id, profile?.id);
});

test('a shared device does not merge two known users; alias does', async () => {
  const { processor, append, profileOf } = setup();
  await processor.start();
  await append(
    event({ userId: 'alice', anonymousId: 'laptop' }),
    event({ userId: 'bert', anonymousId: 'laptop' }),
  );
  await processor.catchUp();
  const alice = await profileOf('alice');
  const bert = await profileOf('bert');
  assert.notEqual(alice?.id, bert?.id);
  assert.equal(
    (await processor.findProfile('ws', { identity: 'a:laptop' }))?.id,
    bert?.id,
    'last sign-in wins',
  );
  assert.deepEqual(alice?.anonymousIds, [], "alice's profile no longer lists the device");
  assert.deepEqual(bert?.anonymousIds, ['laptop']);

  await append(event({ type: 'alias', event: undefined, userId: 'alice', previousId: 'bert' }));
  await processor.catchUp();
  const merged = await profileOf('alice');
  assert.equal(merged?.eventCount, 3);
  assert.equal((await profileOf('bert'))?.id, merged?.id);
});

test('a crash after a flush replays from the checkpoint without double counting', async () => {
  const log = createMemoryEventLog({ partitions: 2, dedupWindowMs: 86_400_000, clock });
  const store = createMemoryProfileStore();
  const first = setup({ log, store });
  await first.processor.start();
  for (let i = 0; i < 20; i++) await first.append(event({ userId: `u${i % 4}` }));
  await first.processor.catchUp();
  await first.processor.flush();
  for (let i = 0; i < 12; i++) await first.append(event({ userId: `u${i % 4}` }));
  await first.processor.catchUp(); // applied in memory, never flushed: lost in the "crash"

  const second = setup({ log, store });
  await second.processor.start();
  assert.equal(
    (await second.profileOf('u0'))?.eventCount,
    5,
    'the store holds only the flushed state',
  );
  assert.equal(await second.processor.catchUp(), 12);
  for (let u = 0; u < 4; u++) assert.equal((await second.profileOf(`u${u}`))?.eventCount, 8);
});

test('merges survive flush and eviction: old identities resolve to the survivor', async () => {
  const { processor, append, profileOf } = setup({ cacheCapacity: 0 });
  await processor.start();
  await append(event({ anonymousId: 'a1' }), event({ userId: 'carol' }));
  await processor.catchUp();
  await processor.flush();
  await append(event({ type: 'identify', event: undefined, userId: 'carol', anonymousId: 'a1' }));
  await processor.catchUp();
  await processor.flush(); // evicts everything (capacity 0)
  await append(event({ anonymousId: 'a1' }));
  await processor.catchUp();
  await processor.flush();
  assert.equal((await profileOf('carol'))?.eventCount, 4);
});

test('a failed flush keeps the changes pending and the next flush writes them', async () => {
  const store = createMemoryProfileStore();
  const failing: ProfileStore = {
    ...store,
    resolveIdentities: (...args) => store.resolveIdentities(...args),
    loadProfiles: (...args) => store.loadProfiles(...args),
    loadCheckpoints: () => store.loadCheckpoints(),
    countProfiles: (id) => store.countProfiles(id),
    close: () => store.close(),
    commit: async () => {
      throw new Error('disk full');
    },
  };
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const broken = setup({ log, store: failing });
  await broken.processor.start();
  await broken.append(event({ userId: 'dana' }));
  await broken.processor.catchUp();
  await assert.rejects(broken.processor.flush(), /disk full/);
  assert.equal(broken.processor.stats().dirty, 1);
  assert.equal(await store.countProfiles('ws'), 0, 'nothing half-written');
});

test('an event of an unknown workspace is reported, skipped, and does not stop the partition', async () => {
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const errors: number[] = [];
  const processor = new Processor({
    log,
    store: createMemoryProfileStore(),
    clock,
    planOf: (id) => (id === 'ws' ? plan : undefined),
    newProfileId: () => 'p1',
    onError: (_error, entry) => errors.push(entry.offset),
  });
  await processor.start();
  await log.append([
    { workspaceId: 'gone', event: event({ userId: 'x' }) },
    { workspaceId: 'ws', event: event({ userId: 'y' }) },
  ]);
  assert.equal(await processor.catchUp(), 2);
  assert.equal(errors.length, 1);
  assert.equal((await processor.findProfile('ws', { identity: 'u:y' }))?.eventCount, 1);
});

test('a store lookup that finishes late never overrides a newer link made in memory', async () => {
  const store = createMemoryProfileStore();
  let release: (() => void) | undefined;
  let gateNext = false;
  const gated: ProfileStore = {
    ...store,
    identitiesOf: (...args) => store.identitiesOf(...args),
    loadProfiles: (...args) => store.loadProfiles(...args),
    loadCheckpoints: () => store.loadCheckpoints(),
    countProfiles: (id) => store.countProfiles(id),
    commit: (commit) => store.commit(commit),
    close: () => store.close(),
    resolveIdentities: async (...args) => {
      const answer = await store.resolveIdentities(...args);
      if (gateNext) {
        gateNext = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      return answer;
    },
  };
  const { processor, append, profileOf } = setup({ store: gated, cacheCapacity: 0 });
  await processor.start();
  await append(event({ userId: 'alice', anonymousId: 'laptop' }));
  await processor.catchUp();
  await processor.flush(); // the store links laptop → alice; the cache forgets it
  gateNext = true;
  const warming = processor.warm('ws', ['a:laptop']); // reads "alice" from the store, then waits
  await new Promise((resolve) => setImmediate(resolve));
  await append(event({ userId: 'bert', anonymousId: 'laptop' }));
  await processor.catchUp(); // in memory: laptop → bert
  release?.();
  await warming;
  await append(event({ anonymousId: 'laptop' }));
  await processor.catchUp();
  assert.equal((await profileOf('bert'))?.eventCount, 2, "the device's next event is bert's");
  assert.equal((await profileOf('alice'))?.eventCount, 1);
});

test('with changesEvery, reports the changes after every few entries of a batch, each change once', async () => {
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const reports: { user: string | undefined; events: number }[][] = [];
  const processor = new Processor({
    log,
    store: createMemoryProfileStore(),
    clock,
    planOf: () => plan,
    newProfileId: (() => {
      let ids = 0;
      return () => `p${ids++}`;
    })(),
    changesEvery: 3,
    onChanges: (batch) =>
      reports.push(batch.map((c) => ({ user: c.profile.userId, events: c.profile.eventCount }))),
  });
  await processor.start();
  const users = ['ann', 'bob', 'ann', 'ann', 'cid', 'bob', 'ann'];
  await log.append(users.map((userId) => ({ workspaceId: 'ws', event: event({ userId }) })));
  assert.equal(await processor.catchUp(), 7);
  // Entries 1-3, 4-6, 7: one report each, made right after its entries were applied;
  // a profile changed again later is reported again.
  assert.deepEqual(reports, [
    [
      { user: 'ann', events: 2 },
      { user: 'bob', events: 1 },
    ],
    [
      { user: 'ann', events: 3 },
      { user: 'cid', events: 1 },
      { user: 'bob', events: 2 },
    ],
    [{ user: 'ann', events: 4 }],
  ]);
});
