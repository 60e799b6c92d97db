/**
 * The processor's flow step: interaction events counted on the profile, flow
 * progress updated for an event (completion events from anywhere, conditions,
 * interactions) and after rules (advanceFlow actions, facts the actions changed),
 * and the `Flow …` events those changes put in the log.
 */
import type { OnrampEvent } from '../events/event.js';
import { updateFlowsForEvent, updateFlowsForFacts } from '../flows/flow-progress.js';
import { flowEvents } from '../flows/flow-events.js';
import type { FlowChange } from '../flows/flow.js';
import type { ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet, RuleOutcome } from '../rules/rule.js';
import { applyInteraction, type InteractionRecord } from '../decide/interactions.js';
import type { RuleOutput } from './rule-output.js';

export interface FlowStepContext {
  workspaceId: string;
  rules: CompiledRuleSet;
  now: number;
}

/**
 * Before the event's rules: the interaction it records and the flow progress it
 * makes. `merged`: the event merged two profiles, whose progress is settled again.
 */
export function flowsForEvent(
  context: FlowStepContext,
  profile: ProfileState,
  event: OnrampEvent,
  depth: number,
  output: RuleOutput,
  merged: boolean,
): { interaction?: InteractionRecord; flows: FlowChange[] } {
  const interaction = applyInteraction(profile, event);
  const set = context.rules.decide.flows;
  if (set.flows.length === 0)
    return interaction === undefined ? noFlows : { interaction, flows: [] };
  const input = { now: context.now, experiments: context.rules.experiments };
  let flows = updateFlowsForEvent(set, profile, event, input);
  if (merged) flows = [...flows, ...updateFlowsForFacts(set, profile, input)];
  settle(context, profile, flows, event.messageId, depth, output);
  return interaction === undefined ? { flows } : { interaction, flows };
}

/** After rules fired: their advanceFlow progress, and conditions on facts they changed. */
export function flowsAfterRules(
  context: FlowStepContext,
  profile: ProfileState,
  outcome: RuleOutcome,
  cause: string,
  depth: number,
  output: RuleOutput,
): FlowChange[] {
  const set = context.rules.decide.flows;
  if (set.flows.length === 0 || outcome.firings.length === 0) return [];
  const flows = [
    ...(outcome.flowChanges ?? []),
    ...updateFlowsForFacts(set, profile, {
      now: context.now,
      experiments: context.rules.experiments,
    }),
  ];
  settle(context, profile, flows, `${cause}:rules`, depth, output);
  return flows;
}

const noFlows: { flows: FlowChange[] } = Object.freeze({ flows: [] }) as { flows: FlowChange[] };

function settle(
  context: FlowStepContext,
  profile: ProfileState,
  changes: readonly FlowChange[],
  cause: string,
  depth: number,
  output: RuleOutput,
): void {
  if (changes.length === 0) return;
  const events = flowEvents(profile, changes, cause, context.now, depth);
  if (events.length > 0) output.emit(context.workspaceId, events);
}
