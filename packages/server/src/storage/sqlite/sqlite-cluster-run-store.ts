import { checkPage } from '@onramp/core';
import type { ClusterRun, ClusterRunStore } from '@onramp/core';
import type { Database } from './database.js';

export interface SqliteClusterRunStoreOptions {
  db: Database;
}

/**
 * Runs of clustering jobs, append-only, each as JSON with its key, status and
 * times in columns. An append reads the job's latest run and inserts the next
 * in one write transaction, so of two runs stored under the same number (two
 * runs started at once) exactly one succeeds.
 */
export function createSqliteClusterRunStore(
  options: SqliteClusterRunStoreOptions,
): ClusterRunStore {
  const { db } = options;
  const sql = prepareStatements(db);
  const appendRun = db.transaction((run: ClusterRun) => {
    const latest = (sql.latestRun.get(run.workspaceId, run.clusteringId) as number | null) ?? 0;
    if (run.run <= latest) {
      throw new Error(
        `run ${run.run} of clustering ${run.clusteringId} is not after the latest run (${latest})`,
      );
    }
    sql.insert.run(
      run.workspaceId,
      run.clusteringId,
      run.run,
      run.status,
      run.status === 'done' && run.model !== undefined ? 1 : 0,
      run.startedAt,
      run.finishedAt,
      JSON.stringify(run),
    );
  });
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('cluster run store is closed');
  }

  return {
    async append(run) {
      assertOpen();
      // As the memory store: a RangeError before the CHECK constraint would refuse it.
      if (!Number.isSafeInteger(run.run) || run.run < 1) {
        throw new RangeError(`invalid run number ${run.run} of clustering ${run.clusteringId}`);
      }
      appendRun.immediate(run);
    },
    async latest(workspaceId, clusteringId) {
      assertOpen();
      return toRun(sql.latest.get(workspaceId, clusteringId) as string | undefined);
    },
    async latestModel(workspaceId, clusteringId) {
      assertOpen();
      return toRun(sql.latestModel.get(workspaceId, clusteringId) as string | undefined);
    },
    async get(workspaceId, clusteringId, run) {
      assertOpen();
      return toRun(sql.get.get(workspaceId, clusteringId, run) as string | undefined);
    },
    async list(workspaceId, clusteringId, { before, limit }) {
      assertOpen();
      checkPage(limit, before);
      const rows = sql.page.all(workspaceId, clusteringId, before ?? Infinity, limit) as string[];
      return rows.map((json) => toRun(json) as ClusterRun);
    },
    async close() {
      closed = true;
    },
  };
}

function toRun(json: string | undefined): ClusterRun | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as ClusterRun);
}

function prepareStatements(db: Database) {
  const key = 'workspace = ? AND clustering_id = ?';
  return {
    latestRun: db.prepare(`SELECT max(run) FROM cluster_runs WHERE ${key}`).pluck(),
    latest: db
      .prepare(`SELECT body FROM cluster_runs WHERE ${key} ORDER BY run DESC LIMIT 1`)
      .pluck(),
    latestModel: db
      .prepare(
        `SELECT body FROM cluster_runs WHERE ${key} AND has_model = 1 ORDER BY run DESC LIMIT 1`,
      )
      .pluck(),
    get: db.prepare(`SELECT body FROM cluster_runs WHERE ${key} AND run = ?`).pluck(),
    page: db
      .prepare(`SELECT body FROM cluster_runs WHERE ${key} AND run < ? ORDER BY run DESC LIMIT ?`)
      .pluck(),
    insert: db.prepare(
      `INSERT INTO cluster_runs
       (workspace, clustering_id, run, status, has_model, started_at, finished_at, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}
