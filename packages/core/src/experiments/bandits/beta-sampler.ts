/**
 * Gamma and Beta draws from an injected uniform source, so every draw of the bandit is
 * reproducible in tests and simulations.
 *
 * jStat has a Beta sampler (jStat.beta.sample, Marsaglia–Tsang underneath), but its random
 * source is one process-wide variable (jStat.setRandom), shared by every caller; seeding it per
 * call would mean mutating a global singleton on the hot path. The same method is written here
 * instead, with the uniform source as an argument:
 *
 *   G. Marsaglia and W. W. Tsang, "A Simple Method for Generating Gamma Variables",
 *   ACM Transactions on Mathematical Software 26(3), 363–372, 2000.
 *
 * For shape a ≥ 1: d = a − 1/3, c = 1/√(9d); draw x ~ N(0, 1) and u ~ U(0, 1), v = (1 + cx)³;
 * accept d·v when v > 0 and ln u < x²/2 + d − d·v + d·ln v (the squeeze u < 1 − 0.0331·x⁴
 * accepts most draws without logarithms; it is tested here with ≤, which differs only on a
 * null event and keeps a degenerate source that always returns 0 from looping forever). For a < 1 the paper's boost applies:
 * Gamma(a) = Gamma(a + 1)·U^(1/a). Normal deviates come from Box–Muller.
 *
 * Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). The ratio is taken in log space,
 * 1 / (1 + e^(ln Y − ln X)), so shapes far below 1 (where U^(1/a) underflows to 0) never give
 * 0/0. Nothing is allocated per draw.
 */
import type { RandomSource } from './bandit-types.js';

const TWO_PI = 2 * Math.PI;

/** A uniform in (0, 1]: safe to take the logarithm of. */
function openUniform(random: RandomSource): number {
  return 1 - random();
}

/** A standard normal deviate (Box–Muller, the cosine half). */
export function sampleStandardNormal(random: RandomSource): number {
  return Math.sqrt(-2 * Math.log(openUniform(random))) * Math.cos(TWO_PI * random());
}

/** ln X for X ~ Gamma(shape, 1), shape ≥ 1 (Marsaglia–Tsang). */
function logGammaAtLeastOne(shape: number, random: RandomSource): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleStandardNormal(random);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = openUniform(random);
    const x2 = x * x;
    if (u <= 1 - 0.0331 * x2 * x2) return Math.log(d * v);
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

/** ln X for X ~ Gamma(shape, 1), shape > 0; in log space so tiny shapes do not underflow. */
export function sampleLogGamma(shape: number, random: RandomSource): number {
  if (shape >= 1) return logGammaAtLeastOne(shape, random);
  return logGammaAtLeastOne(shape + 1, random) + Math.log(openUniform(random)) / shape;
}

/** X ~ Gamma(shape, 1), shape > 0. */
export function sampleGamma(shape: number, random: RandomSource): number {
  return Math.exp(sampleLogGamma(shape, random));
}

/** X ~ Beta(alpha, beta), alpha > 0, beta > 0; in [0, 1], never NaN for positive shapes. */
export function sampleBeta(alpha: number, beta: number, random: RandomSource): number {
  const logX = sampleLogGamma(alpha, random);
  const logY = sampleLogGamma(beta, random);
  return 1 / (1 + Math.exp(logY - logX));
}
