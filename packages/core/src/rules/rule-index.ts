/**
 * The trigger index: for each event, the few rules it could set off, as a list
 * built when the config is compiled, so an event costs a map lookup plus the work
 * of its candidates, whatever the number of rules configured.
 *
 * - Event triggers are listed under their metric name; "*" under every name.
 * - Condition (edge) triggers are listed under the events that can change their
 *   condition: the metric names its behavioural operators count; identify, group
 *   and alias events (and any event carrying a consent statement) when it reads
 *   traits, groups, consent or identity; every event when it reads what any event
 *   changes (lastSeen, eventCount, sessions, touches, engagement…), time (windows,
 *   `$elapsed`, `now`) or nothing we can name. A crossing caused by time alone is
 *   noticed at the profile's next event: use a time trigger to act on time itself.
 *   Condition triggers reading facts are also re-checked after an action of the
 *   same run changed traits, decisions or flows (run-rules.ts).
 * - Delay triggers are listed under the event that arms them and those that cancel them.
 * Disabled rules are in no list.
 */
import type { EventType, OnrampEvent } from '../events/event.js';
import { isJsonObject } from '../json/json.js';
import type { RuleIndex, RuleRuntime } from './rule-runtime.js';

const factEvents = ['$identify', '$group', '$alias'];

export function buildRuleIndex(rules: readonly RuleRuntime[]): RuleIndex {
  const byName = new Map<string, number[]>();
  const anyEvent: number[] = [];
  const everyEvent: number[] = [];
  const facts: number[] = [];
  const delayArm = new Map<string, number[]>();
  const delayCancel = new Map<string, number[]>();
  const bySegment = new Map<string, number[]>();
  const inactive: number[] = [];
  const localTime: number[] = [];
  const segmentConditions: number[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const { rank, trigger } = rule;
    switch (trigger.type) {
      case 'event':
        if (trigger.event === '*') anyEvent.push(rank);
        else listIn(byName, trigger.event).push(rank);
        break;
      case 'condition': {
        const needs = rule.condition?.needs;
        if (needs === undefined) break;
        const named = [...needs.events].filter((name) => name !== '*');
        const unnamed = named.length === 0 && !needs.readsProfileFacts && !needs.readsSegments;
        const always = needs.readsTime || needs.readsActivity === true || needs.events.has('*');
        if (always || unnamed) everyEvent.push(rank);
        else for (const name of named) listIn(byName, name).push(rank);
        if (needs.readsProfileFacts) facts.push(rank);
        if (needs.readsSegments) segmentConditions.push(rank);
        break;
      }
      case 'segment':
        listIn(bySegment, `${trigger.segment}:${trigger.on}`).push(rank);
        break;
      case 'inactive':
        inactive.push(rank);
        break;
      case 'delay':
        listIn(delayArm, trigger.event).push(rank);
        for (const name of trigger.unless) listIn(delayCancel, name).push(rank);
        break;
      case 'localTime':
        localTime.push(rank);
    }
  }
  const always = merge(anyEvent, everyEvent);
  const alwaysWithFacts = merge(always, facts);
  const byEvent = new Map<string, readonly number[]>();
  const byEventWithFacts = new Map<string, readonly number[]>();
  for (const name of new Set([...byName.keys(), ...factEvents])) {
    const list = merge(byName.get(name) ?? [], always);
    byEvent.set(name, list);
    byEventWithFacts.set(name, facts.length === 0 ? list : merge(list, facts));
  }
  return {
    byEvent,
    byEventWithFacts,
    otherEvents: always,
    otherEventsWithFacts: alwaysWithFacts,
    delayArm,
    delayCancel,
    inactive,
    localTime,
    bySegment,
    segmentConditions,
    factConditions: facts,
  };
}

const reservedNames: Readonly<Record<EventType, string>> = {
  track: '',
  identify: '$identify',
  page: '$page',
  screen: '$screen',
  group: '$group',
  alias: '$alias',
};

/** metricName without building a string per event: the track name, or `$page`, `$identify`… */
export function triggerName(event: OnrampEvent): string {
  return event.type === 'track' ? (event.event ?? '') : (reservedNames[event.type] ?? '');
}

/**
 * The ranks of the rules an event could set off, in evaluation order. No
 * allocation: the lists are the index's own (do not mutate them).
 */
export function candidatesFor(
  index: RuleIndex,
  event: OnrampEvent,
  name: string = triggerName(event),
): readonly number[] {
  if (changesFacts(event)) return index.byEventWithFacts.get(name) ?? index.otherEventsWithFacts;
  return index.byEvent.get(name) ?? index.otherEvents;
}

/** Whether the event can change traits, groups, identity or consent. */
export function changesFacts(event: OnrampEvent): boolean {
  const type = event.type;
  if (type === 'identify' || type === 'group' || type === 'alias') return true;
  const context = event.context;
  return context !== undefined && isJsonObject(context['consent']);
}

function listIn(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

/** Sorted union of sorted rank lists. */
function merge(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return [...new Set(a)].sort((x, y) => x - y);
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
