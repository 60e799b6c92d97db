import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Processor, compileProfilePlan, createManualClock } from '@onramp/core';
import type { Database } from './database.js';
import { eventLogPath, openDatabase } from './database.js';
import { createSqliteEventLog } from './sqlite-event-log.js';
import { createSqliteProfileStore } from './sqlite-profile-store.js';
import { openTempDatabase } from './temp-database.js';

// Invariant 1 across a flush written in slices: the processor over the real SQLite
// log and store, the process "killed" between two slices of a flush (the database
// copied then, as kill -9 would leave it) and that flush failing in the survivor.
// Replayed from the copy, or retried in place, every event counts exactly once.

const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
const plan = compileProfilePlan({
  windows: ['1h'],
  bucketsPerWindow: 60,
  sessionTimeout: '30m',
  maxEventNames: 100,
  maxAnonymousIds: 3,
  maxGroups: 10,
  engagement: { window: '1h', weights: {}, max: 100 },
});
const users = 12;

function engineOn(db: Database, betweenSlices?: () => Promise<void>) {
  const log = createSqliteEventLog({ db, partitions: 2, dedupWindowMs: 86_400_000, clock });
  const store = createSqliteProfileStore({
    db,
    clock,
    sliceProfiles: 3,
    ...(betweenSlices === undefined ? {} : { betweenSlices }),
  });
  let ids = 0;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: () => plan,
    newProfileId: () => `p${ids++}-${Math.random().toString(36).slice(2, 8)}`,
  });
  return { log, store, processor };
}

let sent = 0;
async function send(log: ReturnType<typeof engineOn>['log'], count: number): Promise<void> {
  const entries = Array.from({ length: count }, () => {
    const n = sent++;
    const event = {
      type: 'track' as const,
      event: 'Tick',
      userId: `u${n % users}`,
      messageId: `m${n}`,
      timestamp: clock.now(),
      receivedAt: clock.now(),
    };
    return { workspaceId: 'ws', event };
  });
  await log.append(entries);
}

async function countsOf(processor: Processor): Promise<number[]> {
  const counts: number[] = [];
  for (let u = 0; u < users; u++) {
    const profile = await processor.findProfile('ws', { identity: `u:u${u}` });
    counts.push(profile?.eventCount ?? 0);
  }
  return counts;
}

/** What every user should have after `total` events sent round-robin. */
function expected(total: number): number[] {
  return Array.from(
    { length: users },
    (_, u) => Math.floor(total / users) + (u < total % users ? 1 : 0),
  );
}

test('killed between two slices of a flush: the replay and the retry both count every event once', async () => {
  const temp = openTempDatabase('full');
  const image = join(temp.path, '..', 'killed-mid-flush.db');
  let slices = 0;
  let crashAt = Infinity;
  const first = engineOn(temp.db, async () => {
    if (++slices < crashAt) return;
    writeFileSync(image, temp.db.serialize());
    writeFileSync(eventLogPath(image), temp.db.serialize({ attached: 'log' }));
    crashAt = Infinity;
    throw new Error('the process died here');
  });
  try {
    await first.processor.start();
    await send(first.log, 50);
    await first.processor.catchUp();
    await first.processor.flush();
    await send(first.log, 37);
    await first.processor.catchUp();
    slices = 0;
    crashAt = 2;
    await assert.rejects(first.processor.flush(), /the process died here/);
    await send(first.log, 5); // applied after the failed flush, before the retry
    await first.processor.catchUp();

    // The copy: a new process replays from the first flush's checkpoint.
    const db = openDatabase({ path: image, durability: 'full' });
    try {
      const replay = engineOn(db);
      await replay.processor.start();
      assert.deepEqual(await countsOf(replay.processor), expected(50), 'the first flush, whole');
      assert.equal(await replay.processor.catchUp(), 37);
      assert.deepEqual(await countsOf(replay.processor), expected(87));
    } finally {
      db.close();
    }

    // The survivor: the next flush writes what the failed one held, and more.
    await first.processor.flush();
    const reopened = engineOn(temp.reopen());
    await reopened.processor.start();
    assert.equal(await reopened.processor.catchUp(), 0, 'nothing left to replay');
    assert.deepEqual(await countsOf(reopened.processor), expected(92));
  } finally {
    temp.dispose();
  }
});
