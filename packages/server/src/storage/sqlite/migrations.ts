import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as an append-only list: never edit a released migration, add one.
 * Column names avoid SQL keywords (`offset`, `partition`).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'event log, profiles, dead letters, workspaces',
    sql: `
      -- Offsets are the rowid: they increase within a partition but are not dense.
      CREATE TABLE events (
        log_offset INTEGER PRIMARY KEY,
        log_partition INTEGER NOT NULL,
        workspace TEXT NOT NULL,
        identity TEXT NOT NULL,
        message_id TEXT NOT NULL,
        -- When the log received it (its clock, at commit): the de-duplication
        -- index is rebuilt from (workspace, message_id, received_at) at start-up.
        received_at INTEGER NOT NULL,
        event TEXT NOT NULL
      );
      -- An index ends with the rowid: this one serves (partition, offset) reads.
      CREATE INDEX events_by_partition ON events (log_partition);

      -- The events of each identity, written in bulk (see sqlite-identity-index.ts).
      -- identity_key is a 53-bit hash of (workspace, identity); readers confirm both.
      CREATE TABLE event_identities (
        identity_key INTEGER NOT NULL,
        log_offset INTEGER NOT NULL,
        PRIMARY KEY (identity_key, log_offset)
      ) WITHOUT ROWID;

      CREATE TABLE log_settings (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE profiles (
        workspace TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (workspace, profile_id)
      ) WITHOUT ROWID;

      CREATE TABLE identities (
        workspace TEXT NOT NULL,
        identity TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        PRIMARY KEY (workspace, identity)
      ) WITHOUT ROWID;
      CREATE INDEX identities_by_profile ON identities (workspace, profile_id);

      CREATE TABLE checkpoints (
        log_partition INTEGER PRIMARY KEY CHECK (log_partition >= 0),
        log_offset INTEGER NOT NULL CHECK (typeof(log_offset) = 'integer' AND log_offset >= 0)
      );

      CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        errors TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX dead_letters_by_workspace ON dead_letters (workspace);

      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        write_key TEXT NOT NULL UNIQUE,
        admin_key TEXT NOT NULL UNIQUE,
        identity_secret TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'rule firings, message outbox, profile timers, rule config versions',
    sql: `
      -- The firing log. Ids increase in commit order; an index ends with the
      -- rowid, so this one serves a profile's firings newest first.
      CREATE TABLE rule_firings (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        rule_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        firing TEXT NOT NULL
      );
      CREATE INDEX rule_firings_by_profile ON rule_firings (workspace, profile_id);

      -- Messages queued by rules, in queue order; a message id is queued once.
      CREATE TABLE message_outbox (
        seq INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        message_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        message TEXT NOT NULL,
        UNIQUE (workspace, message_id)
      );
      CREATE INDEX message_outbox_by_workspace ON message_outbox (workspace);

      -- Armed time triggers, copied from each profile's state.rules.timers at commit.
      -- The due_at index ends with the key, so due timers come out fully ordered.
      CREATE TABLE profile_timers (
        workspace TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        PRIMARY KEY (workspace, profile_id, rule_id)
      ) WITHOUT ROWID;
      CREATE INDEX profile_timers_by_due ON profile_timers (due_at);

      CREATE TABLE rule_config_versions (
        workspace TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1),
        created_at INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('file', 'api')),
        file_digest TEXT,
        note TEXT,
        -- { rules, settings }
        config TEXT NOT NULL,
        PRIMARY KEY (workspace, version)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'outbox by profile (erasure and merges)',
    sql: `
      CREATE INDEX message_outbox_by_profile ON message_outbox (workspace, profile_id);
    `,
  },
  {
    version: 4,
    name: 'segment members, counts and size samples; clustering runs',
    sql: `
      -- Who is in each segment (or cohort band), written by profile commits.
      CREATE TABLE segment_members (
        workspace TEXT NOT NULL,
        segment TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (workspace, segment, profile_id)
      ) WITHOUT ROWID;
      -- A deleted (merged or erased) profile's rows, without a scan.
      CREATE INDEX segment_members_by_profile ON segment_members (workspace, profile_id);

      -- Member counts, kept in step with segment_members by the same commit.
      CREATE TABLE segment_counts (
        workspace TEXT NOT NULL,
        segment TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        PRIMARY KEY (workspace, segment)
      ) WITHOUT ROWID;

      -- Size samples; the key serves a segment's samples by time range.
      CREATE TABLE segment_sizes (
        workspace TEXT NOT NULL,
        segment TEXT NOT NULL,
        at INTEGER NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        PRIMARY KEY (workspace, segment, at)
      ) WITHOUT ROWID;

      -- Runs of clustering jobs, append-only; the run as JSON.
      CREATE TABLE cluster_runs (
        workspace TEXT NOT NULL,
        clustering_id TEXT NOT NULL,
        run INTEGER NOT NULL CHECK (typeof(run) = 'integer' AND run >= 1),
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        -- 1 when the run trained a model (latestModel reads only those).
        has_model INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (workspace, clustering_id, run)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'profiles as a rowid table',
    sql: `
      -- A profile's state is ~1-2 KB of JSON: too large for a WITHOUT ROWID table,
      -- whose rows overflow a 4 KB page beyond ~1 KB. As a rowid table the flush
      -- writes it 2-5x faster (measured: 1 000 upserts 4 ms instead of 9-20 ms),
      -- and the flush's final move of staged rows is that fast too.
      CREATE TABLE profiles_by_rowid (
        workspace TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      INSERT INTO profiles_by_rowid (workspace, profile_id, state, updated_at)
        SELECT workspace, profile_id, state, updated_at FROM profiles
        ORDER BY workspace, profile_id;
      DROP TABLE profiles;
      ALTER TABLE profiles_by_rowid RENAME TO profiles;
      CREATE UNIQUE INDEX profiles_by_id ON profiles (workspace, profile_id);
    `,
  },
  {
    version: 6,
    name: 'experiment units and totals',
    sql: `
      -- What each committed profile adds to the experiments it was exposed to: its
      -- variant and metric values (JSON), written by profile commits.
      CREATE TABLE IF NOT EXISTS experiment_units (
        workspace TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        experiment TEXT NOT NULL,
        variant TEXT NOT NULL,
        metrics TEXT NOT NULL,
        PRIMARY KEY (workspace, profile_id, experiment)
      ) WITHOUT ROWID;

      -- Per experiment, variant and metric: the sum and sum of squares of the units'
      -- values (metric '': the number of users), kept in step by the same commit.
      CREATE TABLE IF NOT EXISTS experiment_totals (
        workspace TEXT NOT NULL,
        experiment TEXT NOT NULL,
        variant TEXT NOT NULL,
        metric TEXT NOT NULL,
        sum REAL NOT NULL,
        sum_sq REAL NOT NULL,
        PRIMARY KEY (workspace, experiment, variant, metric)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'the event log in its own file',
    sql: `
      -- The log's tables now live in the attached schema \`log\` (its own file, see
      -- database.ts and decision 30); openDatabase copied their rows there first.
      DROP TABLE IF EXISTS main.events;
      DROP TABLE IF EXISTS main.event_identities;
      DROP TABLE IF EXISTS main.log_settings;
    `,
  },
];

/**
 * The event log's schema, in the attached database \`log\` (its own file): the
 * tables of migration 1, created when missing. Its own file has its own write lock
 * and WAL, so appends never wait for a profile commit of another connection.
 */
export const eventLogSchema = `
  CREATE TABLE IF NOT EXISTS log.events (
    log_offset INTEGER PRIMARY KEY,
    log_partition INTEGER NOT NULL,
    workspace TEXT NOT NULL,
    identity TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS log.events_by_partition ON events (log_partition);
  CREATE TABLE IF NOT EXISTS log.event_identities (
    identity_key INTEGER NOT NULL,
    log_offset INTEGER NOT NULL,
    PRIMARY KEY (identity_key, log_offset)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS log.log_settings (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * A database written before migration 7 holds the log in its main file: copies those
 * rows into \`log\` in a transaction that writes the log file only, so the copy is
 * committed before migration 7 drops the originals (a transaction over two WAL files
 * is atomic per file only). Run again after a crash in between, it copies nothing twice.
 */
export function moveEventLogRows(db: Database): void {
  const inMain = db
    .prepare("SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'events'")
    .pluck();
  if ((inMain.get() as number) === 0) return;
  db.transaction(() => {
    db.exec(`
      INSERT OR IGNORE INTO log.events SELECT * FROM main.events;
      INSERT OR IGNORE INTO log.event_identities SELECT * FROM main.event_identities;
      INSERT OR IGNORE INTO log.log_settings SELECT * FROM main.log_settings;
    `);
  })();
}

/**
 * Applies the migrations the database lacks, each in its own transaction, and
 * returns the schema version. Refuses a database written by a newer Onramp.
 */
export function migrate(db: Database, list: readonly Migration[] = migrations): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const currentVersion = db.prepare('SELECT coalesce(max(version), 0) FROM schema_version').pluck();
  const record = db.prepare(
    'INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const ordered = [...list].sort((a, b) => a.version - b.version);
  const latest = ordered.at(-1)?.version ?? 0;
  const found = currentVersion.get() as number;
  if (found > latest) {
    throw new Error(`database schema version ${found} is newer than this Onramp's (${latest})`);
  }
  for (const migration of ordered) {
    // Checked again inside the write lock, in case another process migrated meanwhile.
    db.transaction(() => {
      if ((currentVersion.get() as number) >= migration.version) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
  return currentVersion.get() as number;
}
