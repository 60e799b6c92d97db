import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from '../../clustering/seeded-random.js';
import { sampleBeta, sampleGamma, sampleStandardNormal } from './beta-sampler.js';

/** Exact Beta CDF for integer a, b: I_x(a, b) = P(Binomial(a + b − 1, x) ≥ a). */
function betaCdf(x: number, a: number, b: number): number {
  const n = a + b - 1;
  let term = Math.pow(1 - x, n); // P(K = 0)
  let below = 0;
  for (let k = 0; k < a; k++) {
    below += term;
    term *= ((n - k) / (k + 1)) * (x / (1 - x));
  }
  return 1 - below;
}

/** Kolmogorov–Smirnov statistic of `samples` against `cdf`. */
function ksStatistic(samples: number[], cdf: (x: number) => number): number {
  const sorted = [...samples].sort((p, q) => p - q);
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / sorted.length), Math.abs((i + 1) / sorted.length - f));
  });
  return d;
}

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

const draw = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

describe('beta sampler (Marsaglia–Tsang)', () => {
  it('matches the exact Beta CDF (Kolmogorov–Smirnov, n = 20 000, 1 % critical value)', () => {
    const random = createSeededRandom(11);
    const n = 20_000;
    const critical = 1.63 / Math.sqrt(n);
    for (const [a, b] of [
      [1, 1],
      [2, 5],
      [5, 2],
      [8, 190],
      [41, 960],
    ] as const) {
      const d = ksStatistic(
        draw(n, () => sampleBeta(a, b, random)),
        (x) => betaCdf(x, a, b),
      );
      assert.ok(d < critical, `Beta(${a}, ${b}): D = ${d} ≥ ${critical}`);
    }
  });

  it('gamma draws have mean and variance equal to the shape, also below 1', () => {
    const random = createSeededRandom(5);
    for (const shape of [0.05, 0.3, 1, 2.5, 50, 5000]) {
      const { mean, variance } = moments(draw(40_000, () => sampleGamma(shape, random)));
      const se = Math.sqrt(shape / 40_000);
      assert.ok(Math.abs(mean - shape) < 5 * se, `shape ${shape}: mean ${mean}`);
      assert.ok(Math.abs(variance / shape - 1) < 0.1, `shape ${shape}: variance ${variance}`);
    }
  });

  it('normal draws are standard', () => {
    const random = createSeededRandom(3);
    const { mean, variance } = moments(draw(50_000, () => sampleStandardNormal(random)));
    assert.ok(Math.abs(mean) < 0.02);
    assert.ok(Math.abs(variance - 1) < 0.03);
  });

  it('tiny and huge shapes give numbers in [0, 1], never NaN', () => {
    const random = createSeededRandom(9);
    for (const [a, b] of [
      [0.001, 0.001],
      [0.001, 1e6],
      [1e6, 0.001],
      [1e6, 1e6],
    ] as const) {
      for (let i = 0; i < 2000; i++) {
        const x = sampleBeta(a, b, random);
        assert.ok(x >= 0 && x <= 1, `Beta(${a}, ${b}) gave ${x}`);
      }
    }
    const { mean } = moments(draw(2000, () => sampleBeta(1e6, 1e6, random)));
    assert.ok(Math.abs(mean - 0.5) < 1e-3);
  });

  it('a uniform source of only zeros or values just below 1 still terminates in range', () => {
    for (const constant of [0, 1 - 2 ** -53, 0.5]) {
      const x = sampleBeta(2, 3, () => constant);
      assert.ok(x >= 0 && x <= 1);
    }
  });

  it('the same seed gives the same draws', () => {
    const first = draw(
      100,
      (
        (r) => () =>
          sampleBeta(3, 7, r)
      )(createSeededRandom(42)),
    );
    const second = draw(
      100,
      (
        (r) => () =>
          sampleBeta(3, 7, r)
      )(createSeededRandom(42)),
    );
    assert.deepEqual(first, second);
  });
});
