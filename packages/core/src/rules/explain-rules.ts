/**
 * Dry run: what every rule would do for a profile and, optionally, an event that
 * has already been applied to it (dryRunRules applies it to a copy first). Rules
 * are explained in evaluation order, each with its trigger and condition trees
 * and the constraint that stops it; the firings are carried out on a copy of the
 * profile so that later rules see them (placements taken, traits set), as in a
 * real run. Not for the hot path: it explains every rule, indexed or not.
 *
 * With an event: event triggers match it; a condition trigger counts only when
 * the event is one that re-checks it (as in a real run); time triggers don't run
 * (the scheduler fires them) but show the due time the event arms them for. Without an event: condition triggers are checked
 * for a crossing, and time triggers due at `now` count as triggered. The real
 * run's extra pass (condition triggers re-checked after actions changed traits)
 * is not shown: such a rule appears as not re-checked by this event.
 */
import type { EvalInput, ExplainNode } from '../conditions/condition.js';
import { emittingRule, metricName, type OnrampEvent } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';
import { fireRule, newRun, type RuleRun } from './apply-actions.js';
import type { CompiledRuleSet, FiringCause, RuleExplanation, SuppressionReason } from './rule.js';
import { candidatesFor } from './rule-index.js';
import { runtimeOf, type RuleRuntime } from './rule-runtime.js';
import { armTimersForEvent, timerOf } from './rule-timers.js';
import { emptyOutcome, setHolding, suppression } from './run-rules.js';

interface Explaining {
  run: RuleRun;
  event: OnrampEvent | undefined;
  /** Ranks the event would evaluate; undefined without an event. */
  candidates: ReadonlySet<number> | undefined;
  tooDeep: boolean;
  emittedBy: string | undefined;
}

export function explainRules(
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent | undefined,
  now: number,
  depth = 0,
): RuleExplanation[] {
  const runtime = runtimeOf(set);
  const copy = structuredClone(profile);
  const tooDeep = depth > runtime.settings.maxChainDepth;
  if (event !== undefined && !tooDeep) {
    // As a real run does first: the event re-arms, arms or cancels time triggers, so
    // their trees show the due time this event leaves them with.
    const emitted = emittingRule(event) !== undefined;
    armTimersForEvent(runtime, copy, event, metricName(event), now, emitted, emptyOutcome());
  }
  const context: Explaining = {
    run: newRun(runtime, copy, now, depth, emptyOutcome()),
    event,
    candidates: event === undefined ? undefined : new Set(candidatesFor(runtime.index, event)),
    tooDeep,
    emittedBy: event === undefined ? undefined : emittingRule(event),
  };
  return runtime.rules.map((rule) => explainRule(context, rule));
}

interface TriggerResult {
  triggered: boolean;
  trigger: ExplainNode;
  /** The condition tree when the trigger evaluated it (condition triggers). */
  condition?: ExplainNode;
  cause?: FiringCause;
}

function explainRule(context: Explaining, rule: RuleRuntime): RuleExplanation {
  const { run, event } = context;
  const input: EvalInput = { profile: run.profile, now: run.now };
  if (event !== undefined && rule.trigger.type === 'event') input.event = event;
  const result = explainTrigger(context, rule, input);
  const condition = result.condition ?? rule.condition?.explain(input);
  const holds = condition?.result ?? true;
  let suppressedBy: SuppressionReason | undefined;
  if (!rule.enabled) suppressedBy = 'disabled';
  else if (result.triggered && holds) {
    if (context.tooDeep || context.emittedBy === rule.id) suppressedBy = 'chain-depth';
    else suppressedBy = suppression(run, rule);
  }
  const fires = rule.enabled && result.triggered && holds && suppressedBy === undefined;
  if (fires && result.cause !== undefined) fireRule(run, rule, result.cause);
  return {
    ruleId: rule.id,
    triggered: result.triggered,
    trigger: result.trigger,
    ...(condition !== undefined && { condition }),
    fires,
    ...(suppressedBy !== undefined && { suppressedBy }),
    actions: rule.definition.actions,
  };
}

function explainTrigger(context: Explaining, rule: RuleRuntime, input: EvalInput): TriggerResult {
  const { event, run } = context;
  const trigger = rule.trigger;
  switch (trigger.type) {
    case 'event': {
      if (event === undefined) {
        return {
          triggered: false,
          trigger: { label: 'event', expected: trigger.event, result: false },
        };
      }
      const name = metricName(event);
      const named = trigger.event === '*' || trigger.event === name;
      const filter =
        named && trigger.filter !== undefined ? trigger.filter.explain(event) : undefined;
      const triggered = named && (filter?.result ?? true);
      return {
        triggered,
        trigger: {
          label: 'event',
          expected: trigger.event,
          actual: name,
          result: triggered,
          ...(filter !== undefined && { children: [filter] }),
        },
        cause: { type: 'event', event: name, messageId: event.messageId },
      };
    }
    case 'condition':
      return explainCrossing(context, rule, input);
    case 'segment':
      return {
        triggered: false,
        trigger: { label: 'segment', expected: `${trigger.segment} ${trigger.on}`, result: false },
      };
    default: {
      const dueAt = timerOf(run.profile, rule.id);
      const triggered = event === undefined && dueAt !== undefined && dueAt <= run.now;
      return {
        triggered,
        trigger: {
          label: `${trigger.type} timer`,
          expected: dueAt ?? null,
          actual: run.now,
          result: triggered,
        },
        ...(dueAt !== undefined && { cause: { type: 'timer', trigger: trigger.type, dueAt } }),
      };
    }
  }
}

function explainCrossing(context: Explaining, rule: RuleRuntime, input: EvalInput): TriggerResult {
  const { event, run, candidates } = context;
  const condition = rule.condition?.explain(input);
  const holds = condition?.result ?? false;
  const held = run.profile.rules?.holding?.includes(rule.id) ?? false;
  const rechecked = candidates === undefined || candidates.has(rule.rank);
  let triggered = false;
  if (rechecked && rule.enabled) {
    triggered = setHolding(run.set, run.profile, rule.id, holds, run.outcome);
  }
  const name = event === undefined ? undefined : metricName(event);
  return {
    triggered,
    trigger: {
      label: rechecked ? 'condition turned true' : `condition not re-checked on ${name ?? ''}`,
      expected: { held: false, holds: true },
      actual: { held, holds },
      result: triggered,
    },
    ...(condition !== undefined && { condition }),
    cause:
      event === undefined
        ? { type: 'condition' }
        : { type: 'condition', event: name as string, messageId: event.messageId },
  };
}
