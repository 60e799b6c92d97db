import { Worker } from 'node:worker_threads';
import { eventLogPath, type Database } from './database.js';

export interface WalCheckpointerOptions {
  /** The connection whose automatic checkpoints this takes over (file-backed, WAL mode). */
  db: Database;
  /** How often the worker checkpoints (ms, default 500). */
  intervalMs?: number;
  /** Where a failure goes (default console.error); the main connection checkpoints by itself again after one. */
  onError?: (error: Error) => void;
}

export interface WalCheckpointer {
  /** Stops the worker and closes its connection; the main connection checkpoints by itself again. */
  stop(): Promise<void>;
}

// Plain CommonJS for an eval worker (no TypeScript loader needed): its own
// connection to the same file, a PASSIVE checkpoint on every tick (it never waits
// for, nor blocks, the main connection's readers and writer), stopped by a message.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.driver).then(({ default: Driver }) => {
  const db = new Driver(workerData.path);
  // Its event log's file too: a checkpoint without a schema name covers every attached file.
  if (workerData.eventLog !== undefined) db.prepare('ATTACH DATABASE ? AS log').run(workerData.eventLog);
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      parentPort.postMessage({ error: String(error && error.message || error) });
    }
  }, workerData.intervalMs);
  parentPort.on('message', () => {
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
  parentPort.postMessage({ ready: true });
}, (error) => parentPort.postMessage({ error: String(error && error.message || error) }));
`;

/**
 * Copies the WAL back into the database file from a worker thread, instead of the
 * connection that commits: SQLite's automatic checkpoint runs inside the commit
 * that crosses `wal_autocheckpoint` and blocks the event loop while it copies tens
 * of MB (measured: 50–150 ms, every few seconds under load). The main connection's
 * automatic checkpoints are switched off while the worker runs, and back on when it
 * stops or fails, so the WAL never grows without bound.
 */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const { db } = options;
  const automatic = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const worker = new Worker(workerSource, {
    eval: true,
    execArgv: [],
    workerData: {
      driver: import.meta.resolve('better-sqlite3'),
      path: db.name,
      eventLog: eventLogPath(db.name),
      intervalMs: Math.max(10, options.intervalMs ?? 500),
    },
  });
  let running = true;
  const fallBack = (error?: Error) => {
    if (!running) return;
    running = false;
    if (db.open) db.pragma(`wal_autocheckpoint = ${automatic}`);
    if (error !== undefined) (options.onError ?? ((failure) => console.error(failure)))(error);
  };
  worker.on('message', (message: { ready?: true; error?: string }) => {
    if (message.ready === true && running && db.open) db.pragma('wal_autocheckpoint = 0');
    if (message.error !== undefined) fallBack(new Error(`WAL checkpointer: ${message.error}`));
  });
  worker.on('error', (error) => fallBack(error));
  worker.on('exit', () => fallBack());
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      fallBack();
      worker.postMessage('stop');
      await exited;
    },
  };
}
