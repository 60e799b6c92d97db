import { closeSync, fstatSync, fsync, openSync } from 'node:fs';

/**
 * Durability of commits without stopping the event loop: commits that need it are made
 * with `synchronous = NORMAL` (no fsync inside the commit), then the WAL file is synced
 * by `fsync` on libuv's thread pool, and only then is the commit reported durable.
 * Syncs are grouped: while one runs, every commit made meanwhile waits for the next one,
 * which starts when it ends (one fsync covers any number of commits).
 *
 * Why this is as safe as `synchronous = FULL`: the WAL is one file written in commit
 * order, and recovery keeps a prefix of its frames (each frame's checksum chains the
 * ones before). Once the fsync that started after a commit ends, that commit and every
 * earlier one are on disk. Decision 23 has the details.
 */
export interface WalSync {
  /** Resolves once every commit made before the call is on disk; rejects if the sync failed. */
  afterCommit(): Promise<void>;
  /** Closes the file descriptor (syncs under way finish first). */
  close(): void;
}

type FsyncFunction = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

export interface WalSyncOptions {
  /** The `-wal` file of the database. */
  path: string;
  /** fs.fsync by default (tests inject one they control). */
  fsync?: FsyncFunction;
}

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function createWalSync(options: WalSyncOptions): WalSync {
  const sync = options.fsync ?? fsync;
  let fd: number | undefined;
  let running = false;
  let closing = false;
  /** Commits made while a sync runs: the next sync covers them. */
  let next: Waiters | undefined;

  /** The WAL's descriptor, opened again if the file was replaced (unlinked) since. */
  function descriptor(): number {
    if (fd !== undefined && fstatSync(fd).nlink > 0) return fd;
    if (fd !== undefined) closeSync(fd);
    fd = openSync(options.path, 'r');
    return fd;
  }

  function start(covered: Waiters): void {
    running = true;
    let handle: number;
    try {
      handle = descriptor();
    } catch (error) {
      // Gone while closing: closing the database checkpointed and synced the WAL.
      const gone = closing && (error as NodeJS.ErrnoException).code === 'ENOENT';
      finish(covered, gone ? undefined : (error as Error));
      return;
    }
    sync(handle, (error) => finish(covered, error ?? undefined));
  }

  function finish(covered: Waiters, error: Error | undefined): void {
    running = false;
    if (error === undefined) covered.resolve();
    else covered.reject(error);
    if (next !== undefined) {
      const waiting = next;
      next = undefined;
      start(waiting);
    } else if (closing) closeFile();
  }

  function closeFile(): void {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  }

  return {
    afterCommit() {
      if (running) {
        next ??= waiters();
        return next.promise;
      }
      const covered = waiters();
      start(covered);
      return covered.promise;
    },
    close() {
      closing = true;
      if (!running) closeFile();
    },
  };
}

/** Runs commits with `synchronous = NORMAL` on a schema (file) that is otherwise FULL. */
export interface UnsyncedCommits {
  run<T>(commit: () => T): T;
}

export function unsyncedCommits(
  db: { prepare(sql: string): { run(): unknown } },
  schema: 'main' | 'log' = 'main',
): UnsyncedCommits {
  const relax = db.prepare(`PRAGMA ${schema}.synchronous = NORMAL`);
  const restore = db.prepare(`PRAGMA ${schema}.synchronous = FULL`);
  return {
    run(commit) {
      relax.run();
      try {
        return commit();
      } finally {
        restore.run();
      }
    },
  };
}
