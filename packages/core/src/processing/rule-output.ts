import type { OnrampEvent } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { MembershipWrite, QueuedMessage } from '../profiles/profile-store.js';
import type { MembershipChange } from '../segments/segment.js';
import type { RuleFiring, RuleOutcome, SuppressionReason } from '../rules/rule.js';

/** A time trigger to run: the rule's timer on one profile, due at `dueAt`. */
export interface DueTimer {
  workspaceId: string;
  profileId: string;
  ruleId: string;
  dueAt: number;
}

/** Where the processor hands what rules produce beyond the profile. */
export interface RuleOutputHooks {
  /**
   * Events emitted by rules, to append to the log (deterministic messageIds make
   * replays no-ops). A returned promise is awaited before the next commit, so a
   * checkpoint never covers an event whose emits are not in the log yet; it must
   * not reject (the host retries and reports).
   */
  onEmit?: (workspaceId: string, events: OnrampEvent[]) => void | Promise<void>;
  /** Firings as they happen (metrics); they are committed with the next flush. */
  onFirings?: (workspaceId: string, firings: readonly RuleFiring[]) => void;
  /** Triggered rules a constraint stopped (cap, fatigue, quiet hours…), for metrics. */
  onSuppressed?: (
    workspaceId: string,
    suppressed: readonly { ruleId: string; reason: SuppressionReason }[],
  ) => void;
  /** Timers armed by rules, for the host's scheduler. */
  onTimersArmed?: (timers: DueTimer[]) => void;
}

export interface PendingRuleOutput {
  firings: { workspaceId: string; firing: RuleFiring }[];
  messages: { workspaceId: string; message: QueuedMessage }[];
  /** The last membership write per (workspace, profile, segment). */
  memberships: Map<string, MembershipWrite>;
}

/**
 * What rules produced since the last flush: firings and queued messages wait to be
 * committed with the profiles they changed; emitted events and armed timers go to
 * the host at once.
 */
export class RuleOutput {
  private pending: PendingRuleOutput = { firings: [], messages: [], memberships: new Map() };
  private fired = 0;
  private readonly emitting = new Set<Promise<void>>();

  constructor(private readonly hooks: RuleOutputHooks) {}

  /** Rule firings since start. */
  get firingCount(): number {
    return this.fired;
  }

  take(workspaceId: string, profileId: string, outcome: RuleOutcome): void {
    if (outcome.firings.length > 0) {
      for (const firing of outcome.firings) this.pending.firings.push({ workspaceId, firing });
      this.fired += outcome.firings.length;
      this.hooks.onFirings?.(workspaceId, outcome.firings);
    }
    if (outcome.suppressed !== undefined)
      this.hooks.onSuppressed?.(workspaceId, outcome.suppressed);
    let emitted: OnrampEvent[] | undefined;
    for (const effect of outcome.effects) {
      if (effect.type === 'message') this.pending.messages.push({ workspaceId, message: effect });
      else (emitted ??= []).push(effect.event);
    }
    if (emitted !== undefined) this.track(this.hooks.onEmit?.(workspaceId, emitted));
    if (outcome.armed.length > 0) {
      this.hooks.onTimersArmed?.(
        outcome.armed.map(({ ruleId, dueAt }) => ({ workspaceId, profileId, ruleId, dueAt })),
      );
    }
  }

  /** Membership changes of a profile, to commit with it; the events they emit go to the log now. */
  takeMemberships(
    workspaceId: string,
    profileId: string,
    changes: readonly MembershipChange[],
    at: number,
    events: OnrampEvent[],
  ): void {
    for (const { segment, on } of changes) {
      this.pending.memberships.set(`${workspaceId}\u0000${profileId}\u0000${segment}`, {
        workspaceId,
        profileId,
        segment,
        member: on === 'entered',
        at,
      });
    }
    if (events.length > 0) this.track(this.hooks.onEmit?.(workspaceId, events));
  }

  /** Engine events to append now (flow progress events). */
  emit(workspaceId: string, events: OnrampEvent[]): void {
    if (events.length > 0) this.track(this.hooks.onEmit?.(workspaceId, events));
  }

  /** Announces a timer armed outside rules (the `$segments` timer) to the scheduler. */
  announceTimer(timer: DueTimer): void {
    this.hooks.onTimersArmed?.([timer]);
  }

  /** Timers the survivor of a merge took over from the merged profile: the scheduler must know them. */
  announceInheritedTimers(workspaceId: string, target: ProfileState, source: ProfileState): void {
    const inherited = source.rules?.timers;
    if (inherited === undefined || this.hooks.onTimersArmed === undefined) return;
    const timers: DueTimer[] = [];
    for (const [ruleId, dueAt] of Object.entries(inherited)) {
      if (target.rules?.timers?.[ruleId] === dueAt) {
        timers.push({ workspaceId, profileId: target.id, ruleId, dueAt });
      }
    }
    if (timers.length > 0) this.hooks.onTimersArmed(timers);
  }

  /** Resolves once every emit handed out so far is in the log. */
  async settled(): Promise<void> {
    while (this.emitting.size > 0) await Promise.all(this.emitting);
  }

  private track(appending: void | Promise<void>): void {
    if (appending === undefined) return;
    const tracked: Promise<void> = appending
      .catch(() => undefined)
      .finally(() => this.emitting.delete(tracked));
    this.emitting.add(tracked);
  }

  /** Takes what waits for a commit. */
  drain(): PendingRuleOutput {
    const drained = this.pending;
    this.pending = { firings: [], messages: [], memberships: new Map() };
    return drained;
  }

  /** Puts back what a failed commit did not write, before anything taken since. */
  restore(drained: PendingRuleOutput): void {
    const memberships = new Map(drained.memberships);
    for (const [key, write] of this.pending.memberships) memberships.set(key, write);
    this.pending = {
      firings: drained.firings.concat(this.pending.firings),
      messages: drained.messages.concat(this.pending.messages),
      memberships,
    };
  }
}
