/**
 * Bayesian summaries of a treatment against the control, without Monte Carlo.
 *
 * Proportions: with a uniform Beta(1, 1) prior the posterior of a rate is
 * Beta(α, β) = Beta(1 + x, 1 + n − x). For integer parameters P(p_T > p_C) has Evan Miller's
 * closed form (https://www.evanmiller.org/bayesian-ab-testing.html, "Exact formula"):
 *
 *   h(a_C, b_C, a_T, b_T) = Σ_{i=0}^{a_T−1} B(a_C + i, b_C + b_T) / ((b_T + i) B(1 + i, b_T) B(a_C, b_C)),
 *
 * a sum of a_T terms. By the symmetries P(T > C) = 1 − P(C > T) and p ↦ 1 − p (which swaps
 * α and β) the same value can be summed over a_C, b_C or b_T terms; the shortest is used.
 * Beyond MAX_EXACT_TERMS terms the posteriors are practically normal and the normal
 * approximation below is used instead (method 'normal-approximation').
 *
 * Expected loss of choosing the treatment, E[max(p_C − p_T, 0)] (what is lost, in the metric's
 * unit, if the treatment is in fact worse), from the same sums with one parameter raised by one
 * (E[p·1{…}] = E[p]·P(…) under the size-biased posterior Beta(α + 1, β)):
 *
 *   E[max(p_C − p_T, 0)] = μ_C·P(C⁺ > T) − μ_T·P(C > T⁺),   C⁺ ~ Beta(α_C + 1, β_C).
 *
 * Continuous metrics: normal approximation with flat priors, the difference
 * D = μ_T − μ_C ~ N(d, s²) with d the observed difference and s² = v_C/n_C + v_T/n_T:
 * P(D > 0) = Φ(d/s), E[max(−D, 0)] = s·φ(d/s) − d·Φ(−d/s).
 */
import type { Moments, ProportionAggregate } from './aggregates.js';
import { logBeta, normalCdf } from './distributions.js';

/** Above this many terms the exact sum gives way to the normal approximation. */
export const MAX_EXACT_TERMS = 100_000;

export interface BayesianComparison {
  method: 'beta-exact' | 'normal-approximation';
  /** P(treatment's true mean > control's). */
  probabilityTreatmentHigher: number;
  /** E[max(mean_C − mean_T, 0)]: expected loss of choosing the treatment if higher is better. */
  expectedLossTreatment: number;
  /** E[max(mean_T − mean_C, 0)]: expected loss of keeping the control if higher is better. */
  expectedLossControl: number;
}

/**
 * P(Y > X) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), integer a2: Evan Miller's sum. Consecutive
 * terms have the ratio (a1 + i)(b2 + i) / ((a1 + b1 + b2 + i)(1 + i)), so the terms are
 * walked in log space from the first, ln B(a1, b1 + b2) − ln B(a1, b1), without underflow.
 */
function millerSum(a1: number, b1: number, a2: number, b2: number): number {
  let logTerm = logBeta(a1, b1 + b2) - logBeta(a1, b1);
  let total = 0;
  for (let i = 0; i < a2; i++) {
    total += Math.exp(logTerm);
    logTerm += Math.log(((a1 + i) * (b2 + i)) / ((a1 + b1 + b2 + i) * (1 + i)));
  }
  return total;
}

/** P(T > C) for C ~ Beta(aC, bC), T ~ Beta(aT, bT), integer parameters; null if too long. */
export function probabilityBetaGreater(
  aC: number,
  bC: number,
  aT: number,
  bT: number,
): number | null {
  const shortest = Math.min(aC, bC, aT, bT);
  if (shortest > MAX_EXACT_TERMS) return null;
  let p: number;
  if (shortest === aT) p = millerSum(aC, bC, aT, bT);
  else if (shortest === aC) p = 1 - millerSum(aT, bT, aC, bC);
  // 1 − p_C ~ Beta(bC, aC): p_T > p_C ⇔ 1 − p_C > 1 − p_T.
  else if (shortest === bC) p = millerSum(bT, aT, bC, aC);
  else p = 1 - millerSum(bC, aC, bT, aT);
  return Math.min(1, Math.max(0, p));
}

/** P(D > 0) and expected losses for D ~ N(difference, variance). */
export function normalComparison(difference: number, variance: number): BayesianComparison {
  const method = 'normal-approximation';
  if (!(variance > 0)) {
    const higher = difference > 0 ? 1 : difference < 0 ? 0 : 0.5;
    const lossT = Math.max(-difference, 0);
    return {
      method,
      probabilityTreatmentHigher: higher,
      expectedLossTreatment: lossT,
      expectedLossControl: Math.max(difference, 0),
    };
  }
  const s = Math.sqrt(variance);
  const u = difference / s;
  const density = Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI);
  // E[max(−D, 0)] = s·φ(u) − d·Φ(−u); E[max(D, 0)] = s·φ(u) + d·Φ(u).
  return {
    method,
    probabilityTreatmentHigher: normalCdf(u),
    expectedLossTreatment: Math.max(0, s * density - difference * normalCdf(-u)),
    expectedLossControl: Math.max(0, s * density + difference * normalCdf(u)),
  };
}

/** Normal comparison of two means from their moments (continuous metrics). */
export function normalMeansComparison(control: Moments, treatment: Moments): BayesianComparison {
  return normalComparison(
    treatment.mean - control.mean,
    control.variance / control.n + treatment.variance / treatment.n,
  );
}

function betaMean(a: number, b: number): number {
  return a / (a + b);
}

function betaVariance(a: number, b: number): number {
  return (a * b) / ((a + b) ** 2 * (a + b + 1));
}

/** Beta-binomial comparison of conversion rates (valid aggregates: integers, 0 ≤ x ≤ n). */
export function betaBinomialComparison(
  control: ProportionAggregate,
  treatment: ProportionAggregate,
): BayesianComparison {
  const aC = 1 + control.x;
  const bC = 1 + control.n - control.x;
  const aT = 1 + treatment.x;
  const bT = 1 + treatment.n - treatment.x;
  const higher = probabilityBetaGreater(aC, bC, aT, bT);
  const cPlusHigher = probabilityBetaGreater(aC + 1, bC, aT, bT);
  const tPlusHigher = probabilityBetaGreater(aC, bC, aT + 1, bT);
  if (higher === null || cPlusHigher === null || tPlusHigher === null) {
    return normalComparison(
      betaMean(aT, bT) - betaMean(aC, bC),
      betaVariance(aC, bC) + betaVariance(aT, bT),
    );
  }
  const muC = betaMean(aC, bC);
  const muT = betaMean(aT, bT);
  // E[max(p_C − p_T, 0)] = μ_C·P(C⁺ > T) − μ_T·P(C > T⁺); E[max(p_T − p_C, 0)] similarly.
  const lossT = muC * (1 - cPlusHigher) - muT * (1 - tPlusHigher);
  const lossC = muT * tPlusHigher - muC * cPlusHigher;
  return {
    method: 'beta-exact',
    probabilityTreatmentHigher: higher,
    expectedLossTreatment: Math.max(0, lossT),
    expectedLossControl: Math.max(0, lossC),
  };
}
