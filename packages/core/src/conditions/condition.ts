/**
 * The condition language's public contract: what a condition is evaluated
 * against, what compiling one yields, and how a bad one is reported.
 *
 * One language, shared by rules, segments, content targeting, flags and
 * experiments: MongoDB-style query operators over profile paths (as GrowthBook's
 * targeting), plus behavioural operators over the profile's event history.
 * docs/conditions.md documents every operator; spec/*.json pins the semantics.
 */
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject, JsonValue } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';

/** A condition as written in config: a JSON object (validated when compiled). */
export type ConditionDocument = JsonObject;

/** What a compiled condition reads. Built per evaluation by the caller; never copied. */
export interface EvalInput {
  profile: ProfileState;
  /** Evaluation time (the injected clock), ms since the epoch. */
  now: number;
  /** The event being processed, when evaluation is triggered by one (`event.*` paths). */
  event?: OnrampEvent;
  /** Request context of a decide call (page, locale…): `context.*` paths. */
  context?: JsonObject;
  /**
   * Behavioural values (window counts, engagement) shared by the conditions of one
   * compiler while they evaluate the same profile at the same `now`, with no event
   * applied in between: a rule set's run. Made by createConditionMemo, NaN = not
   * computed yet. Without it, each condition computes what it reads.
   */
  memo?: Float64Array;
  /**
   * Shared by the nextChange calls of one evaluation (same profile, same `now`):
   * a fresh object per evaluation. Without it, each call computes what it needs.
   */
  nextChangeMemo?: NextChangeMemo;
}

/** What nextChange calls of one evaluation share (filled as they need it). */
export interface NextChangeMemo {
  /** The engagement score after each of its next window exits (next-change.ts). */
  engagement?: number[];
}

/** One problem in a condition: `path` locates it inside the condition document. */
export interface ConditionIssue {
  path: (string | number)[];
  message: string;
}

/** Thrown by compileCondition / ConditionCompiler.add; lists every issue found. */
export class ConditionError extends Error {
  constructor(readonly issues: ConditionIssue[]) {
    super(
      issues
        .map(
          (issue) =>
            `${issue.path.length === 0 ? '(condition)' : issue.path.join('.')}: ${issue.message}`,
        )
        .join('; '),
    );
    this.name = 'ConditionError';
  }
}

/**
 * A filtered event counter a condition needs kept on every profile (`$event`
 * with `where`): counted in the profile's `derived` record under `key`, in the
 * EventCounters layout. The key is a stable digest of (event, where), so a
 * config change that keeps the filter keeps its counts.
 */
export interface DerivedCounterSpec {
  key: string;
  /** Metric name of the event (`Feature Used`, `$page`…). */
  event: string;
  /** The compiled `where` over the event (properties, context, traits of the event). */
  matches: (event: OnrampEvent) => boolean;
}

/** A `$sequence` tracker kept on every profile under `key` in its `sequences` record. */
export interface SequenceSpec {
  key: string;
  /** Metric names, in order. */
  steps: readonly string[];
  withinMs: number;
}

/** A part of a profile's activity a condition can read (ConditionNeeds.activity). */
export type ActivityFacet =
  'firstSeen' | 'lastSeen' | 'eventCount' | 'sessions' | 'touch' | 'engagement';

/** What a condition depends on: for indexing rules and for building the profile plan. */
export interface ConditionNeeds {
  /** Metric names whose arrival can change the value (behavioural operators). */
  readonly events: ReadonlySet<string>;
  /** True when a trait/group/consent/identity path is read: identify/group/alias events can change it. */
  readonly readsProfileFacts: boolean;
  /**
   * True when it reads what any event changes: firstSeen, lastSeen, eventCount,
   * sessions, touches, consent, engagement, or `$elapsed` since firstSeen/lastSeen/sessionStart.
   */
  readonly readsActivity?: boolean;
  /**
   * Which parts of the activity it reads: `firstSeen` changes on a profile's first
   * event only, `engagement` on events with an engagement weight, the others on
   * any of the person's events.
   */
  readonly activity?: ReadonlySet<ActivityFacet>;
  /** True when the value can change with time alone (windows, `$elapsed`, `now`). */
  readsTime: boolean;
  /** True when it reads `event.*` (only meaningful for event triggers). */
  readonly readsEvent: boolean;
  readonly readsContext: boolean;
  readonly readsSegments: boolean;
  /** Window durations (ms) the `$event … within` operators need in the profile plan. */
  readonly windows: ReadonlySet<number>;
  readonly derived: readonly DerivedCounterSpec[];
  readonly sequences: readonly SequenceSpec[];
}

/** The value of one node of a condition for one input: a dry run's "why". */
export interface ExplainNode {
  /** Operator or path, e.g. "$and", "traits.plan", "$event". */
  label: string;
  /** The operand as written (JSON). */
  expected?: JsonValue;
  /** The value read from the input, when the node reads one. */
  actual?: JsonValue;
  result: boolean;
  children?: ExplainNode[];
}

/** Which roots besides the profile's a condition may read (default: neither). */
export interface ConditionScope {
  /** `event.*`: the event being processed (rule triggers). */
  event?: boolean;
  /** `context.*`: the request context of a decide call. */
  context?: boolean;
}

/** A compiled filter over one event (rule triggers' and `$event`'s `where`); paths relative to the event. */
export interface CompiledEventFilter {
  /** Never throws. */
  matches(event: OnrampEvent): boolean;
  explain(event: OnrampEvent): ExplainNode;
  readonly document: ConditionDocument;
}

export interface CompiledCondition {
  /** The hot path: never throws, never allocates per call beyond what the operators need. */
  test(input: EvalInput): boolean;
  /** Same value as `test`, with the tree of each node's value. Not for the hot path. */
  explain(input: EvalInput): ExplainNode;
  /**
   * The earliest time t > input.now at which test() could give a different result if
   * nothing but time changed (same profile, no event applied); Infinity when time
   * alone can never change it (needs.readsTime false, or every time-reading leaf is
   * settled). Conservative: may be earlier than the real change, never later.
   * Never throws once the compiler is finished. Rules: next-change.ts and
   * docs/conditions.md "When a condition changes with time".
   */
  nextChange(input: EvalInput): number;
  readonly needs: ConditionNeeds;
  /** The condition as written. */
  readonly document: ConditionDocument;
}
