import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { eventLogSchema, migrate, moveEventLogRows } from './migrations.js';

export type { Database } from 'better-sqlite3';

export interface OpenDatabaseOptions {
  /** A file path, or ':memory:' for a private in-memory database. */
  path: string;
  /**
   * 'full' syncs the WAL for every commit: an acknowledged event survives a power
   * loss (the event log and profile commits sync off the event loop: wal-sync.ts). 'normal' syncs at checkpoints only: it survives a crash of the process
   * (kill -9), but the last commits may be lost if the machine loses power.
   */
  durability: 'full' | 'normal';
  /** How long a statement waits for another connection's lock. Default 5 s. */
  busyTimeoutMs?: number;
}

/**
 * The file of the event log next to the main database file (`onramp.db` →
 * `onramp-events.db`); ':memory:' for an in-memory database.
 */
export function eventLogPath(path: string): string {
  if (path === ':memory:' || path === '') return ':memory:';
  return path.endsWith('.db') ? `${path.slice(0, -3)}-events.db` : `${path}-events`;
}

/**
 * Opens (creating when needed) the embedded database and brings its schema up
 * to date. Every SQLite store of a process shares this one connection, so a
 * profile commit and its checkpoints are one transaction. The event log's tables
 * are in their own file, attached as the schema `log` (eventLogPath): appends
 * take that file's write lock only, never the main file's (decision 30). The
 * caller closes it (db.close()) after closing the stores.
 */
export function openDatabase(options: OpenDatabaseOptions): Database {
  const db = new BetterSqlite3(options.path);
  try {
    db.prepare('ATTACH DATABASE ? AS log').run(eventLogPath(db.memory ? ':memory:' : options.path));
    const synchronous = options.durability === 'full' ? 'FULL' : 'NORMAL';
    for (const schema of ['main', 'log']) {
      db.pragma(`${schema}.journal_mode = WAL`);
      db.pragma(`${schema}.synchronous = ${synchronous}`);
      db.pragma(`${schema}.journal_size_limit = 67108864`);
      db.pragma(`${schema}.cache_size = -65536`);
    }
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    // 64 MB of page cache per file (above): the log's indexes stay hot while appending.
    db.pragma('temp_store = MEMORY');
    // Checkpoint every ~40 MB of WAL instead of 4 MB: a page rewritten by many
    // commits is copied to the database once (measured: ~10 % less CPU per
    // appended event). The WAL is truncated back to 64 MB after a checkpoint.
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(eventLogSchema);
    moveEventLogRows(db);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
