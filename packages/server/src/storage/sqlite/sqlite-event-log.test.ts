import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createManualClock, partitionOf } from '@onramp/core';
import type { AppendInput, OnrampEvent } from '@onramp/core';
import {
  describeEventLogContract,
  testEvent,
} from '../../../../core/src/log/event-log.contract.js';
import { createSqliteEventLog } from './sqlite-event-log.js';
import type { SqliteEventLogOptions } from './sqlite-event-log.js';
import { eventLogPath } from './database.js';
import { openTempDatabase } from './temp-database.js';
import { createWalSync, unsyncedCommits } from './wal-sync.js';

describeEventLogContract('sqlite', async (options) => {
  const temp = openTempDatabase();
  let log = createSqliteEventLog({ db: temp.db, ...options });
  return {
    log,
    async reopen() {
      await log.close();
      log = createSqliteEventLog({ db: temp.reopen(), ...options });
      return log;
    },
    async dispose() {
      await log.close();
      temp.dispose();
    },
  };
});

// The same contract with durability off the event loop (durability full on a file).
describeEventLogContract('sqlite, synced off the event loop', async (options) => {
  const temp = openTempDatabase('full');
  const durable = () => ({
    walSync: createWalSync({ path: `${eventLogPath(temp.path)}-wal` }),
    unsynced: unsyncedCommits(temp.db, 'log'),
  });
  let current = durable();
  let log = createSqliteEventLog({ db: temp.db, ...options, durable: current });
  return {
    log,
    async reopen() {
      await log.close();
      current.walSync.close();
      const db = temp.reopen();
      current = {
        walSync: createWalSync({ path: `${eventLogPath(temp.path)}-wal` }),
        unsynced: unsyncedCommits(db, 'log'),
      };
      log = createSqliteEventLog({ db, ...options, durable: current });
      return log;
    },
    async dispose() {
      await log.close();
      current.walSync.close();
      temp.dispose();
    },
  };
});

const hour = 3_600_000;

function batch(count: number, fields: Partial<OnrampEvent> = {}): AppendInput[] {
  return Array.from({ length: count }, () => ({ workspaceId: 'w1', event: testEvent(fields) }));
}

async function withLog(
  body: (context: ReturnType<typeof setup>) => Promise<void>,
  options: Partial<SqliteEventLogOptions> = {},
): Promise<void> {
  const context = setup(options);
  try {
    await body(context);
  } finally {
    await context.log.close();
    context.temp.dispose();
  }
}

function setup(options: Partial<SqliteEventLogOptions>) {
  const temp = openTempDatabase();
  const clock = createManualClock();
  const log = createSqliteEventLog({
    db: temp.db,
    partitions: 4,
    dedupWindowMs: hour,
    clock,
    ...options,
  });
  return { temp, clock, log };
}

describe('sqlite event log', () => {
  it('serves a reader keeping up from memory and lets go of what it read; older reads come from SQLite, equal', () =>
    withLog(
      async ({ log }) => {
        await log.append(batch(30));
        assert.equal(log.stats.tailEntries, 30);
        const first = await log.read(0, 0, 10);
        const next = await log.read(0, first.at(-1)?.offset ?? 0, 10);
        assert.equal(log.stats.tailEntries, 20, 'the first ten were read past');
        assert.deepEqual(await log.read(0, 0, 10), first, 'read again from SQLite');
        const rest = await log.read(0, next.at(-1)?.offset ?? 0, 100);
        assert.equal(rest.length, 10);
        assert.equal(await log.read(0, rest.at(-1)?.offset ?? 0, 100).then((r) => r.length), 0);
        assert.equal(log.stats.tailEntries, 0, 'a reader that keeps up leaves nothing held');
      },
      { partitions: 1 },
    ));

  it('commits concurrent appends together (group commit)', () =>
    withLog(async ({ log }) => {
      const calls = Array.from({ length: 50 }, () => log.append(batch(10)));
      const results = await Promise.all(calls);
      assert.equal(log.stats.transactions, 1);
      assert.equal(log.stats.appended, 500);
      assert.ok(results.flat().every((r) => r.status === 'appended'));
    }));

  it('splits a group into transactions of at most maxBatchEvents, keeping calls whole', () =>
    withLog(
      async ({ log }) => {
        const calls = Array.from({ length: 50 }, () => log.append(batch(10)));
        calls.push(log.append(batch(250)));
        await Promise.all(calls);
        // 5 transactions of 100 events, then the oversized call on its own.
        assert.equal(log.stats.transactions, 6);
        assert.equal(log.stats.appended, 750);
      },
      { maxBatchEvents: 100 },
    ));

  it('rejects exactly the calls of a failed transaction', () =>
    withLog(
      async ({ log, temp }) => {
        temp.db.exec(`CREATE TEMP TRIGGER fail_boom BEFORE INSERT ON events
          WHEN NEW.message_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
        const first = log.append(batch(10));
        const doomed = [
          log.append(batch(5)),
          log.append([...batch(4), ...batch(1, { messageId: 'boom' })]),
        ];
        const last = log.append(batch(10));
        const settled = await Promise.allSettled([first, ...doomed, last]);
        assert.deepEqual(
          settled.map((s) => s.status),
          ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
        );
        assert.match(String((settled[1] as PromiseRejectedResult).reason), /boom refused/);
        assert.equal(log.stats.transactions, 2);
        assert.equal(log.stats.appended, 20);
        assert.equal((await log.read(partitionOf('u:u1', 4), 0, 100)).length, 20);
      },
      { maxBatchEvents: 10 },
    ));

  it('accepts the retry of a message whose transaction failed', () =>
    withLog(async ({ log, temp }) => {
      temp.db.exec(`CREATE TEMP TRIGGER fail_all BEFORE INSERT ON events
        BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      const inputs = batch(3);
      await assert.rejects(log.append(inputs), /refused/);
      temp.db.exec('DROP TRIGGER fail_all');
      const results = await log.append(inputs);
      assert.deepEqual(
        results.map((r) => r.status),
        ['appended', 'appended', 'appended'],
      );
    }));

  it('rejects queued appends when the database was closed under it', () =>
    withLog(async ({ log, temp }) => {
      const pending = log.append(batch(2));
      temp.db.close();
      await assert.rejects(pending, /not open/);
      assert.equal(log.stats.transactions, 0);
    }));

  it('drops the keys of a generation once all of them are older than the window', () =>
    withLog(async ({ log, clock }) => {
      await log.append(batch(20));
      clock.advance(hour / 2);
      await log.append(batch(5));
      assert.equal(log.stats.dedupKeys, 25);
      clock.advance(hour / 2);
      const kept = batch(1);
      await log.append(kept); // a new generation starts; the 25 keys are kept
      assert.equal(log.stats.dedupKeys, 26);
      clock.advance(hour / 2);
      assert.deepEqual(
        (await log.append(kept)).map((r) => r.status),
        ['duplicate'],
      );
      clock.advance(hour / 2);
      await log.append(batch(1)); // the 25 keys' generation is dropped
      assert.equal(log.stats.dedupKeys, 2);
      assert.equal(log.stats.appended, 27);
    }));

  it('checks the window exactly across generations', () =>
    withLog(async ({ log, clock }) => {
      await log.append(batch(1));
      clock.advance(hour - 10);
      const late = batch(1);
      await log.append(late); // seen at the end of the first generation
      clock.advance(20);
      await log.append(batch(1)); // a new generation starts
      clock.advance(hour - 21);
      // `late` is in the previous generation and 1 ms short of a window old.
      assert.equal((await log.append(late))[0]?.status, 'duplicate');
      clock.advance(1);
      assert.equal((await log.append(late))[0]?.status, 'appended');
    }));

  it('forgets the keys of a rolled-back transaction, also when a generation started in it', () =>
    withLog(async ({ log, clock, temp }) => {
      const old = batch(1);
      await log.append(old);
      clock.advance(hour);
      temp.db.exec(`CREATE TEMP TRIGGER fail_all BEFORE INSERT ON events
        BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      const inputs = batch(3);
      await assert.rejects(log.append([...old, ...inputs]), /refused/);
      temp.db.exec('DROP TRIGGER fail_all');
      assert.equal(log.stats.dedupKeys, 1);
      assert.deepEqual(
        (await log.append([...old, ...inputs])).map((r) => r.status),
        ['appended', 'appended', 'appended', 'appended'],
      );
    }));

  it('rebuilds its de-duplication keys from the events received within the window', async () => {
    const temp = openTempDatabase();
    const clock = createManualClock();
    const options = { partitions: 4, dedupWindowMs: hour, clock };
    let log = createSqliteEventLog({ db: temp.db, ...options });
    try {
      const sent: AppendInput[][] = [];
      for (let minute = 0; minute < 120; minute++) {
        sent.push(batch(10));
        await log.append(sent[minute] as AppendInput[]);
        clock.advance(60_000);
      }
      // Now = minute 120: minutes 61..119 are within the window, 0..60 are not.
      await log.close();
      log = createSqliteEventLog({ db: temp.reopen(), ...options });
      assert.equal(log.stats.dedupKeys, 590);
      const statuses = async (minute: number) =>
        new Set((await log.append(sent[minute] as AppendInput[])).map((r) => r.status));
      assert.deepEqual(await statuses(119), new Set(['duplicate']));
      assert.deepEqual(await statuses(61), new Set(['duplicate']));
      assert.deepEqual(await statuses(60), new Set(['appended']));
      assert.deepEqual(await statuses(0), new Set(['appended']));
    } finally {
      await log.close();
      temp.dispose();
    }
  });

  it('refuses to open a log with another partition count', () =>
    withLog(async ({ temp, clock }) => {
      assert.throws(
        () => createSqliteEventLog({ db: temp.db, partitions: 8, dedupWindowMs: hour, clock }),
        /has 4 partitions/,
      );
    }));

  it('reads through the indexes, never scanning or sorting the log', () =>
    withLog(async ({ temp }) => {
      const plan = (sql: string) =>
        (temp.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sqlArgs(sql)) as { detail: string }[])
          .map((row) => row.detail)
          .join('; ');
      const read = plan(
        'SELECT event FROM events WHERE log_partition = ? AND log_offset > ? ORDER BY log_offset LIMIT ?',
      );
      assert.match(read, /USING INDEX events_by_partition \(log_partition=\? AND rowid>\?\)/);
      const byIdentity = plan(
        `SELECT log_offset FROM event_identities WHERE identity_key = ? AND log_offset < ?
         ORDER BY log_offset DESC LIMIT ?`,
      );
      assert.match(byIdentity, /USING PRIMARY KEY \(identity_key=\? AND log_offset<\?\)/);
      assert.doesNotMatch(read + byIdentity, /TEMP B-TREE|SCAN/);
    }));

  it('finds every event of an identity through runs, crashes and restarts (randomized)', async () => {
    const temp = openTempDatabase();
    const clock = createManualClock();
    const options = { partitions: 4, dedupWindowMs: hour, clock, identityRunSize: 16 };
    let log = createSqliteEventLog({ db: temp.db, ...options });
    const users = ['ann', 'bo', 'cy', 'di', 'ed', 'flo', 'gus'];
    const model = new Map<string, number[]>(users.map((u) => [u, []]));
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    try {
      for (let round = 0; round < 60; round++) {
        const calls = Array.from({ length: 1 + random(3) }, () =>
          Array.from({ length: 1 + random(12) }, () => ({
            workspaceId: 'w1',
            event: testEvent({ userId: users[random(users.length)] as string }),
          })),
        );
        const results = await Promise.all(calls.map((call) => log.append(call)));
        calls.flat().forEach((input, i) => {
          const offset = (results.flat()[i] as { offset: number }).offset;
          model.get(input.event.userId as string)?.push(offset);
        });
        if (random(8) === 0) {
          // A crash: the log's memory is lost, the database is what was committed.
          log = createSqliteEventLog({ db: temp.reopen(), ...options });
        }
        const user = users[random(users.length)] as string;
        const expected = [...(model.get(user) as number[])].reverse();
        const all = await log.readByIdentities({
          workspaceId: 'w1',
          identities: [`u:${user}`],
          limit: 1000,
        });
        assert.deepEqual(
          all.map((e) => e.offset),
          expected,
        );
        const before = expected[Math.floor(expected.length / 2)];
        const page = await log.readByIdentities({
          workspaceId: 'w1',
          identities: [`u:${user}`],
          beforeOffset: before,
          limit: 3,
        });
        assert.deepEqual(
          page.map((e) => e.offset),
          expected.filter((o) => before === undefined || o < before).slice(0, 3),
        );
      }
      const indexed = temp.db.prepare('SELECT count(*) FROM event_identities').pluck().get();
      assert.ok((indexed as number) > 0);
    } finally {
      await log.close();
      temp.dispose();
    }
  });
});

function sqlArgs(sql: string): number[] {
  return Array.from({ length: sql.split('?').length - 1 }, () => 1);
}

describe('sqlite event log, synced off the event loop', () => {
  it('tells readers at once and acknowledges an append once its commit is on disk', async () => {
    const temp = openTempDatabase('full');
    const syncs: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const walSync = createWalSync({
      path: `${eventLogPath(temp.path)}-wal`,
      fsync: (_fd, done) => void syncs.push(done),
    });
    const log = createSqliteEventLog({
      db: temp.db,
      partitions: 4,
      dedupWindowMs: hour,
      clock: createManualClock(),
      durable: { walSync, unsynced: unsyncedCommits(temp.db, 'log') },
    });
    let told = 0;
    log.onAppend(() => told++);
    let acknowledged = false;
    const appending = log.append(batch(3)).then((results) => {
      acknowledged = true;
      return results;
    });
    while (syncs.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(told, 1, 'readers are told before the sync ends');
    const partitions = [0, 1, 2, 3];
    const read = await Promise.all(partitions.map((p) => log.read(p, 0, 10)));
    assert.equal(read.flat().length, 3, 'the entries are readable');
    assert.equal(acknowledged, false, 'not acknowledged before the WAL is synced');
    assert.equal(
      temp.db.pragma('log.synchronous', { simple: true }),
      2,
      'FULL again after the commit',
    );
    syncs[0]?.(null);
    assert.equal((await appending).length, 3);

    // A failed sync rejects the append: the client retries, and the log says duplicate.
    const failing = log.append(batch(1, { messageId: 'dup-1' }));
    while (syncs.length < 2) await new Promise((resolve) => setImmediate(resolve));
    syncs[1]?.(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await assert.rejects(failing, /EIO/);
    const retried = log.append(batch(1, { messageId: 'dup-1' }));
    while (syncs.length < 3) await new Promise((resolve) => setImmediate(resolve));
    syncs[2]?.(null);
    assert.deepEqual(
      (await retried).map((result) => result.status),
      ['duplicate'],
    );
    await log.close();
    walSync.close();
    temp.dispose();
  });
});

describe('sqlite event log in its own file', () => {
  it('appends while another connection holds the write lock of the main file', async () => {
    const temp = openTempDatabase('full');
    const other = new BetterSqlite3(temp.path);
    const log = createSqliteEventLog({
      db: temp.db,
      partitions: 2,
      dedupWindowMs: hour,
      clock: createManualClock(),
    });
    try {
      // No waiting on this connection: a lock it needed would fail at once (SQLITE_BUSY).
      temp.db.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      other.prepare('INSERT INTO checkpoints (log_partition, log_offset) VALUES (9, 9)').run();
      const results = await log.append(batch(4));
      assert.deepEqual(
        results.map((result) => result.status),
        ['appended', 'appended', 'appended', 'appended'],
      );
      const main = temp.db.prepare(
        'INSERT INTO checkpoints (log_partition, log_offset) VALUES (1, 1)',
      );
      assert.throws(
        () => main.run(),
        /locked|busy/i,
        'the main file is locked for this connection',
      );
      other.exec('COMMIT');
      const read = await Promise.all([0, 1].map((p) => log.read(p, 0, 10)));
      assert.equal(read.flat().length, 4);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await log.close();
      temp.dispose();
    }
  });

  it('says when its commits so far are on disk (onDisk), with the fsync of its own WAL', async () => {
    const temp = openTempDatabase('normal');
    const synced: string[] = [];
    const syncs: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const walSync = createWalSync({
      path: `${eventLogPath(temp.path)}-wal`,
      fsync: (fd, done) => {
        synced.push(readlinkSync(`/proc/self/fd/${fd}`));
        syncs.push(done);
      },
    });
    const log = createSqliteEventLog({
      db: temp.db,
      partitions: 1,
      dedupWindowMs: hour,
      clock: createManualClock(),
      walSync,
    });
    try {
      // Durability normal: the append does not wait for the disk.
      assert.equal((await log.append(batch(2))).length, 2);
      assert.equal(syncs.length, 0);
      let onDisk = false;
      const waiting = log.onDisk?.().then(() => (onDisk = true));
      assert.ok(waiting !== undefined, 'a file log says when it is on disk');
      while (syncs.length === 0) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(synced, [`${eventLogPath(temp.path)}-wal`]);
      assert.equal(onDisk, false);
      syncs[0]?.(null);
      await waiting;
      assert.equal(onDisk, true);
    } finally {
      await log.close();
      walSync.close();
      temp.dispose();
    }
  });
});
