import { checkPage } from '@onramp/core';
import type {
  Clock,
  IdentityKey,
  ProfileCommit,
  ProfileState,
  ProfileStore,
  QueuedMessage,
  RuleFiring,
} from '@onramp/core';
import type { Database } from './database.js';
import { createSqliteTimerIndex } from './sqlite-timer-index.js';

export interface SqliteProfileStoreOptions {
  /** The database the event log uses too, so state and checkpoints commit together. */
  db: Database;
  clock: Clock;
}

/**
 * Profiles (state as JSON), identity links, processor checkpoints, and what the
 * rules keep: the firing log, the message outbox and the armed timers. A commit
 * is one transaction: a crash or a failing statement leaves the previous state
 * and checkpoints as they were, so the processor replays and never double-counts.
 */
export function createSqliteProfileStore(options: SqliteProfileStoreOptions): ProfileStore {
  const { db, clock } = options;
  const sql = prepareStatements(db);
  const timers = createSqliteTimerIndex(db);
  let closed = false;

  // Order: profiles, links, firings, messages, deletions (firings of a merged
  // profile follow it, an erased one's go), checkpoints.
  const applyCommit = db.transaction((commit: ProfileCommit, now: number) => {
    for (const { workspaceId, state } of commit.profiles) {
      sql.upsertProfile.run(workspaceId, state.id, JSON.stringify(state), now);
      timers.write(workspaceId, state);
    }
    for (const { workspaceId, identity, profileId } of commit.identities) {
      sql.upsertLink.run(workspaceId, identity, profileId);
    }
    for (const { workspaceId, firing } of commit.firings ?? []) appendFiring(workspaceId, firing);
    for (const { workspaceId, message } of commit.messages ?? []) queue(workspaceId, message, now);
    for (const { workspaceId, profileId, mergedInto } of commit.deletedProfiles) {
      sql.deleteProfile.run(workspaceId, profileId);
      timers.remove(workspaceId, profileId);
      if (mergedInto === undefined) {
        sql.unlinkProfile.run(workspaceId, profileId);
        sql.deleteFirings.run(workspaceId, profileId);
        sql.deleteMessages.run(workspaceId, profileId);
      } else {
        sql.repointLinks.run(mergedInto, workspaceId, profileId);
        sql.repointFirings.run(mergedInto, workspaceId, profileId);
        sql.repointMessages.run(mergedInto, mergedInto, workspaceId, profileId);
      }
    }
    for (const [partition, offset] of commit.checkpoints) {
      sql.upsertCheckpoint.run(partition, offset);
    }
  });

  function appendFiring(workspaceId: string, firing: RuleFiring): void {
    const { profileId, at, ruleId, version } = firing;
    sql.insertFiring.run(workspaceId, profileId, at, ruleId, version, JSON.stringify(firing));
  }

  function queue(workspaceId: string, message: QueuedMessage, now: number): void {
    sql.queueMessage.run(workspaceId, message.id, message.profileId, now, JSON.stringify(message));
  }

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
      try {
        applyCommit.immediate(commit, clock.now());
      } catch (error) {
        timers.rollBack();
        throw error;
      }
      timers.settle();
    },
    async listFirings(workspaceId, profileId, { before, limit }) {
      assertOpen();
      checkPage(limit, before);
      const rows = sql.firings.all(workspaceId, profileId, before ?? Infinity, limit);
      return (rows as [number, string][]).map(([id, json]) => ({
        id,
        firing: JSON.parse(json) as RuleFiring,
      }));
    },
    async listMessages(workspaceId, { after, limit }) {
      assertOpen();
      checkPage(limit, after);
      const rows = sql.messages.all(workspaceId, after ?? -Infinity, limit);
      return (rows as [number, string][]).map(([seq, json]) => ({
        seq,
        message: JSON.parse(json) as QueuedMessage,
      }));
    },
    async dueTimers(until, limit) {
      assertOpen();
      checkPage(limit, until);
      return timers.due(until, limit);
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
    insertFiring: db.prepare(
      `INSERT INTO rule_firings (workspace, profile_id, at, rule_id, version, firing)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    deleteFirings: db.prepare('DELETE FROM rule_firings WHERE workspace = ? AND profile_id = ?'),
    deleteMessages: db.prepare('DELETE FROM message_outbox WHERE workspace = ? AND profile_id = ?'),
    repointMessages: db.prepare(
      `UPDATE message_outbox SET profile_id = ?, message = json_set(message, '$.profileId', ?)
       WHERE workspace = ? AND profile_id = ?`,
    ),
    repointFirings: db.prepare(
      'UPDATE rule_firings SET profile_id = ? WHERE workspace = ? AND profile_id = ?',
    ),
    queueMessage: db.prepare(
      `INSERT INTO message_outbox (workspace, message_id, profile_id, queued_at, message)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace, message_id) DO NOTHING`,
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
    firings: db
      .prepare(
        `SELECT id, firing FROM rule_firings WHERE workspace = ? AND profile_id = ? AND id < ?
         ORDER BY id DESC LIMIT ?`,
      )
      .raw(),
    messages: db
      .prepare(
        `SELECT seq, message FROM message_outbox WHERE workspace = ? AND seq > ?
         ORDER BY seq LIMIT ?`,
      )
      .raw(),
    checkpoints: db.prepare('SELECT log_partition, log_offset FROM checkpoints').raw(),
    count: db.prepare('SELECT count(*) FROM profiles WHERE workspace = ?').pluck(),
  };
}
