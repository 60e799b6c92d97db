/**
 * Membership evaluation: what one event, one rule run, one due timer or one
 * back-fill visit does to a profile's segments, cohort bands and cluster label.
 * Pure: it mutates the profile (`segments`, `ranked`, the label trait, the
 * `$segments` timer) and returns the changes; the host emits `Segment Entered` /
 * `Segment Exited`, runs segment-triggered rules and records the writes.
 *
 * Only the segments an event can change are evaluated (the index); time-dependent
 * ones are also re-checked by one timer per profile, due at the earliest time any
 * of them can change (CompiledCondition.nextChange), so nothing scans all profiles
 * on a schedule. Segments reading other segments are re-checked, at most three
 * passes, after a membership change.
 */
import type { EvalInput } from '../conditions/condition.js';
import { resetConditionMemo } from '../conditions/condition-compiler.js';
import { isEngineEvent, type OnrampEvent } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';
import { changesFacts, triggerName } from '../rules/rule-index.js';
import { assignCluster } from '../clustering/assign-cluster.js';
import type { MembershipChange, PopulationState, ProfileMetric } from './segment.js';
import { SEGMENT_TIMER, type SegmentSetRuntime } from './segment-runtime.js';

export interface AudienceOutcome {
  changes: MembershipChange[];
  /** Whether the profile changed: memberships, ranked values, a label trait or the timer. */
  changed: boolean;
  /** A cluster label trait was written (segments and rules reading traits must see it). */
  traitsChanged: boolean;
  /** The `$segments` timer's new due time, when it was armed or moved. */
  armed?: number;
}

export interface AudienceContext {
  now: number;
  population?: PopulationState | undefined;
  /** The rule set's memo (shared compiler); reset here before use. */
  memo?: Float64Array;
}

const MAX_SEGMENT_PASSES = 3;
const noRanks: readonly number[] = [];
/** The earliest a `$segments` timer is re-armed after now (the scheduler checks every 250 ms). */
const MIN_RECHECK_MS = 250;

/** After an event was applied. `full`: evaluate every segment (a new or merged profile). */
export function audiencesForEvent(
  set: SegmentSetRuntime,
  profile: ProfileState,
  event: OnrampEvent,
  context: AudienceContext,
  full = false,
): AudienceOutcome {
  const outcome = emptyAudienceOutcome();
  if (!set.active) return outcome;
  const name = triggerName(event);
  const index = set.index;
  const run = new Run(set, profile, context, outcome);
  if (!full && isEngineEvent(event)) {
    // An event the engine emitted moves no activity: only segments counting it by name.
    run.evaluate(index.named.get(name) ?? noRanks, true);
    run.finish();
    return outcome;
  }
  const ranks = full
    ? set.segments.map((segment) => segment.rank)
    : changesFacts(event)
      ? (index.byEventWithFacts.get(name) ?? index.otherEventsWithFacts)
      : (index.byEvent.get(name) ?? index.otherEvents);
  run.evaluate(ranks, !full);
  run.rankCohorts();
  run.labelClusters();
  if (outcome.traitsChanged) run.evaluate(index.facts);
  run.finish();
  return outcome;
}

/** After rule actions changed traits, decisions or flows. */
export function audiencesAfterFacts(
  set: SegmentSetRuntime,
  profile: ProfileState,
  context: AudienceContext,
): AudienceOutcome {
  const outcome = emptyAudienceOutcome();
  if (!set.active) return outcome;
  const run = new Run(set, profile, context, outcome);
  run.rankCohorts();
  run.labelClusters();
  run.evaluate(set.index.facts);
  run.finish();
  return outcome;
}

/**
 * The `$segments` timer came due: re-checks the time-dependent segments. A stale
 * call (the profile holds another due time) is a no-op.
 */
export function audiencesOnTimer(
  set: SegmentSetRuntime,
  profile: ProfileState,
  dueAt: number,
  context: AudienceContext,
): AudienceOutcome {
  const outcome = emptyAudienceOutcome();
  const timers = profile.rules?.timers;
  if (timers === undefined || !Object.hasOwn(timers, SEGMENT_TIMER)) return outcome;
  if (timers[SEGMENT_TIMER] !== dueAt) return outcome;
  delete timers[SEGMENT_TIMER];
  outcome.changed = true;
  const run = new Run(set, profile, context, outcome);
  run.evaluate(set.index.timed);
  run.rankCohorts();
  run.finish();
  return outcome;
}

export interface SweepScope {
  /** Segments to evaluate (undefined: all). */
  segments?: ReadonlySet<string>;
  cohorts?: boolean;
  clusters?: boolean;
}

/**
 * A background pass over a stored profile (back-fill, re-band, labelling after a
 * clustering run): memberships the config no longer defines are left, then the
 * scope is evaluated.
 */
export function audiencesForSweep(
  set: SegmentSetRuntime,
  profile: ProfileState,
  scope: SweepScope,
  context: AudienceContext,
): AudienceOutcome {
  const outcome = emptyAudienceOutcome();
  const run = new Run(set, profile, context, outcome);
  run.prune();
  const ranks =
    scope.segments === undefined
      ? set.segments.map((segment) => segment.rank)
      : [...scope.segments].flatMap((id) => {
          const segment = set.byId.get(id);
          return segment === undefined ? [] : [segment.rank];
        });
  run.evaluate(ranks.sort((a, b) => a - b));
  if (scope.cohorts === true) run.rankCohorts();
  if (scope.clusters === true) run.labelClusters();
  if (outcome.traitsChanged) run.evaluate(set.index.facts);
  run.finish();
  return outcome;
}

/** Removes a profile's contributions from the cohort sketches: it goes away (merged). */
export function forgetCohortValues(
  set: SegmentSetRuntime,
  profile: ProfileState,
  population: PopulationState | undefined,
): void {
  const ranked = profile.ranked;
  if (ranked === undefined || population === undefined) return;
  for (const cohort of set.cohorts) {
    if (Object.hasOwn(ranked, cohort.rankKey)) {
      population.observe(cohort.id, profile.id, ranked[cohort.rankKey], undefined);
    }
  }
}

export function emptyAudienceOutcome(): AudienceOutcome {
  return { changes: [], changed: false, traitsChanged: false };
}

/**
 * Replaces a loaded profile's membership ids by the config's own strings, so a
 * membership costs one pointer in memory rather than a copy of its id.
 */
export function shareMembershipIds(profile: ProfileState, set: SegmentSetRuntime): void {
  const list = profile.segments;
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const shared = set.ids.get(list[i] as string);
    if (shared !== undefined) list[i] = shared;
  }
}

/** Whether a profile is in a segment or band (own list, no allocation). */
export function isMember(profile: ProfileState, membership: string): boolean {
  return profile.segments !== undefined && profile.segments.includes(membership);
}

class Run {
  private readonly input: EvalInput;
  /** Time-dependent segments evaluated in this run: their next change is recomputed. */
  private readonly timed: number[] = [];
  private membershipChanged = false;

  constructor(
    private readonly set: SegmentSetRuntime,
    private readonly profile: ProfileState,
    private readonly context: AudienceContext,
    private readonly outcome: AudienceOutcome,
  ) {
    if (context.memo !== undefined) resetConditionMemo(context.memo);
    this.input =
      context.memo === undefined
        ? { profile, now: context.now }
        : { profile, now: context.now, memo: context.memo };
  }

  /**
   * Evaluates segments. `byEvent`: after an event, a time-dependent segment whose
   * value did not change keeps its next change at or after the armed timer (events
   * only delay falling counts and growing elapsed times), so it is not recomputed;
   * unless its next change can move earlier without its value changing (engagement,
   * decisions' expiries: `recheckTiming`).
   */
  evaluate(ranks: readonly number[], byEvent = false): void {
    const segments = this.set.segments;
    for (let i = 0; i < ranks.length; i++) {
      const segment = segments[ranks[i] as number];
      if (segment === undefined) continue;
      const changed = this.set_(segment.id, segment.condition.test(this.input));
      if (segment.timed && (changed || !byEvent || segment.recheckTiming)) {
        this.timed.push(segment.rank);
      }
    }
    const reading = this.set.index.readingSegments;
    for (let pass = 0; pass < MAX_SEGMENT_PASSES && this.membershipChanged; pass++) {
      this.membershipChanged = false;
      for (const rank of reading) {
        const segment = segments[rank];
        if (segment !== undefined) this.set_(segment.id, segment.condition.test(this.input));
      }
    }
    this.membershipChanged = false;
  }

  /** Re-ranks the profile in every cohort whose metric moved, and re-bands it. */
  rankCohorts(): void {
    const { population, now } = this.context;
    if (population === undefined) return;
    const profile = this.profile;
    for (const cohort of this.set.cohorts) {
      const raw = cohort.metric(profile, now);
      const value = raw !== undefined && Number.isFinite(raw) ? raw : undefined;
      const ranked = profile.ranked;
      const key = cohort.rankKey;
      const previous = ranked !== undefined && Object.hasOwn(ranked, key) ? ranked[key] : undefined;
      if (value !== previous) {
        population.observe(cohort.id, profile.id, previous, value);
        if (value === undefined) {
          if (ranked !== undefined) delete ranked[key];
          if (ranked !== undefined && Object.keys(ranked).length === 0) delete profile.ranked;
        } else (profile.ranked ??= {})[key] = value;
        this.outcome.changed = true;
      }
      // While the sketch is rebuilt after a start, bands stay as they were.
      if (!population.cohortReady(cohort.id)) continue;
      const band = value === undefined ? undefined : population.cohortBand(cohort.id, value);
      for (let b = 0; b < cohort.memberships.length; b++) {
        this.set_(cohort.memberships[b] as string, b === band);
      }
    }
  }

  /** Assigns the nearest centroid of each trained clustering and writes its label trait. */
  labelClusters(): void {
    const { population, now } = this.context;
    if (population === undefined) return;
    const profile = this.profile;
    for (const job of this.set.clusterings) {
      const model = population.clusterModel(job.id);
      if (model === undefined) continue;
      // The job's own scratch vector: nothing allocated per event.
      const vector = job.scratch;
      for (let f = 0; f < job.features.length; f++) {
        const read = job.features[f] as ProfileMetric;
        vector[f] = read(profile, now) ?? 0;
      }
      const label = assignCluster(model, vector);
      if (label === undefined) continue;
      const traits = profile.traits;
      if (Object.hasOwn(traits, job.trait) && traits[job.trait] === label) continue;
      traits[job.trait] = label;
      this.outcome.changed = true;
      this.outcome.traitsChanged = true;
    }
  }

  /** Leaves memberships the config no longer defines (a deleted segment or band); drops stale ranked values. */
  prune(): void {
    const ranked = this.profile.ranked;
    if (ranked !== undefined) {
      const keys = new Set(this.set.cohorts.map((cohort) => cohort.rankKey));
      for (const key of Object.keys(ranked)) {
        if (keys.has(key)) continue;
        delete ranked[key];
        this.outcome.changed = true;
      }
      if (Object.keys(ranked).length === 0) delete this.profile.ranked;
    }
    const current = this.profile.segments;
    if (current === undefined) return;
    for (const id of [...current]) {
      if (!this.set.memberships.has(id)) this.set_(id, false);
    }
  }

  /**
   * Re-arms the `$segments` timer for the time-dependent segments evaluated in this
   * run. The others' inputs did not change (the index), so their next change is
   * still at or after the armed timer: the new due time is the earlier of the two.
   * An overdue timer is left to fire, which re-checks them all (audiencesOnTimer).
   */
  finish(): void {
    if (this.timed.length === 0) return;
    const { now } = this.context;
    const timers = this.profile.rules?.timers;
    const current =
      timers !== undefined && Object.hasOwn(timers, SEGMENT_TIMER)
        ? timers[SEGMENT_TIMER]
        : undefined;
    if (current !== undefined && current <= now) return;
    let next = current ?? Number.POSITIVE_INFINITY;
    const segments = this.set.segments;
    const input: EvalInput = { ...this.input, nextChangeMemo: {} };
    for (const rank of new Set(this.timed)) {
      const segment = segments[rank];
      if (segment !== undefined) next = Math.min(next, segment.condition.nextChange(input));
    }
    if (!Number.isFinite(next) || next === current) return;
    // Never sooner than the scheduler's resolution: a profile whose state made the
    // computation fail (now + 1 ms) must not wake every millisecond.
    next = Math.max(next, now + MIN_RECHECK_MS);
    if (next === current) return;
    ((this.profile.rules ??= {}).timers ??= {})[SEGMENT_TIMER] = next;
    this.outcome.armed = next;
    this.outcome.changed = true;
  }

  /** Sets a membership; true when it changed. */
  private set_(membership: string, member: boolean): boolean {
    const profile = this.profile;
    const list = profile.segments;
    const was = list !== undefined && list.includes(membership);
    if (was === member) return false;
    if (member) {
      if (list === undefined) profile.segments = [membership];
      else list.push(membership);
    } else {
      const kept = (list as string[]).filter((id) => id !== membership);
      if (kept.length === 0) delete profile.segments;
      else profile.segments = kept;
    }
    this.outcome.changes.push({ segment: membership, on: member ? 'entered' : 'exited' });
    this.outcome.changed = true;
    this.membershipChanged = true;
    return true;
  }
}
