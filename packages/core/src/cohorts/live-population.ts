/**
 * The live population of a workspace: one CohortSketch per cohort, fed as
 * profiles' metric values change, and the trained cluster models. Implements
 * the PopulationState the processor reads, plus what the host drives: config
 * changes, sketch rebuilds from a scan of every profile, re-band bookkeeping
 * and the admin status.
 *
 * Rebuild protocol: the host calls beginRebuild, then rebuildAdd for every
 * profile holding a value, in ascending profile id order (JavaScript string
 * order, as the stores page), then finishRebuild (or abortRebuild). Meanwhile
 * `observe` feeds the live sketch as usual and the new one only for profiles at
 * or before the scan's cursor: a profile after it will be read by the scan with
 * its latest value. The scan must read a profile's current value (the one the
 * last `observe` for it ended on), or the new sketch misses a change.
 */
import type { ClusterModel, PopulationState } from '../segments/segment.js';
import { bandBoundaries, bandOfRank, drift, thresholds } from './cohort-bands.js';
import { CohortSketch, type CohortSketchOptions } from './cohort-sketch.js';

/** A cohort as the population tracks it. */
export interface LiveCohort {
  id: string;
  /** Band shares in percent, top first (e.g. [20, 50, 30]). */
  percents: readonly number[];
  /** Values needed in the sketch before anyone is placed in a band. */
  minPopulation: number;
  /** Changes when the cohort's metric changes: the sketch is kept only while it stays the same. */
  sketchKey: string;
}

/** What the admin API shows of a cohort's sketch. */
export interface LiveCohortStatus {
  size: number;
  /** Removed values / size since the sketch was built: its error grows with it. */
  churn: number;
  /** NaN or infinite values ignored since the sketch was built. */
  ignored: number;
  /** The sketch is being built for the first time (after a start or a new metric): no bands. */
  building: boolean;
  /** Not building (the same fact, as PopulationState.cohortReady reports it). */
  ready: boolean;
  /** A rebuild from a scan is under way. */
  rebuilding: boolean;
  /** Metric values at the band boundaries, top first (empty while the sketch is empty). */
  thresholds: number[];
  /** The ranks of those boundaries (share of the population below), top first. */
  bandRanks: number[];
  /** How far, in rank, the boundaries have moved since markRebanded (0 before any). */
  drift: number;
}

interface CohortState {
  cohort: LiveCohort;
  boundaries: number[];
  sketch: CohortSketch;
  building: boolean;
  rebuild: { sketch: CohortSketch; cursor: string | undefined } | undefined;
  /** Thresholds when members were last re-banded. */
  rebanded: number[] | undefined;
}

/** Cohort sketches and cluster models of one workspace. */
export class LivePopulation implements PopulationState {
  private cohorts = new Map<string, CohortState>();
  private readonly models = new Map<string, ClusterModel>();

  constructor(
    cohorts: readonly LiveCohort[] = [],
    private readonly sketchOptions: CohortSketchOptions = {},
  ) {
    this.reconfigure(cohorts);
  }

  /**
   * Applies a config version's cohorts. A cohort whose sketchKey is unchanged
   * keeps its sketch, state and rebuild (its re-band record only if its bands
   * are unchanged); a new one, or one with a new metric, starts empty and
   * building; cohorts no longer listed are dropped. Returns the ids that start
   * empty. Throws a RangeError for a duplicate id or invalid band shares.
   */
  reconfigure(cohorts: readonly LiveCohort[]): string[] {
    const next = new Map<string, CohortState>();
    const fresh: string[] = [];
    for (const cohort of cohorts) {
      if (next.has(cohort.id)) throw new RangeError(`cohort ${cohort.id} is listed twice`);
      const boundaries = bandBoundaries(cohort.percents);
      const kept = this.cohorts.get(cohort.id);
      if (kept !== undefined && kept.cohort.sketchKey === cohort.sketchKey) {
        const sameBands = sameNumbers(kept.boundaries, boundaries);
        next.set(cohort.id, {
          ...kept,
          cohort,
          boundaries,
          rebanded: sameBands ? kept.rebanded : undefined,
        });
      } else {
        fresh.push(cohort.id);
        next.set(cohort.id, {
          cohort,
          boundaries,
          sketch: new CohortSketch(this.sketchOptions),
          building: true,
          rebuild: undefined,
          rebanded: undefined,
        });
      }
    }
    this.cohorts = next;
    return fresh;
  }

  /**
   * The band (0 = top) of a value: undefined for an unknown cohort, while the
   * sketch is building, while it holds fewer than minPopulation values, or for
   * a value that is not finite.
   */
  cohortBand(cohortId: string, value: number): number | undefined {
    const state = this.cohorts.get(cohortId);
    if (state === undefined || state.building || !Number.isFinite(value)) return undefined;
    if (state.sketch.size < state.cohort.minPopulation) return undefined;
    return bandOfRank(state.boundaries, state.sketch.rank(value));
  }

  /** False for an unknown cohort and while its sketch is first being built. */
  cohortReady(cohortId: string): boolean {
    const state = this.cohorts.get(cohortId);
    return state !== undefined && !state.building;
  }

  /** A profile's value moved (see the rebuild protocol above). Unknown cohort: no-op. */
  observe(
    cohortId: string,
    profileId: string,
    from: number | undefined,
    to: number | undefined,
  ): void {
    const state = this.cohorts.get(cohortId);
    if (state === undefined) return;
    state.sketch.observe(from, to);
    const rebuild = state.rebuild;
    if (rebuild !== undefined && rebuild.cursor !== undefined && profileId <= rebuild.cursor) {
      rebuild.sketch.observe(from, to);
    }
  }

  /** A cohort filled by the host's own pass of observes (a new metric) gets its bands. */
  markReady(cohortId: string): void {
    const state = this.cohorts.get(cohortId);
    if (state !== undefined) state.building = false;
  }

  /** Starts a fresh sketch for the scan to fill (a rebuild already under way starts over). */
  beginRebuild(cohortId: string): void {
    const state = this.cohorts.get(cohortId);
    if (state === undefined) return;
    state.rebuild = { sketch: new CohortSketch(this.sketchOptions), cursor: undefined };
  }

  /**
   * The scan read a profile: its value, or undefined when it holds none (the cursor
   * still moves past it, so a value it gains later reaches the new sketch). Ids must
   * ascend. No-op unless rebuilding.
   */
  rebuildAdd(cohortId: string, profileId: string, value: number | undefined): void {
    const rebuild = this.cohorts.get(cohortId)?.rebuild;
    if (rebuild === undefined) return;
    if (value !== undefined) rebuild.sketch.observe(undefined, value);
    if (rebuild.cursor === undefined || profileId > rebuild.cursor) rebuild.cursor = profileId;
  }

  /** The scan is complete: its sketch replaces the live one and the cohort is ready. */
  finishRebuild(cohortId: string): void {
    const state = this.cohorts.get(cohortId);
    if (state?.rebuild === undefined) return;
    state.sketch = state.rebuild.sketch;
    state.rebuild = undefined;
    state.building = false;
  }

  /** The scan stopped: its sketch is dropped and the live one stays. */
  abortRebuild(cohortId: string): void {
    const state = this.cohorts.get(cohortId);
    if (state !== undefined) state.rebuild = undefined;
  }

  /** Members were re-banded: records the current thresholds that `drift` is measured from. */
  markRebanded(cohortId: string): void {
    const state = this.cohorts.get(cohortId);
    if (state !== undefined) state.rebanded = thresholds(state.sketch, state.boundaries);
  }

  /** The cohort's sketch as the admin API shows it; undefined for an unknown cohort. */
  status(cohortId: string): LiveCohortStatus | undefined {
    const state = this.cohorts.get(cohortId);
    if (state === undefined) return undefined;
    const { sketch, boundaries } = state;
    return {
      size: sketch.size,
      churn: sketch.churn,
      ignored: sketch.ignored,
      building: state.building,
      ready: !state.building,
      rebuilding: state.rebuild !== undefined,
      thresholds: thresholds(sketch, boundaries),
      bandRanks: [...boundaries],
      drift: state.rebanded === undefined ? 0 : drift(sketch, state.rebanded, boundaries),
    };
  }

  clusterModel(clusteringId: string): ClusterModel | undefined {
    return this.models.get(clusteringId);
  }

  /** Holds a clustering's trained model; one from an older run than the held one is ignored. */
  setClusterModel(model: ClusterModel): void {
    const held = this.models.get(model.clusteringId);
    if (held !== undefined && held.run > model.run) return;
    this.models.set(model.clusteringId, model);
  }

  dropClusterModel(clusteringId: string): void {
    this.models.delete(clusteringId);
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
