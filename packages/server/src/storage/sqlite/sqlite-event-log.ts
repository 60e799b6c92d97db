import { assertAppendable, partitionIdentity, partitionOf } from '@onramp/core';
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
import type { UnsyncedCommits, WalSync } from './wal-sync.js';
import { hashPair } from './hash-pair.js';
import { createEventDedup } from './sqlite-event-dedup.js';
import { createIdentityIndex } from './sqlite-identity-index.js';
import { createLogTail } from './log-tail.js';

export interface SqliteEventLogOptions {
  db: Database;
  partitions: number;
  /** A (workspaceId, messageId) appended less than this long ago is a duplicate. */
  dedupWindowMs: number;
  clock: Clock;
  /** Most events committed in one transaction (a larger append call gets its own). Default 5000. */
  maxBatchEvents?: number;
  /**
   * Most entries per partition kept in memory after commit for read(), until read past
   * (log-tail.ts). Default 50 000.
   */
  tailEntries?: number;
  /** Where an exception thrown by an onAppend listener goes; console.error by default. */
  reportError?: (error: unknown) => void;
  /** Identity-index entries written per sorted run (see sqlite-identity-index.ts). Default 32 768. */
  identityRunSize?: number;
  /**
   * Durability off the event loop (durability full, file databases): commits are made
   * without a sync, readers are told at once, and appends resolve once `walSync` has
   * put the commit on disk (wal-sync.ts).
   */
  durable?: { walSync: WalSync; unsynced: UnsyncedCommits };
  /**
   * The WAL sync of the log's file when acknowledgements do not wait for it
   * (durability normal): onDisk() uses it. With `durable`, its walSync is used.
   */
  walSync?: WalSync;
}

export interface EventLogStats {
  /** Transactions committed: fewer than append calls when group commit works. */
  transactions: number;
  appended: number;
  duplicates: number;
  /** Keys held by the in-memory de-duplication index (20–45 bytes of memory a key). */
  readonly dedupKeys: number;
  /** Committed entries held in memory for read(), not read past yet (log-tail.ts). */
  readonly tailEntries: number;
}

export interface SqliteEventLog extends EventLog {
  readonly stats: Readonly<EventLogStats>;
}

/** One event ready to write: serialized once, when append() is called. */
interface Row {
  workspaceId: string;
  messageId: string;
  identity: IdentityKey;
  /** hashPair(workspace, identity): its key in the identity index. */
  identityKey: number;
  partition: number;
  json: string;
  /** The appended event itself: what the in-memory tail hands to the processor. */
  event: OnrampEvent;
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
 * De-duplication: an in-memory index of the (workspace, messageId) pairs received
 * within the window, by the time the log received them (received_at, from the
 * clock, stamped at commit), rebuilt from the log at start-up; see
 * sqlite-event-dedup.ts for why. It sees earlier events of the same call and
 * group commit, and forgets the keys of a rolled-back transaction.
 *
 * readByIdentities reads an (identity, offset) table written in sorted runs
 * (sqlite-identity-index.ts) merged with the entries not yet written.
 *
 * Both indexes live in this object's memory: one log per database (one writer
 * process), which SQLite's embedded mode is anyway.
 */
export function createSqliteEventLog(options: SqliteEventLogOptions): SqliteEventLog {
  const { db, partitions, dedupWindowMs, clock } = options;
  const maxBatchEvents = Math.max(1, options.maxBatchEvents ?? 5000);
  const reportError = options.reportError ?? ((error: unknown) => console.error(error));
  assertPartitions(db, partitions);
  const sql = prepareStatements(db);
  const dedup = createEventDedup({ db, windowMs: dedupWindowMs, now: clock.now() });
  const identities = createIdentityIndex(db, options.identityRunSize);
  const stats: EventLogStats = {
    transactions: 0,
    appended: 0,
    duplicates: 0,
    get dedupKeys() {
      return dedup.size;
    },
    get tailEntries() {
      return tail.size();
    },
  };
  const listeners = new Set<() => void>();
  const tail = createLogTail(partitions, options.tailEntries ?? 50_000, (partition) => {
    return (sql.head.get(partition) as number | undefined) ?? 0;
  });
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

  const writeBatch = db.transaction(
    (batch: PendingAppend[], now: number, events: number): AppendResult[][] => {
      const results = batch.map(({ rows }) => {
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
            row.messageId,
            now,
            row.json,
          ).lastInsertRowid as number;
          identities.add(row.identityKey, offset);
          out[i] = { status: 'appended', partition: row.partition, offset };
        }
        return out;
      });
      identities.flush(events);
      return results;
    },
  );

  /** Writes one batch: all of it, or (on a failure) none of it, rejecting its calls. */
  function write(batch: PendingAppend[]): AppendResult[][] | undefined {
    const now = clock.now();
    const events = batch.reduce((count, pending) => count + pending.rows.length, 0);
    dedup.begin(now, events);
    identities.begin();
    try {
      // Deferred, not IMMEDIATE: an IMMEDIATE transaction takes the write lock of every
      // attached file, and this one writes the log's file only (database.ts).
      const results = writeBatch(batch, now, events);
      dedup.commit();
      identities.commit();
      return results;
    } catch (error) {
      dedup.rollback();
      identities.rollback();
      for (const pending of batch) pending.reject(error);
      return undefined;
    }
  }

  function flush(): void {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = takeBatch();
    if (queue.length > 0) schedule();
    const durable = options.durable;
    const results = durable === undefined ? write(batch) : durable.unsynced.run(() => write(batch));
    if (!results) return;
    stats.transactions++;
    let appended = 0;
    let duplicates = 0;
    batch.forEach((pending, i) => {
      const out = results[i] as AppendResult[];
      for (let j = 0; j < out.length; j++) {
        const result = out[j] as AppendResult;
        if (result.status === 'duplicate') {
          duplicates++;
          continue;
        }
        appended++;
        const row = pending.rows[j] as Row;
        tail.add({
          offset: result.offset,
          partition: result.partition,
          workspaceId: row.workspaceId,
          identity: row.identity,
          event: row.event,
        });
      }
      if (durable === undefined) pending.resolve(out);
    });
    stats.appended += appended;
    stats.duplicates += duplicates;
    if (appended > 0) notify();
    // Applied (and pushed) while the sync runs; acknowledged once it is on disk.
    if (durable !== undefined) acknowledgeWhenSynced(durable.walSync, batch, results);
  }

  function acknowledgeWhenSynced(
    walSync: WalSync,
    batch: PendingAppend[],
    results: AppendResult[][],
  ): void {
    // Only the callers wait for the sync, not their rows: the events die young (decision 31).
    const callers = batch.map(({ resolve, reject }) => ({ resolve, reject }));
    walSync.afterCommit().then(
      () => callers.forEach((caller, i) => caller.resolve(results[i] as AppendResult[])),
      (error: unknown) => callers.forEach((caller) => caller.reject(error)),
    );
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

  /** The newest events of one identity below `before`, skipping hash collisions. */
  function newestOf(workspaceId: string, identity: string, before: number, limit: number) {
    const key = hashPair(workspaceId, identity);
    const entries: LogEntry[] = [];
    let below = before;
    while (entries.length < limit) {
      const wanted = limit - entries.length;
      const offsets = identities.offsetsOf(key, below, wanted);
      for (const offset of offsets) {
        const row = sql.byOffset.get(offset) as unknown[] | undefined;
        if (row && row[2] === workspaceId && row[3] === identity) entries.push(toEntry(row));
      }
      if (offsets.length < wanted) break;
      below = offsets.at(-1) as number;
    }
    return entries;
  }

  function assertOpen(): void {
    if (closed) throw new Error('event log is closed');
  }

  const diskSync = options.durable?.walSync ?? options.walSync;
  return {
    partitions,
    stats,
    ...(diskSync !== undefined && { onDisk: () => diskSync.afterCommit() }),
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
      // Recent entries come from memory: the processor applies what was just committed
      // without reading it back and parsing it again.
      const recent = tail.read(partition, afterOffset, limit);
      if (recent !== undefined) return recent;
      const rows = sql.read.all(partition, afterOffset, limit) as unknown[][];
      return rows.map(toEntry);
    },
    async headOffset(partition) {
      assertOpen();
      return (sql.head.get(partition) as number | undefined) ?? 0;
    },
    async readByIdentities({ workspaceId, identities: wanted, beforeOffset, limit }) {
      assertOpen();
      const before = beforeOffset ?? Number.MAX_SAFE_INTEGER;
      const found: LogEntry[] = [];
      for (const identity of new Set(wanted)) {
        found.push(...newestOf(workspaceId, identity, before, limit));
      }
      if (wanted.length > 1) found.sort((a, b) => b.offset - a.offset);
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

function toRow(input: AppendInput, partitions: number): Row {
  assertAppendable(input);
  const { workspaceId, event } = input;
  const identity = partitionIdentity(event);
  return {
    workspaceId,
    messageId: event.messageId,
    identity,
    identityKey: hashPair(workspaceId, identity),
    partition: partitionOf(identity, partitions),
    json: JSON.stringify(event),
    event,
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
      `INSERT INTO events (log_partition, workspace, identity, message_id, received_at, event)
       VALUES (?, ?, ?, ?, ?, ?)`,
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
    byOffset: db.prepare(`SELECT ${columns} FROM events WHERE log_offset = ?`).raw(),
  };
}
