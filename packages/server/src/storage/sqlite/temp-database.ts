import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import type { Database, OpenDatabaseOptions } from './database.js';

/** A file-backed database in a fresh temporary folder, for tests and benchmarks. */
export interface TempDatabase {
  readonly path: string;
  /** The open connection; replaced by reopen(). */
  readonly db: Database;
  /** Closes the connection and opens the same file again (a restart). */
  reopen(): Database;
  /** Closes the connection and deletes the folder. */
  dispose(): void;
}

export function openTempDatabase(
  durability: OpenDatabaseOptions['durability'] = 'normal',
): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-sqlite-'));
  const path = join(dir, 'onramp.db');
  let db = openDatabase({ path, durability });
  return {
    path,
    get db() {
      return db;
    },
    reopen() {
      if (db.open) db.close();
      db = openDatabase({ path, durability });
      return db;
    },
    dispose() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
