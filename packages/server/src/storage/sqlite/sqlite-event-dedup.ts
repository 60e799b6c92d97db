import type { Database } from './database.js';
import { hashPair } from './hash-pair.js';
import { createKeyTable } from './key-table.js';
import type { KeyTable } from './key-table.js';

/**
 * Which (workspace, messageId) pairs the SQLite event log appended within the
 * de-duplication window, by the time the log received them (its clock, kept in
 * the events' received_at column).
 *
 * Design, chosen for per-event cost. The obvious one, a table keyed by
 * (workspace, message_id) written in each append transaction, was measured:
 * every new key lands on a random B-tree page, so once the table outgrows a
 * transaction's worth of pages each event rewrites a whole page into the WAL;
 * at 1 M events it cost 15 µs of the log's 31 µs per event, and it grows with
 * the window. Instead:
 *
 * - The index is in memory: two 53-bit hashes of `workspace \0 messageId` per
 *   pair (`key` and a 32-bit `check` with another seed: a pair is a duplicate only
 *   when both match, ~85 bits, so a new message is never taken for another; if two
 *   messages share `key` but not `check` (odds ~ keys/2^53) the newer one takes
 *   the slot), in typed arrays: 20–45 bytes per key (load ≤ 0.7, doubling a few slots at a time:
 *   decision 32), ~0.3 µs per event.
 * - Nothing more is written: the events table, appended in the same transaction,
 *   already holds workspace, message_id and received_at. On start-up the index is
 *   rebuilt by scanning the events received within the window (sequential reads,
 *   ~1 µs per event). So it survives restarts and crashes exactly as the log does,
 *   and a rolled-back append leaves nothing behind (its in-memory keys are undone
 *   from a journal).
 * - Pruning is generational: keys go to the current table; once it is a window
 *   old it becomes the previous one and the former previous table (all older
 *   than the window) is dropped whole. Lookups probe both; the window is checked
 *   exactly on each key's time.
 *
 * The cost is memory: up to two windows of keys (e.g. 1 M events a day with the
 * default 24 h window: ≤ 90 MB) and a start-up scan of one window of events.
 */
export interface EventDedup {
  /** The number of keys held (both generations). */
  readonly size: number;
  /** Before a transaction's first isDuplicate: fixes "now" and makes room for `events` keys. */
  begin(now: number, events: number): void;
  /** True when the pair was appended within the window; else remembers it as received now. */
  isDuplicate(workspaceId: string, messageId: string): boolean;
  /** The transaction committed: keeps the keys it added. */
  commit(): void;
  /** The transaction rolled back: forgets the keys it added. */
  rollback(): void;
}

const checkSeed = 0x9e3779b9;
/** How far back of the window the start-up scan begins, in case the clock once stepped back. */
const scanSlackMs = 10 * 60_000;

export interface EventDedupOptions {
  db: Database;
  windowMs: number;
  /** The time at start-up, from the log's clock. */
  now: number;
}

export function createEventDedup({ db, windowMs, now }: EventDedupOptions): EventDedup {
  let current = rebuild(db, now - windowMs);
  let previous: KeyTable | undefined;
  let generationStart = now;
  let time = now;
  let cutoff = now - windowMs;

  function matches(table: KeyTable, slot: number, check: number): boolean {
    return table.checkAt(slot) === check && table.seenAt(slot) > cutoff;
  }

  return {
    get size() {
      return current.size + (previous?.size ?? 0);
    },
    begin(at, events) {
      time = at;
      cutoff = at - windowMs;
      if (at >= generationStart + windowMs) {
        previous = current;
        current = createKeyTable(previous.size);
        generationStart = at;
      }
      current.reserve(events);
      current.openJournal();
    },
    isDuplicate(workspaceId, messageId) {
      const key = hashPair(workspaceId, messageId);
      const check = hashPair(workspaceId, messageId, checkSeed) % 4294967296;
      const slot = current.find(key);
      if (slot >= 0) {
        if (matches(current, slot, check)) return true;
      } else if (previous) {
        const old = previous.find(key);
        if (old >= 0 && matches(previous, old, check)) return true;
      }
      current.set(key, check, time);
      return false;
    },
    commit() {
      current.commitJournal();
    },
    rollback() {
      current.rollbackJournal();
    },
  };
}

/** The keys of the events received after `cutoff`, read from the log. */
function rebuild(db: Database, cutoff: number): KeyTable {
  const last = db.prepare('SELECT max(log_offset) FROM events').pluck().get() as number | null;
  if (last === null) return createKeyTable();
  const start = firstOffsetAfter(db, cutoff - scanSlackMs, last);
  const table = createKeyTable(last - start + 1);
  const rows = db
    .prepare(
      `SELECT workspace, message_id, received_at FROM events
       WHERE log_offset >= ? ORDER BY log_offset`,
    )
    .raw()
    .iterate(start) as IterableIterator<[string, string, number]>;
  for (const [workspaceId, messageId, receivedAt] of rows) {
    if (receivedAt <= cutoff) continue;
    const key = hashPair(workspaceId, messageId);
    const check = hashPair(workspaceId, messageId, checkSeed) % 4294967296;
    const slot = table.find(key);
    if (slot < 0 || table.seenAt(slot) < receivedAt) table.set(key, check, receivedAt);
  }
  return table;
}

/**
 * The first offset from which events were received after `time`. received_at
 * grows with the offset (the log stamps it from its clock at commit), so a binary
 * search over offsets finds it in ~40 indexed reads.
 */
function firstOffsetAfter(db: Database, time: number, last: number): number {
  const receivedAtOrAfter = db
    .prepare('SELECT received_at FROM events WHERE log_offset >= ? ORDER BY log_offset LIMIT 1')
    .pluck();
  let low = 0;
  let high = last;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((receivedAtOrAfter.get(mid) as number) > time) high = mid;
    else low = mid + 1;
  }
  return low;
}
