import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '@onramp/core';
import { createLogTail } from './log-tail.js';

const entry = (partition: number, offset: number): LogEntry => ({
  partition,
  offset,
  workspaceId: 'ws',
  identity: `u:${offset}`,
  event: {
    type: 'track',
    event: 'Clicked',
    messageId: `m${offset}`,
    timestamp: offset,
    receivedAt: offset,
  },
});
const offsets = (entries: LogEntry[] | undefined) => entries?.map((held) => held.offset);

test('serves reads at or after the head it started from, in offset order, up to the limit', () => {
  const tail = createLogTail(2, 100, (partition) => (partition === 0 ? 10 : 0));
  for (const offset of [11, 13, 14]) tail.add(entry(0, offset));
  tail.add(entry(1, 12));
  assert.equal(tail.read(0, 9, 10), undefined, 'offset 10 was never held: SQLite');
  assert.deepEqual(offsets(tail.read(0, 10, 2)), [11, 13]);
  assert.deepEqual(offsets(tail.read(1, 0, 10)), [12]);
  assert.deepEqual(offsets(tail.read(1, 12, 10)), [], 'caught up');
  assert.equal(tail.read(7, 0, 10), undefined, 'no such partition');
});

test('a read drops what it reads past: the entries die once the reader has them', () => {
  const tail = createLogTail(1, 100, () => 0);
  for (let offset = 1; offset <= 5; offset++) tail.add(entry(0, offset));
  assert.deepEqual(offsets(tail.read(0, 2, 10)), [3, 4, 5]);
  assert.equal(tail.size(), 3, 'offsets 1 and 2 dropped');
  assert.equal(tail.read(0, 1, 10), undefined, 'reading them again goes to SQLite');
  assert.deepEqual(offsets(tail.read(0, 2, 10)), [3, 4, 5], 'the same read again is served');
  assert.deepEqual(offsets(tail.read(0, 5, 10)), []);
  assert.equal(tail.size(), 0);
  tail.add(entry(0, 6));
  assert.deepEqual(offsets(tail.read(0, 5, 10)), [6]);
});

test('holds at most `capacity` entries a partition when nobody reads: older reads go to SQLite', () => {
  const tail = createLogTail(1, 3, () => 0);
  for (let offset = 1; offset <= 5; offset++) tail.add(entry(0, offset));
  assert.equal(tail.size(), 3);
  assert.equal(tail.read(0, 0, 10), undefined);
  assert.equal(tail.read(0, 1, 10), undefined);
  assert.deepEqual(offsets(tail.read(0, 2, 10)), [3, 4, 5]);
});

test('stays correct across compactions of a long run (offsets not dense)', () => {
  const tail = createLogTail(1, 50_000, () => 0);
  let read = 0;
  const seen: number[] = [];
  for (let offset = 2; offset <= 20_000; offset += 2) {
    tail.add(entry(0, offset));
    if (offset % 14 === 0) {
      const got = tail.read(0, read, 5) ?? assert.fail(`read after ${read} not held`);
      seen.push(...(offsets(got) as number[]));
      read = got.at(-1)?.offset ?? read;
    }
  }
  for (let got = tail.read(0, read, 5); got?.length; got = tail.read(0, read, 5)) {
    seen.push(...(offsets(got) as number[]));
    read = got.at(-1)?.offset ?? read;
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 10_000 }, (_, i) => 2 * (i + 1)),
  );
  assert.equal(tail.size(), 0);
});
