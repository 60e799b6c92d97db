import {
  Counter,
  Histogram,
  type CounterConfiguration,
  type HistogramConfiguration,
  type LabelValues,
} from 'prom-client';

/**
 * prom-client metrics for the hot paths (every decide call, push and ingested
 * event): an increment or an observation only adds to plain numbers, which join
 * prom-client's totals when the registry is read (its `collect` hook). prom-client
 * validates and hashes the labels on every call, which cost a few µs per decide
 * call (docs/benchmarks.md, decide). Scrapes, `get()` and the text exposition see
 * the same totals as with plain prom-client metrics; batched-metrics.test.ts
 * checks that they write the same text.
 */

interface PendingCount<T extends string> {
  labels: LabelValues<T>;
  count: number;
}

/** A Counter whose `inc` and `labels(…).inc` are batched. */
export class BatchedCounter<T extends string = string> extends Counter<T> {
  private readonly pending = new Map<string, PendingCount<T>>();
  private unlabelled = 0;
  private readonly flushInto: (labels: LabelValues<T> | undefined, value: number) => void;

  constructor(configuration: Omit<CounterConfiguration<T>, 'collect'>) {
    super({
      ...configuration,
      collect(this: Counter<T>) {
        (this as BatchedCounter<T>).drain();
      },
    });
    // prom-client sets `inc` on the instance (incWithoutExemplar); keep it for the drain.
    const plain = (
      this as unknown as {
        incWithoutExemplar: (labels: LabelValues<T> | number | undefined, value?: number) => void;
      }
    ).incWithoutExemplar;
    this.flushInto = (labels, value) =>
      labels === undefined ? plain.call(this, value) : plain.call(this, labels, value);
    this.inc = ((labels?: LabelValues<T> | number, value?: number): void => {
      if (labels === undefined || typeof labels === 'number') {
        this.unlabelled += checked(labels ?? 1);
        return;
      }
      this.pendingFor(labels).count += checked(value ?? 1);
    }) as Counter<T>['inc'];
  }

  /** A child bound to these label values; hold on to it on hot paths. */
  override labels(...values: string[]): Counter.Internal;
  override labels(labels: LabelValues<T>): Counter.Internal;
  override labels(...values: (string | LabelValues<T>)[]): Counter.Internal {
    const first = values[0];
    const labels: LabelValues<T> =
      typeof first === 'object'
        ? first
        : (Object.fromEntries(
            (this as unknown as { labelNames: T[] }).labelNames.map((name, i) => [name, values[i]]),
          ) as LabelValues<T>);
    const entry = this.pendingFor(labels);
    return {
      inc: (value?: number) => {
        entry.count += checked(value ?? 1);
      },
    } as Counter.Internal;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    (this.pending as Map<string, PendingCount<T>> | undefined)?.clear();
    this.unlabelled = 0;
    super.reset();
  }

  /** Adds what was counted since the last read to prom-client's totals. */
  drain(): void {
    if (this.unlabelled > 0) {
      this.flushInto(undefined, this.unlabelled);
      this.unlabelled = 0;
    }
    for (const entry of this.pending.values()) {
      if (entry.count === 0) continue;
      this.flushInto(entry.labels, entry.count);
      entry.count = 0;
    }
  }

  private pendingFor(labels: LabelValues<T>): PendingCount<T> {
    const names = (this as unknown as { labelNames: T[] }).labelNames;
    let key = '';
    for (const name of names) key += `${String(labels[name] ?? '')}\u0000`;
    let entry = this.pending.get(key);
    if (entry === undefined) {
      // Unknown label names are refused here, as prom-client refuses them.
      for (const name of Object.keys(labels)) {
        if (!names.includes(name as T)) throw new Error(`Added label "${name}" is not included`);
      }
      entry = { labels: { ...labels }, count: 0 };
      this.pending.set(key, entry);
    }
    return entry;
  }
}

/**
 * A Histogram without labels whose `observe` adds to pending bucket counts.
 * Draining writes them into prom-client's single series: prom-client 15 keeps it
 * in `hashMap['']` with per-bucket (not cumulative) counts, a sum and a count;
 * batched-metrics.test.ts fails if that changes.
 */
export class BatchedHistogram extends Histogram<string> {
  private readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(configuration: Omit<HistogramConfiguration<string>, 'collect' | 'labelNames'>) {
    super({
      ...configuration,
      collect(this: Histogram<string>) {
        (this as BatchedHistogram).drain();
      },
    });
    this.bounds = (this as unknown as { upperBounds: number[] }).upperBounds;
    this.counts = new Float64Array(this.bounds.length);
    // prom-client sets `observe` on the instance; this one replaces it.
    this.observe = ((value: number): void => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new TypeError(`Value is not a valid number: ${String(value)}`);
      }
      this.sum += value;
      this.count += 1;
      const bounds = this.bounds;
      for (let i = 0; i < bounds.length; i++) {
        if (value <= (bounds[i] as number)) {
          this.counts[i] = (this.counts[i] as number) + 1;
          return;
        }
      }
    }) as Histogram<string>['observe'];
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    (this.counts as Float64Array | undefined)?.fill(0);
    this.sum = 0;
    this.count = 0;
    super.reset();
  }

  drain(): void {
    if (this.count === 0) return;
    const internals = this as unknown as {
      hashMap: Record<string, { bucketValues: Record<number, number>; sum: number; count: number }>;
      zero(labels: LabelValues<string>): void;
    };
    if (internals.hashMap[''] === undefined) internals.zero({});
    const series = internals.hashMap[''];
    if (series === undefined) throw new Error('prom-client histogram without its series');
    for (let i = 0; i < this.bounds.length; i++) {
      const bound = this.bounds[i] as number;
      series.bucketValues[bound] = (series.bucketValues[bound] ?? 0) + (this.counts[i] as number);
    }
    series.sum += this.sum;
    series.count += this.count;
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

function checked(value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
  if (value < 0) throw new Error('It is not possible to decrease a counter');
  return value;
}
