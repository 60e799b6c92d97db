/**
 * What a validated condition depends on (ConditionNeeds): the events whose
 * arrival can change it, the windows, filtered counters and sequences it needs
 * in the profile plan, and which other inputs it reads.
 */
import type { OnrampEvent } from '../events/event.js';
import type {
  ActivityFacet,
  ConditionNeeds,
  DerivedCounterSpec,
  SequenceSpec,
} from './condition.js';
import type { ConditionNode, CounterRef, PathRoot, ValueOp } from './condition-tree.js';

/** A filtered counter the condition needs, before its `where` is compiled. */
export interface DerivedNeed {
  readonly key: string;
  readonly event: string;
  readonly where: ConditionNode;
}

export interface CollectedNeeds {
  events: Set<string>;
  windows: Set<number>;
  derived: Map<string, DerivedNeed>;
  sequences: Map<string, SequenceSpec>;
  readsProfileFacts: boolean;
  readsActivity: boolean;
  /** Which parts of the activity it reads (finer than readsActivity, for indexes). */
  activity: Set<ActivityFacet>;
  readsTime: boolean;
  readsEvent: boolean;
  readsContext: boolean;
  readsSegments: boolean;
}

const factRoots = new Set<PathRoot>([
  'userId',
  'anonymousIds',
  'traits',
  'group',
  'consent',
  'decisions',
  'flows',
]);
const activityRoots = new Set<PathRoot>([
  'firstSeen',
  'lastSeen',
  'eventCount',
  'consent',
  'firstTouch',
  'lastTouch',
  'sessions.count',
  'sessions.totalDuration',
  'engagement',
]);

/** The part of the activity a path reads; consent is a fact (identify and consent events). */
const facetOf: Partial<Record<PathRoot, ActivityFacet>> = {
  firstSeen: 'firstSeen',
  lastSeen: 'lastSeen',
  eventCount: 'eventCount',
  firstTouch: 'touch',
  lastTouch: 'touch',
  'sessions.count': 'sessions',
  'sessions.totalDuration': 'sessions',
  engagement: 'engagement',
};

export function collectNeeds(node: ConditionNode): CollectedNeeds {
  const needs: CollectedNeeds = {
    events: new Set(),
    windows: new Set(),
    derived: new Map(),
    sequences: new Map(),
    readsProfileFacts: false,
    readsActivity: false,
    activity: new Set(),
    readsTime: false,
    readsEvent: false,
    readsContext: false,
    readsSegments: false,
  };
  visit(node, needs);
  return needs;
}

function visit(node: ConditionNode, needs: CollectedNeeds): void {
  switch (node.type) {
    case 'and':
    case 'or':
    case 'nor':
      for (const child of node.children) visit(child, needs);
      return;
    case 'not':
      visit(node.child, needs);
      return;
    case 'field': {
      const root = node.field.root;
      if (factRoots.has(root)) needs.readsProfileFacts = true;
      if (activityRoots.has(root)) {
        needs.readsActivity = true;
        const facet = facetOf[root];
        if (facet !== undefined) needs.activity.add(facet);
      }
      if (root === 'now' || root === 'engagement' || root === 'decisions') needs.readsTime = true;
      if (root.startsWith('event.')) needs.readsEvent = true;
      if (root === 'context') needs.readsContext = true;
      if (root === 'segments') needs.readsSegments = true;
      for (const op of node.test) visitOp(op, needs);
      return;
    }
    case 'event':
      counter(node.counter, needs);
      if (node.since !== undefined) needs.events.add(node.since);
      if (node.windowMs !== undefined) {
        needs.windows.add(node.windowMs);
        needs.readsTime = true;
      }
      return;
    case 'elapsed':
      needs.readsTime = true;
      if (node.since.type === 'event') counter(node.since.counter, needs);
      else {
        needs.readsActivity = true;
        needs.activity.add(
          node.since.type === 'firstSeen'
            ? 'firstSeen'
            : node.since.type === 'lastSeen'
              ? 'lastSeen'
              : 'sessions',
        );
      }
      return;
    case 'sequence':
      for (const step of node.steps) needs.events.add(step);
      needs.sequences.set(
        node.key,
        Object.freeze({ key: node.key, steps: node.steps, withinMs: node.withinMs }),
      );
  }
}

function visitOp(op: ValueOp, needs: CollectedNeeds): void {
  if (op.op === 'elemMatchDoc') visit(op.condition, needs);
  else if (op.op === 'size' || op.op === 'not' || op.op === 'elemMatch') {
    for (const inner of op.test) visitOp(inner, needs);
  }
}

function counter(ref: CounterRef, needs: CollectedNeeds): void {
  needs.events.add(ref.name);
  if (ref.derived !== undefined) {
    needs.derived.set(ref.derived.key, {
      key: ref.derived.key,
      event: ref.name,
      where: ref.derived.where,
    });
  }
}

/** The public ConditionNeeds, with compiled filters for the derived counters. */
export function toConditionNeeds(
  collected: CollectedNeeds,
  compileFilter: (need: DerivedNeed) => (event: OnrampEvent) => boolean,
): ConditionNeeds {
  const derived: DerivedCounterSpec[] = [...collected.derived.values()].map((need) =>
    Object.freeze({ key: need.key, event: need.event, matches: compileFilter(need) }),
  );
  return Object.freeze({
    events: collected.events,
    readsProfileFacts: collected.readsProfileFacts,
    readsActivity: collected.readsActivity,
    activity: collected.activity,
    readsTime: collected.readsTime,
    readsEvent: collected.readsEvent,
    readsContext: collected.readsContext,
    readsSegments: collected.readsSegments,
    windows: collected.windows,
    derived: Object.freeze(derived),
    sequences: Object.freeze([...collected.sequences.values()]),
  });
}
