/**
 * The parts of the `tdigest` package (welch/tdigest, plain JavaScript) that
 * cohort-sketch.ts uses. The package ships no types.
 */
declare module 'tdigest' {
  /** A centroid: `n` values summarised by their mean. */
  export interface Centroid {
    mean: number;
    n: number;
  }

  export class TDigest {
    /**
     * @param delta the largest share of the mass one centroid may hold (1 / compression).
     * @param K recompress when there are more than K / delta centroids; 0 never does.
     * @param CX how stale the cached cumulative counts may grow during ingest (ratio).
     */
    constructor(delta?: number, K?: number, CX?: number);
    /** Total weight digested. */
    readonly n: number;
    /** Adds `x` with weight `n` (default 1). */
    push(x: number, n?: number): void;
    /** Adds weighted points, e.g. the centroids of another digest. */
    push_centroid(centroids: Centroid | Centroid[]): void;
    /** The centroids in ascending order of mean. */
    toArray(): Centroid[];
    /** The number of centroids. */
    size(): number;
    /** Forgets everything. */
    reset(): void;
  }
}
