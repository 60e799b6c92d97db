/**
 * Building blocks for tests of flows: flow definitions with the schema's
 * defaults filled (as the config file and admin API hand them over), compiled
 * into one condition compiler with default profile settings, and a step that
 * applies an event then updates flows, as the processor does.
 * Not exported from the package barrel.
 */
import { Value } from '@sinclair/typebox/value';
import {
  ConditionCompiler,
  createConditionMemo,
  resetConditionMemo,
} from '../conditions/condition-compiler.js';
import type { OnrampEvent } from '../events/event.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { defaultProfileSettings } from '../rules/rule-fixtures.js';
import type { RuleIssue } from '../rules/rule.js';
import { addFlows } from './compile-flows.js';
import type { FlowChange, FlowSetRuntime } from './flow.js';
import { updateFlowsForEvent } from './flow-progress.js';
import { FlowSchema, type FlowDefinition } from './flow-schema.js';

export interface CompiledFlows {
  set: FlowSetRuntime;
  issues: RuleIssue[];
  profilePlan: ProfilePlan;
  memo: Float64Array;
}

/** A flow definition with defaults filled (required: true, priority: 0). */
export function flowDefinition(flow: Record<string, unknown>): FlowDefinition {
  return Value.Default(FlowSchema, structuredClone(flow)) as FlowDefinition;
}

/** Compiles flows as written (defaults filled); issues are returned, not thrown. */
export function compileFlows(flows: readonly Record<string, unknown>[]): CompiledFlows {
  const compiler = new ConditionCompiler({ profiles: defaultProfileSettings() });
  const issues: RuleIssue[] = [];
  const bind = addFlows(flows.map(flowDefinition), compiler, issues);
  const { profilePlan, memoSize } = compiler.finish();
  return { set: bind(), issues, profilePlan, memo: createConditionMemo(memoSize) };
}

/** A profile of user "u1", created at `at`. */
export function newProfile(at: number): ProfileState {
  const profile = createProfile('p1', at);
  profile.userId = 'u1';
  return profile;
}

/** Applies the event at its receivedAt, then updates flows for it. */
export function flowStep(
  flows: CompiledFlows,
  profile: ProfileState,
  event: OnrampEvent,
): FlowChange[] {
  applyEvent(profile, event, flows.profilePlan, event.receivedAt);
  resetConditionMemo(flows.memo);
  return updateFlowsForEvent(flows.set, profile, event, {
    now: event.receivedAt,
    memo: flows.memo,
  });
}
