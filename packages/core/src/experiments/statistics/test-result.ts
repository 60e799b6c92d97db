/** What a two-sample test returns when the data cannot support it (it never throws). */
import type { AggregateIssue, SummaryResult } from './aggregates.js';

export type ComparisonFailureReason =
  | 'invalid-control'
  | 'invalid-treatment'
  | 'no-control-data'
  | 'no-treatment-data'
  | 'too-few-users'
  | 'zero-variance'
  /** Values near the floating-point limits (variances beyond 1e308). */
  | 'numerically-unstable';

export interface ComparisonFailure {
  ok: false;
  reason: ComparisonFailureReason;
  /** The aggregate's problem, when one was rejected. */
  issue?: AggregateIssue;
}

/** The failure for a pair of summaries at least one of which is invalid or empty. */
export function comparisonFailure(
  control: SummaryResult,
  treatment: SummaryResult,
): ComparisonFailure {
  if (!control.ok) return { ok: false, reason: 'invalid-control', issue: control.issue };
  if (!treatment.ok) return { ok: false, reason: 'invalid-treatment', issue: treatment.issue };
  if (!control.moments) return { ok: false, reason: 'no-control-data' };
  return { ok: false, reason: 'no-treatment-data' };
}
