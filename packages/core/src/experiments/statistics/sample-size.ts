/**
 * How many users a comparison needs to detect a given absolute effect δ, for the
 * `not-yet` guidance. With allocation shares π_C, π_T of the pair (π_C + π_T = 1), per-user
 * variances v_C, v_T and N users in the pair, the estimate's variance is
 * (v_C/π_C + v_T/π_T)/N.
 *
 * - Fixed horizon (two-sided level α, power 1 − β): the usual normal power calculation
 *   N = (z_{1−α/2} + z_{1−β})² · (v_C/π_C + v_T/π_T) / δ².
 * - Sequential: the same calculation with the confidence sequence's multiplier k_N
 *   (sequential.ts) in place of z_{1−α/2}: the smallest N with (k_N + z_{1−β})·se_N ≤ δ.
 *   At that size a true effect of δ is outside the sequence with probability about 1 − β at
 *   that look (more over all looks, so this is conservative). k_N depends on N, so there is
 *   no closed form: N is found by bisection ((k_N + z)·se_N decreases with N).
 *
 * The per-variant counts are N·π rounded up, at least 2.
 */
import { normalQuantile } from './distributions.js';
import { confidenceSequenceMultiplier, mixtureRatio } from './sequential.js';

export interface SampleSizeInput {
  /** Absolute effect to detect (> 0), e.g. 5 % of the control mean. */
  effect: number;
  controlVariance: number;
  treatmentVariance: number;
  /** Allocation weights of the control and the treatment (any positive scale). */
  controlWeight: number;
  treatmentWeight: number;
  alpha: number;
}

export interface RequiredUsers {
  control: number;
  treatment: number;
}

function split(total: number, input: SampleSizeInput): RequiredUsers {
  const share = input.controlWeight / (input.controlWeight + input.treatmentWeight);
  const control = Math.max(2, Math.ceil(total * share));
  const treatment = Math.max(2, Math.ceil(total * (1 - share)));
  return { control, treatment };
}

/** Σ v/π: the estimate's variance times N. */
function unitVariance(input: SampleSizeInput): number {
  const sum = input.controlWeight + input.treatmentWeight;
  return (
    (input.controlVariance * sum) / input.controlWeight +
    (input.treatmentVariance * sum) / input.treatmentWeight
  );
}

/** Fixed-horizon users per variant for power `power` (e.g. 0.8). */
export function fixedHorizonSampleSize(input: SampleSizeInput, power: number): RequiredUsers {
  const z = normalQuantile(1 - input.alpha / 2) + normalQuantile(power);
  return split((z * z * unitVariance(input)) / (input.effect * input.effect), input);
}

/** Sequential users per variant for power `power` at the look where they are reached. */
export function sequentialSampleSize(
  input: SampleSizeInput,
  power: number,
  plannedUsers: number,
): RequiredUsers {
  const s = unitVariance(input);
  const target = input.effect;
  const zPower = normalQuantile(power);
  const halfWidth = (n: number): number =>
    Math.sqrt(s / n) *
    (confidenceSequenceMultiplier(mixtureRatio(n, plannedUsers, input.alpha), input.alpha) +
      zPower);
  let low = 2;
  if (halfWidth(low) <= target) return split(low, input);
  let high = 4;
  while (halfWidth(high) > target && high < 1e15) high *= 2;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (halfWidth(middle) > target) low = middle;
    else high = middle;
  }
  return split(high, input);
}
