/**
 * The compiled form of a rule set, internal to rules/: what compileRuleSet builds
 * once per config version and the runtime reads per event. Everything here is
 * immutable once built; per-profile state lives on the profile (`rules`,
 * `decisions`, `flows`).
 */
import type { CompiledCondition, ExplainNode } from '../conditions/condition.js';
import type { OnrampEvent } from '../events/event.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import type { Action, RuleDefinition, RuleSettings } from './rule-schema.js';
import type { CompiledRule, CompiledRuleSet } from './rule.js';
import type { TimeZones } from './local-time.js';

/** A compiled `where` over an event (the condition compiler's event filter). */
export interface EventFilter {
  matches(event: OnrampEvent): boolean;
  explain(event: OnrampEvent): ExplainNode;
}

export type CompiledTrigger =
  | { readonly type: 'event'; readonly event: string; readonly filter: EventFilter | undefined }
  | { readonly type: 'condition' }
  | { readonly type: 'segment'; readonly segment: string; readonly on: 'entered' | 'exited' }
  | { readonly type: 'inactive'; readonly forMs: number }
  | {
      readonly type: 'delay';
      readonly event: string;
      readonly filter: EventFilter | undefined;
      readonly delayMs: number;
      readonly unless: readonly string[];
    }
  | {
      readonly type: 'localTime';
      /** Minutes after local midnight. */
      readonly minute: number;
      /** Weekdays as a bitmask, bit n = Date#getUTCDay n. */
      readonly days: number;
    };

export type TimerTrigger = Extract<CompiledTrigger, { type: 'inactive' | 'delay' | 'localTime' }>;

/** An action with what it needs precomputed; `action` is the definition's, as configured. */
export type CompiledAction =
  | {
      readonly type: 'decide';
      readonly action: Action;
      readonly placement: string;
      readonly content: string;
      readonly ttlMs: number | undefined;
      readonly variables: string | undefined;
      readonly variant?: string;
      readonly maxShows?: number;
      /** 0: shown even when dismissed; n: shown again n ms after a dismissal; absent: hidden. */
      readonly afterDismissMs?: number;
    }
  | { readonly type: 'clearDecision'; readonly action: Action; readonly placement: string }
  | {
      readonly type: 'setTrait';
      readonly action: Action;
      readonly path: readonly string[];
      readonly value: string;
    }
  | { readonly type: 'unsetTrait'; readonly action: Action; readonly path: readonly string[] }
  | {
      readonly type: 'emit';
      readonly action: Action;
      readonly event: string;
      readonly properties: string | undefined;
      /** Appended to the messageId when a rule emits more than once (0 for the first: no suffix). */
      readonly ordinal: number;
    }
  | {
      readonly type: 'advanceFlow';
      readonly action: Action;
      readonly flow: string;
      /** Absent: the flow's current step (a flow defined in config). */
      readonly step: string | undefined;
    }
  | {
      readonly type: 'message';
      readonly action: Action;
      readonly channel: 'webhook' | 'email';
      readonly template: string;
      readonly variables: string | undefined;
      readonly ordinal: number;
    };
// JSON values (trait values, properties, variables) are kept as JSON text and
// parsed when a rule fires, so a profile never shares an object with the config.

export interface CompiledConstraints {
  readonly activeFrom: number | undefined;
  readonly activeUntil: number | undefined;
  readonly consent: string | undefined;
  readonly once: boolean;
  readonly cooldownMs: number | undefined;
  readonly cap: { readonly count: number; readonly perMs: number } | undefined;
  /** Minutes after local midnight, [from, to), possibly across midnight. */
  readonly quietHours: { readonly from: number; readonly to: number } | undefined;
  /** Whether a firing counts against the user's fatigue budget. */
  readonly prompt: boolean;
}

export interface RuleRuntime extends CompiledRule {
  readonly id: string;
  /** Position in evaluation order (priority desc, then config order). */
  readonly rank: number;
  readonly priority: number;
  readonly enabled: boolean;
  readonly trigger: CompiledTrigger;
  readonly condition: CompiledCondition | undefined;
  readonly actions: readonly CompiledAction[];
  readonly constraints: CompiledConstraints;
  /** Placements the rule's decide actions compete for. */
  readonly placements: readonly string[];
}

/**
 * Which rules an event can set off, as ranks (ascending = evaluation order).
 * Lists are built at compile time, so a lookup allocates nothing.
 */
export interface RuleIndex {
  /** Metric name → rules to evaluate: event triggers, "*" triggers, condition rules it can change. */
  readonly byEvent: ReadonlyMap<string, readonly number[]>;
  /** Same, plus condition rules reading traits, groups, consent or identity. */
  readonly byEventWithFacts: ReadonlyMap<string, readonly number[]>;
  /** For a metric name not in the maps. */
  readonly otherEvents: readonly number[];
  readonly otherEventsWithFacts: readonly number[];
  /** Metric name → delay rules armed by it, and those cancelled by it. */
  readonly delayArm: ReadonlyMap<string, readonly number[]>;
  readonly delayCancel: ReadonlyMap<string, readonly number[]>;
  readonly inactive: readonly number[];
  readonly localTime: readonly number[];
  /** `${segment}:${on}` → segment-triggered rules. */
  readonly bySegment: ReadonlyMap<string, readonly number[]>;
  /** Condition rules reading segment membership: re-checked on every segment change. */
  readonly segmentConditions: readonly number[];
  /** Condition rules reading traits, groups, consent, identity, decisions or flows. */
  readonly factConditions: readonly number[];
}

export interface RuleSetRuntime extends CompiledRuleSet {
  readonly [ruleSetBrand]: true;
  /** In evaluation order: rules[rank]. */
  readonly rules: readonly RuleRuntime[];
  readonly byId: ReadonlyMap<string, RuleRuntime>;
  readonly index: RuleIndex;
  readonly timeZones: TimeZones;
  readonly fatigue: { readonly max: number; readonly perMs: number } | undefined;
  readonly settings: RuleSettings;
  readonly profilePlan: ProfilePlan;
  readonly definitions: readonly RuleDefinition[];
  /**
   * The conditions' shared memo (EvalInput.memo), reused by every run: reset at the
   * start of each, so the rules of one run count each window and engagement once.
   * Runs never interleave (the processor runs one at a time).
   */
  readonly memo: Float64Array;
}

/** Marks a rule set built by compileRuleSet. */
export const ruleSetBrand: unique symbol = Symbol('onramp.ruleSet');

/** The compiled form of a set; a set not built by compileRuleSet is a programming error. */
export function runtimeOf(set: CompiledRuleSet): RuleSetRuntime {
  if ((set as Partial<Record<typeof ruleSetBrand, boolean>>)[ruleSetBrand] !== true) {
    throw new TypeError('not a rule set built by compileRuleSet');
  }
  return set as RuleSetRuntime;
}
