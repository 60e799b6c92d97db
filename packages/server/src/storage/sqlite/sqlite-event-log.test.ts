import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock, partitionOf } from '@onramp/core';
import type { AppendInput, OnrampEvent } from '@onramp/core';
import {
  describeEventLogContract,
  testEvent,
} from '../../../../core/src/log/event-log.contract.js';
import { createSqliteEventLog } from './sqlite-event-log.js';
import type { SqliteEventLogOptions } from './sqlite-event-log.js';
import { openTempDatabase } from './temp-database.js';

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

  it('empties the older generation of de-duplication keys once a window has passed', () =>
    withLog(async ({ log, clock, temp }) => {
      const countKeys = () =>
        temp.db
          .prepare(
            'SELECT (SELECT count(*) FROM event_dedup_0) + (SELECT count(*) FROM event_dedup_1)',
          )
          .pluck()
          .get();
      await log.append(batch(20));
      clock.advance(hour / 2);
      await log.append(batch(5));
      assert.equal(countKeys(), 25);
      clock.advance(hour / 2);
      const kept = batch(1);
      await log.append(kept); // generation 2 starts; generation 1 (25 keys) is kept
      assert.equal(countKeys(), 26);
      clock.advance(hour / 2);
      assert.deepEqual(
        (await log.append(kept)).map((r) => r.status),
        ['duplicate'],
      );
      clock.advance(hour / 2);
      await log.append(batch(1)); // generation 3: generation 1's keys are all expired
      assert.equal(countKeys(), 2);
      assert.equal(log.stats.appended, 27);
    }));

  it('checks the window exactly across generations', () =>
    withLog(async ({ log, clock }) => {
      await log.append(batch(1)); // generation 1 starts now
      clock.advance(hour - 10);
      const late = batch(1);
      await log.append(late); // seen at the end of generation 1
      clock.advance(20);
      await log.append(batch(1)); // generation 2 starts
      clock.advance(hour - 21);
      // `late` is in the previous generation and 1 ms short of a window old.
      assert.equal((await log.append(late))[0]?.status, 'duplicate');
      clock.advance(1);
      assert.equal((await log.append(late))[0]?.status, 'appended');
    }));

  it('keeps the de-duplication generation of a rolled-back transaction unchanged', () =>
    withLog(async ({ log, clock, temp }) => {
      const generation = () =>
        temp.db
          .prepare("SELECT value FROM log_settings WHERE name = 'dedup_generation'")
          .pluck()
          .get();
      await log.append(batch(1));
      clock.advance(hour);
      temp.db.exec(`CREATE TEMP TRIGGER fail_all BEFORE INSERT ON events
        BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      await assert.rejects(log.append(batch(1)), /refused/); // would start generation 1
      temp.db.exec('DROP TRIGGER fail_all');
      assert.equal(generation(), 0);
      await log.append(batch(1));
      assert.equal(generation(), 1);
    }));

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
        `SELECT event FROM events WHERE identity_key = ? AND workspace = ? AND identity = ?
         AND log_offset < ? ORDER BY log_offset DESC LIMIT ?`,
      );
      assert.match(byIdentity, /USING INDEX events_by_identity/);
      assert.doesNotMatch(read + byIdentity, /TEMP B-TREE|SCAN/);
    }));
});

function sqlArgs(sql: string): number[] {
  return Array.from({ length: sql.split('?').length - 1 }, () => 1);
}
