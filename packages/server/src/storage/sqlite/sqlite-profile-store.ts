import type { Clock, IdentityKey, ProfileCommit, ProfileState, ProfileStore } from '@onramp/core';
import type { Database } from './database.js';

export interface SqliteProfileStoreOptions {
  /** The database the event log uses too, so state and checkpoints commit together. */
  db: Database;
  clock: Clock;
}

/**
 * Profiles (state as JSON), identity links and processor checkpoints. A commit
 * is one transaction: a crash or a failing statement leaves the previous state
 * and checkpoints as they were, so the processor replays and never double-counts.
 */
export function createSqliteProfileStore(options: SqliteProfileStoreOptions): ProfileStore {
  const { db, clock } = options;
  const sql = prepareStatements(db);
  let closed = false;

  const applyCommit = db.transaction((commit: ProfileCommit, now: number) => {
    for (const { workspaceId, state } of commit.profiles) {
      sql.upsertProfile.run(workspaceId, state.id, JSON.stringify(state), now);
    }
    for (const { workspaceId, identity, profileId } of commit.identities) {
      sql.upsertLink.run(workspaceId, identity, profileId);
    }
    for (const { workspaceId, profileId, mergedInto } of commit.deletedProfiles) {
      sql.deleteProfile.run(workspaceId, profileId);
      if (mergedInto === undefined) sql.unlinkProfile.run(workspaceId, profileId);
      else sql.repointLinks.run(mergedInto, workspaceId, profileId);
    }
    for (const [partition, offset] of commit.checkpoints) {
      sql.upsertCheckpoint.run(partition, offset);
    }
  });

  function assertOpen(): void {
    if (closed) throw new Error('profile store is closed');
  }

  return {
    async resolveIdentities(workspaceId, identities) {
      assertOpen();
      const resolved = new Map<IdentityKey, string>();
      for (const identity of identities) {
        const profileId = sql.resolve.get(workspaceId, identity) as string | undefined;
        if (profileId !== undefined) resolved.set(identity, profileId);
      }
      return resolved;
    },
    async identitiesOf(workspaceId, profileId) {
      assertOpen();
      return sql.identitiesOf.all(workspaceId, profileId) as IdentityKey[];
    },
    async loadProfiles(workspaceId, profileIds) {
      assertOpen();
      const loaded = new Map<string, ProfileState>();
      for (const profileId of profileIds) {
        const json = sql.load.get(workspaceId, profileId) as string | undefined;
        if (json !== undefined) loaded.set(profileId, JSON.parse(json) as ProfileState);
      }
      return loaded;
    },
    async commit(commit) {
      assertOpen();
      applyCommit.immediate(commit, clock.now());
    },
    async loadCheckpoints() {
      assertOpen();
      const rows = sql.checkpoints.all() as [number, number][];
      return new Map(rows);
    },
    async countProfiles(workspaceId) {
      assertOpen();
      return sql.count.get(workspaceId) as number;
    },
    async close() {
      closed = true;
    },
  };
}

function prepareStatements(db: Database) {
  return {
    upsertProfile: db.prepare(
      `INSERT INTO profiles (workspace, profile_id, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace, profile_id)
       DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
    upsertLink: db.prepare(
      `INSERT INTO identities (workspace, identity, profile_id) VALUES (?, ?, ?)
       ON CONFLICT (workspace, identity) DO UPDATE SET profile_id = excluded.profile_id`,
    ),
    deleteProfile: db.prepare('DELETE FROM profiles WHERE workspace = ? AND profile_id = ?'),
    unlinkProfile: db.prepare('DELETE FROM identities WHERE workspace = ? AND profile_id = ?'),
    repointLinks: db.prepare(
      'UPDATE identities SET profile_id = ? WHERE workspace = ? AND profile_id = ?',
    ),
    upsertCheckpoint: db.prepare(
      `INSERT INTO checkpoints (log_partition, log_offset) VALUES (?, ?)
       ON CONFLICT (log_partition) DO UPDATE SET log_offset = excluded.log_offset`,
    ),
    resolve: db
      .prepare('SELECT profile_id FROM identities WHERE workspace = ? AND identity = ?')
      .pluck(),
    identitiesOf: db
      .prepare(
        'SELECT identity FROM identities WHERE workspace = ? AND profile_id = ? ORDER BY identity',
      )
      .pluck(),
    load: db.prepare('SELECT state FROM profiles WHERE workspace = ? AND profile_id = ?').pluck(),
    checkpoints: db.prepare('SELECT log_partition, log_offset FROM checkpoints').raw(),
    count: db.prepare('SELECT count(*) FROM profiles WHERE workspace = ?').pluck(),
  };
}
