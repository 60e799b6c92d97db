import { Worker } from 'node:worker_threads';
import type { ProfileCommit } from '@onramp/core';
import { transferablesOf } from './v8-profile-encoding.js';

/**
 * Profile commits on a thread of their own (decision 30): a worker with its own
 * connection to the main database file runs the store's whole commit (one
 * transaction, without slices or staging, and its COMMIT), so the event loop only
 * posts the commit and awaits the answer. The event log is in another file (database.ts), so its appends
 * never wait for this worker's write lock; other writers of the main file on the
 * event loop (configs, segment sizes, the outbox) wait for it at most one final
 * transaction (busy_timeout).
 */
export interface CommitWorker {
  /** False once the worker failed or stopped: commits are then made on the caller's connection. */
  readonly available: boolean;
  /** Commits on the worker's connection at `now`; rejects with the commit's error (nothing written). */
  commit(commit: ProfileCommit, now: number): Promise<void>;
  /** Finishes the commits under way, then closes the worker's connection and stops it. */
  stop(): Promise<void>;
}

export interface CommitWorkerOptions {
  /** The main database file (migrated already: the worker opens it as it is). */
  path: string;
  /** Where a failure of the worker itself goes (its commits' own errors reject them). */
  onError?: (error: Error) => void;
}

export type CommitRequest =
  { type: 'commit'; id: number; commit: ProfileCommit; now: number } | { type: 'stop' };

export type CommitReply =
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; name: string; message: string; code?: string };

const entry = new URL('./commit-worker-main.ts', import.meta.url).href;
// As for the clustering worker (cluster-worker.ts): register tsx, then import the entry.
const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;

/**
 * The worker starts with the first commit: processes that only read (the CLI's
 * commands) never start a thread.
 */
export function startCommitWorker(options: CommitWorkerOptions): CommitWorker {
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let nextId = 0;
  let available = true;
  let stopping = false;

  const fail = (error: Error): void => {
    if (!available) return;
    available = false;
    for (const { reject } of pending.values()) reject(error);
    const unexpected = !stopping || pending.size > 0;
    pending.clear();
    if (unexpected) (options.onError ?? ((failure) => console.error(failure)))(error);
  };

  function started(): Worker {
    if (worker !== undefined) return worker;
    const thread = new Worker(bootstrap, { eval: true, execArgv: [], workerData: options.path });
    exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    thread.on('message', (reply: CommitReply) => {
      const waiting = pending.get(reply.id);
      if (waiting === undefined) return;
      pending.delete(reply.id);
      if (reply.type === 'done') return waiting.resolve();
      const error = new Error(reply.message);
      error.name = reply.name;
      if (reply.code !== undefined) Object.assign(error, { code: reply.code });
      waiting.reject(error);
    });
    thread.on('error', (error) => fail(new Error(`profile commit worker: ${error.message}`)));
    thread.on('exit', (code) => {
      const when = stopping ? ' when stopped' : '';
      fail(new Error(`profile commit worker exited (code ${code})${when}`));
    });
    worker = thread;
    return thread;
  }

  return {
    get available() {
      return available && !stopping;
    },
    commit(commit, now) {
      if (!available || stopping) {
        return Promise.reject(new Error('profile commit worker is not running'));
      }
      const thread = started();
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Encoded states move to the worker without a copy (this side keeps none).
        const transfer = transferablesOf(commit.encodedProfiles);
        thread.postMessage({ type: 'commit', id, commit, now } satisfies CommitRequest, transfer);
      });
    },
    async stop() {
      if (!stopping) {
        stopping = true;
        // The worker answers the commits posted before this message, then exits.
        worker?.postMessage({ type: 'stop' } satisfies CommitRequest);
      }
      await exited;
    },
  };
}
