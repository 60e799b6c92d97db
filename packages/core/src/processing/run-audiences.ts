/**
 * The processor's segment step: runs membership evaluation for an event, a due
 * `$segments` timer or a back-fill visit, then what a change sets off: the rules
 * triggered by it (segment triggers, conditions reading segments), the `Segment
 * Entered` / `Segment Exited` events for the log, the membership writes for the
 * next commit, and the timer for the scheduler.
 */
import type { OnrampEvent } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { runRulesForSegmentChange } from '../rules/run-rules.js';
import { membershipEvents } from '../segments/membership-events.js';
import { flowEvents } from '../flows/flow-events.js';
import type { FlowChange } from '../flows/flow.js';
import type { MembershipChange, PopulationState } from '../segments/segment.js';
import { SEGMENT_TIMER } from '../segments/segment-runtime.js';
import {
  audiencesAfterFacts,
  audiencesForEvent,
  audiencesForSweep,
  audiencesOnTimer,
  type AudienceOutcome,
  type SweepScope,
} from '../segments/update-memberships.js';
import type { RuleOutput } from './rule-output.js';

export interface AudienceStepContext {
  workspaceId: string;
  rules: CompiledRuleSet;
  population: PopulationState | undefined;
  now: number;
}

/** What a step did: whether the profile changed, and its membership changes (for push). */
export interface AudienceStepResult {
  changed: boolean;
  changes: MembershipChange[];
  /** Flow progress made by the rules the changes fired (advanceFlow). */
  flows?: FlowChange[];
}

export class AudienceStep {
  constructor(private readonly output: RuleOutput) {}

  /** Before the event's rules: memberships the event changed. `full` for a new or merged profile. */
  forEvent(
    context: AudienceStepContext,
    profile: ProfileState,
    event: OnrampEvent,
    depth: number,
    full: boolean,
  ): AudienceStepResult {
    const { rules, population, now } = context;
    const outcome = audiencesForEvent(
      rules.audiences,
      profile,
      event,
      { now, population, memo: rules.memo },
      full,
    );
    return this.settle(context, profile, outcome, event.messageId, depth);
  }

  /** After the event's rules fired: actions may have changed what fact segments read. */
  afterRules(
    context: AudienceStepContext,
    profile: ProfileState,
    cause: string,
    depth: number,
  ): AudienceStepResult {
    const { rules, population, now } = context;
    const outcome = audiencesAfterFacts(rules.audiences, profile, {
      now,
      population,
      memo: rules.memo,
    });
    return this.settle(context, profile, outcome, `${cause}:facts`, depth);
  }

  onTimer(context: AudienceStepContext, profile: ProfileState, dueAt: number): AudienceStepResult {
    const { rules, population, now } = context;
    const outcome = audiencesOnTimer(rules.audiences, profile, dueAt, {
      now,
      population,
      memo: rules.memo,
    });
    return this.settle(context, profile, outcome, `timer:${dueAt}`, 0);
  }

  sweep(
    context: AudienceStepContext,
    profile: ProfileState,
    scope: SweepScope,
    cause: string,
  ): AudienceStepResult {
    const { rules, population, now } = context;
    const outcome = audiencesForSweep(rules.audiences, profile, scope, {
      now,
      population,
      memo: rules.memo,
    });
    return this.settle(context, profile, outcome, cause, 0);
  }

  private settle(
    context: AudienceStepContext,
    profile: ProfileState,
    outcome: AudienceOutcome,
    cause: string,
    depth: number,
  ): AudienceStepResult {
    const { workspaceId, rules, now } = context;
    if (outcome.armed !== undefined) {
      this.output.announceTimer({
        workspaceId,
        profileId: profile.id,
        ruleId: SEGMENT_TIMER,
        dueAt: outcome.armed,
      });
    }
    if (outcome.changes.length > 0 || outcome.traitsChanged) profile.version += 1;
    if (outcome.changes.length === 0) return { changed: outcome.changed, changes: [] };
    const events = membershipEvents(profile, outcome.changes, cause, now, depth);
    this.output.takeMemberships(workspaceId, profile.id, outcome.changes, now, events);
    let flows: FlowChange[] | undefined;
    for (const { segment, on } of outcome.changes) {
      const fired = runRulesForSegmentChange(rules, profile, segment, on, now);
      this.output.take(workspaceId, profile.id, fired);
      if (fired.flowChanges !== undefined) (flows ??= []).push(...fired.flowChanges);
    }
    if (flows === undefined) return { changed: true, changes: outcome.changes };
    this.output.emit(workspaceId, flowEvents(profile, flows, `${cause}:segments`, now, depth));
    return { changed: true, changes: outcome.changes, flows };
  }
}
