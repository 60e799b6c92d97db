import { truncateDeadLetterPayload } from '@onramp/core';
import type { DeadLetter, DeadLetterReason, DeadLetterStore, NewDeadLetter } from '@onramp/core';
import type { Database } from './database.js';

export interface SqliteDeadLetterStoreOptions {
  db: Database;
}

/**
 * Refused messages, newest first. Payloads whose JSON exceeds 64 KB are kept
 * as `{ truncated: true, preview }` (see truncateDeadLetterPayload).
 */
export function createSqliteDeadLetterStore(
  options: SqliteDeadLetterStoreOptions,
): DeadLetterStore {
  const { db } = options;
  const insert = db.prepare(
    `INSERT INTO dead_letters (workspace, received_at, reason, errors, payload)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const columns = 'id, workspace, received_at, reason, errors, payload';
  const page = db
    .prepare(
      `SELECT ${columns} FROM dead_letters WHERE workspace = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    )
    .raw();
  const count = db.prepare('SELECT count(*) FROM dead_letters WHERE workspace = ?').pluck();
  const addAll = db.transaction((letters: readonly NewDeadLetter[]) => {
    for (const letter of letters) {
      insert.run(
        letter.workspaceId,
        letter.receivedAt,
        letter.reason,
        JSON.stringify(letter.errors),
        truncateDeadLetterPayload(letter.payload).json,
      );
    }
  });
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('dead-letter store is closed');
  }

  return {
    async add(letters) {
      assertOpen();
      if (letters.length > 0) addAll.immediate(letters);
    },
    async list(workspaceId, { limit, beforeId }) {
      assertOpen();
      const rows = page.all(workspaceId, beforeId ?? Number.MAX_SAFE_INTEGER, limit) as unknown[][];
      return rows.map(toDeadLetter);
    },
    async count(workspaceId) {
      assertOpen();
      return count.get(workspaceId) as number;
    },
    async close() {
      closed = true;
    },
  };
}

function toDeadLetter(row: unknown[]): DeadLetter {
  return {
    id: row[0] as number,
    workspaceId: row[1] as string,
    receivedAt: row[2] as number,
    reason: row[3] as DeadLetterReason,
    errors: JSON.parse(row[4] as string) as DeadLetter['errors'],
    payload: JSON.parse(row[5] as string) as DeadLetter['payload'],
  };
}
