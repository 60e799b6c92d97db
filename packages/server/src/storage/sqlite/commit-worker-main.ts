/**
 * The entry of the profile commit worker (started by commit-worker.ts): its own
 * connection to the main database file, without the event log's file (a commit
 * never takes the log's write lock), and the SQLite profile store's commit on it.
 * Commits run one at a time, in the order they were posted.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CommitReply, CommitRequest } from './commit-worker.js';
import { createSqliteProfileStore } from './sqlite-profile-store.js';

if (parentPort === null) throw new Error('commit-worker-main.ts must run in a worker thread');
const port = parentPort;

const db = new BetterSqlite3(workerData as string);
db.pragma('busy_timeout = 5000');
// Its commits need no sync: they are rebuilt from the log if lost, and the processor
// commits checkpoints only once the log is on disk through them (EventLog.onDisk).
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('cache_size = -65536');
db.pragma('temp_store = MEMORY');
db.pragma('wal_autocheckpoint = 10000');

let now = 0;
// No slices here: slicing keeps an event loop responsive, and this thread only commits. Every
// commit is then one transaction whose profiles go straight into their table (no staging).
const store = createSqliteProfileStore({
  db,
  clock: { now: () => now },
  sliceProfiles: Number.MAX_SAFE_INTEGER,
});
let last: Promise<unknown> = Promise.resolve();

port.on('message', (request: CommitRequest) => {
  if (request.type === 'stop') {
    void last.then(async () => {
      await store.close();
      db.close();
      port.close();
    });
    return;
  }
  const { id, commit } = request;
  last = last.then(async () => {
    let reply: CommitReply;
    try {
      now = request.now;
      await store.commit(commit);
      reply = { type: 'done', id };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      const code = (failure as { code?: unknown }).code;
      reply = {
        type: 'failed',
        id,
        name: failure.name,
        message: failure.message,
        ...(typeof code === 'string' && { code }),
      };
    }
    port.postMessage(reply);
  });
});
