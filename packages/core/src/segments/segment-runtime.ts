/**
 * The compiled form of a config version's segments, cohorts and clusterings:
 * built once by compileSegments (inside compileRuleSet, sharing the rules'
 * condition compiler and profile plan) and read per event. Immutable.
 */
import type { CompiledCondition } from '../conditions/condition.js';
import type {
  ClusteringDefinition,
  CohortDefinition,
  SegmentDefinition,
} from './segment-schema.js';
import type { ProfileMetric } from './segment.js';

export interface SegmentRuntime {
  readonly id: string;
  /** Position in the config: evaluation order. */
  readonly rank: number;
  readonly definition: SegmentDefinition;
  readonly condition: CompiledCondition;
  /** Its membership can change with time alone: kept right by the `$segments` timer. */
  readonly timed: boolean;
  /**
   * Its next change can move earlier without its value changing (it reads engagement,
   * or facts such as decisions with an expiry): recomputed at every evaluation.
   */
  readonly recheckTiming: boolean;
}

export interface CohortRuntime {
  readonly id: string;
  readonly definition: CohortDefinition;
  readonly metric: ProfileMetric;
  /** Membership id of each band, top first (`cohort:band`). */
  readonly memberships: readonly string[];
  /** Band shares in percent, top first. */
  readonly percents: readonly number[];
  /** Changes when the metric changes: a sketch kept across versions only while it is the same. */
  readonly sketchKey: string;
  /**
   * Key of the profile's value in `ranked`: the id and a digest of the metric, so a
   * changed metric starts afresh instead of removing values of the old one.
   */
  readonly rankKey: string;
}

export interface ClusteringRuntime {
  readonly id: string;
  readonly definition: ClusteringDefinition;
  readonly features: readonly ProfileMetric[];
  /** The trait the label is written to. */
  readonly trait: string;
  readonly everyMs: number | undefined;
  /** Reused for the feature vector on the hot path (one per job; the processor is single-threaded). */
  readonly scratch: number[];
}

/** Which segments an event can change, by what their conditions read (as the rule index). */
export interface SegmentIndex {
  readonly byEvent: ReadonlyMap<string, readonly number[]>;
  readonly byEventWithFacts: ReadonlyMap<string, readonly number[]>;
  readonly otherEvents: readonly number[];
  readonly otherEventsWithFacts: readonly number[];
  /**
   * Only the segments that name an event in `$event` / `$sequence`: what an event the
   * engine emitted (a rule's, a membership change's) is evaluated against, as it is
   * not the person's activity.
   */
  readonly named: ReadonlyMap<string, readonly number[]>;
  /** Segments reading traits, groups, consent, identity, decisions or flows: re-checked after rule actions. */
  readonly facts: readonly number[];
  /** Segments reading other memberships: re-checked after any membership change. */
  readonly readingSegments: readonly number[];
  /** Segments whose membership changes with time alone. */
  readonly timed: readonly number[];
}

export interface SegmentSetRuntime {
  readonly segments: readonly SegmentRuntime[];
  readonly byId: ReadonlyMap<string, SegmentRuntime>;
  readonly index: SegmentIndex;
  readonly cohorts: readonly CohortRuntime[];
  readonly clusterings: readonly ClusteringRuntime[];
  /** Every membership id the config defines: segment ids and cohort band ids. */
  readonly memberships: ReadonlySet<string>;
  /** The same ids, each mapped to the config's own string (shared by loaded profiles). */
  readonly ids: ReadonlyMap<string, string>;
  /** Whether there is anything to evaluate at all (the processor skips the work otherwise). */
  readonly active: boolean;
}

/** The key of the one timer per profile that re-checks its time-dependent segments. */
export const SEGMENT_TIMER = '$segments';

export const emptySegmentSet: SegmentSetRuntime = Object.freeze({
  segments: [],
  byId: new Map(),
  index: {
    byEvent: new Map(),
    byEventWithFacts: new Map(),
    otherEvents: [],
    otherEventsWithFacts: [],
    named: new Map(),
    facts: [],
    readingSegments: [],
    timed: [],
  },
  cohorts: [],
  clusterings: [],
  memberships: new Set<string>(),
  ids: new Map<string, string>(),
  active: false,
});
