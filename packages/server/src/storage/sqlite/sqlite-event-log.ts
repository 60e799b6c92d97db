import { partitionIdentity, partitionOf } from '@onramp/core';
import type {
  AppendInput,
  AppendResult,
  Clock,
  EventLog,
  IdentityKey,
  LogEntry,
  OnrampEvent,
} from '@onramp/core';
import type { Database } from './database.js';
import { hashPair } from './hash-pair.js';
import { createEventDedup } from './sqlite-event-dedup.js';

export interface SqliteEventLogOptions {
  db: Database;
  partitions: number;
  /** A (workspaceId, messageId) appended less than this long ago is a duplicate. */
  dedupWindowMs: number;
  clock: Clock;
  /** Most events committed in one transaction (a larger append call gets its own). Default 5000. */
  maxBatchEvents?: number;
  /** Where an exception thrown by an onAppend listener goes; console.error by default. */
  reportError?: (error: unknown) => void;
}

export interface EventLogStats {
  /** Transactions committed: fewer than append calls when group commit works. */
  transactions: number;
  appended: number;
  duplicates: number;
}

export interface SqliteEventLog extends EventLog {
  readonly stats: Readonly<EventLogStats>;
}

/** One event ready to write: serialized once, when append() is called. */
interface Row {
  workspaceId: string;
  messageId: string;
  identity: IdentityKey;
  /** hashPair(workspace, identity): the key of the identity index. */
  identityKey: number;
  partition: number;
  receivedAt: number;
  json: string;
}

interface PendingAppend {
  rows: Row[];
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

const duplicate: AppendResult = Object.freeze({ status: 'duplicate' });

/**
 * The embedded event log: one append-only table whose rowid is the offset, so
 * offsets increase within a partition but are NOT dense (partitions share one
 * sequence).
 *
 * Group commit: append() serializes its events and queues them; on the next tick
 * (setImmediate) every queued call, up to maxBatchEvents, is written in ONE
 * transaction, then each call's promise resolves. A failed transaction rejects
 * exactly the calls it held.
 *
 * De-duplication: hashed (workspace, messageId) keys written in the same
 * transaction as the events, so they survive restarts and see earlier events of
 * the same call and group; pruned by generations (see sqlite-event-dedup.ts).
 */
export function createSqliteEventLog(options: SqliteEventLogOptions): SqliteEventLog {
  const { db, partitions, dedupWindowMs, clock } = options;
  const maxBatchEvents = Math.max(1, options.maxBatchEvents ?? 5000);
  const reportError = options.reportError ?? ((error: unknown) => console.error(error));
  assertPartitions(db, partitions);
  const sql = prepareStatements(db);
  const dedup = createEventDedup(db, dedupWindowMs);
  const stats: EventLogStats = { transactions: 0, appended: 0, duplicates: 0 };
  const listeners = new Set<() => void>();
  let queue: PendingAppend[] = [];
  let scheduled = false;
  let closed = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  /** Takes whole calls from the queue, up to maxBatchEvents events (at least one call). */
  function takeBatch(): PendingAppend[] {
    let events = 0;
    let taken = 0;
    while (taken < queue.length) {
      const size = (queue[taken] as PendingAppend).rows.length;
      if (taken > 0 && events + size > maxBatchEvents) break;
      events += size;
      taken++;
    }
    const batch = taken === queue.length ? queue : queue.slice(0, taken);
    queue = taken === queue.length ? [] : queue.slice(taken);
    return batch;
  }

  const writeBatch = db.transaction((batch: PendingAppend[]): AppendResult[][] => {
    dedup.begin(clock.now());
    return batch.map(({ rows }) => {
      const out: AppendResult[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as Row;
        if (dedup.isDuplicate(row.workspaceId, row.messageId)) {
          out[i] = duplicate;
          continue;
        }
        const offset = sql.insert.run(
          row.partition,
          row.workspaceId,
          row.identity,
          row.identityKey,
          row.messageId,
          row.receivedAt,
          row.json,
        ).lastInsertRowid as number;
        out[i] = { status: 'appended', partition: row.partition, offset };
      }
      return out;
    });
  });

  function flush(): void {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = takeBatch();
    if (queue.length > 0) schedule();
    let results: AppendResult[][];
    try {
      results = writeBatch.immediate(batch);
    } catch (error) {
      dedup.rollback();
      for (const pending of batch) pending.reject(error);
      return;
    }
    stats.transactions++;
    let appended = 0;
    let duplicates = 0;
    batch.forEach((pending, i) => {
      const out = results[i] as AppendResult[];
      for (const result of out) {
        if (result === duplicate) duplicates++;
        else appended++;
      }
      pending.resolve(out);
    });
    stats.appended += appended;
    stats.duplicates += duplicates;
    if (appended > 0) notify();
  }

  function notify(): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        reportError(error);
      }
    }
  }

  function assertOpen(): void {
    if (closed) throw new Error('event log is closed');
  }

  return {
    partitions,
    stats,
    append(inputs) {
      return new Promise((resolve, reject) => {
        assertOpen();
        const rows = inputs.map((input) => toRow(input, partitions));
        if (rows.length === 0) return resolve([]);
        queue.push({ rows, resolve, reject });
        schedule();
      });
    },
    async read(partition, afterOffset, limit) {
      assertOpen();
      const rows = sql.read.all(partition, afterOffset, limit) as unknown[][];
      return rows.map(toEntry);
    },
    async headOffset(partition) {
      assertOpen();
      return (sql.head.get(partition) as number | undefined) ?? 0;
    },
    async readByIdentities({ workspaceId, identities, beforeOffset, limit }) {
      assertOpen();
      const before = beforeOffset ?? Number.MAX_SAFE_INTEGER;
      // One indexed, already-ordered query per identity, then a merge: an IN
      // list would make SQLite sort every event of the profile first.
      const found: LogEntry[] = [];
      for (const identity of new Set(identities)) {
        const key = hashPair(workspaceId, identity);
        const rows = sql.byIdentity.all(key, workspaceId, identity, before, limit) as unknown[][];
        for (const row of rows) found.push(toEntry(row));
      }
      if (identities.length > 1) found.sort((a, b) => b.offset - a.offset);
      return found.slice(0, Math.max(0, limit));
    },
    onAppend(listener) {
      const wrapped = () => listener();
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
    async close() {
      if (closed) return;
      // Commit what is queued before refusing more.
      while (queue.length > 0) flush();
      closed = true;
      listeners.clear();
    },
  };
}

function toRow({ workspaceId, event }: AppendInput, partitions: number): Row {
  if (typeof workspaceId !== 'string' || workspaceId === '') {
    throw new TypeError('append: workspaceId must be a non-empty string');
  }
  if (typeof event.messageId !== 'string' || event.messageId === '') {
    throw new TypeError('append: event.messageId must be a non-empty string');
  }
  if (event.userId === undefined && event.anonymousId === undefined) {
    throw new TypeError('append: event needs a userId or an anonymousId');
  }
  if (!Number.isFinite(event.receivedAt)) {
    throw new TypeError('append: event.receivedAt must be a time in milliseconds');
  }
  const identity = partitionIdentity(event);
  return {
    workspaceId,
    messageId: event.messageId,
    identity,
    identityKey: hashPair(workspaceId, identity),
    partition: partitionOf(identity, partitions),
    receivedAt: event.receivedAt,
    json: JSON.stringify(event),
  };
}

/** [offset, partition, workspace, identity, event JSON] → entry. */
function toEntry(row: unknown[]): LogEntry {
  return {
    offset: row[0] as number,
    partition: row[1] as number,
    workspaceId: row[2] as string,
    identity: row[3] as string,
    event: JSON.parse(row[4] as string) as OnrampEvent,
  };
}

/** The partition count is fixed for the life of a log: a profile's events must stay in one. */
function assertPartitions(db: Database, partitions: number): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
  db.prepare("INSERT OR IGNORE INTO log_settings (name, value) VALUES ('partitions', ?)").run(
    partitions,
  );
  const stored = db
    .prepare("SELECT value FROM log_settings WHERE name = 'partitions'")
    .pluck()
    .get() as number;
  if (stored !== partitions) {
    throw new Error(
      `the event log has ${stored} partitions; it can't be opened with ${partitions}`,
    );
  }
}

function prepareStatements(db: Database) {
  const columns = 'log_offset, log_partition, workspace, identity, event';
  return {
    insert: db.prepare(
      `INSERT INTO events (log_partition, workspace, identity, identity_key, message_id,
         received_at, event) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    read: db
      .prepare(
        `SELECT ${columns} FROM events WHERE log_partition = ? AND log_offset > ?
         ORDER BY log_offset LIMIT ?`,
      )
      .raw(),
    head: db
      .prepare(
        'SELECT log_offset FROM events WHERE log_partition = ? ORDER BY log_offset DESC LIMIT 1',
      )
      .pluck(),
    byIdentity: db
      .prepare(
        `SELECT ${columns} FROM events
         WHERE identity_key = ? AND workspace = ? AND identity = ? AND log_offset < ?
         ORDER BY log_offset DESC LIMIT ?`,
      )
      .raw(),
  };
}
