import type { ExperimentContributions, ExperimentTotals, MetricTotals } from '@onramp/core';
import type { Database } from './database.js';

/**
 * The experiment_units and experiment_totals rows, kept in step with each committed
 * profile's exposed experiment assignments (ProfileWrite.experiments): writing a
 * profile replaces its units, subtracting the old values from the totals and adding
 * the new ones; deleting a profile (merged or erased) removes its units and values.
 * The totals are thus a function of the committed states, whatever was replayed
 * (docs/decisions/0027-experiment-metrics.md). Runs inside the commit transaction.
 */
export interface SqliteExperimentIndex {
  write(
    workspaceId: string,
    profileId: string,
    contributions: ExperimentContributions | undefined,
  ): void;
  remove(workspaceId: string, profileId: string): void;
  totals(workspaceId: string, experimentId: string): ExperimentTotals;
}

/** The users count of a variant is kept under this metric id (ids are never empty). */
const USERS = '';
/** Never a metric id (the compiler refuses them); never written as a key either. */
const unsafe = new Set(['__proto__', 'constructor', 'prototype']);

export function createSqliteExperimentIndex(db: Database): SqliteExperimentIndex {
  const sql = prepareStatements(db);

  function add(
    workspaceId: string,
    experiment: string,
    variant: string,
    metrics: Readonly<Record<string, number>>,
    sign: 1 | -1,
  ): void {
    sql.addTotal.run(workspaceId, experiment, variant, USERS, sign, sign);
    for (const [metric, value] of Object.entries(metrics)) {
      if (!Number.isFinite(value) || value === 0) continue;
      sql.addTotal.run(
        workspaceId,
        experiment,
        variant,
        metric,
        sign * value,
        sign * value * value,
      );
    }
  }

  function unitsOf(workspaceId: string, profileId: string): [string, string, string][] {
    return sql.units.all(workspaceId, profileId) as [string, string, string][];
  }

  return {
    write(workspaceId, profileId, contributions) {
      if (contributions === undefined) return;
      const stale = new Map(unitsOf(workspaceId, profileId).map((row) => [row[0], row]));
      for (const [experiment, { variant, metrics }] of Object.entries(contributions)) {
        const json = JSON.stringify(metrics);
        const held = stale.get(experiment);
        stale.delete(experiment);
        if (held !== undefined && held[1] === variant && held[2] === json) continue;
        if (held !== undefined) add(workspaceId, experiment, held[1], parse(held[2]), -1);
        add(workspaceId, experiment, variant, metrics, 1);
        sql.upsertUnit.run(workspaceId, profileId, experiment, variant, json);
      }
      for (const [experiment, variant, json] of stale.values()) {
        add(workspaceId, experiment, variant, parse(json), -1);
        sql.deleteUnit.run(workspaceId, profileId, experiment);
      }
    },
    remove(workspaceId, profileId) {
      for (const [experiment, variant, json] of unitsOf(workspaceId, profileId)) {
        add(workspaceId, experiment, variant, parse(json), -1);
      }
      sql.deleteUnits.run(workspaceId, profileId);
    },
    totals(workspaceId, experimentId) {
      const totals: ExperimentTotals = new Map();
      const rows = sql.totals.all(workspaceId, experimentId) as [string, string, number, number][];
      for (const [variant, metric, sum, sumSq] of rows) {
        let held = totals.get(variant);
        if (held === undefined) totals.set(variant, (held = { users: 0, metrics: {} }));
        if (metric === USERS) held.users = Math.round(sum);
        else if ((sum !== 0 || sumSq !== 0) && !unsafe.has(metric)) {
          held.metrics[metric] = { sum, sumSq } as MetricTotals;
        }
      }
      return totals;
    },
  };
}

function parse(json: string): Record<string, number> {
  return JSON.parse(json) as Record<string, number>;
}

function prepareStatements(db: Database) {
  return {
    units: db
      .prepare(
        'SELECT experiment, variant, metrics FROM experiment_units WHERE workspace = ? AND profile_id = ?',
      )
      .raw(),
    upsertUnit: db.prepare(
      `INSERT INTO experiment_units (workspace, profile_id, experiment, variant, metrics)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace, profile_id, experiment)
       DO UPDATE SET variant = excluded.variant, metrics = excluded.metrics`,
    ),
    deleteUnit: db.prepare(
      'DELETE FROM experiment_units WHERE workspace = ? AND profile_id = ? AND experiment = ?',
    ),
    deleteUnits: db.prepare('DELETE FROM experiment_units WHERE workspace = ? AND profile_id = ?'),
    addTotal: db.prepare(
      `INSERT INTO experiment_totals (workspace, experiment, variant, metric, sum, sum_sq)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace, experiment, variant, metric)
       DO UPDATE SET sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq`,
    ),
    totals: db
      .prepare(
        `SELECT variant, metric, sum, sum_sq FROM experiment_totals
         WHERE workspace = ? AND experiment = ?`,
      )
      .raw(),
  };
}
