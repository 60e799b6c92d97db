import { checkPage, RuleVersionConflictError } from '@onramp/core';
import type { RuleConfigStore, RuleConfigVersion } from '@onramp/core';
import type { Database } from './database.js';

export interface SqliteRuleConfigStoreOptions {
  db: Database;
}

type VersionRow = [
  workspace: string,
  version: number,
  createdAt: number,
  source: RuleConfigVersion['source'],
  fileDigest: string | null,
  note: string | null,
  config: string,
];

/**
 * Each workspace's rule config history, append-only. An append reads the latest
 * version and inserts the next one in one write transaction, so of two
 * concurrent appends of the same version exactly one succeeds.
 */
export function createSqliteRuleConfigStore(
  options: SqliteRuleConfigStoreOptions,
): RuleConfigStore {
  const { db } = options;
  const sql = prepareStatements(db);
  const appendVersion = db.transaction((version: RuleConfigVersion) => {
    const current = (sql.latestVersion.get(version.workspaceId) as number | null) ?? 0;
    if (version.version !== current + 1) {
      throw new RuleVersionConflictError(version.version - 1, current);
    }
    sql.insert.run(
      version.workspaceId,
      version.version,
      version.createdAt,
      version.source,
      version.fileDigest ?? null,
      version.note ?? null,
      JSON.stringify({
        rules: version.rules,
        settings: version.settings,
        segments: version.segments ?? [],
        cohorts: version.cohorts ?? [],
        clusterings: version.clusterings ?? [],
        // Absent when empty, so versions without content are stored as before.
        ...decidePartsOf(version),
      }),
    );
  });
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('rule config store is closed');
  }

  return {
    async latest(workspaceId) {
      assertOpen();
      return toVersion(sql.latest.get(workspaceId) as VersionRow | undefined);
    },
    async get(workspaceId, version) {
      assertOpen();
      return toVersion(sql.get.get(workspaceId, version) as VersionRow | undefined);
    },
    async list(workspaceId, { before, limit }) {
      assertOpen();
      checkPage(limit, before);
      const rows = sql.page.all(workspaceId, before ?? Infinity, limit) as VersionRow[];
      return rows.map((row) => toVersion(row) as RuleConfigVersion);
    },
    async append(version) {
      assertOpen();
      appendVersion.immediate(version);
    },
    async close() {
      closed = true;
    },
  };
}

function toVersion(row: VersionRow | undefined): RuleConfigVersion | undefined {
  if (!row) return undefined;
  const [workspaceId, version, createdAt, source, fileDigest, note, json] = row;
  const config = JSON.parse(json) as Pick<
    RuleConfigVersion,
    | 'rules'
    | 'settings'
    | 'segments'
    | 'cohorts'
    | 'clusterings'
    | 'content'
    | 'placements'
    | 'flows'
    | 'contentSettings'
    | 'flags'
    | 'experiments'
  >;
  return {
    workspaceId,
    version,
    rules: config.rules,
    settings: config.settings,
    // Versions stored before segments existed have none.
    segments: config.segments ?? [],
    cohorts: config.cohorts ?? [],
    clusterings: config.clusterings ?? [],
    // Versions stored before content existed have none (and the default content settings).
    content: config.content ?? [],
    placements: config.placements ?? [],
    flows: config.flows ?? [],
    ...(config.contentSettings !== undefined && { contentSettings: config.contentSettings }),
    // Stored only when there are some: absent means none.
    ...(config.flags !== undefined && { flags: config.flags }),
    ...(config.experiments !== undefined && { experiments: config.experiments }),
    createdAt,
    source,
    ...(fileDigest !== null && { fileDigest }),
    ...(note !== null && { note }),
  };
}

/** Content, placements, flows, content settings, flags and experiments of a version, the empty ones left out. */
function decidePartsOf(version: RuleConfigVersion): Partial<RuleConfigVersion> {
  const { content = [], placements = [], flows = [], contentSettings, flags = [] } = version;
  const { experiments = [] } = version;
  return {
    ...(flags.length > 0 && { flags }),
    ...(experiments.length > 0 && { experiments }),
    ...(content.length > 0 && { content }),
    ...(placements.length > 0 && { placements }),
    ...(flows.length > 0 && { flows }),
    ...(contentSettings !== undefined && { contentSettings }),
  };
}

function prepareStatements(db: Database) {
  const columns = 'workspace, version, created_at, source, file_digest, note, config';
  return {
    latestVersion: db
      .prepare('SELECT max(version) FROM rule_config_versions WHERE workspace = ?')
      .pluck(),
    latest: db
      .prepare(
        `SELECT ${columns} FROM rule_config_versions WHERE workspace = ?
         ORDER BY version DESC LIMIT 1`,
      )
      .raw(),
    get: db
      .prepare(`SELECT ${columns} FROM rule_config_versions WHERE workspace = ? AND version = ?`)
      .raw(),
    page: db
      .prepare(
        `SELECT ${columns} FROM rule_config_versions WHERE workspace = ? AND version < ?
         ORDER BY version DESC LIMIT ?`,
      )
      .raw(),
    insert: db.prepare(
      `INSERT INTO rule_config_versions (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}
