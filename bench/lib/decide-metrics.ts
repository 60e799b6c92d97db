/**
 * Prometheus histograms of the engine's `/metrics` (the cross-checks of the decide
 * benchmark): cumulative bucket counts, their difference over a run, and the
 * bucket bound under which a quantile falls.
 */

/** Cumulative counts by upper bound (seconds; Infinity for `+Inf`), summed over other labels. */
export type HistogramBuckets = Map<number, number>;

/** The buckets of `name` in a Prometheus text exposition (empty when absent). */
export function readHistogram(text: string, name: string): HistogramBuckets {
  const buckets: HistogramBuckets = new Map();
  const prefix = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(count)) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    if (Number.isNaN(bound)) continue;
    buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  }
  return buckets;
}

/** What was observed between two readings of one histogram. */
export function histogramDelta(
  before: HistogramBuckets,
  after: HistogramBuckets,
): HistogramBuckets {
  const delta: HistogramBuckets = new Map();
  for (const [bound, count] of after) delta.set(bound, count - (before.get(bound) ?? 0));
  return delta;
}

/** Observations in a histogram (its `+Inf` bucket). */
export function histogramCount(buckets: HistogramBuckets): number {
  return buckets.get(Infinity) ?? Math.max(0, ...buckets.values());
}

/**
 * The smallest bucket bound (in the histogram's unit) under which at least the
 * share `q` (0..1) of the observations fall: an upper bound of the quantile.
 * NaN without observations; Infinity when it lies beyond the largest finite bound.
 */
export function quantileBound(buckets: HistogramBuckets, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
  const total = histogramCount(buckets);
  if (total <= 0) return Number.NaN;
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  for (const bound of bounds) {
    if ((buckets.get(bound) ?? 0) >= q * total) return bound;
  }
  return Infinity;
}

/** The engine's /metrics text, or undefined when it does not answer. */
export async function fetchMetricsText(baseUrl: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}
