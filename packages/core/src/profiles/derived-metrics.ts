/**
 * Metrics conditions ask profiles to keep beyond the per-name event counters:
 * filtered event counters (`$event` with `where`) and `$sequence` trackers.
 * Both exist only when some published condition names them; an event no spec
 * names costs one Map lookup that misses. They count from the moment a config
 * that names them is applied on (no backfill).
 *
 * DERIVED COUNTERS. ProfileState.derived[key], in the EventCounters layout
 * ([first, last, total, bucket pairs…], windows.ts encoding), updated by every
 * event of the spec's metric name that its `matches` accepts.
 *
 * SEQUENCE TRACKERS. ProfileState.sequences[key] = [completedAt, s_1, …, s_{k−1}]
 * for steps A_1 … A_k within D (k numbers; −1 = none):
 *   s_j is the start time (the time of its A_1) of the latest-starting partial
 *   match of A_1 … A_j (a later start dominates: it leaves more of D);
 *   completedAt is the time of the last step of the latest full match.
 * An event of step i (0-based; every step it names, last first, so one event
 * never fills two steps) at time t: i = 0 sets s_1 = max(s_1, t); i ≥ 1 with
 * s_i ≠ −1, s_i ≤ t and t − s_i ≤ D sets s_{i+1} = max(s_{i+1}, s_i), or, for
 * the last step, completedAt = max(completedAt, t). The first event of step 0
 * creates the tracker. Exact when events are processed in time order ("did A
 * then B with t_B − t_A ≤ D", inclusive); a late event is only required to be
 * no earlier than its match's start.
 *
 * MERGES. Derived counters merge like event counters; trackers slot by slot,
 * the later time winning: each side's progress and completion survive, a match
 * whose steps were split between the two identities before the merge does not.
 * Keys the plan no longer names are dropped by merges and whenever a new
 * counter or tracker is created on the profile.
 */
import type { OnrampEvent } from '../events/event.js';
import type { DerivedCounterSpec, SequenceSpec } from '../conditions/condition.js';
import { isUnsafeKey } from '../json/json.js';
import {
  EVENT_FIRST,
  EVENT_LAST,
  EVENT_TOTAL,
  EVENT_BUCKETS,
  type EventCounters,
  type ProfileState,
} from './profile.js';
import { mergeBuckets, recordEvent, type WindowPlan } from './windows.js';

export interface DerivedPlan {
  /** Specs by metric name. */
  readonly byEvent: ReadonlyMap<string, readonly DerivedCounterSpec[]>;
  readonly keys: ReadonlySet<string>;
}

/** One step index of one sequence that an event name fills. */
export interface SequenceStep {
  readonly spec: SequenceSpec;
  readonly index: number;
}

export interface SequencePlan {
  /** By metric name: the steps it fills, last step first within a spec. */
  readonly byEvent: ReadonlyMap<string, readonly SequenceStep[]>;
  readonly specs: ReadonlyMap<string, SequenceSpec>;
}

export function compileDerivedPlan(specs: readonly DerivedCounterSpec[]): DerivedPlan {
  const byEvent = new Map<string, DerivedCounterSpec[]>();
  const keys = new Set<string>();
  for (const spec of specs) {
    if (keys.has(spec.key) || isUnsafeKey(spec.key)) continue;
    keys.add(spec.key);
    const list = byEvent.get(spec.event) ?? [];
    list.push(spec);
    byEvent.set(spec.event, list);
  }
  return Object.freeze({ byEvent, keys });
}

export function compileSequencePlan(specs: readonly SequenceSpec[]): SequencePlan {
  const byEvent = new Map<string, SequenceStep[]>();
  const unique = new Map<string, SequenceSpec>();
  for (const spec of specs) {
    if (unique.has(spec.key) || isUnsafeKey(spec.key) || spec.steps.length < 2) continue;
    unique.set(spec.key, spec);
    for (let index = spec.steps.length - 1; index >= 0; index--) {
      const name = spec.steps[index] as string;
      const list = byEvent.get(name) ?? [];
      list.push({ spec, index });
      byEvent.set(name, list);
    }
  }
  return Object.freeze({ byEvent, specs: unique });
}

/**
 * Counts one event at `at` into counters (first, last, total, windows); returns
 * the array to keep: an exact-size copy when a bucket was added or dropped (V8
 * keeps growth slack otherwise), the same array else.
 */
export function recordCounter(
  counters: EventCounters,
  at: number,
  windows: WindowPlan,
  now: number,
): EventCounters {
  if (at < (counters[EVENT_FIRST] as number)) counters[EVENT_FIRST] = at;
  if (at > (counters[EVENT_LAST] as number)) counters[EVENT_LAST] = at;
  counters[EVENT_TOTAL] = (counters[EVENT_TOTAL] as number) + 1;
  const length = counters.length;
  recordEvent(counters, windows, at, now, EVENT_BUCKETS);
  return counters.length === length ? counters : counters.slice();
}

/** Updates the filtered counters the event's metric name has specs for. */
export function recordDerived(
  state: ProfileState,
  event: OnrampEvent,
  name: string,
  plan: DerivedPlan,
  windows: WindowPlan,
  now: number,
): void {
  const specs = plan.byEvent.get(name);
  if (specs === undefined) return;
  const at = event.timestamp;
  for (const spec of specs) {
    if (!spec.matches(event)) continue;
    let derived = state.derived;
    if (derived === undefined || !Object.hasOwn(derived, spec.key)) {
      derived = state.derived = pruned(derived, plan.keys);
      derived[spec.key] = [at, at, 0];
    }
    derived[spec.key] = recordCounter(derived[spec.key] as EventCounters, at, windows, now);
  }
}

/** Advances the sequence trackers the event's metric name is a step of. */
export function recordSequences(
  state: ProfileState,
  name: string,
  at: number,
  plan: SequencePlan,
): void {
  const steps = plan.byEvent.get(name);
  if (steps === undefined) return;
  for (const { spec, index } of steps) {
    const sequences = state.sequences;
    let tracker =
      sequences !== undefined && Object.hasOwn(sequences, spec.key)
        ? sequences[spec.key]
        : undefined;
    if (tracker === undefined) {
      if (index !== 0) continue;
      tracker = Array.from({ length: spec.steps.length }, () => -1);
      state.sequences = pruned(sequences, plan.specs);
      state.sequences[spec.key] = tracker;
    }
    advance(tracker, spec, index, at);
  }
}

function advance(tracker: number[], spec: SequenceSpec, index: number, at: number): void {
  if (index === 0) {
    if (at > (tracker[1] as number)) tracker[1] = at;
    return;
  }
  const start = tracker[index] as number;
  if (start < 0 || at < start || at - start > spec.withinMs) return;
  const slot = index === spec.steps.length - 1 ? 0 : index + 1;
  const value = slot === 0 ? at : start;
  if (value > (tracker[slot] as number)) tracker[slot] = value;
}

/** Folds source's derived counters into target's (identity merges); keys the plan lacks are dropped. */
export function mergeDerived(
  target: ProfileState,
  source: ProfileState,
  plan: DerivedPlan,
  windows: WindowPlan,
  now: number,
): void {
  if (target.derived === undefined && source.derived === undefined) return;
  const derived = pruned(target.derived, plan.keys);
  const from = source.derived ?? {};
  for (const key in from) {
    if (!Object.hasOwn(from, key) || !plan.keys.has(key)) continue;
    const counters = from[key] as EventCounters;
    const into = Object.hasOwn(derived, key) ? (derived[key] as EventCounters) : undefined;
    if (into === undefined) {
      const copy = counters.slice(0, EVENT_BUCKETS);
      mergeBuckets(copy, counters, windows, now, EVENT_BUCKETS);
      derived[key] = copy.slice();
      continue;
    }
    into[EVENT_FIRST] = Math.min(into[EVENT_FIRST] as number, counters[EVENT_FIRST] as number);
    into[EVENT_LAST] = Math.max(into[EVENT_LAST] as number, counters[EVENT_LAST] as number);
    into[EVENT_TOTAL] = (into[EVENT_TOTAL] as number) + (counters[EVENT_TOTAL] as number);
    mergeBuckets(into, counters, windows, now, EVENT_BUCKETS);
    derived[key] = into.slice();
  }
  setOrDelete(target, 'derived', derived);
}

/** Folds source's sequence trackers into target's, slot by slot (the later time wins). */
export function mergeSequences(
  target: ProfileState,
  source: ProfileState,
  plan: SequencePlan,
): void {
  if (target.sequences === undefined && source.sequences === undefined) return;
  const sequences = pruned(target.sequences, plan.specs);
  const from = source.sequences ?? {};
  for (const key in from) {
    const spec = plan.specs.get(key);
    if (!Object.hasOwn(from, key) || spec === undefined) continue;
    const tracker = from[key] as number[];
    if (tracker.length !== spec.steps.length) continue;
    const into = Object.hasOwn(sequences, key) ? (sequences[key] as number[]) : undefined;
    if (into === undefined || into.length !== tracker.length) {
      sequences[key] = tracker.slice();
      continue;
    }
    for (let i = 0; i < into.length; i++)
      into[i] = Math.max(into[i] as number, tracker[i] as number);
  }
  setOrDelete(target, 'sequences', sequences);
}

/** A copy of a record without the keys the plan does not name (a new record when absent). */
function pruned<T>(
  record: Record<string, T> | undefined,
  keep: { has(key: string): boolean },
): Record<string, T> {
  const copy: Record<string, T> = {};
  if (record === undefined) return copy;
  for (const key in record) {
    if (Object.hasOwn(record, key) && keep.has(key)) copy[key] = record[key] as T;
  }
  return copy;
}

function setOrDelete(
  target: ProfileState,
  field: 'derived' | 'sequences',
  record: Record<string, number[]>,
): void {
  for (const key in record) {
    if (Object.hasOwn(record, key)) {
      target[field] = record;
      return;
    }
  }
  delete target[field];
}
