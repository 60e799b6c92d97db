/**
 * The hot state of one person, and the accessors that read its packed parts.
 *
 * The state is plain JSON (every store persists it with JSON.stringify and loads
 * it with JSON.parse) and compact: ≤ 2 KB of V8 heap per active profile
 * (ARCHITECTURE §5, docs/decisions/0005-compact-profile-state.md). Hence numbers
 * that change per event live in number arrays, which V8 stores unboxed, rather
 * than in object fields, where each non-small-integer is a 16-byte box; only
 * present fields are stored; nested records are created when first needed.
 */
import type { JsonObject } from '../json/json.js';
import { countInWindow, countInWindows, type WindowPlan } from './windows.js';

/**
 * Where a person came from and on what, as seen on one event. Only the fields
 * the event had are present (never an undefined one); utm_* flattened.
 */
export interface TouchContext {
  at: number;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
  referrer?: string;
  signupSource?: string;
  page?: string;
  device?: string;
  os?: string;
  browser?: string;
  locale?: string;
  timezone?: string;
}

/** The utm_* fields of a TouchContext, flattened. */
export const touchUtmFields = [
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
] as const;

/** The other optional fields of a TouchContext, in the order summaries show them. */
export const touchDetailFields = [
  'referrer',
  'signupSource',
  'page',
  'device',
  'os',
  'browser',
  'locale',
  'timezone',
] as const;

export interface ConsentState {
  /** Category → granted, as last seen in `context.consent.categoryPreferences`. */
  categories: Record<string, boolean>;
  updatedAt: number;
}

/**
 * Session counters and the current (latest) session, flat. There is a current
 * session once `events` > 0; its id is derived (sessions.ts `sessionId`), not stored.
 */
export interface SessionState {
  count: number;
  /** Sum of the durations of all sessions, the current one included. */
  totalDurationMs: number;
  /** Duration of the session before the current one; null while none is known. */
  previousDurationMs: number | null;
  /** Current session: first event, last event, event count (0: no session yet). */
  start: number;
  last: number;
  events: number;
}

/**
 * Per event name, one number array:
 *   [first, last, total, key, count, key, count, …]
 * first and last time seen, lifetime total, then the bucket pairs of the sliding
 * window counters from index EVENT_BUCKETS on (see windows.ts for their encoding).
 */
export type EventCounters = number[];

export const EVENT_FIRST = 0;
export const EVENT_LAST = 1;
export const EVENT_TOTAL = 2;
/** Index of the first bucket pair in EventCounters. */
export const EVENT_BUCKETS = 3;

/**
 * Everything the engine keeps hot about one person. Plain JSON so that every
 * store can persist it as is; bounded in size by the profile settings.
 */
export interface ProfileState {
  id: string;
  userId?: string;
  anonymousIds: string[];
  /** Increments on every change; the SSE event id. */
  version: number;
  firstSeen: number;
  lastSeen: number;
  traits: JsonObject;
  /** Group (account) traits by groupId, most recent last; absent until the first group event. */
  groups?: Record<string, JsonObject>;
  consent?: ConsentState;
  firstTouch?: TouchContext;
  lastTouch?: TouchContext;
  /** By event name; read with the accessors below (own keys only). */
  events: Record<string, EventCounters>;
  /** Events whose name was beyond maxEventNames, counted but not tracked by name. */
  untrackedEvents: number;
  eventCount: number;
  sessions: SessionState;
  /**
   * Filtered event counters kept for conditions (`$event` with `where`), by spec key;
   * EventCounters layout. Absent until a published condition needs one (derived-metrics.ts).
   */
  derived?: Record<string, EventCounters>;
  /**
   * `$sequence` trackers, by spec key: [completedAt, s_1, …, s_{k−1}], −1 for none
   * (layout and update rule in derived-metrics.ts).
   */
  sequences?: Record<string, number[]>;
  /** Rule bookkeeping: caps, cooldowns, edge triggers, timers (rules/rule-state.ts). */
  rules?: RuleProfileState;
  /** What the profile should see, by placement: set and cleared by rules, read by decide. */
  decisions?: Record<string, PlacementDecision>;
  /** Onboarding flow progress, by flow id (flows/flow-progress.ts). */
  flows?: Record<string, FlowProgress>;
  /**
   * Content id → [shown, clicked, dismissed, completed, last shown at, last dismissed at]
   * (decide/interactions.ts), counted from the standard interaction events.
   */
  interactions?: Record<string, number[]>;
  /**
   * Ids of the segments and cohort bands (`cohort:band`) the profile is in, in the
   * order it entered them; absent when in none. The `segments` condition path.
   */
  segments?: string[];
  /**
   * Cohort id → the metric value this profile last contributed to the cohort's
   * population sketch (removed from it when the value changes).
   */
  ranked?: Record<string, number>;
  /** Experiment id → the variant the profile was exposed to, and its metrics since (experiments/). */
  experiments?: Record<string, ExperimentAssignment>;
}

/**
 * A sticky experiment assignment, stored when a variant is first shown (exposure) and
 * kept through identity merges (experiments/merge-experiments.ts).
 */
export interface ExperimentAssignment {
  variant: string;
  /** When it was stored. */
  at: number;
  /** The first exposure (event time); metrics count events from then on. */
  exposedAt?: number;
  /** Metric id → this user's value since exposure (absent: 0). */
  metrics?: Record<string, number>;
}

/** Rule bookkeeping kept on the profile, all bounded by the rule set's constraints. */
export interface RuleProfileState {
  /** Rule id → [lastFiredAt, firedTotal, …recent firing times, oldest first], bounded by the rule's cap count. */
  fired?: Record<string, number[]>;
  /** Ids of condition-triggered rules whose condition held at the last evaluation (edge detection). */
  holding?: string[];
  /** Times of recent prompts (firings that count against the fatigue budget), oldest first, bounded by its max. */
  prompts?: number[];
  /** Armed time triggers: rule id → due time (ms). */
  timers?: Record<string, number>;
}

export interface PlacementDecision {
  content: string;
  rule: string;
  /** Config version of the rule that decided. */
  version: number;
  priority: number;
  at: number;
  expiresAt?: number;
  variables?: JsonObject;
  /** The segment or band whose entry or exit fired the rule ("why am I seeing this"). */
  segment?: string;
  /** The content variant to render. */
  variant?: string;
  /** Not shown once the content was shown this many times. */
  maxShows?: number;
  /** After a dismissal: absent, never shown again; 0, shown anyway; n, shown again n ms after it. */
  afterDismiss?: number;
}

/**
 * A profile's progress in a flow. Without a flow definition (a rule's advanceFlow
 * naming a flow not in config) only `step` and `at` are kept.
 */
export interface FlowProgress {
  /** The step reached: for a defined flow, the first step still to do ("" once completed). */
  step: string;
  /** Last change. */
  at: number;
  startedAt?: number;
  /** The variant the profile saw at its last update. */
  variant?: string;
  /** Step id → when it was done. */
  done?: Record<string, number>;
  skipped?: Record<string, number>;
  dismissed?: Record<string, number>;
  completedAt?: number;
}

type WithEvents = Pick<ProfileState, 'events'>;

/** The counters of an event name, own properties only (a loaded state may hold "__proto__"). */
export function eventCounters(state: WithEvents, name: string): EventCounters | undefined {
  return Object.hasOwn(state.events, name) ? state.events[name] : undefined;
}

/** Lifetime count of an event name; 0 when never seen (or not tracked by name). */
export function eventTotal(state: WithEvents, name: string): number {
  return eventCounters(state, name)?.[EVENT_TOTAL] ?? 0;
}

/** Earliest timestamp of an event name, or undefined. */
export function eventFirstSeen(state: WithEvents, name: string): number | undefined {
  return eventCounters(state, name)?.[EVENT_FIRST];
}

/** Latest timestamp of an event name, or undefined. */
export function eventLastSeen(state: WithEvents, name: string): number | undefined {
  return eventCounters(state, name)?.[EVENT_LAST];
}

/** Count of an event name in one window (by its index in the plan) at `now`. */
export function eventWindowCount(
  state: WithEvents,
  name: string,
  windows: WindowPlan,
  windowIndex: number,
  now: number,
): number {
  const counters = eventCounters(state, name);
  if (counters === undefined) return 0;
  return countInWindow(counters, windows, windowIndex, now, EVENT_BUCKETS);
}

/** Counts of an event name in every window of the plan, in plan order. */
export function eventWindowCounts(
  state: WithEvents,
  name: string,
  windows: WindowPlan,
  now: number,
): number[] {
  const counters = eventCounters(state, name) ?? [];
  return countInWindows(counters, windows, now, EVENT_BUCKETS);
}
