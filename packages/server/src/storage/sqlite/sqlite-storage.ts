import type { Clock, ClusterRunStore } from '@onramp/core';
import type { EngineStorage } from '../../engine/create-engine.js';
import { openDatabase } from './database.js';
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
  /** Where a failure of the background WAL checkpointer goes (it falls back to SQLite's own). */
  onError?: (error: Error) => void;
}

export interface SqliteStorage extends EngineStorage {
  eventLog: SqliteEventLog;
  /** Runs of clustering jobs. */
  clusterRuns: ClusterRunStore;
  /** Closes the database; call after the stores were closed (engine.stop()). */
  close(): void;
}

/**
 * Every embedded store on one SQLite database, so a processor flush is one
 * transaction. A file database's WAL is checkpointed by a worker thread
 * (wal-checkpointer.ts), not inside the commits of the event loop's connection.
 */
export function openSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const db = openDatabase({ path: options.path, durability: options.durability });
  const checkpointer = db.memory
    ? undefined
    : startWalCheckpointer({
        db,
        onError: (error) => options.onError?.(error),
      });
  // Durability full on a file: the log's acknowledgements wait for an fsync of the WAL
  // on the thread pool, not inside its commits on the event loop (wal-sync.ts).
  const walSync =
    db.memory || options.durability !== 'full'
      ? undefined
      : createWalSync({ path: `${options.path}-wal` });
  const unsynced = walSync === undefined ? undefined : unsyncedCommits(db);
  const ruleConfigs = createSqliteRuleConfigStore({ db });
  const clusterRuns = createSqliteClusterRunStore({ db });
  return {
    eventLog: createSqliteEventLog({
      db,
      partitions: options.partitions,
      dedupWindowMs: options.dedupWindowMs,
      clock: options.clock,
      ...(walSync === undefined || unsynced === undefined
        ? {}
        : { durable: { walSync, unsynced } }),
    }),
    profileStore: createSqliteProfileStore({
      db,
      clock: options.clock,
      ...(unsynced === undefined ? {} : { unsynced }),
    }),
    deadLetters: createSqliteDeadLetterStore({ db }),
    workspaces: createSqliteWorkspaceStore({ db }),
    ruleConfigs,
    clusterRuns,
    close() {
      void ruleConfigs.close();
      void clusterRuns.close();
      // The worker closes its connection shortly after: the last one to close removes the WAL.
      void checkpointer?.stop();
      walSync?.close();
      if (db.open) db.close();
    },
  };
}
