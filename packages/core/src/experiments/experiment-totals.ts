/**
 * Per experiment × variant aggregates, the input of the statistics: users exposed and,
 * per metric, the sum and the sum of squares of the users' values (for a conversion,
 * the sum is the number of users who converted).
 *
 * Each profile contributes its exposed assignments (variant and metric values). A store
 * keeps the totals in step with the committed profiles by replacing a profile's
 * contribution when the profile is written (subtract the old, add the new) and removing
 * it when the profile is deleted or merged away: the totals are a function of the
 * committed states, so replaying events after a crash never counts twice
 * (docs/decisions/0027-experiment-metrics.md).
 */
import { isUnsafeKey } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';

/** What one profile adds to an experiment's totals. */
export interface ExperimentContribution {
  readonly variant: string;
  /** Metric id → value (absent: 0). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Experiment id → contribution, for the exposed assignments of a profile. */
export type ExperimentContributions = Readonly<Record<string, ExperimentContribution>>;

export interface MetricTotals {
  sum: number;
  sumSq: number;
}

export interface VariantTotals {
  users: number;
  /** Metric id → totals; a metric no user has a value for is absent (zeros). */
  metrics: Record<string, MetricTotals>;
}

/** Variant id → totals. */
export type ExperimentTotals = Map<string, VariantTotals>;

/**
 * The contributions of a profile's exposed assignments, copied; undefined when the
 * profile never had an assignment (a store then has nothing of it to update).
 */
export function experimentContributions(
  state: Pick<ProfileState, 'experiments'>,
): ExperimentContributions | undefined {
  const all = state.experiments;
  if (all === undefined) return undefined;
  const contributions: Record<string, ExperimentContribution> = {};
  for (const id in all) {
    if (!Object.hasOwn(all, id)) continue;
    const assignment = all[id];
    if (assignment?.exposedAt === undefined) continue;
    contributions[id] = { variant: assignment.variant, metrics: { ...assignment.metrics } };
  }
  return contributions;
}

/** Adds (sign 1) or removes (sign −1) one profile's contribution. */
export function addContribution(
  totals: ExperimentTotals,
  contribution: ExperimentContribution,
  sign: 1 | -1,
): void {
  let variant = totals.get(contribution.variant);
  if (variant === undefined) {
    variant = { users: 0, metrics: {} };
    totals.set(contribution.variant, variant);
  }
  variant.users += sign;
  for (const id in contribution.metrics) {
    if (!Object.hasOwn(contribution.metrics, id) || isUnsafeKey(id)) continue;
    const value = contribution.metrics[id] as number;
    if (!Number.isFinite(value) || value === 0) continue;
    const metric = Object.hasOwn(variant.metrics, id)
      ? (variant.metrics[id] as MetricTotals)
      : (variant.metrics[id] = { sum: 0, sumSq: 0 });
    metric.sum += sign * value;
    metric.sumSq += sign * value * value;
  }
}

/** An experiment's totals from profile states, computed on demand (the in-memory store). */
export function totalsOf(states: Iterable<ProfileState>, experimentId: string): ExperimentTotals {
  const totals: ExperimentTotals = new Map();
  for (const state of states) {
    const all = state.experiments;
    if (all === undefined || !Object.hasOwn(all, experimentId)) continue;
    const assignment = all[experimentId];
    if (assignment?.exposedAt === undefined) continue;
    addContribution(totals, { variant: assignment.variant, metrics: assignment.metrics ?? {} }, 1);
  }
  return totals;
}
