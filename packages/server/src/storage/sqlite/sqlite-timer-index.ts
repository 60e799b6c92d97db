import type { StoredTimer } from '@onramp/core';
import type { Database } from './database.js';

/**
 * The profile_timers rows, kept in step with each committed profile's
 * `state.rules.timers`. Remembers which profiles have rows (and the timers
 * last written for them), so that writing a profile that never had timers
 * costs no statement, and writing one whose timers did not change costs none
 * either. The memory is read from the table at the first write; it assumes
 * this connection is the only writer of the table from then on.
 *
 * write() and remove() run inside the commit transaction; the caller then
 * calls settle() after it committed or rollBack() after it failed, which
 * undoes the remembered changes so they match the rows again.
 */
export interface SqliteTimerIndex {
  /** A profile was written with these armed timers (its `rules.timers`). */
  write(
    workspaceId: string,
    profileId: string,
    timers: Readonly<Record<string, number>> | undefined,
  ): void;
  /** The profile was deleted (merged or erased): its timers go too. */
  remove(workspaceId: string, profileId: string): void;
  settle(): void;
  rollBack(): void;
  due(until: number, limit: number): StoredTimer[];
}

/** Per workspace, profile id → the timers JSON its rows were written from ('' when unknown). */
type Known = Map<string, Map<string, string>>;

export function createSqliteTimerIndex(db: Database): SqliteTimerIndex {
  const sql = prepareStatements(db);
  // Read from the table at the first write, not before: a store whose commits are made
  // by another connection (commit-worker.ts) only reads due timers and never holds it.
  let knownProfiles: Known | undefined;
  const known = (): Known =>
    (knownProfiles ??= loadKnown(sql.profilesWithTimers.iterate() as Iterable<[string, string]>));
  /** [workspace, profile, previous value]: how to undo this transaction's changes to `known`. */
  const undo: [string, string, string | undefined][] = [];

  function remember(workspaceId: string, profileId: string, signature: string | undefined) {
    let profiles = known().get(workspaceId);
    undo.push([workspaceId, profileId, profiles?.get(profileId)]);
    if (signature !== undefined) {
      if (!profiles) known().set(workspaceId, (profiles = new Map()));
      profiles.set(profileId, signature);
    } else profiles?.delete(profileId);
  }

  return {
    write(workspaceId, profileId, timers) {
      const previous = known().get(workspaceId)?.get(profileId);
      if (timers === undefined && previous === undefined) return;
      const armed = timers === undefined ? [] : armedTimers(timers);
      const signature = armed.length === 0 ? undefined : JSON.stringify(timers);
      if (signature === previous) return;
      if (previous !== undefined) sql.deleteProfile.run(workspaceId, profileId);
      for (const [ruleId, dueAt] of armed) sql.insert.run(workspaceId, profileId, ruleId, dueAt);
      remember(workspaceId, profileId, signature);
    },
    remove(workspaceId, profileId) {
      if (known().get(workspaceId)?.get(profileId) === undefined) return;
      sql.deleteProfile.run(workspaceId, profileId);
      remember(workspaceId, profileId, undefined);
    },
    settle() {
      undo.length = 0;
    },
    rollBack() {
      for (let i = undo.length - 1; i >= 0; i--) {
        const [workspaceId, profileId, previous] = undo[i] as [string, string, string | undefined];
        let profiles = known().get(workspaceId);
        if (previous === undefined) profiles?.delete(profileId);
        else {
          if (!profiles) known().set(workspaceId, (profiles = new Map()));
          profiles.set(profileId, previous);
        }
      }
      undo.length = 0;
    },
    due(until, limit) {
      const rows = sql.due.all(until, limit) as [string, string, string, number][];
      return rows.map(([workspaceId, profileId, ruleId, dueAt]) => ({
        workspaceId,
        profileId,
        ruleId,
        dueAt,
      }));
    },
  };
}

/** The timers the table indexes: those with a finite due time. */
function armedTimers(timers: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(timers).filter(([, dueAt]) => Number.isFinite(dueAt));
}

function loadKnown(rows: Iterable<[string, string]>): Known {
  const known: Known = new Map();
  for (const [workspaceId, profileId] of rows) {
    let profiles = known.get(workspaceId);
    if (!profiles) known.set(workspaceId, (profiles = new Map()));
    profiles.set(profileId, '');
  }
  return known;
}

function prepareStatements(db: Database) {
  return {
    insert: db.prepare(
      'INSERT INTO profile_timers (workspace, profile_id, rule_id, due_at) VALUES (?, ?, ?, ?)',
    ),
    deleteProfile: db.prepare('DELETE FROM profile_timers WHERE workspace = ? AND profile_id = ?'),
    profilesWithTimers: db
      .prepare('SELECT DISTINCT workspace, profile_id FROM profile_timers')
      .raw(),
    due: db
      .prepare(
        `SELECT workspace, profile_id, rule_id, due_at FROM profile_timers WHERE due_at <= ?
         ORDER BY due_at, workspace, profile_id, rule_id LIMIT ?`,
      )
      .raw(),
  };
}
