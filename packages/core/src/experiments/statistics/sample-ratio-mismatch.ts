/**
 * Sample-ratio mismatch (SRM): do the users assigned to each variant match the configured
 * allocation? A mismatch means assignment or logging is broken (a redirect that loses users,
 * a bot filter acting on one variant…), and then no comparison can be trusted, however
 * significant. The check is Pearson's chi-squared goodness-of-fit test of the counts against
 * the allocation weights; a mismatch is flagged when p < threshold (default 0.001, the usual
 * choice: strict, because the check runs on every look and must rarely fire by chance).
 */
import type { ChiSquaredResult } from './chi-squared-test.js';
import { chiSquaredGoodnessOfFit } from './chi-squared-test.js';

export const DEFAULT_SRM_THRESHOLD = 0.001;

export type SampleRatioMismatch =
  | {
      checked: true;
      /** True when p < threshold: do not act on the experiment's results. */
      mismatch: boolean;
      statistic: number;
      df: number;
      pValue: number;
      threshold: number;
      /** Users per variant expected from the allocation and the total. */
      expected: number[];
    }
  | { checked: false; reason: 'no-users' | 'one-variant' | 'invalid-data' };

export interface SampleRatioMismatchOptions {
  /** Flag a mismatch when p < threshold (default 0.001). */
  threshold?: number;
}

export function checkSampleRatio(
  users: readonly number[],
  weights: readonly number[],
  options: SampleRatioMismatchOptions = {},
): SampleRatioMismatch {
  const threshold = options.threshold ?? DEFAULT_SRM_THRESHOLD;
  const result: ChiSquaredResult = chiSquaredGoodnessOfFit(users, weights);
  if (!result.ok) {
    return {
      checked: false,
      reason: result.reason === 'invalid-data' ? 'invalid-data' : 'one-variant',
    };
  }
  const total = users.reduce((s, u) => s + u, 0);
  if (total === 0) return { checked: false, reason: 'no-users' };
  const weightSum = weights.reduce((s, w) => s + w, 0);
  return {
    checked: true,
    mismatch: result.pValue < threshold,
    statistic: result.statistic,
    df: result.df,
    pValue: result.pValue,
    threshold,
    expected: weights.map((w) => (total * w) / weightSum),
  };
}
