import type { ProfileWrite } from '@onramp/core';
import type { Database } from './database.js';

/**
 * Where the rows of a commit larger than one slice wait until its final transaction
 * (a smaller commit writes them directly, stageRestAndMove): a TEMP table, in
 * memory and private to the connection, so staging writes no journal and syncs
 * nothing, and a crash leaves nothing to clean up. Rows keep their staging order
 * (rowid), so the last write of a profile wins the move. States are not parsed
 * again here (a CHECK with json_extract doubled the cost of staging): they come from
 * profileWrite, and only a state that is not the text of a JSON object is refused.
 */
export interface ProfileStaging {
  /** Empties the table: what a failed commit of this connection may have left. */
  clear(): void;
  /** Stages profiles[from, to) in a transaction of its own. */
  stageSlice(profiles: readonly ProfileWrite[], from: number, to: number): void;
  /**
   * Inside the caller's transaction: stages profiles[from…] and moves every staged
   * row into `profiles` in one statement, then empties the table. With nothing
   * staged before (`from` 0), the rows go straight into `profiles` instead: the same
   * rows in the same order (the last write of a profile wins), without writing and
   * reading each state twice.
   */
  stageRestAndMove(profiles: readonly ProfileWrite[], from: number, now: number): void;
}

export function createProfileStaging(db: Database): ProfileStaging {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS profile_staging (
    workspace TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    state TEXT NOT NULL
  )`);
  const sql = {
    stage: db.prepare(
      'INSERT INTO temp.profile_staging (workspace, profile_id, state) VALUES (?, ?, ?)',
    ),
    move: db.prepare(
      `INSERT INTO main.profiles (workspace, profile_id, state, updated_at)
       SELECT workspace, profile_id, state, ? FROM temp.profile_staging WHERE true ORDER BY rowid
       ON CONFLICT (workspace, profile_id)
       DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
    clear: db.prepare('DELETE FROM temp.profile_staging'),
    upsert: db.prepare(
      `INSERT INTO main.profiles (workspace, profile_id, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace, profile_id)
       DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
  };
  sql.clear.run();

  function stage(profiles: readonly ProfileWrite[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const { workspaceId, profileId, json } = profiles[i] as ProfileWrite;
      sql.stage.run(workspaceId, profileId, checkState(profileId, json));
    }
  }

  return {
    clear: () => void sql.clear.run(),
    stageSlice: db.transaction(stage),
    stageRestAndMove(profiles, from, now) {
      if (from === 0) {
        for (const { workspaceId, profileId, json } of profiles) {
          sql.upsert.run(workspaceId, profileId, checkState(profileId, json), now);
        }
        return;
      }
      stage(profiles, from, profiles.length);
      if (profiles.length === 0) return;
      sql.move.run(now);
      sql.clear.run();
    },
  };
}

/** A state must be the text of a JSON object (profileWrite's output); throws TypeError otherwise. */
function checkState(profileId: string, json: unknown): string {
  if (typeof json !== 'string' || json.charCodeAt(0) !== 123 /* { */) {
    throw new TypeError(`profile ${profileId}: the state is not the JSON of an object`);
  }
  return json;
}
