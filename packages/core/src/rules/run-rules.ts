/**
 * The rules runtime: what one event, one due timer or one segment change does to
 * a profile under one compiled rule set. Pure: it mutates the profile it is given
 * and returns the firings and the effects for the host. Never throws on data.
 *
 * Per event: timers first (re-arm inactivity, cancel/arm delays, arm missing
 * localTime timers), then the indexed candidates in evaluation order (priority
 * desc, then config order): trigger → condition → constraints → fire. A rule's
 * actions are seen by the rules evaluated after it in the same run; when they
 * changed traits, decisions or flows, the condition triggers reading those are
 * re-checked once more at the end of the run (their firings change nothing more:
 * one extra pass, never a loop).
 */
import type { EvalInput } from '../conditions/condition.js';
import { resetConditionMemo } from '../conditions/condition-compiler.js';
import { emittingRule, type OnrampEvent } from '../events/event.js';
import { isJsonObject } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';
import { fireRule, losesPlacement, newRun, type RuleRun } from './apply-actions.js';
import { checkConstraints } from './constraints.js';
import type {
  EventRunOptions,
  CompiledRuleSet,
  FiringCause,
  RuleOutcome,
  SuppressionReason,
} from './rule.js';
import { candidatesFor, triggerName } from './rule-index.js';
import { runtimeOf, type RuleRuntime, type RuleSetRuntime } from './rule-runtime.js';
import {
  armTimer,
  armTimersForEvent,
  cancelTimer,
  nextLocalTimeDue,
  timerOf,
} from './rule-timers.js';

/** Runs the rules an event can set off; called by the processor right after applyEvent. */
export function runRulesForEvent(
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent,
  options: EventRunOptions,
): RuleOutcome {
  const runtime = runtimeOf(set);
  const outcome = emptyOutcome();
  const { now, depth } = options;
  // Too deep in a chain of emitted events: the event updated the profile, no rule runs.
  if (depth > runtime.settings.maxChainDepth) return outcome;
  const emittedBy = emittingRule(event);
  const name = triggerName(event);
  armTimersForEvent(runtime, profile, event, name, now, emittedBy !== undefined, outcome);
  const candidates = candidatesFor(runtime.index, event, name);
  if (candidates.length > 0) {
    const run = newRun(runtime, profile, now, depth, outcome);
    // Actions change no event counter, so the memo stays true for the whole run.
    resetConditionMemo(runtime.memo);
    const withEvent: EvalInput = { profile, now, event, memo: runtime.memo };
    const withoutEvent: EvalInput = { profile, now, memo: runtime.memo };
    for (const rank of candidates) {
      const rule = runtime.rules[rank] as RuleRuntime;
      if (rule.trigger.type === 'event') {
        runEventRule(run, rule, event, name, withEvent, emittedBy);
      } else if (rule.trigger.type === 'condition' && crossed(run, rule, withoutEvent)) {
        if (emittedBy === rule.id || suppression(run, rule) !== undefined) continue;
        fireRule(run, rule, { type: 'condition', event: name, messageId: event.messageId });
      }
    }
    if (run.factsChanged) {
      recheckFacts(run, { type: 'condition', event: name, messageId: event.messageId }, emittedBy);
    }
  }
  return finish(profile, outcome);
}

/** The extra pass over condition triggers reading facts that actions of this run changed. */
function recheckFacts(run: RuleRun, cause: FiringCause, emittedBy?: string): void {
  const input: EvalInput = { profile: run.profile, now: run.now, memo: run.set.memo };
  for (const rank of run.set.index.factConditions) {
    const rule = run.set.rules[rank] as RuleRuntime;
    if (!crossed(run, rule, input)) continue;
    if (emittedBy === rule.id || suppression(run, rule) !== undefined) continue;
    fireRule(run, rule, cause);
  }
}

function runEventRule(
  run: RuleRun,
  rule: RuleRuntime,
  event: OnrampEvent,
  name: string,
  input: EvalInput,
  emittedBy: string | undefined,
): void {
  const trigger = rule.trigger;
  if (trigger.type !== 'event' || (trigger.event !== '*' && trigger.event !== name)) return;
  if (trigger.filter !== undefined && !trigger.filter.matches(event)) return;
  if (rule.condition !== undefined && !rule.condition.test(input)) return;
  if (emittedBy === rule.id || suppression(run, rule) !== undefined) return;
  fireRule(run, rule, { type: 'event', event: name, messageId: event.messageId });
}

/**
 * Fires a due time trigger: only if the profile still holds that exact due time
 * (else a stale call: no-op, `changed` false). The timer is consumed; a localTime
 * trigger is re-armed for its next occurrence; then condition and constraints.
 */
export function runRuleTimer(
  set: CompiledRuleSet,
  profile: ProfileState,
  ruleId: string,
  dueAt: number,
  now: number,
): RuleOutcome {
  const runtime = runtimeOf(set);
  const outcome = emptyOutcome();
  if (timerOf(profile, ruleId) !== dueAt) return outcome;
  cancelTimer(profile, ruleId);
  outcome.changed = true;
  const rule = runtime.byId.get(ruleId);
  const trigger = rule?.trigger;
  if (rule === undefined || !rule.enabled || trigger === undefined) return finish(profile, outcome);
  if (trigger.type !== 'inactive' && trigger.type !== 'delay' && trigger.type !== 'localTime') {
    return finish(profile, outcome);
  }
  if (trigger.type === 'localTime') {
    const next = nextLocalTimeDue(runtime, rule, profile, Math.max(now, dueAt));
    if (next !== undefined) armTimer(profile, ruleId, next, outcome);
  }
  if (rule.condition === undefined || rule.condition.test({ profile, now })) {
    const run = newRun(runtime, profile, now, 0, outcome);
    if (suppression(run, rule) === undefined) {
      fireRule(run, rule, { type: 'timer', trigger: trigger.type, dueAt });
      if (run.factsChanged) recheckFacts(run, { type: 'condition' });
    }
  }
  return finish(profile, outcome);
}

/**
 * Runs the rules a segment membership change can set off: the segment's triggers
 * and the condition rules reading segments. (Wired when segments land.)
 */
export function runRulesForSegmentChange(
  set: CompiledRuleSet,
  profile: ProfileState,
  segmentId: string,
  on: 'entered' | 'exited',
  now: number,
): RuleOutcome {
  const runtime = runtimeOf(set);
  const outcome = emptyOutcome();
  const triggered = runtime.index.bySegment.get(`${segmentId}:${on}`) ?? [];
  const conditions = runtime.index.segmentConditions;
  if (triggered.length + conditions.length === 0) return outcome;
  const run = newRun(runtime, profile, now, 0, outcome);
  const input: EvalInput = { profile, now };
  for (const rank of [...new Set([...triggered, ...conditions])].sort((a, b) => a - b)) {
    const rule = runtime.rules[rank] as RuleRuntime;
    if (rule.trigger.type === 'segment') {
      if (rule.condition !== undefined && !rule.condition.test(input)) continue;
      if (suppression(run, rule) !== undefined) continue;
      fireRule(run, rule, { type: 'segment', segment: segmentId, on });
    } else if (crossed(run, rule, input) && suppression(run, rule) === undefined) {
      fireRule(run, rule, { type: 'condition' });
    }
  }
  if (run.factsChanged) recheckFacts(run, { type: 'condition' });
  return finish(profile, outcome);
}

/** The constraint that stops a triggered rule whose condition holds, if any. */
export function suppression(run: RuleRun, rule: RuleRuntime): SuppressionReason | undefined {
  const reason =
    checkConstraints(run.set, rule, run.profile, run.now) ??
    (losesPlacement(run, rule) ? 'lost-placement' : undefined);
  if (reason !== undefined) (run.outcome.suppressed ??= []).push({ ruleId: rule.id, reason });
  return reason;
}

/**
 * Edge detection for a condition trigger: evaluates the condition, records in
 * `rules.holding` whether it holds, and answers whether it just turned true. The
 * crossing is consumed even when a constraint then stops the firing.
 */
export function crossed(run: RuleRun, rule: RuleRuntime, input: EvalInput): boolean {
  const holds = rule.condition?.test(input) ?? false;
  return setHolding(run.set, run.profile, rule.id, holds, run.outcome);
}

/** Records whether a condition rule's condition holds; true on a false → true change. */
export function setHolding(
  set: RuleSetRuntime,
  profile: ProfileState,
  ruleId: string,
  holds: boolean,
  outcome: RuleOutcome,
): boolean {
  const holding = profile.rules?.holding;
  const held = holding !== undefined && holding.includes(ruleId);
  if (holds === held) return false;
  // A new exact-size list, without ids of rules that are gone or no longer condition rules.
  const kept = (holding ?? []).filter(
    (id) => id !== ruleId && set.byId.get(id)?.trigger.type === 'condition',
  );
  if (holds) kept.push(ruleId);
  (profile.rules ??= {}).holding = kept.slice();
  outcome.changed = true;
  return holds;
}

/** Emit hops behind an event: `context.onramp.depth` set by the rule that emitted it, else 0. */
export function chainDepth(event: OnrampEvent): number {
  const onramp = event.context?.['onramp'];
  if (!isJsonObject(onramp)) return 0;
  const depth = onramp['depth'];
  return typeof depth === 'number' && Number.isInteger(depth) && depth > 0 ? depth : 0;
}

export function emptyOutcome(): RuleOutcome {
  return { firings: [], effects: [], changed: false, armed: [] };
}

function finish(profile: ProfileState, outcome: RuleOutcome): RuleOutcome {
  if (outcome.changed) profile.version += 1;
  return outcome;
}

export type { FiringCause };
