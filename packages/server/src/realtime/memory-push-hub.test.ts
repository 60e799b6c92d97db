import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProfileSummary } from '@onramp/core';
import { createEngineMetrics } from '../observability/metrics.js';
import { createMemoryPushHub } from './memory-push-hub.js';
import type { PushMessage } from './push-hub.js';

function message(id: number): PushMessage {
  // The hub never looks inside the summary.
  return { id, type: 'profile', data: { version: id } as unknown as ProfileSummary };
}

const ids = (messages: readonly PushMessage[] | undefined): number[] | undefined =>
  messages?.map((m) => m.id);

test('delivers to every connection of the user and to no one else', () => {
  const hub = createMemoryPushHub();
  const a1: number[] = [];
  const a2: number[] = [];
  const b: number[] = [];
  const otherWorkspace: number[] = [];
  hub.subscribe('w1', 'alice', (m) => a1.push(m.id));
  hub.subscribe('w1', 'alice', (m) => a2.push(m.id));
  hub.subscribe('w1', 'bob', (m) => b.push(m.id));
  hub.subscribe('w2', 'alice', (m) => otherWorkspace.push(m.id));

  hub.publish('w1', 'alice', message(1));
  assert.deepEqual(a1, [1]);
  assert.deepEqual(a2, [1]);
  assert.deepEqual(b, []);
  assert.deepEqual(otherWorkspace, []);
  assert.equal(hub.connectionCount(), 4);
});

test('keys cannot collide across workspace and user ids, prototype names included', () => {
  const hub = createMemoryPushHub();
  const got: string[] = [];
  hub.subscribe('a:b', 'c', () => got.push('a:b/c'));
  hub.subscribe('a', ':bc', () => got.push('a/:bc'));
  hub.subscribe('w', '__proto__', () => got.push('proto'));
  hub.publish('a', ':bc', message(1));
  assert.deepEqual(got, ['a/:bc']);
  assert.equal(hub.wants('w', 'constructor'), false);
  hub.publish('w', '__proto__', message(1));
  assert.deepEqual(got, ['a/:bc', 'proto']);
});

test('wants() only users who are or were recently connected; publish for others is a no-op', () => {
  let now = 0;
  const clock = { now: () => now };
  const hub = createMemoryPushHub({ clock, idleTtlMs: 1000 });
  assert.equal(hub.wants('w', 'u'), false);
  hub.publish('w', 'u', message(1));
  assert.equal(hub.replay('w', 'u', 0), undefined);

  const unsubscribe = hub.subscribe('w', 'u', () => {});
  assert.equal(hub.wants('w', 'u'), true);
  unsubscribe();
  assert.equal(hub.wants('w', 'u'), true, 'recently connected: a reconnect should resume');
  now += 1000;
  assert.equal(hub.wants('w', 'u'), false);
  assert.equal(hub.connectionCount(), 0);
});

test('replays what a reconnecting client missed, or says the buffer does not reach back', () => {
  const hub = createMemoryPushHub({ historyPerUser: 3 });
  const unsubscribe = hub.subscribe('w', 'u', () => {});
  assert.equal(
    hub.replay('w', 'u', 0),
    undefined,
    'nothing known yet: the caller sends a snapshot',
  );
  hub.publish('w', 'u', message(5));
  hub.publish('w', 'u', message(6));
  unsubscribe();
  hub.publish('w', 'u', message(8));

  assert.deepEqual(ids(hub.replay('w', 'u', 4)), [5, 6, 8]);
  assert.deepEqual(ids(hub.replay('w', 'u', 6)), [8]);
  assert.deepEqual(ids(hub.replay('w', 'u', 8)), []);
  assert.deepEqual(ids(hub.replay('w', 'u', 99)), []);
  assert.equal(
    hub.replay('w', 'u', 3),
    undefined,
    'version 4 may have been published before the subscription',
  );

  hub.publish('w', 'u', message(9));
  assert.deepEqual(ids(hub.replay('w', 'u', 5)), [6, 8, 9]);
  assert.equal(hub.replay('w', 'u', 4), undefined, '5 fell out of the buffer');
});

test('ignores non-increasing ids in the history but still delivers them', () => {
  const hub = createMemoryPushHub();
  const got: number[] = [];
  hub.subscribe('w', 'u', (m) => got.push(m.id));
  hub.publish('w', 'u', message(2));
  hub.publish('w', 'u', message(1));
  assert.deepEqual(got, [2, 1]);
  assert.deepEqual(ids(hub.replay('w', 'u', 1)), [2]);
});

test('bounds the number of users with history, evicting the least recently connected', () => {
  const hub = createMemoryPushHub({ maxUsersWithHistory: 2 });
  hub.subscribe('w', 'a', () => {})();
  hub.subscribe('w', 'b', () => {})();
  hub.subscribe('w', 'c', () => {})();
  assert.equal(hub.wants('w', 'a'), false);
  assert.equal(hub.wants('w', 'b'), true);
  assert.equal(hub.wants('w', 'c'), true);

  // Connected users are never evicted, even beyond the bound.
  hub.subscribe('w', 'd', () => {});
  hub.subscribe('w', 'e', () => {});
  hub.subscribe('w', 'f', () => {});
  assert.equal(hub.wants('w', 'b'), false);
  assert.equal(hub.wants('w', 'c'), false);
  for (const user of ['d', 'e', 'f']) assert.equal(hub.wants('w', user), true);
});

test('a failing listener is reported and does not keep the message from the others', () => {
  const errors: unknown[] = [];
  const hub = createMemoryPushHub({ onListenerError: (error) => errors.push(error) });
  const got: number[] = [];
  hub.subscribe('w', 'u', () => {
    throw new Error('socket gone');
  });
  hub.subscribe('w', 'u', (m) => got.push(m.id));
  hub.publish('w', 'u', message(1));
  assert.deepEqual(got, [1]);
  assert.match(String(errors[0]), /socket gone/);
});

test('unsubscribe is idempotent; closeAll ends everything and keeps the gauge right', async () => {
  const metrics = createEngineMetrics({ defaultMetrics: false });
  const hub = createMemoryPushHub({ metrics });
  const gauge = async (): Promise<number | undefined> =>
    (await metrics.pushConnections.get()).values[0]?.value;
  const listener = (): void => {};
  const first = hub.subscribe('w', 'u', listener);
  const second = hub.subscribe('w', 'u', listener);
  hub.subscribe('w', 'v', listener);
  assert.equal(hub.connectionCount(), 3);
  assert.equal(await gauge(), 3);
  first();
  first();
  assert.equal(hub.connectionCount(), 2);

  hub.closeAll();
  assert.equal(hub.connectionCount(), 0);
  assert.equal(await gauge(), 0);
  assert.equal(hub.wants('w', 'u'), false);
  second();
  assert.equal(hub.connectionCount(), 0);
});
