/**
 * Replays a period of logged events against a rule set with no side effects: fresh
 * in-memory profiles, rules run on each event as the processor would, time triggers
 * fired at their due time on a virtual clock, emitted events fed back in. Nothing
 * leaves this function but counts.
 */
import {
  anonymousIdentity,
  userIdentity,
  type IdentityKey,
  type OnrampEvent,
} from '../events/event.js';
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
 * `events` must be one workspace's, in the order they were received; those before
 * `from` build the profiles' history, those at or after `to` are ignored.
 */
export function simulateRules(
  events: Iterable<OnrampEvent>,
  set: CompiledRuleSet,
  options: SimulationOptions,
): SimulationResult {
  const profiles = new Map<string, ProfileState>();
  const links = new Map<IdentityKey, string>();
  const counts = new Map<string, { firings: number; profiles: Set<string>; sample: string[] }>();
  const active = new Set<string>();
  const timers = new TimerHeap<PendingTimer>();
  let nextId = 0;
  let replayed = 0;
  const plan = set.profilePlan;

  const graph = (now: number): IdentityGraph => ({
    lookup: (identity) => {
      const id = links.get(identity);
      return id === undefined ? undefined : profiles.get(id);
    },
    create: () => {
      const profile = createProfile(`sim-${++nextId}`, now);
      profiles.set(profile.id, profile);
      return profile;
    },
    link: (identity, profile, id) => {
      if (identity.startsWith('u:')) profile.userId ??= id;
      else addAnonymousId(profile, id, plan.maxAnonymousIds);
      links.set(identity, profile.id);
    },
    merge: (target, source) => {
      mergeProfiles(target, source, plan, now);
      for (const [identity, id] of links) if (id === source.id) links.set(identity, target.id);
      if (source.userId !== undefined) links.set(userIdentity(source.userId), target.id);
      for (const id of source.anonymousIds) links.set(anonymousIdentity(id), target.id);
      profiles.delete(source.id);
    },
  });

  const record = (profile: ProfileState, outcome: RuleOutcome, queue: OnrampEvent[]) => {
    for (const firing of outcome.firings) {
      if (firing.at < options.from || firing.at >= options.to) continue;
      let count = counts.get(firing.ruleId);
      if (count === undefined) {
        counts.set(firing.ruleId, (count = { firings: 0, profiles: new Set(), sample: [] }));
      }
      count.firings++;
      if (!count.profiles.has(profile.id)) {
        count.profiles.add(profile.id);
        if (count.sample.length < options.sample) count.sample.push(profile.userId ?? profile.id);
      }
    }
    for (const armed of outcome.armed) timers.push({ profileId: profile.id, ...armed });
    for (const effect of outcome.effects) if (effect.type === 'emit') queue.push(effect.event);
  };

  const fireTimersUntil = (time: number) => {
    for (
      let timer = timers.peek();
      timer !== undefined && timer.dueAt <= time;
      timer = timers.peek()
    ) {
      timers.pop();
      const profile = profiles.get(timer.profileId);
      if (profile === undefined) continue;
      const queue: OnrampEvent[] = [];
      record(profile, runRuleTimer(set, profile, timer.ruleId, timer.dueAt, timer.dueAt), queue);
      drain(queue);
    }
  };

  const apply = (event: OnrampEvent, queue: OnrampEvent[]) => {
    const now = event.receivedAt;
    const profile = resolveProfile(event, graph(now));
    applyEvent(profile, event, plan, now);
    if (now >= options.from) active.add(profile.id);
    record(
      profile,
      runRulesForEvent(set, profile, event, { now, depth: chainDepth(event) }),
      queue,
    );
  };

  const drain = (queue: OnrampEvent[]) => {
    // Emitted events, in order; bounded by the rule set's chain depth.
    for (let index = 0; index < queue.length; index++) apply(queue[index] as OnrampEvent, queue);
  };

  for (const event of events) {
    if (event.receivedAt >= options.to) break;
    fireTimersUntil(event.receivedAt);
    if (event.receivedAt >= options.from) replayed++;
    const queue: OnrampEvent[] = [];
    apply(event, queue);
    drain(queue);
  }
  fireTimersUntil(options.to - 1);

  return {
    events: replayed,
    profiles: [...active].filter((id) => profiles.has(id)).length,
    rules: [...counts]
      .map(([ruleId, count]) => ({
        ruleId,
        firings: count.firings,
        profiles: count.profiles.size,
        sample: count.sample,
      }))
      .sort((a, b) => b.firings - a.firings || a.ruleId.localeCompare(b.ruleId)),
  };
}
