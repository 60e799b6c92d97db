/**
 * A cohort's streaming rank sketch: two t-digests, one of the values added and
 * one of the values removed (the "turnstile"), because a t-digest cannot delete.
 * The share of the population strictly below x is estimated as
 * (added below x − removed below x) / (added − removed). Its error grows with
 * churn (removed / size), so the host rebuilds the sketch from a scan now and
 * then (live-population.ts). docs/cohorts.md "Accuracy" has the measurements.
 *
 * Reads go through a snapshot of both digests (sketch-snapshot.ts), a walk over
 * every centroid; the changes taken since the snapshot are kept exactly in two
 * small sorted buffers and added on top, so a read after each change costs a
 * few binary searches and the walk happens once per `buffer` changes.
 */
import { TDigest, type Centroid } from 'tdigest';
import { buildSnapshot, countBelow, valueAtCount, type Snapshot } from './sketch-snapshot.js';
import { SortedBuffer } from './sorted-buffer.js';

/**
 * Default compression (1 / the largest share of the mass one centroid may
 * hold). Chosen from the measurements in docs/cohorts.md: at 200 the rank error
 * on 100 000 values stays under 0.05 % without churn and under 0.5 % up to a
 * churn of 2, about half of 100's after churn, for about 1 700 centroids a digest.
 */
export const DEFAULT_COMPRESSION = 200;

/** Changes read exactly on top of a snapshot before it is rebuilt. */
export const DEFAULT_BUFFER = 1024;

/** A digest holding more than RECOMPRESS_FACTOR × compression centroids is recompressed. */
const RECOMPRESS_FACTOR = 10;
/**
 * How stale (as a growth ratio) the package's cached cumulative counts may get
 * while values stream in. Its default, 1.1, leaves centroids created meanwhile
 * unable to take merges, and the many small centroids that result blur ranks.
 */
const CUMULATE_RATIO = 1.01;

export interface CohortSketchOptions {
  /** t-digest compression (more: more centroids, smaller error). Default DEFAULT_COMPRESSION. */
  compression?: number;
  /** Changes kept exactly between snapshot rebuilds (default DEFAULT_BUFFER; ≥ 1). */
  buffer?: number;
  /** Seed of the shuffle used when a digest is recompressed (results are reproducible). */
  seed?: number;
}

/** Two t-digests (values added, values removed) estimating ranks in a changing population. */
export class CohortSketch {
  private readonly compression: number;
  private readonly added: SeededDigest;
  private readonly removed: SeededDigest;
  private addedCount = 0;
  private removedCount = 0;
  private ignoredCount = 0;
  private snapshot: Snapshot | undefined;
  /** Values added and removed since the snapshot. */
  private readonly addedSince: SortedBuffer;
  private readonly removedSince: SortedBuffer;

  constructor(options: CohortSketchOptions = {}) {
    const compression = options.compression ?? DEFAULT_COMPRESSION;
    if (!Number.isFinite(compression) || compression < 10) {
      throw new RangeError(`compression must be a number ≥ 10, got ${compression}`);
    }
    const buffer = options.buffer ?? DEFAULT_BUFFER;
    if (!Number.isInteger(buffer) || buffer < 1) {
      throw new RangeError(`buffer must be a positive integer, got ${buffer}`);
    }
    this.compression = compression;
    const seed = options.seed ?? 1;
    this.added = new SeededDigest(compression, seed);
    this.removed = new SeededDigest(compression, seed + 1);
    this.addedSince = new SortedBuffer(buffer);
    this.removedSince = new SortedBuffer(buffer);
  }

  /**
   * A profile's value moved: `from` leaves (if defined), `to` joins (if defined).
   * NaN and ±Infinity are ignored and counted (`ignored`); equal values are no change.
   */
  observe(from: number | undefined, to: number | undefined): void {
    if (from === to) return;
    if (from !== undefined) {
      if (Number.isFinite(from)) {
        this.removed.push(from);
        this.removedCount++;
        this.track(this.removedSince, from);
      } else this.ignoredCount++;
    }
    if (to !== undefined) {
      if (Number.isFinite(to)) {
        this.added.push(to);
        this.addedCount++;
        this.track(this.addedSince, to);
      } else this.ignoredCount++;
    }
  }

  /** Values in the population (added − removed; never below 0). */
  get size(): number {
    return Math.max(0, this.addedCount - this.removedCount);
  }

  /** Values removed since the sketch started, per value in it (0 when empty): the error grows with it. */
  get churn(): number {
    return this.size === 0 ? 0 : this.removedCount / this.size;
  }

  /** NaN or infinite values that `observe` ignored. */
  get ignored(): number {
    return this.ignoredCount;
  }

  /** Centroids held by both digests (memory and the snapshot walk grow with it). */
  get centroids(): number {
    return this.added.digest.size() + this.removed.digest.size();
  }

  /**
   * Estimated share of the population with a value strictly below `value`, in
   * [0, 1]; 0 when the sketch is empty or the value is NaN. Ties: the digest
   * keeps exact repeats of a value together and the sketch reads such a
   * centroid as a point, so a tie's rank is that of its lowest member; equal
   * values always get equal ranks, hence the same band.
   */
  rank(value: number): number {
    return this.read(value, false);
  }

  /** Estimated share with a value at or below `value` (differs from `rank` at a tie). */
  rankAtOrBelow(value: number): number {
    return this.read(value, true);
  }

  /**
   * The value at rank q (0..1): the smallest value whose rank range reaches q,
   * interpolated between centroids. Undefined when the sketch is empty or q is NaN.
   */
  quantile(q: number): number | undefined {
    if (Number.isNaN(q)) return undefined;
    // Rare (thresholds for status and re-bands): fold buffered changes into a new snapshot.
    if (this.addedSince.length + this.removedSince.length > 0) this.dropSnapshot();
    const snapshot = this.current();
    if (snapshot === undefined) return undefined;
    return valueAtCount(snapshot, Math.min(1, Math.max(0, q)) * snapshot.total);
  }

  /** Forgets every value (the counters too). */
  clear(): void {
    this.added.reset();
    this.removed.reset();
    this.addedCount = 0;
    this.removedCount = 0;
    this.ignoredCount = 0;
    this.dropSnapshot();
  }

  private read(value: number, atOrBelow: boolean): number {
    const size = this.size;
    if (size === 0 || Number.isNaN(value)) return 0;
    const snapshot = this.current();
    if (snapshot === undefined) return 0;
    const below =
      countBelow(snapshot, value, atOrBelow) +
      this.addedSince.countBelow(value, atOrBelow) -
      this.removedSince.countBelow(value, atOrBelow);
    return Math.min(1, Math.max(0, below / size));
  }

  /** Remembers a change made after the snapshot; a full buffer retires the snapshot. */
  private track(buffer: SortedBuffer, value: number): void {
    if (this.snapshot === undefined) return;
    if (!buffer.insert(value)) this.dropSnapshot();
  }

  private dropSnapshot(): void {
    this.snapshot = undefined;
    this.addedSince.clear();
    this.removedSince.clear();
  }

  private current(): Snapshot | undefined {
    if (this.snapshot === undefined) {
      this.snapshot = buildSnapshot(
        this.added.digest.toArray(),
        this.removed.digest.toArray(),
        this.size,
        this.compression,
      );
    }
    return this.snapshot;
  }
}

/** A t-digest whose recompression shuffles with a seeded generator, not Math.random. */
class SeededDigest {
  readonly digest: TDigest;
  private readonly maxCentroids: number;
  private state: number;

  constructor(compression: number, seed: number) {
    // K = 0: the package never recompresses by itself (it would shuffle with Math.random).
    this.digest = new TDigest(1 / compression, 0, CUMULATE_RATIO);
    this.maxCentroids = RECOMPRESS_FACTOR * compression;
    this.state = seed >>> 0;
  }

  push(value: number): void {
    this.digest.push(value);
    if (this.digest.size() > this.maxCentroids) this.recompress();
  }

  reset(): void {
    this.digest.reset();
  }

  /** Re-digests the centroids in a random order, as the package's own compress() does. */
  private recompress(): void {
    const points = this.digest.toArray();
    for (let i = points.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const swap = points[i] as Centroid;
      points[i] = points[j] as Centroid;
      points[j] = swap;
    }
    this.digest.reset();
    this.digest.push_centroid(points);
  }

  /** mulberry32 */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
