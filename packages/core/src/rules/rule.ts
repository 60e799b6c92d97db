/**
 * The rules runtime contract: a compiled, indexed rule set (one per published
 * config version), what a firing records, and the effects the host carries out.
 * Evaluation is pure: it mutates the profile it is given (traits, decisions,
 * flows, rule bookkeeping) and returns what must happen outside it.
 */
import type { ExplainNode } from '../conditions/condition.js';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { Action, RuleDefinition, RuleSettings } from './rule-schema.js';
import type { SegmentSetRuntime } from '../segments/segment-runtime.js';
import type { FlowChange } from '../flows/flow.js';
import type { DecideRuntime } from '../decide/decide-runtime.js';
import type { CompiledFlagSet } from '../flags/flag.js';
import type { CompiledExperimentSet } from '../experiments/experiment.js';

/** One problem in a rule set; `path` starts at the rules array: [index, 'condition', …]. */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

const issueRoots: Readonly<Record<string, string>> = {
  '(settings)': 'ruleSettings',
  '(segments)': 'segments',
  '(cohorts)': 'cohorts',
  '(clusterings)': 'clusterings',
  '(content)': 'content',
  '(placements)': 'placements',
  '(flows)': 'flows',
  '(contentSettings)': 'contentSettings',
  '(flags)': 'flags',
  '(experiments)': 'experiments',
};

/**
 * An issue's path from the config's top: `['rules', 0, 'condition']`,
 * `['segments', 2, 'id']`, `['ruleSettings', 'fatigue']` (as the config file names them).
 */
export function configPathOf(path: readonly (string | number)[]): (string | number)[] {
  const [first, ...rest] = path;
  const root =
    typeof first === 'string' && Object.hasOwn(issueRoots, first) ? issueRoots[first] : undefined;
  return root === undefined ? ['rules', ...path] : [root, ...rest];
}

/** An issue's path as text: `rules.0.condition`, `segments.2.id`, `ruleSettings.fatigue`. */
export function issuePath(path: readonly (string | number)[]): string {
  return configPathOf(path).join('.');
}

export class RuleConfigError extends Error {
  constructor(readonly issues: RuleIssue[]) {
    super(issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`).join('; '));
    this.name = 'RuleConfigError';
  }
}

/** What set a rule off. */
export type FiringCause =
  | { type: 'event'; event: string; messageId: string }
  | { type: 'condition'; event?: string; messageId?: string }
  | { type: 'segment'; segment: string; on: 'entered' | 'exited' }
  | { type: 'timer'; trigger: 'inactive' | 'delay' | 'localTime'; dueAt: number };

/** A firing as recorded in the firing log and listed per profile. */
export interface RuleFiring {
  profileId: string;
  ruleId: string;
  /** Config version the rule fired under. */
  version: number;
  at: number;
  cause: FiringCause;
  /** The actions carried out, as configured (decide/message variables included). */
  actions: Action[];
}

/** What the host must do beyond the profile: append an event, queue a message. */
export type RuleEffect =
  | {
      type: 'emit';
      /** The event to append: a track event of the profile's identity, with a deterministic messageId. */
      event: OnrampEvent;
    }
  | {
      type: 'message';
      /** Deterministic, so a replay queues it once: `<ruleId>:<profileId>:<cause key>`. */
      id: string;
      profileId: string;
      ruleId: string;
      channel: 'webhook' | 'email';
      template: string;
      variables: JsonObject;
      at: number;
    };

/** Result of running rules on one profile for one trigger. */
export interface RuleOutcome {
  firings: RuleFiring[];
  effects: RuleEffect[];
  /** Whether the profile changed (traits, decisions, flows, rule bookkeeping, timers). */
  changed: boolean;
  /** Timers armed or re-armed by this run (for the host's scheduler): rule id → due time. */
  armed: { ruleId: string; dueAt: number }[];
  /** Flow progress made by advanceFlow actions on flows defined in config. */
  flowChanges?: FlowChange[];
  /** Rules that were triggered and whose condition held, but a constraint stopped (for metrics). */
  suppressed?: { ruleId: string; reason: SuppressionReason }[];
}

export type SuppressionReason =
  | 'disabled'
  | 'inactive-period'
  | 'no-consent'
  | 'quiet-hours'
  | 'once'
  | 'cooldown'
  | 'cap'
  | 'fatigue'
  | 'chain-depth'
  | 'lost-placement';

/** Why a rule would or would not fire: a dry run's answer for one rule. */
export interface RuleExplanation {
  ruleId: string;
  /** Did the trigger match (event name and where, edge crossing, due timer)? */
  triggered: boolean;
  trigger?: ExplainNode;
  condition?: ExplainNode;
  /** True when it would fire. */
  fires: boolean;
  /** The constraint that stops it, when triggered and the condition holds. */
  suppressedBy?: SuppressionReason;
  actions: Action[];
}

export interface CompiledRule {
  readonly definition: RuleDefinition;
  /** Position in the config: the tie-breaker after priority. */
  readonly order: number;
}

/** A published rule set: compiled, indexed by trigger, immutable. */
export interface CompiledRuleSet {
  readonly version: number;
  readonly settings: RuleSettings;
  /** The profile plan with every window, filtered counter and sequence the conditions need. */
  readonly profilePlan: ProfilePlan;
  readonly rules: readonly CompiledRule[];
  readonly definitions: readonly RuleDefinition[];
  /** Whether any rule has a time trigger (the host then runs a timer scheduler). */
  readonly hasTimers: boolean;
  /** The version's segments, cohorts and clusterings, compiled with the rules. */
  readonly audiences: SegmentSetRuntime;
  /** The version's content, placements and flows, for decide and the processor. */
  readonly decide: DecideRuntime;
  /** The version's feature flags (evaluateFlag), compiled with the rules: one profile plan. */
  readonly flags: CompiledFlagSet;
  /** The version's experiments, compiled with the rules: one profile plan. */
  readonly experiments: CompiledExperimentSet;
  /** Shared by every condition of the version (rules and segments): see EvalInput.memo. */
  readonly memo: Float64Array;
}

/** How an event reaches the rules: `depth` counts emit hops (0 for an ingested event). */
export interface EventRunOptions {
  now: number;
  depth: number;
}

export type RulesForEvent = (
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent,
  options: EventRunOptions,
) => RuleOutcome;
