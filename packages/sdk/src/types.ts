import type { OnrampError } from './errors.js';

// The public shapes of @onramp/sdk. The React bindings and the demo code against these;
// the wire shapes are those of docs/decide.md and docs/realtime.md#decision-stream.

/** A JSON value as it goes on the wire. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Why a decision shows what it shows (docs/decide.md#reasons). */
export type DecisionReason =
  | {
      type: 'rule';
      rule: string;
      version: number;
      priority: number;
      at: string;
      segment?: string;
      variant?: string;
    }
  | { type: 'flow'; flow: string; step: string; variant?: string }
  | { type: 'experiment'; experiment: string; variant: string }
  | { type: 'default'; fallback?: FallbackCode }
  | { type: 'none'; fallback?: FallbackCode };

export type FallbackCode =
  'no-consent' | 'missing-data' | 'render-error' | 'unknown-content' | 'wrong-type';

export interface FlowStepView {
  id: string;
  required: boolean;
  status: 'todo' | 'done' | 'skipped' | 'dismissed';
  content?: string;
  placement?: string;
  title?: string;
  at?: string;
}

/** A flow's progress for one person (docs/flows.md#progress). */
export interface FlowView {
  flow: string;
  variant?: string;
  started: boolean;
  eligible?: boolean;
  current?: string;
  nextBest?: string;
  done: number;
  total: number;
  requiredDone: number;
  requiredTotal: number;
  percent: number;
  completed: boolean;
  startedAt?: string;
  completedAt?: string;
  timeToCompleteMs?: number;
  steps: FlowStepView[];
}

export interface DecisionContent {
  id: string;
  type: 'message' | 'banner' | 'tooltip' | 'modal' | 'checklist' | 'tour' | 'offer';
  locale: string;
  variant?: string;
  /** Rendered fields: strings, or nested objects/arrays of them (a tour's `steps`, a `cta`). */
  fields: JsonObject;
  /** For checklist content: the flow it shows. */
  checklist?: FlowView;
}

/** The properties to send with interaction events (Content Shown / Clicked / Dismissed / Completed). */
export interface DecisionTrack {
  placement: string;
  content: string;
  variant?: string;
  rule?: string;
  flow?: string;
  step?: string;
}

/** What one placement should show, and why. */
export interface Decision {
  placement: string;
  content: DecisionContent | null;
  reason: DecisionReason;
  error?: { code: FallbackCode; message: string; content: string };
  validUntil?: string;
  track?: DecisionTrack;
}

/** OpenFeature's resolution reasons, as the engine gives them (docs/flags.md). */
export type FlagReason =
  'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'PREREQUISITE_FAILED' | 'ERROR';

/** One flag's evaluation for this user (docs/decide.md#flags). On error, value is null. */
export interface FlagEvaluation {
  value: Json;
  variant?: string;
  reason: FlagReason;
  errorCode?: string;
  errorMessage?: string;
  /** The experiment that chose the value and its variant: send them in `Experiment Viewed`. */
  experiment?: string;
  experimentVariant?: string;
}

export interface DecideResult {
  version: number;
  profileId?: string;
  userId?: string;
  profileVersion: number;
  personalized: boolean;
  decisions: Record<string, Decision>;
  flows?: Record<string, FlowView>;
  /** With `flags` asked for: each flag's evaluation, by key. */
  flags?: Record<string, FlagEvaluation>;
  validUntil?: string;
}

export interface DecideOptions {
  /** Request context for templates and `when` conditions; `page` is filled from location in browsers. */
  context?: JsonObject;
  locale?: string;
  /** Include every flow's progress. */
  flows?: boolean;
  /** Evaluate flags too: true for every flag, or these keys. */
  flags?: boolean | string[];
}

/** One message of the decision stream, after the SDK merged it into its state. */
export interface DecisionUpdate {
  /** The stream message id (`<config>.<profile version>.<digest>`), used to resume. */
  id: string;
  /** true: the message replaced the whole state; false: only `changed` placements changed. */
  full: boolean;
  version: number;
  profileVersion: number;
  /** Placement ids whose decision changed in this message (removed ones included). */
  changed: string[];
  /** The merged state after the message: every streamed placement's current decision. */
  decisions: Readonly<Record<string, Decision>>;
  /** The merged flow views, when the subscription asked for flows. */
  flows: Readonly<Record<string, FlowView>>;
  /** Flag keys whose evaluation changed in this message (removed ones included). */
  changedFlags: string[];
  /** The merged flag evaluations, when a subscription asked for flags. */
  flags: Readonly<Record<string, FlagEvaluation>>;
}

export interface SubscribeOptions {
  /** Placements to stream; every placement of the config when absent. */
  placements?: string[];
  locale?: string;
  /** Page URL for `context.page`; the current location in browsers. */
  url?: string;
  flows?: boolean;
  /** Stream flags too: true for every flag, or these keys (the stream carries the union). */
  flags?: boolean | string[];
}

export type Unsubscribe = () => void;

/** Segment's `context.consent.categoryPreferences`: purpose → allowed. */
export type CategoryPreferences = Record<string, boolean>;

/** A key/value store the SDK keeps its queue and ids in: localStorage in browsers. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ConsentOptions {
  /**
   * Events of a category the user has not answered: `hold` keeps them queued until consent
   * is given (then sent) or refused (then dropped); `drop` discards them; `send` sends them.
   * Default `hold`.
   */
  whenUnknown?: 'hold' | 'drop' | 'send';
  /** The category every event needs, unless the event names its own in `options.categories`. */
  defaultCategories?: string[];
  /** Known answers at start (otherwise read from storage). */
  preferences?: CategoryPreferences;
}

export interface OnrampOptions {
  writeKey: string;
  /** The engine's base URL, e.g. `http://localhost:4000`. */
  host: string;
  /** A signed-in user known at start, with the token the app's backend signed. */
  userId?: string;
  userToken?: string;
  storage?: StorageLike;
  /** Send when this many events are queued (default 20) or after flushIntervalMs (default 1000). */
  flushAt?: number;
  flushIntervalMs?: number;
  /** Most events kept in the offline queue; the oldest are dropped beyond it (default 1000). */
  maxQueueSize?: number;
  /** Backoff between retries of a failed batch: min, max (ms), doubling with jitter. */
  retry?: { minDelayMs?: number; maxDelayMs?: number };
  consent?: ConsentOptions;
  /** Injected for tests and Node: fetch, timers and the clock. */
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * Called with every problem the SDK cannot throw: events refused by the engine (4xx other
   * than 408/429, dropped; `messageIds` names them), a failing send (first failure of a run
   * of retries), bad input to a tracking call, a refused stream. Without it, the first
   * problem is logged once with console.warn.
   */
  onError?: (error: OnrampError) => void;
  /** Timers for the flush interval, retries and reconnections (default: the global ones). */
  timers?: {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  };
  /** Random numbers in [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
}

export interface EventOptions {
  /** Consent categories this event needs (overrides consent.defaultCategories). */
  categories?: string[];
  context?: JsonObject;
  timestamp?: Date | string;
  messageId?: string;
}

export interface IdentifyOptions extends EventOptions {
  /** The user token your backend signed for this userId; needed for decide and subscribe. */
  token?: string;
}

export type InteractionKind = 'shown' | 'clicked' | 'dismissed' | 'completed';

export interface OnrampClient {
  track(event: string, properties?: JsonObject, options?: EventOptions): void;
  identify(userId: string | null, traits?: JsonObject, options?: IdentifyOptions): void;
  page(name?: string, properties?: JsonObject, options?: EventOptions): void;
  group(groupId: string, traits?: JsonObject, options?: EventOptions): void;
  alias(userId: string, previousId?: string, options?: EventOptions): void;
  /** Sends what is queued now; resolves when the queue is empty or the send failed (kept for retry). */
  flush(): Promise<void>;

  /** Sends Content Shown / Clicked / Dismissed / Completed with the decision's `track`. */
  interaction(kind: InteractionKind, decision: Decision): void;

  decide(placements?: string[], options?: DecideOptions): Promise<DecideResult>;
  /** Opens (or joins) the decision stream; resumes after a disconnect with its last id. */
  subscribe(onDecision: (update: DecisionUpdate) => void, options?: SubscribeOptions): Unsubscribe;
  /** The latest merged decisions of the open subscription (empty before the first message). */
  getDecisions(): Readonly<Record<string, Decision>>;
  getFlows(): Readonly<Record<string, FlowView>>;
  /** The latest flag evaluations of the open subscription (subscribe with `flags`). */
  getFlags(): Readonly<Record<string, FlagEvaluation>>;
  /**
   * A flag's streamed value, or `defaultValue` when the flag is not streamed (yet), failed,
   * or has a value of another type than `defaultValue`.
   */
  getFlag<T>(key: string, defaultValue: T): T;

  setConsent(preferences: CategoryPreferences): void;
  getConsent(): CategoryPreferences;

  readonly anonymousId: string;
  readonly userId: string | null;
  /** Forget the user (sign-out): new anonymousId, no userId or token; the stream is closed. */
  reset(): void;
  /** Flushes, closes streams and timers. */
  close(): Promise<void>;
}
