import { checkPage, checkSegmentSizes, lastMembershipWrites } from '@onramp/core';
import type {
  Clock,
  IdentityKey,
  MembershipWrite,
  ProfileCommit,
  ProfileWrite,
  ProfileState,
  ProfileStore,
  QueuedMessage,
  RuleFiring,
  SegmentSize,
} from '@onramp/core';
import type { Database } from './database.js';
import type { CommitWorker } from './commit-worker.js';
import type { UnsyncedCommits } from './wal-sync.js';
import { createProfileStaging } from './sqlite-profile-staging.js';
import { createSqliteTimerIndex } from './sqlite-timer-index.js';
import { createSqliteExperimentIndex } from './sqlite-experiment-index.js';
import { createV8ProfileEncoder, decodeProfiles } from './v8-profile-encoding.js';

export interface SqliteProfileStoreOptions {
  /** The database the event log uses too, so state and checkpoints commit together. */
  db: Database;
  clock: Clock;
  /**
   * Profiles staged per transaction (default 200): a commit with more is written
   * in slices, each its own short transaction, with a turn of the event loop in
   * between, then made visible by one final transaction.
   */
  sliceProfiles?: number;
  /** Awaited between slices (default: one setImmediate turn); tests use it to act mid-commit. */
  betweenSlices?: () => Promise<void>;
  /**
   * Commits made without a sync (durability full, file databases). A commit's states are
   * rebuilt from the log if it is lost, and the log's own acknowledged commits are synced
   * (wal-sync.ts), so a profile commit need not wait for the disk.
   */
  unsynced?: UnsyncedCommits;
  /**
   * Makes the commits on a worker thread's own connection (commit-worker.ts) while
   * it is available; reads stay on `db`. File databases only.
   */
  committer?: CommitWorker;
}

/** Per workspace, segment → how much its member count moved in this commit. */
type CountChanges = Map<string, Map<string, number>>;

/**
 * Profiles (state as JSON), identity links, processor checkpoints, what the
 * rules keep (the firing log, the message outbox and the armed timers) and the
 * segments' members, member counts and size samples.
 *
 * A commit is atomic without blocking the event loop for long: its profile rows
 * are first staged, a slice per short transaction, into a TEMP table (in memory,
 * private to this connection: no journal, no fsync, gone after a crash), with a
 * turn of the event loop between slices so log appends and requests go on. One
 * final transaction then moves the staged rows into `profiles` in SQL (no
 * JavaScript per row) together with everything else and the checkpoints. A commit
 * that fits one slice (every commit on the commit worker, whose store has no slice
 * limit) skips the staging: its rows go straight into `profiles` in the final
 * transaction. Until it commits, readers and a crash see the previous commit whole;
 * a failing statement rolls it back. Commits run one at a time, in call order.
 */
export function createSqliteProfileStore(options: SqliteProfileStoreOptions): ProfileStore {
  const { db, clock } = options;
  const sliceProfiles = Math.max(1, Math.floor(options.sliceProfiles ?? 100));
  const betweenSlices = options.betweenSlices ?? (() => new Promise<void>(setImmediate));
  const staging = createProfileStaging(db);
  const sql = prepareStatements(db);
  // Reads its table at the first write here: with a committer, once the worker stopped.
  const timers = createSqliteTimerIndex(db);
  const experiments = createSqliteExperimentIndex(db);
  let closed = false;
  let committing: Promise<unknown> = Promise.resolve();

  // Order: profiles, links, firings, messages, memberships, deletions (firings of
  // a merged profile follow it, an erased one's go, memberships of both go), member
  // counts, checkpoints. `staged` profiles are in the staging table already.
  const applyCommit = db.transaction(
    (commit: ProfileCommit, profiles: readonly ProfileWrite[], staged: number, now: number) => {
      const counts: CountChanges = new Map();
      staging.stageRestAndMove(profiles, staged, now);
      for (const { workspaceId, profileId, timers: armed, experiments: exposed } of profiles) {
        timers.write(workspaceId, profileId, armed);
        experiments.write(workspaceId, profileId, exposed);
      }
      for (const { workspaceId, identity, profileId } of commit.identities) {
        sql.upsertLink.run(workspaceId, identity, profileId);
      }
      for (const { workspaceId, firing } of commit.firings ?? []) appendFiring(workspaceId, firing);
      for (const { workspaceId, message } of commit.messages ?? [])
        queue(workspaceId, message, now);
      if (commit.memberships !== undefined && commit.memberships.length > 0) {
        writeMemberships(lastMembershipWrites(commit.memberships), counts);
      }
      for (const { workspaceId, profileId, mergedInto } of commit.deletedProfiles) {
        sql.deleteProfile.run(workspaceId, profileId);
        timers.remove(workspaceId, profileId);
        experiments.remove(workspaceId, profileId);
        for (const segment of sql.deleteMemberships.all(workspaceId, profileId) as string[]) {
          count(counts, workspaceId, segment, -1);
        }
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
      if (counts.size > 0) applyCounts(counts);
      for (const [partition, offset] of commit.checkpoints) {
        sql.upsertCheckpoint.run(partition, offset);
      }
    },
  );

  /** Counts move only when a row really went in or out: writes are idempotent. */
  function writeMemberships(writes: readonly MembershipWrite[], counts: CountChanges): void {
    for (const { workspaceId, profileId, segment, member, at } of writes) {
      const changed = member
        ? sql.enterSegment.run(workspaceId, segment, profileId, at).changes
        : sql.leaveSegment.run(workspaceId, segment, profileId).changes;
      if (changed > 0) count(counts, workspaceId, segment, member ? 1 : -1);
    }
  }

  function applyCounts(counts: CountChanges): void {
    for (const [workspaceId, segments] of counts) {
      for (const [segment, change] of segments) {
        // An upsert of a negative size would fail the CHECK before its conflict
        // turned it into an update; a member that leaves always has a count row.
        if (change > 0) sql.addToCount.run(workspaceId, segment, change);
        else if (change < 0) sql.subtractFromCount.run(-change, workspaceId, segment);
      }
    }
  }

  const recordSizes = db.transaction(
    (workspaceId: string, at: number, sizes: ReadonlyMap<string, number>) => {
      for (const [segment, size] of sizes) sql.recordSize.run(workspaceId, segment, at, size);
    },
  );

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

  /** Stages all slices but the last, yielding after each, then applies the commit. */
  async function write(commit: ProfileCommit): Promise<void> {
    assertOpen();
    const committer = options.committer;
    // Once the worker stopped or failed, this connection commits from then on.
    if (committer?.available) return committer.commit(commit, clock.now());
    let staged = 0;
    try {
      const profiles =
        commit.encodedProfiles === undefined
          ? commit.profiles
          : commit.profiles.concat(decodeProfiles(commit.encodedProfiles));
      staging.clear(); // what a failed commit of this connection may have left
      while (profiles.length - staged > sliceProfiles) {
        staging.stageSlice(profiles, staged, staged + sliceProfiles);
        staged += sliceProfiles;
        await betweenSlices();
        assertOpen();
      }
      const now = clock.now();
      if (options.unsynced === undefined) applyCommit.immediate(commit, profiles, staged, now);
      else options.unsynced.run(() => applyCommit.immediate(commit, profiles, staged, now));
    } catch (error) {
      timers.rollBack();
      // Best effort: the next commit clears the staging table first anyway.
      if (db.open && !db.inTransaction) staging.clear();
      throw error;
    }
    timers.settle();
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
    // States for the worker go in one buffer it takes without a copy (v8-profile-encoding.ts).
    profileEncoder: () => (options.committer?.available ? createV8ProfileEncoder() : undefined),
    commit(commit) {
      const run = committing.then(() => write(commit));
      committing = run.catch(() => undefined);
      return run;
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
    async scanProfiles(workspaceId, { after, limit }) {
      assertOpen();
      checkPage(limit, undefined);
      const rows = (
        after === undefined
          ? sql.scanFirst.all(workspaceId, limit)
          : sql.scanAfter.all(workspaceId, after, limit)
      ) as string[];
      return rows.map((json) => JSON.parse(json) as ProfileState);
    },
    async experimentTotals(workspaceId, experimentId) {
      assertOpen();
      return experiments.totals(workspaceId, experimentId);
    },
    async membership(workspaceId, segment, profileId) {
      assertOpen();
      const since = sql.membership.get(workspaceId, segment, profileId) as number | undefined;
      return since === undefined ? undefined : { profileId, since };
    },
    async listMembers(workspaceId, segment, { after, limit }) {
      assertOpen();
      checkPage(limit, undefined);
      const rows = (
        after === undefined
          ? sql.membersFirst.all(workspaceId, segment, limit)
          : sql.membersAfter.all(workspaceId, segment, after, limit)
      ) as [string, number][];
      return rows.map(([profileId, since]) => ({ profileId, since }));
    },
    async countMembers(workspaceId) {
      assertOpen();
      return new Map(sql.memberCounts.all(workspaceId) as [string, number][]);
    },
    async recordSegmentSizes(workspaceId, at, sizes) {
      assertOpen();
      checkSegmentSizes(at, sizes);
      recordSizes.immediate(workspaceId, at, sizes);
    },
    async segmentSizes(workspaceId, segment, { from, to, limit }) {
      assertOpen();
      checkPage(limit, from);
      checkPage(limit, to);
      const rows = sql.sizes.all(workspaceId, segment, from, to, limit) as [number, number][];
      return rows.map(([at, size]): SegmentSize => ({ at, size }));
    },
    async close() {
      closed = true;
    },
  };
}

function count(counts: CountChanges, workspaceId: string, segment: string, change: number): void {
  let segments = counts.get(workspaceId);
  if (!segments) counts.set(workspaceId, (segments = new Map()));
  segments.set(segment, (segments.get(segment) ?? 0) + change);
}

function prepareStatements(db: Database) {
  return {
    ...prepareSegmentStatements(db),
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

function prepareSegmentStatements(db: Database) {
  return {
    enterSegment: db.prepare(
      `INSERT INTO segment_members (workspace, segment, profile_id, since) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace, segment, profile_id) DO NOTHING`,
    ),
    leaveSegment: db.prepare(
      'DELETE FROM segment_members WHERE workspace = ? AND segment = ? AND profile_id = ?',
    ),
    deleteMemberships: db
      .prepare(
        'DELETE FROM segment_members WHERE workspace = ? AND profile_id = ? RETURNING segment',
      )
      .pluck(),
    addToCount: db.prepare(
      `INSERT INTO segment_counts (workspace, segment, size) VALUES (?, ?, ?)
       ON CONFLICT (workspace, segment) DO UPDATE SET size = size + excluded.size`,
    ),
    subtractFromCount: db.prepare(
      'UPDATE segment_counts SET size = size - ? WHERE workspace = ? AND segment = ?',
    ),
    membership: db
      .prepare(
        'SELECT since FROM segment_members WHERE workspace = ? AND segment = ? AND profile_id = ?',
      )
      .pluck(),
    membersFirst: db
      .prepare(
        `SELECT profile_id, since FROM segment_members WHERE workspace = ? AND segment = ?
         ORDER BY profile_id LIMIT ?`,
      )
      .raw(),
    membersAfter: db
      .prepare(
        `SELECT profile_id, since FROM segment_members
         WHERE workspace = ? AND segment = ? AND profile_id > ? ORDER BY profile_id LIMIT ?`,
      )
      .raw(),
    memberCounts: db
      .prepare('SELECT segment, size FROM segment_counts WHERE workspace = ? AND size > 0')
      .raw(),
    recordSize: db.prepare(
      `INSERT INTO segment_sizes (workspace, segment, at, size) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace, segment, at) DO UPDATE SET size = excluded.size`,
    ),
    sizes: db
      .prepare(
        `SELECT at, size FROM segment_sizes WHERE workspace = ? AND segment = ? AND at >= ?
         AND at < ? ORDER BY at LIMIT ?`,
      )
      .raw(),
    scanFirst: db
      .prepare('SELECT state FROM profiles WHERE workspace = ? ORDER BY profile_id LIMIT ?')
      .pluck(),
    scanAfter: db
      .prepare(
        `SELECT state FROM profiles WHERE workspace = ? AND profile_id > ?
         ORDER BY profile_id LIMIT ?`,
      )
      .pluck(),
  };
}
