import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { compileProfilePlan } from '../profiles/apply-event.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import type { ProfileState } from '../profiles/profile.js';
import {
  profileWrite,
  type EncodedProfiles,
  type ProfileCommit,
  type ProfileEncoder,
  type ProfileStore,
  type ProfileWrite,
} from '../profiles/profile-store.js';
import { createManualClock } from '../time/clock.js';
import { Processor } from './processor.js';

// The flush takes its snapshot under the processor's lock and writes it without:
// events go on being applied while a slow commit is awaited, flushes commit one
// at a time in order, and a failed commit loses nothing and counts nothing twice,
// merges and eviction included.

const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
const plan = compileProfilePlan({
  windows: ['1h', '24h'],
  bucketsPerWindow: 60,
  sessionTimeout: '30m',
  maxEventNames: 100,
  maxAnonymousIds: 3,
  maxGroups: 10,
  engagement: { window: '24h', weights: { Clicked: 1 }, max: 100 },
});

let messageCount = 0;
function event(fields: Partial<OnrampEvent>): OnrampEvent {
  const now = clock.now();
  return {
    type: 'track',
    event: 'Clicked',
    messageId: `f${messageCount++}`,
    timestamp: now,
    receivedAt: now,
    ...fields,
  };
}

interface HeldCommit {
  commit: ProfileCommit;
  /** Writes it to the real store, or fails it with `error`. */
  release(error?: Error): void;
}

/** A memory store whose commits wait for release() while `holding` is true. */
function slowStore(store = createMemoryProfileStore()) {
  const held: HeldCommit[] = [];
  const state = { holding: true };
  const wrapped: ProfileStore = {
    ...store,
    commit(commit) {
      if (!state.holding) return store.commit(commit);
      return new Promise<void>((resolve, reject) => {
        held.push({
          commit,
          release: (error) => (error ? reject(error) : store.commit(commit).then(resolve, reject)),
        });
      });
    },
  };
  return { store, wrapped, held, state };
}

function setup(
  store: ProfileStore,
  log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock }),
  cacheCapacity?: number,
  yieldBetweenSlices?: () => Promise<void>,
) {
  let ids = 0;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: () => plan,
    newProfileId: () => `p${ids++}-${Math.random().toString(36).slice(2, 6)}`,
    readBatch: 5,
    ...(cacheCapacity === undefined ? {} : { cacheCapacity }),
    ...(yieldBetweenSlices === undefined ? {} : { yieldBetweenSlices }),
  });
  const append = (...events: OnrampEvent[]) =>
    log.append(events.map((e) => ({ workspaceId: 'ws', event: e })));
  const countOf = async (identity: `u:${string}` | `a:${string}`) =>
    (await processor.findProfile('ws', { identity }))?.eventCount ?? 0;
  return { log, processor, append, countOf };
}

/** Turns of the event loop until `done()` or a bound; fails the test at the bound. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 1_000 && !done(); turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(done(), `timed out waiting for ${what}`);
}

function storedState(commit: ProfileCommit, profileId: string): ProfileState | undefined {
  const write = commit.profiles.find((candidate) => candidate.profileId === profileId);
  return write === undefined ? undefined : (JSON.parse(write.json) as ProfileState);
}

test('events go on being applied while a slow commit is awaited; the commit holds the snapshot only', async () => {
  const slow = slowStore();
  const { processor, append, countOf } = setup(slow.wrapped);
  await processor.start();
  await append(event({ userId: 'ann' }), event({ userId: 'ann' }), event({ userId: 'bob' }));
  await processor.catchUp();
  const annId = (await processor.findProfile('ws', { identity: 'u:ann' }))?.id as string;
  const flushed = processor.flush();
  await until(() => slow.held.length === 1, 'the commit');

  await append(event({ userId: 'ann' }), event({ userId: 'cid' }));
  assert.equal(await processor.catchUp(), 2, 'applied while the commit is awaited');
  assert.equal(await countOf('u:ann'), 3);
  assert.equal(processor.stats().dirty, 2, 'ann and cid changed since the snapshot');

  const [first] = slow.held as [HeldCommit];
  assert.deepEqual(first.commit.checkpoints, new Map([[0, 3]]));
  assert.equal(storedState(first.commit, annId)?.eventCount, 2, 'serialized at the snapshot');
  first.release();
  await flushed;
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map([[0, 3]]));

  slow.state.holding = false;
  await processor.flush();
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map([[0, 5]]));
  assert.equal((await slow.store.loadProfiles('ws', [annId])).get(annId)?.eventCount, 3);
});

test('flushes commit one at a time, in call order, each from its own snapshot', async () => {
  const slow = slowStore();
  const { processor, append } = setup(slow.wrapped);
  await processor.start();
  await append(event({ userId: 'ann' }));
  await processor.catchUp();
  const order: string[] = [];
  const first = processor.flush().then(() => order.push('first'));
  await until(() => slow.held.length === 1, 'the first commit');
  await append(event({ userId: 'ann' }));
  await processor.catchUp();
  const second = processor.flush().then(() => order.push('second'));
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(slow.held.length, 1, 'the second snapshot waits for the first commit');

  slow.held[0]?.release();
  await until(() => slow.held.length === 2, 'the second commit');
  assert.deepEqual(slow.held[1]?.commit.checkpoints, new Map([[0, 2]]));
  slow.held[1]?.release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first', 'second']);
});

test('a commit that fails while events are applied loses nothing and counts nothing twice after a restart', async () => {
  const slow = slowStore();
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const { processor, append } = setup(slow.wrapped, log, 0);
  await processor.start();
  // ann and an anonymous visitor v1; everything flushed and evicted (capacity 0).
  await append(event({ userId: 'ann' }), event({ anonymousId: 'v1' }), event({ userId: 'bob' }));
  await processor.catchUp();
  slow.state.holding = false;
  await processor.flush();
  slow.state.holding = true;

  await append(event({ userId: 'ann' }), event({ anonymousId: 'v1' }), event({ userId: 'bob' }));
  await processor.catchUp();
  const failing = processor.flush();
  await until(() => slow.held.length === 1, 'the commit');
  // Meanwhile: v1 signs in as ann (a merge of a profile the failing commit writes), bob again, dan is new.
  await append(
    event({ type: 'identify', event: undefined, userId: 'ann', anonymousId: 'v1' }),
    event({ userId: 'bob' }),
    event({ userId: 'dan' }),
  );
  await processor.catchUp();
  slow.held[0]?.release(new Error('disk full'));
  await assert.rejects(failing, /disk full/);

  slow.state.holding = false;
  await processor.flush();
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map([[0, 9]]));

  const restarted = setup(slow.store, log);
  await restarted.processor.start();
  assert.equal(await restarted.processor.catchUp(), 0, 'the store holds everything');
  assert.equal(await restarted.countOf('u:ann'), 5, 'ann: 2 of her own, 2 of v1, the identify');
  assert.equal(await restarted.countOf('a:v1'), 5);
  assert.equal(await restarted.countOf('u:bob'), 3);
  assert.equal(await restarted.countOf('u:dan'), 1);
  assert.equal(await slow.store.countProfiles('ws'), 3, 'the merged visitor is gone');
});

test('a crash while a commit is in flight replays from the previous checkpoint', async () => {
  const slow = slowStore();
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const { processor, append } = setup(slow.wrapped, log);
  await processor.start();
  await append(event({ userId: 'ann' }), event({ userId: 'bob' }));
  await processor.catchUp();
  slow.state.holding = false;
  await processor.flush();
  slow.state.holding = true;
  await append(event({ userId: 'ann' }), event({ userId: 'ann' }));
  await processor.catchUp();
  void processor.flush();
  await until(() => slow.held.length === 1, 'the commit');
  await append(event({ userId: 'bob' }));
  await processor.catchUp();
  // The process dies here: the held commit is never written.

  const restarted = setup(slow.store, log);
  await restarted.processor.start();
  assert.equal(await restarted.processor.catchUp(), 3);
  assert.equal(await restarted.countOf('u:ann'), 3);
  assert.equal(await restarted.countOf('u:bob'), 2);
});

test('while a merge is being written, an identity the store still links to the merged profile reaches the survivor', async () => {
  const slow = slowStore();
  slow.state.holding = false;
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const first = setup(slow.wrapped, log);
  await first.processor.start();
  // bob on four devices: his profile lists the last three (maxAnonymousIds 3), the
  // store links all four. eve is another known user.
  await first.append(
    ...['d1', 'd2', 'd3', 'd4'].map((id) => event({ userId: 'bob', anonymousId: id })),
  );
  await first.append(event({ userId: 'eve' }));
  await first.processor.catchUp();
  await first.processor.flush();

  // A fresh processor (cold cache): eve aliases bob, so bob's profile is merged into eve's.
  const { processor, append, countOf } = setup(slow.wrapped, log);
  await processor.start();
  await append(event({ type: 'alias', event: undefined, userId: 'eve', previousId: 'bob' }));
  await processor.catchUp();
  const eveId = (await processor.findProfile('ws', { identity: 'u:eve' }))?.id;
  slow.state.holding = true;
  const flushed = processor.flush();
  await until(() => slow.held.length === 1, 'the commit');
  assert.equal(slow.held[0]?.commit.deletedProfiles.length, 1);
  // The store still links d1 to bob's profile (and still has it) while the merge is written.
  await append(event({ anonymousId: 'd1' }));
  await processor.catchUp();
  assert.equal((await processor.findProfile('ws', { identity: 'a:d1' }))?.id, eveId);
  slow.held[0]?.release();
  await flushed;
  slow.state.holding = false;
  await append(event({ anonymousId: 'd1' }));
  await processor.catchUp();
  await processor.flush();
  assert.equal(await countOf('u:eve'), 8, '4 of bob, 1 of eve, the alias, 2 from d1');
  assert.equal(await slow.store.countProfiles('ws'), 1, "bob's profile did not come back");

  const restarted = setup(slow.store, log);
  await restarted.processor.start();
  assert.equal(await restarted.processor.catchUp(), 0);
  assert.equal(await restarted.countOf('a:d1'), 8);
  assert.equal(await restarted.countOf('u:bob'), 8);
});

/**
 * A store's own encoding of states for the tests (ProfileStore.profileEncoder): a
 * structured clone of each state when added; the store's commit makes their writes.
 */
interface ClonedProfiles extends EncodedProfiles {
  encoding: 'test-clone';
  states: [string, ProfileState][];
}

function cloningEncoder(): ProfileEncoder {
  const states: [string, ProfileState][] = [];
  return {
    add: (workspaceId, state) => void states.push([workspaceId, structuredClone(state)]),
    finish: (): ClonedProfiles => ({ encoding: 'test-clone', count: states.length, states }),
  };
}

/** The writes of a commit, its encoded profiles included (test-clone only). */
function writesOf(commit: ProfileCommit): ProfileWrite[] {
  const encoded = commit.encodedProfiles as ClonedProfiles | undefined;
  const decoded = (encoded?.states ?? []).map(([workspaceId, state]) =>
    profileWrite(workspaceId, state),
  );
  return [...commit.profiles, ...decoded];
}

/** A memory store that hands out cloningEncoder and decodes what it encoded. */
function encodingStore(store = createMemoryProfileStore()): ProfileStore {
  return {
    ...store,
    profileEncoder: cloningEncoder,
    commit: (commit) =>
      store.commit({ ...commit, profiles: writesOf(commit), encodedProfiles: undefined }),
  };
}

for (const encoded of [false, true]) {
  test(`states are serialized in slices after the snapshot; a state about to change is serialized first, as the snapshot holds it${encoded ? " (by the store's encoder)" : ''}`, async () => {
    await serializesAsTheSnapshotHolds(encoded);
  });
}

test('the memory store refuses encoded profiles: it hands out no encoder', async () => {
  const store = createMemoryProfileStore();
  assert.equal(store.profileEncoder?.(), undefined);
  const encoder = cloningEncoder();
  encoder.add('ws', { ...(await profileOf('u1')) });
  await assert.rejects(
    store.commit({
      profiles: [],
      encodedProfiles: encoder.finish(),
      identities: [],
      deletedProfiles: [],
      checkpoints: new Map([[0, 1]]),
    }),
    /takes no encoded profiles \(test-clone\)/,
  );
  assert.deepEqual(await store.loadCheckpoints(), new Map(), 'nothing written');
});

/** A profile made by the processor from one event of `userId`. */
async function profileOf(userId: string): Promise<ProfileState> {
  const { processor, append } = setup(createMemoryProfileStore());
  await processor.start();
  await append(event({ userId }));
  await processor.catchUp();
  const profile = await processor.findProfile('ws', { identity: `u:${userId}` });
  assert.ok(profile);
  return profile;
}

async function serializesAsTheSnapshotHolds(encoded: boolean): Promise<void> {
  const slow = slowStore();
  if (encoded) slow.wrapped = encodingStore(slow.wrapped);
  slow.state.holding = false;
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  // Each pause between slices waits for the test to open the gate.
  const gates: (() => void)[] = [];
  const pause = () => new Promise<void>((resolve) => gates.push(resolve));
  const { processor, append, countOf } = setup(slow.wrapped, log, undefined, pause);
  await processor.start();
  const users = Array.from({ length: 100 }, (_, i) => `u${i}`);
  await append(...users.map((userId) => event({ userId, anonymousId: `d-${userId}` })));
  await append(event({ anonymousId: 'visitor' }));
  await processor.catchUp();
  const committed: ProfileCommit[] = [];
  const commit = slow.wrapped.commit.bind(slow.wrapped);
  slow.wrapped.commit = (written) => (committed.push(written), commit(written));
  const flushed = processor.flush();
  await until(() => gates.length === 1, 'the first pause between slices');

  // While the snapshot is half serialized: u99 acts again, the visitor signs in as u98
  // (a merge of two snapshot states), u97's device moves to u0.
  await append(
    event({ userId: 'u99' }),
    event({ type: 'identify', event: undefined, userId: 'u98', anonymousId: 'visitor' }),
    event({ userId: 'u0', anonymousId: 'd-u97' }),
  );
  let applied = false;
  const applying = processor.catchUp().then(() => (applied = true));
  while (!applied) {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (committed.length === 0) {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all([applying, flushed]);
  const [first] = committed as [ProfileCommit];
  assert.equal(first.encodedProfiles?.count, encoded ? 101 : undefined);
  assert.equal(first.profiles.length, encoded ? 0 : 101);
  assert.equal(writesOf(first).length, 101, 'every changed profile once');
  assert.deepEqual(first.checkpoints, new Map([[0, 101]]));
  const byUser = new Map(
    writesOf(first).map((write) => {
      const state = JSON.parse(write.json) as ProfileState;
      return [state.userId ?? state.anonymousIds[0], state] as const;
    }),
  );
  assert.equal(byUser.get('u99')?.eventCount, 1, 'as the snapshot held it, not 2');
  assert.equal(byUser.get('u98')?.eventCount, 1, 'before the merge');
  assert.equal(byUser.get('visitor')?.eventCount, 1, 'the merged visitor, as it was');
  assert.deepEqual(byUser.get('u97')?.anonymousIds, ['d-u97'], 'before its device moved');
  assert.deepEqual(byUser.get('u0')?.anonymousIds, ['d-u0']);

  // The next flush writes the changes, and a restart counts each event once.
  await processor.flush();
  const restarted = setup(slow.store, log);
  await restarted.processor.start();
  assert.equal(await restarted.processor.catchUp(), 0);
  assert.equal(await restarted.countOf('u:u99'), 2);
  assert.equal(await restarted.countOf('u:u98'), 3, "its event, the visitor's, the identify");
  assert.equal(await restarted.countOf('a:d-u97'), 2, 'u0 now: its own and the move');
  assert.equal(await countOf('u:u97'), 1);
}

test('a flush commits only once the log says the entries its checkpoints cover are on disk', async () => {
  const slow = slowStore();
  slow.state.holding = false;
  const memoryLog = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const disk: (() => void)[] = [];
  const log = Object.assign(memoryLog, {
    onDisk: () => new Promise<void>((resolve) => disk.push(resolve)),
  });
  const { processor, append } = setup(slow.wrapped, log);
  await processor.start();
  await append(event({ userId: 'ann' }), event({ userId: 'bob' }));
  await processor.catchUp();
  let flushed = false;
  const flushing = processor.flush().then(() => (flushed = true));
  await until(() => disk.length === 1, 'the wait for the disk');
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(flushed, false);
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map(), 'nothing committed before');
  disk[0]?.();
  await flushing;
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map([[0, 2]]));
});

test('a flush whose wait for the disk fails commits nothing and loses nothing', async () => {
  const slow = slowStore();
  slow.state.holding = false;
  const memoryLog = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  let failing = true;
  const log = Object.assign(memoryLog, {
    onDisk: () => (failing ? Promise.reject(new Error('EIO: fsync failed')) : Promise.resolve()),
  });
  const { processor, append, countOf } = setup(slow.wrapped, log);
  await processor.start();
  await append(event({ userId: 'ann' }), event({ userId: 'ann' }));
  await processor.catchUp();
  await assert.rejects(processor.flush(), /EIO/);
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map());
  assert.equal(processor.stats().dirty, 1, 'still to be written');
  failing = false;
  await processor.flush();
  assert.deepEqual(await slow.store.loadCheckpoints(), new Map([[0, 2]]));
  assert.equal(await countOf('u:ann'), 2);
});

test('refuses to start on checkpoints past the end of the log (a log older than its profiles)', async () => {
  const store = createMemoryProfileStore();
  await store.commit({
    profiles: [],
    identities: [],
    deletedProfiles: [],
    checkpoints: new Map([[0, 7]]),
  });
  const { processor, append } = setup(store);
  await assert.rejects(
    processor.start(),
    /up to offset 7 of partition 0, but the event log ends at 0/,
  );
  for (let i = 0; i < 7; i++) await append(event({ userId: `u${i}` }));
  await processor.start();
  assert.equal(await processor.catchUp(), 0, 'the 7 offsets are applied');
});
