/**
 * Always-valid inference: the mixture sequential probability ratio test (mSPRT) of Johari,
 * Pekelis and Walsh (2017), as in Optimizely's Stats Engine, which is the normal-mixture
 * confidence sequence of Howard et al. (2021) and Waudby-Smith et al. (2023), as in Eppo and
 * GrowthBook. Why this method: docs/decisions/0024-sequential-testing.md.
 *
 * For an estimate θ̂ (a difference of means) with variance V and a normal mixture N(0, τ²)
 * over the true effect, the mixture likelihood ratio against θ = θ₀ is
 *
 *   Λ(θ₀) = √(V/(V + τ²)) · exp(τ²(θ̂ − θ₀)² / (2V(V + τ²))).
 *
 * Under H₀ Λ is a nonnegative martingale, so by Ville's inequality P(∃n: Λₙ ≥ 1/α) ≤ α:
 *
 * - always-valid p-value pₙ = min(1, 1/Λₙ(0)): P(∃n: pₙ ≤ α) ≤ α, however often one looks;
 * - confidence sequence {θ₀: Λₙ(θ₀) < 1/α} = θ̂ ± √(V(V + τ²)/τ² · (ln((V + τ²)/V) − 2 ln α)),
 *   which covers the true effect at every n simultaneously with probability ≥ 1 − α.
 *
 * Writing r = τ²/V, both depend on V only through z = θ̂/√V: the interval is θ̂ ± k·√V with
 * k = √((1 + r)/r · (ln(1 + r) − 2 ln α)), and p = min(1, √(1 + r) · exp(−r z²/(2(1 + r)))).
 * τ² is chosen so that the interval is narrowest when the comparison reaches `plannedUsers`
 * users (Waudby-Smith et al. 2023, as GrowthBook): ρ² = (−2 ln α + ln(1 − 2 ln α))/N*,
 * i.e. r = N·(−2 ln α + ln(1 − 2 ln α))/N* for N users in the two variants so far.
 * V is estimated from the data (plug-in), which makes the guarantee asymptotic
 * (Waudby-Smith et al. 2023, "Time-uniform central limit theory").
 */
import type { Moments } from './aggregates.js';
import type { AbsoluteLift, RelativeLift } from './lift.js';
import { absoluteLift, differenceVariance, relativeLift } from './lift.js';

/** Default tuning: the comparison is expected to reach 10 000 users (both variants). */
export const DEFAULT_PLANNED_USERS = 10_000;

export interface SequentialOptions {
  /** Two-sided level: the confidence sequence covers with probability ≥ 1 − α (default 0.05). */
  alpha?: number;
  /** Users (both variants together) at which the interval should be narrowest. */
  plannedUsers?: number;
}

/** r = τ²/V for `users` users so far, tuned for `plannedUsers`. */
export function mixtureRatio(users: number, plannedUsers: number, alpha: number): number {
  const l = -2 * Math.log(alpha);
  return (users * (l + Math.log(1 + l))) / plannedUsers;
}

/** The half-width of the confidence sequence in standard errors (the sequential "z"). */
export function confidenceSequenceMultiplier(ratio: number, alpha: number): number {
  return Math.sqrt(((1 + ratio) / ratio) * (Math.log1p(ratio) - 2 * Math.log(alpha)));
}

/** The always-valid p-value min(1, 1/Λ) for the standardized estimate z = θ̂/√V. */
export function alwaysValidPValue(z: number, ratio: number): number {
  const logLambda = ((ratio / (1 + ratio)) * (z * z)) / 2 - 0.5 * Math.log1p(ratio);
  return Math.min(1, Math.exp(-logLambda));
}

export interface SequentialResult {
  method: 'msprt';
  /** Always-valid p-value of H₀: no difference. */
  pValue: number;
  /** The ratio r = τ²/V used. */
  mixtureRatio: number;
  /** Half-width of the confidence sequence in standard errors. */
  multiplier: number;
  /** The absolute lift with its confidence sequence. */
  absoluteLift: AbsoluteLift;
  /** The relative lift with a confidence sequence built the same way on its own scale. */
  relativeLift: RelativeLift;
}

/** The mSPRT of a treatment against the control, from their moments (n ≥ 1 each). */
export function sequentialTest(
  control: Moments,
  treatment: Moments,
  options: SequentialOptions = {},
): SequentialResult {
  const alpha = options.alpha ?? 0.05;
  const plannedUsers = options.plannedUsers ?? DEFAULT_PLANNED_USERS;
  const ratio = mixtureRatio(control.n + treatment.n, plannedUsers, alpha);
  const multiplier = confidenceSequenceMultiplier(ratio, alpha);
  const estimate = treatment.mean - control.mean;
  const variance = differenceVariance(control, treatment);
  const z = variance > 0 ? estimate / Math.sqrt(variance) : estimate === 0 ? 0 : Infinity;
  return {
    method: 'msprt',
    pValue: alwaysValidPValue(z, ratio),
    mixtureRatio: ratio,
    multiplier,
    absoluteLift: absoluteLift(control, treatment, multiplier),
    relativeLift: relativeLift(control, treatment, multiplier),
  };
}
