import type { Clock, ClusterRunStore } from '@onramp/core';
import type { EngineStorage } from '../../engine/create-engine.js';
import { eventLogPath, openDatabase } from './database.js';
import { startCommitWorker } from './commit-worker.js';
import { createSqliteClusterRunStore } from './sqlite-cluster-run-store.js';
import { createSqliteDeadLetterStore } from './sqlite-dead-letter-store.js';
import { createSqliteEventLog, type SqliteEventLog } from './sqlite-event-log.js';
import { createSqliteProfileStore } from './sqlite-profile-store.js';
import { createSqliteRuleConfigStore } from './sqlite-rule-config-store.js';
import { createSqliteWorkspaceStore } from './sqlite-workspace-store.js';
import { startWalCheckpointer } from './wal-checkpointer.js';
import { createWalSync, unsyncedCommits } from './wal-sync.js';

export interface SqliteStorageOptions {
  path: string;
  durability: 'full' | 'normal';
  partitions: number;
  clock: Clock;
  dedupWindowMs: number;
  /**
   * Where a failure of a worker thread goes: the WAL checkpointer (SQLite's own
   * checkpoints take over) or the profile commit worker (commits go back to the
   * event loop's connection).
   */
  onError?: (error: Error) => void;
}

export interface SqliteStorage extends EngineStorage {
  eventLog: SqliteEventLog;
  /** Runs of clustering jobs. */
  clusterRuns: ClusterRunStore;
  /**
   * Stops the worker threads, then closes the database; call after the stores were
   * closed (engine.stop()). The event loop's connection closes last, so it checkpoints
   * both WALs and removes them, even if the process exits right after.
   */
  close(): Promise<void>;
}

/**
 * Every embedded store on one SQLite connection, so a processor flush is one
 * transaction, with the event log's tables in a file of their own (database.ts).
 * For file databases, two worker threads: one checkpoints the WALs
 * (wal-checkpointer.ts), the other makes the profile commits (commit-worker.ts).
 */
export function openSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const db = openDatabase({ path: options.path, durability: options.durability });
  const checkpointer = db.memory
    ? undefined
    : startWalCheckpointer({
        db,
        onError: (error) => options.onError?.(error),
      });
  // The log's file is synced by fsync on the thread pool, not inside its commits on the
  // event loop (wal-sync.ts). Durability full: acknowledgements wait for it. Always:
  // a profile commit waits for it before its checkpoints pass what it covers.
  const walSync = db.memory ? undefined : createWalSync({ path: `${eventLogPath(db.name)}-wal` });
  const full = walSync !== undefined && options.durability === 'full';
  const unsynced = full ? unsyncedCommits(db) : undefined;
  // Profile commits on a worker thread's connection (commit-worker.ts, decision 30).
  const committer = db.memory
    ? undefined
    : startCommitWorker({ path: db.name, onError: (error) => options.onError?.(error) });
  const ruleConfigs = createSqliteRuleConfigStore({ db });
  const clusterRuns = createSqliteClusterRunStore({ db });
  return {
    eventLog: createSqliteEventLog({
      db,
      partitions: options.partitions,
      dedupWindowMs: options.dedupWindowMs,
      clock: options.clock,
      ...(walSync !== undefined &&
        (full ? { durable: { walSync, unsynced: unsyncedCommits(db, 'log') } } : { walSync })),
    }),
    profileStore: createSqliteProfileStore({
      db,
      clock: options.clock,
      ...(unsynced === undefined ? {} : { unsynced }),
      ...(committer === undefined ? {} : { committer }),
    }),
    deadLetters: createSqliteDeadLetterStore({ db }),
    workspaces: createSqliteWorkspaceStore({ db }),
    ruleConfigs,
    clusterRuns,
    async close() {
      void ruleConfigs.close();
      void clusterRuns.close();
      await Promise.all([checkpointer?.stop(), committer?.stop()]);
      walSync?.close();
      if (db.open) db.close();
    },
  };
}
