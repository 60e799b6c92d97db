/**
 * Replays a period of logged events against a rule set with no side effects: fresh
 * in-memory profiles, rules run on each event as the processor would, time triggers
 * fired at their due time on a virtual clock, emitted events fed back in. Nothing
 * leaves this function but counts.
 */
import type { IdentityKey, OnrampEvent } from '../events/event.js';
import { resolveProfile, type IdentityGraph } from '../identity/resolve-profile.js';
import {
  addAnonymousId,
  applyEvent,
  createProfile,
  mergeProfiles,
} from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet, RuleOutcome } from './rule.js';
import { chainDepth, runRuleTimer, runRulesForEvent } from './run-rules.js';
import { TimerHeap } from './timer-heap.js';

export interface SimulationOptions {
  /** Firings are counted when they happen in [from, to) (ms); earlier events only build state. */
  from: number;
  to: number;
  /** Profiles named per rule. */
  sample: number;
}

export interface SimulatedRuleCount {
  ruleId: string;
  firings: number;
  profiles: number;
  sample: string[];
}

export interface SimulationResult {
  /** Events replayed in the period (emitted ones not included). */
  events: number;
  /** Profiles that had an event in the period. */
  profiles: number;
  rules: SimulatedRuleCount[];
}

interface PendingTimer {
  dueAt: number;
  profileId: string;
  ruleId: string;
}

/**
 * One simulation, fed event by event (so a host can yield between chunks): events
 * must be one workspace's, in the order they were received; those before `from`
 * build the profiles' history, those at or after `to` are ignored.
 */
export class RuleSimulation {
  private readonly profiles = new Map<string, ProfileState>();
  private readonly links = new Map<IdentityKey, string>();
  /** The identities linked to each profile, so a merge re-points only its own. */
  private readonly identities = new Map<string, IdentityKey[]>();
  private readonly counts = new Map<
    string,
    { firings: number; profiles: Set<string>; sample: string[] }
  >();
  private readonly active = new Set<string>();
  private readonly timers = new TimerHeap<PendingTimer>();
  private nextId = 0;
  private replayed = 0;
  private done = false;

  constructor(
    private readonly set: CompiledRuleSet,
    private readonly options: SimulationOptions,
  ) {}

  /** Replays one logged event (and the timers due before it); false once past `to`. */
  replay(event: OnrampEvent): boolean {
    if (this.done || event.receivedAt >= this.options.to) {
      this.done = true;
      return false;
    }
    this.fireTimersUntil(event.receivedAt);
    if (event.receivedAt >= this.options.from) this.replayed++;
    this.applyWithChain(event);
    return true;
  }

  /** Fires the timers due before `to` and reports. */
  finish(): SimulationResult {
    this.fireTimersUntil(this.options.to - 1);
    return {
      events: this.replayed,
      profiles: [...this.active].filter((id) => this.profiles.has(id)).length,
      rules: [...this.counts]
        .map(([ruleId, count]) => ({
          ruleId,
          firings: count.firings,
          profiles: count.profiles.size,
          sample: count.sample,
        }))
        .sort((a, b) => b.firings - a.firings || a.ruleId.localeCompare(b.ruleId)),
    };
  }

  private applyWithChain(event: OnrampEvent): void {
    const queue: OnrampEvent[] = [event];
    // Emitted events, in order; bounded by the rule set's chain depth.
    for (let index = 0; index < queue.length; index++)
      this.apply(queue[index] as OnrampEvent, queue);
  }

  private apply(event: OnrampEvent, queue: OnrampEvent[]): void {
    const now = event.receivedAt;
    const profile = resolveProfile(event, this.graph(now));
    applyEvent(profile, event, this.set.profilePlan, now);
    if (now >= this.options.from) this.active.add(profile.id);
    const outcome = runRulesForEvent(this.set, profile, event, { now, depth: chainDepth(event) });
    this.record(profile, outcome, queue);
  }

  private fireTimersUntil(time: number): void {
    for (let timer = this.timers.peek(); timer !== undefined && timer.dueAt <= time;) {
      this.timers.pop();
      const profile = this.profiles.get(timer.profileId);
      if (profile !== undefined) {
        const queue: OnrampEvent[] = [];
        const outcome = runRuleTimer(this.set, profile, timer.ruleId, timer.dueAt, timer.dueAt);
        this.record(profile, outcome, queue);
        for (let index = 0; index < queue.length; index++) {
          this.apply(queue[index] as OnrampEvent, queue);
        }
      }
      timer = this.timers.peek();
    }
  }

  private record(profile: ProfileState, outcome: RuleOutcome, queue: OnrampEvent[]): void {
    const { from, to, sample } = this.options;
    for (const firing of outcome.firings) {
      if (firing.at < from || firing.at >= to) continue;
      let count = this.counts.get(firing.ruleId);
      if (count === undefined) {
        this.counts.set(firing.ruleId, (count = { firings: 0, profiles: new Set(), sample: [] }));
      }
      count.firings++;
      if (!count.profiles.has(profile.id)) {
        count.profiles.add(profile.id);
        if (count.sample.length < sample) count.sample.push(profile.userId ?? profile.id);
      }
    }
    for (const armed of outcome.armed) this.timers.push({ profileId: profile.id, ...armed });
    for (const effect of outcome.effects) if (effect.type === 'emit') queue.push(effect.event);
  }

  private graph(now: number): IdentityGraph {
    const plan = this.set.profilePlan;
    return {
      lookup: (identity) => {
        const id = this.links.get(identity);
        return id === undefined ? undefined : this.profiles.get(id);
      },
      create: () => {
        const profile = createProfile(`sim-${++this.nextId}`, now);
        this.profiles.set(profile.id, profile);
        return profile;
      },
      link: (identity, profile, id) => {
        const previous = this.profiles.get(this.links.get(identity) ?? '');
        if (previous !== undefined && previous !== profile && identity.startsWith('a:')) {
          // A device moving to another user, as the processor does it.
          previous.anonymousIds = previous.anonymousIds.filter((known) => known !== id);
        }
        if (identity.startsWith('u:')) profile.userId ??= id;
        else addAnonymousId(profile, id, plan.maxAnonymousIds);
        this.linkIdentity(identity, profile.id);
      },
      merge: (target, source) => {
        mergeProfiles(target, source, plan, now);
        for (const identity of this.identities.get(source.id) ?? []) {
          if (this.links.get(identity) === source.id) this.linkIdentity(identity, target.id);
        }
        this.identities.delete(source.id);
        this.profiles.delete(source.id);
      },
    };
  }

  private linkIdentity(identity: IdentityKey, profileId: string): void {
    this.links.set(identity, profileId);
    const list = this.identities.get(profileId);
    if (list === undefined) this.identities.set(profileId, [identity]);
    else list.push(identity);
  }
}

/** Replays `events` (one workspace's, in receive order) against `set` in one go. */
export function simulateRules(
  events: Iterable<OnrampEvent>,
  set: CompiledRuleSet,
  options: SimulationOptions,
): SimulationResult {
  const simulation = new RuleSimulation(set, options);
  for (const event of events) if (!simulation.replay(event)) break;
  return simulation.finish();
}
