/**
 * Adjusting p-values when several variants are each compared with the control. Without
 * adjustment, testing m treatments at level α gives up to m·α chance of at least one false
 * "significant" result. Both adjustments keep this family-wise error rate at α:
 *
 * - Bonferroni: p̃ᵢ = min(1, m·pᵢ).
 * - Holm (step-down, uniformly more powerful than Bonferroni): sort p₍₁₎ ≤ … ≤ p₍ₘ₎,
 *   p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎).
 *
 * Both are valid for always-valid (sequential) p-values too. Intervals have no Holm
 * counterpart; with either correction the intervals use level α/m (Bonferroni).
 * The adjustment is per metric, across the treatments; metrics are not adjusted against
 * each other (the primary metric decides, the others inform).
 */

export type MultipleComparisonCorrection = 'none' | 'bonferroni' | 'holm';

export function adjustPValues(
  pValues: readonly number[],
  correction: MultipleComparisonCorrection,
): number[] {
  const m = pValues.length;
  if (correction === 'none' || m <= 1) return [...pValues];
  if (correction === 'bonferroni') return pValues.map((p) => Math.min(1, m * p));
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  for (const [rank, { p, i }] of order.entries()) {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  }
  return adjusted;
}

/** The level each interval uses: α, or α/m under a correction. */
export function intervalAlpha(
  alpha: number,
  comparisons: number,
  correction: MultipleComparisonCorrection,
): number {
  return correction === 'none' || comparisons <= 1 ? alpha : alpha / comparisons;
}
