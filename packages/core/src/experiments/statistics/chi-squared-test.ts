/**
 * Pearson's chi-squared tests, without continuity correction:
 *
 * - chiSquaredTest: independence in the k×2 table (variant × converted / not converted) of an
 *   A/B/n proportion metric. H₀: every variant has the same rate. With two variants it is the
 *   two-proportion z-test (statistic z²). Variants with no users carry no information and are
 *   left out of the table and of the degrees of freedom (k − 1).
 * - chiSquaredGoodnessOfFit: observed counts against expected shares (the SRM check).
 */
import type { ProportionAggregate } from './aggregates.js';
import { summarizeProportion } from './aggregates.js';
import type { AggregateIssue } from './aggregates.js';
import { chiSquaredSurvival } from './distributions.js';

export type ChiSquaredResult =
  | { ok: true; statistic: number; df: number; pValue: number }
  | {
      ok: false;
      reason: 'invalid-data' | 'fewer-than-two-groups';
      /** The index of the first invalid aggregate or count, and its problem. */
      index?: number;
      issue?: AggregateIssue;
    };

/** Pearson's test of independence for a k×2 table of (users, conversions) per variant. */
export function chiSquaredTest(aggregates: readonly ProportionAggregate[]): ChiSquaredResult {
  const rows: ProportionAggregate[] = [];
  for (const [index, aggregate] of aggregates.entries()) {
    const summary = summarizeProportion(aggregate);
    if (!summary.ok) return { ok: false, reason: 'invalid-data', index, issue: summary.issue };
    if (aggregate.n > 0) rows.push(aggregate);
  }
  if (rows.length < 2) return { ok: false, reason: 'fewer-than-two-groups' };
  const total = rows.reduce((s, r) => s + r.n, 0);
  const converted = rows.reduce((s, r) => s + r.x, 0);
  const df = rows.length - 1;
  // All converted or none did: no variation, the rates are identical.
  if (converted === 0 || converted === total) return { ok: true, statistic: 0, df, pValue: 1 };
  let statistic = 0;
  for (const row of rows) {
    const expectedYes = (row.n * converted) / total;
    const expectedNo = row.n - expectedYes;
    statistic += (row.x - expectedYes) ** 2 / expectedYes;
    statistic += (row.n - row.x - expectedNo) ** 2 / expectedNo;
  }
  return finiteResult(statistic, df);
}

/** Counts near the floating-point limit can overflow the statistic: report it as certain. */
function finiteResult(statistic: number, df: number): ChiSquaredResult {
  if (!Number.isFinite(statistic)) return { ok: true, statistic: Number.MAX_VALUE, df, pValue: 0 };
  return { ok: true, statistic, df, pValue: chiSquaredSurvival(statistic, df) };
}

function countIssue(value: unknown): AggregateIssue | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'not-a-number';
  if (value < 0) return 'negative-count';
  return null;
}

/**
 * Pearson's goodness-of-fit test of `observed` counts against `weights` (expected shares, any
 * positive scale). A group with weight 0 and a count above 0 is impossible under H₀: the
 * result is p = 0 and an infinite statistic is reported as Number.MAX_VALUE. Groups with
 * weight 0 and count 0 are left out. Lengths must match (else 'invalid-data').
 */
export function chiSquaredGoodnessOfFit(
  observed: readonly number[],
  weights: readonly number[],
): ChiSquaredResult {
  if (observed.length !== weights.length) return { ok: false, reason: 'invalid-data' };
  for (const [index, value] of [...observed, ...weights].entries()) {
    const issue = countIssue(value);
    if (issue) return { ok: false, reason: 'invalid-data', index: index % observed.length, issue };
  }
  const groups = observed.map((count, i) => ({ count, weight: weights[i] ?? 0 }));
  const used = groups.filter((g) => g.weight > 0 || g.count > 0);
  if (used.length < 2) return { ok: false, reason: 'fewer-than-two-groups' };
  const df = used.length - 1;
  if (used.some((g) => g.weight === 0)) {
    return { ok: true, statistic: Number.MAX_VALUE, df, pValue: 0 };
  }
  const total = used.reduce((s, g) => s + g.count, 0);
  const weightSum = used.reduce((s, g) => s + g.weight, 0);
  // Each value finite, their sum past Number.MAX_VALUE: no count of users is that large.
  if (!Number.isFinite(total) || !Number.isFinite(weightSum)) {
    return { ok: false, reason: 'invalid-data' };
  }
  if (total === 0) return { ok: true, statistic: 0, df, pValue: 1 };
  let statistic = 0;
  for (const g of used) {
    const expected = (total * g.weight) / weightSum;
    statistic += (g.count - expected) ** 2 / expected;
  }
  return finiteResult(statistic, df);
}
