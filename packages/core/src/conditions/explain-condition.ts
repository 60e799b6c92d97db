/**
 * Explains a condition: the value of every node for one input, as a tree (a dry
 * run's "why"). Interprets the validated tree with the semantics of the
 * generated code; spec.test.ts asserts that both agree on every spec case.
 */
import type { OnrampEvent } from '../events/event.js';
import type { JsonValue } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import {
  EVENT_BUCKETS,
  EVENT_FIRST,
  EVENT_LAST,
  EVENT_TOTAL,
  type EventCounters,
  type ProfileState,
} from '../profiles/profile.js';
import { countInWindow } from '../profiles/windows.js';
import type { ConditionNode, CounterRef, ElapsedSince, ValueTest } from './condition-tree.js';
import type { EvalInput, ExplainNode } from './condition.js';
import {
  evaluateOp,
  evaluateValueTest,
  readField,
  toJson,
  type ReadSource,
} from './explain-value.js';

/** Explains a profile condition (plan: the finished compiler's profile plan). */
export function explainCondition(
  node: ConditionNode,
  input: EvalInput,
  plan: ProfilePlan,
): ExplainNode {
  return explainNode(node, { type: 'profile', input, plan });
}

/** Explains an event filter. */
export function explainFilter(node: ConditionNode, event: OnrampEvent): ExplainNode {
  return explainNode(node, { type: 'filter', event });
}

function explainNode(node: ConditionNode, source: ReadSource): ExplainNode {
  switch (node.type) {
    case 'and':
    case 'or':
    case 'nor': {
      const children = node.children.map((child) => explainNode(child, source));
      const any = children.some((child) => child.result);
      const result =
        node.type === 'and'
          ? children.every((child) => child.result)
          : node.type === 'or'
            ? any
            : !any;
      return { label: node.label, result, children };
    }
    case 'not': {
      const child = explainNode(node.child, source);
      return { label: node.label, result: !child.result, children: [child] };
    }
    case 'field':
      return explainField(node, source);
    case 'event':
    case 'elapsed':
    case 'sequence':
      if (source.type !== 'profile' || source.plan === undefined) {
        return { label: `$${node.type}`, expected: node.operand, result: false };
      }
      return explainBehaviour(node, source.input, source.plan);
  }
}

function explainField(
  node: Extract<ConditionNode, { type: 'field' }>,
  source: ReadSource,
): ExplainNode {
  const value = readField(node.field, source);
  const element = (condition: ConditionNode, x: unknown) =>
    explainNode(condition, { type: 'element', element: x }).result;
  const children = node.test.map((op): ExplainNode => ({
    label: op.label,
    expected: op.operand,
    result: evaluateOp(op, value, node.field.kind, element),
  }));
  const actual = toJson(value);
  return {
    label: node.field.path,
    expected: node.operand,
    ...(actual !== undefined && { actual }),
    result: children.every((child) => child.result),
    ...(children.length > 1 && { children }),
  };
}

function explainBehaviour(
  node: Extract<ConditionNode, { type: 'event' | 'elapsed' | 'sequence' }>,
  input: EvalInput,
  plan: ProfilePlan,
): ExplainNode {
  const label = `$${node.type}`;
  const p = input.profile;
  let actual: JsonValue | undefined;
  let result: boolean;
  if (node.type === 'event') {
    const counters = countersOf(p, node.counter);
    const count = countOf(counters, node.windowMs, plan, input.now);
    actual = count;
    if (node.since !== undefined) {
      const other = countersOf(p, { name: node.since });
      result =
        count >= 1 &&
        counters !== undefined &&
        (other === undefined || (counters[EVENT_LAST] as number) > (other[EVENT_LAST] as number));
    } else result = evaluateNumbers(node.count, count);
  } else if (node.type === 'elapsed') {
    const reference = referenceTime(p, node.since);
    if (reference === undefined) result = false;
    else {
      actual = input.now - reference;
      result = evaluateNumbers(node.test, actual);
    }
  } else {
    const tracker =
      p.sequences !== undefined && Object.hasOwn(p.sequences, node.key)
        ? p.sequences[node.key]
        : undefined;
    const completedAt = tracker?.[0];
    result = completedAt !== undefined && completedAt >= 0;
    if (result) actual = completedAt as number;
  }
  return { label, expected: node.operand, ...(actual !== undefined && { actual }), result };
}

function evaluateNumbers(test: ValueTest, value: number): boolean {
  return evaluateValueTest(test, value, 'number', () => false);
}

/** The counters a `$event` reads: the event name's, or its filtered counter's (own keys only). */
export function countersOf(p: ProfileState, counter: CounterRef): EventCounters | undefined {
  const record = counter.derived === undefined ? p.events : p.derived;
  const key = counter.derived === undefined ? counter.name : counter.derived.key;
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function countOf(
  counters: EventCounters | undefined,
  windowMs: number | undefined,
  plan: ProfilePlan,
  now: number,
): number {
  if (counters === undefined) return 0;
  if (windowMs === undefined) return counters[EVENT_TOTAL] as number;
  const index = plan.windows.windows.findIndex((w) => w.ms === windowMs);
  return countInWindow(counters, plan.windows, index, now, EVENT_BUCKETS);
}

/** The time an `$elapsed` counts from, or undefined when the profile has none. */
export function referenceTime(p: ProfileState, since: ElapsedSince): number | undefined {
  switch (since.type) {
    case 'firstSeen':
    case 'lastSeen':
      return p.eventCount > 0 ? p[since.type] : undefined;
    case 'sessionStart':
      return p.sessions.events > 0 ? p.sessions.start : undefined;
    case 'event':
      return countersOf(p, since.counter)?.[since.at === 'first' ? EVENT_FIRST : EVENT_LAST];
  }
}
