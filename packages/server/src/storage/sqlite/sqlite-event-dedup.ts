import type { Database } from './database.js';
import { hashPair } from './hash-pair.js';

/**
 * The persistent memory of (workspace, messageId) pairs appended within the
 * de-duplication window, used by the SQLite event log inside its transactions.
 *
 * Design, chosen for per-event cost (measured against a unique (workspace,
 * message_id) text key pruned row by row, it saves a third of the log's CPU):
 *
 * - A key is two 53-bit hashes of `workspace \0 messageId`: `key` is the
 *   INTEGER PRIMARY KEY (the table is its own index: one small B-tree row of
 *   about 20 bytes per event, instead of a row plus a ~60-byte index entry),
 *   `check` a second hash with another seed. A pair is a duplicate only when
 *   both match (about 106 bits), so a new message is never taken for another.
 *   If two messages share `key` but not `check` (odds ~ keys/2^53), the newer
 *   one takes the slot: the older one could then be appended twice if retried.
 * - The upsert is both the check and the write: it inserts a new key, takes over
 *   an expired or colliding one, and changes nothing (0 changes) when the same
 *   message is inside the window. Everything is written in the log's
 *   transaction, so it survives restarts, sees earlier events of the same call
 *   and group commit, and a rolled-back append leaves no key behind.
 * - Pruning is generational, never row by row: keys go to the current of two
 *   tables; once the current generation is a window old, the other table
 *   (whose keys are all older than the window) is emptied in one statement and
 *   becomes current. A lookup probes the previous table, then upserts the
 *   current one; the window is checked exactly on each key's seen_at.
 */
export interface EventDedup {
  /** Inside the transaction, before any `isDuplicate`: fixes "now" and rotates generations. */
  begin(now: number): void;
  /** Inside the transaction: true when the pair was seen within the window; else records it. */
  isDuplicate(workspaceId: string, messageId: string): boolean;
  /** After a rolled-back transaction: forgets a generation change it made. */
  rollback(): void;
}

const checkSeed = 0x9e3779b9;

export function createEventDedup(db: Database, windowMs: number): EventDedup {
  const generations = [
    prepareGeneration(db, 'event_dedup_0'),
    prepareGeneration(db, 'event_dedup_1'),
  ];
  const readSetting = db.prepare('SELECT value FROM log_settings WHERE name = ?').pluck();
  const writeSetting = db.prepare(
    `INSERT INTO log_settings (name, value) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  );

  let generation = (readSetting.get('dedup_generation') as number | undefined) ?? 0;
  /** When the current generation started; 0 before the first transaction. */
  let generationStart = (readSetting.get('dedup_generation_start') as number | undefined) ?? 0;
  let current = generations[generation % 2] as Generation;
  let previous = generations[(generation + 1) % 2] as Generation;
  let previousEmpty = previous.isEmpty.get() === 1;
  /** The state before the running transaction, restored if it rolls back. */
  let saved = { generation, generationStart, current, previous, previousEmpty };
  let now = 0;
  let cutoff = 0;

  function startGeneration(next: number): void {
    generation = next;
    generationStart = now;
    writeSetting.run('dedup_generation', generation);
    writeSetting.run('dedup_generation_start', generationStart);
  }

  return {
    begin(at) {
      saved = { generation, generationStart, current, previous, previousEmpty };
      now = at;
      cutoff = at - windowMs;
      if (generationStart === 0) {
        startGeneration(generation);
      } else if (at >= generationStart + windowMs) {
        // Every key of the previous table is older than the current generation's start.
        previous.clear.run();
        previousEmpty = current.isEmpty.get() === 1;
        [current, previous] = [previous, current];
        startGeneration(generation + 1);
      }
    },
    isDuplicate(workspaceId, messageId) {
      const key = hashPair(workspaceId, messageId);
      const check = hashPair(workspaceId, messageId, checkSeed);
      if (!previousEmpty) {
        const found = previous.probe.get(key) as [number, number] | undefined;
        if (found && found[0] === check && found[1] > cutoff) return true;
      }
      return current.upsert.run(key, check, now, cutoff).changes === 0;
    },
    rollback() {
      ({ generation, generationStart, current, previous, previousEmpty } = saved);
    },
  };
}

type Generation = ReturnType<typeof prepareGeneration>;

function prepareGeneration(db: Database, table: string) {
  return {
    upsert: db.prepare(
      `INSERT INTO ${table} (key, check_hash, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET check_hash = excluded.check_hash, seen_at = excluded.seen_at
       WHERE seen_at <= ? OR check_hash != excluded.check_hash`,
    ),
    probe: db.prepare(`SELECT check_hash, seen_at FROM ${table} WHERE key = ?`).raw(),
    clear: db.prepare(`DELETE FROM ${table}`),
    isEmpty: db.prepare(`SELECT NOT EXISTS (SELECT 1 FROM ${table})`).pluck(),
  };
}
