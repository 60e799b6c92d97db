/**
 * The explainer's reading of paths and value tests: an interpretation of the
 * validated tree with the same semantics as the generated source
 * (generate-source.ts, generate-value-test.ts). Not on the hot path.
 */
import { metricName, type OnrampEvent } from '../events/event.js';
import type { JsonValue } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { engagementScore } from '../profiles/engagement.js';
import type { ConditionNode, FieldRef, ValueKind, ValueOp, ValueTest } from './condition-tree.js';
import type { EvalInput } from './condition.js';
import {
  compare,
  containsAll,
  decisionContent,
  equals,
  isIn,
  lastGroupTraits,
  matchesRegex,
  setHasAll,
  setHasAny,
  setSome,
  someElement,
  typeName,
} from './compare.js';
import { needsOwnCheck } from './paths.js';
import { compareVersion } from './version.js';

/** What a value is read from: a profile input, an event (filters) or an array element. */
export type ReadSource =
  | { readonly type: 'profile'; readonly input: EvalInput; readonly plan: ProfilePlan | undefined }
  | { readonly type: 'filter'; readonly event: OnrampEvent }
  | { readonly type: 'element'; readonly element: unknown };

/** Reads `segments` from `value` as the generated readers do (own properties for prototype names). */
export function readSegments(value: unknown, segments: readonly string[]): unknown {
  let o = value;
  for (const segment of segments) {
    if (typeof o !== 'object' || o === null) return undefined;
    if (needsOwnCheck(segment) && !Object.hasOwn(o, segment)) return undefined;
    o = (o as Record<string, unknown>)[segment];
  }
  return o;
}

export function readField(field: FieldRef, source: ReadSource): unknown {
  if (source.type === 'element') return readSegments(source.element, field.segments);
  if (source.type === 'filter') {
    const event = source.event as unknown as Record<string, unknown>;
    const head = event[field.segments[0] as string];
    return field.root === 'filter.record' ? readSegments(head, field.segments.slice(1)) : head;
  }
  const { input, plan } = source;
  const p = input.profile;
  const first = field.segments[0] as string;
  switch (field.root) {
    case 'userId':
    case 'anonymousIds':
    case 'firstSeen':
    case 'lastSeen':
    case 'eventCount':
      return p[field.root];
    case 'traits':
      return readSegments(p.traits, field.segments);
    case 'group':
      return readSegments(lastGroupTraits(p.groups), field.segments);
    case 'consent':
      return readSegments(p.consent?.categories, field.segments);
    case 'firstTouch':
    case 'lastTouch':
      return (p[field.root] as Record<string, unknown> | undefined)?.[first];
    case 'sessions.count':
      return p.sessions.count;
    case 'sessions.totalDuration':
      return p.sessions.totalDurationMs;
    case 'engagement':
      return plan === undefined
        ? undefined
        : engagementScore(p, plan.engagement, plan.windows, input.now);
    case 'decisions':
      return decisionContent(p.decisions, first, input.now);
    case 'flows':
      return readSegments(p.flows, [first, 'step']);
    case 'segments':
      return p.segments;
    case 'now':
      return input.now;
    case 'event.type':
      return input.event?.type;
    case 'event.name':
      return input.event === undefined ? undefined : metricName(input.event);
    case 'event.properties':
    case 'event.traits':
    case 'event.context':
      return readSegments(input.event?.[field.root.slice(6) as 'properties'], field.segments);
    case 'context':
      return readSegments(input.context, field.segments);
    default:
      return readSegments(undefined, field.segments);
  }
}

/** Evaluates an `$elemMatch` query on one element (supplied by explain-condition.ts). */
export type ElementEvaluator = (condition: ConditionNode, element: unknown) => boolean;

export function evaluateValueTest(
  test: ValueTest,
  value: unknown,
  kind: ValueKind,
  element: ElementEvaluator,
): boolean {
  for (const op of test) if (!evaluateOp(op, value, kind, element)) return false;
  return true;
}

export function evaluateOp(
  op: ValueOp,
  value: unknown,
  kind: ValueKind,
  element: ElementEvaluator,
): boolean {
  const set = value as readonly string[] | undefined;
  switch (op.op) {
    case 'eq':
    case 'ne': {
      const equal =
        kind === 'set'
          ? typeof op.value === 'string' && set !== undefined && set.includes(op.value)
          : equalsOf(value, op.value, kind);
      return op.op === 'eq' ? equal : !equal;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return kind === 'json' || kind === 'strings'
        ? compare(value, op.op, op.value)
        : compareSame(value, op.op, op.value);
    case 'in':
    case 'nin': {
      const found = kind === 'set' ? setHasAny(set, op.values) : membership(value, op.values);
      return op.op === 'in' ? found : !found;
    }
    case 'all':
      return kind === 'set' ? setHasAll(set, op.values) : containsAll(value, op.values);
    case 'exists':
      if (kind === 'set') return op.value;
      return op.value === (value !== undefined && value !== null);
    case 'type':
      return kind === 'set' ? op.value === 'array' : typeName(value) === op.value;
    case 'regex': {
      const regex = new RegExp(op.source, op.flags);
      return kind === 'string'
        ? typeof value === 'string' && regex.test(value)
        : matchesRegex(value, regex);
    }
    case 'size': {
      const size =
        kind === 'set'
          ? set === undefined
            ? 0
            : set.length
          : Array.isArray(value)
            ? value.length
            : undefined;
      return size !== undefined && evaluateValueTest(op.test, size, 'number', element);
    }
    case 'elemMatch': {
      const elementKind: ValueKind = kind === 'json' ? 'json' : 'string';
      const predicate = (x: unknown) => evaluateValueTest(op.test, x, elementKind, element);
      return kind === 'set' ? setSome(set, predicate) : someElement(value, predicate);
    }
    case 'elemMatchDoc':
      return someElement(value, (x) => element(op.condition, x));
    case 'not':
      return !evaluateValueTest(op.test, value, kind, element);
    default: {
      const order = compareVersion(value, op.value);
      if (order === 2) return false;
      switch (op.op) {
        case 'veq':
          return order === 0;
        case 'vne':
          return order !== 0;
        case 'vgt':
          return order > 0;
        case 'vgte':
          return order >= 0;
        case 'vlt':
          return order < 0;
        case 'vlte':
          return order <= 0;
      }
    }
  }
}

function equalsOf(value: unknown, literal: JsonValue, kind: ValueKind): boolean {
  if (kind === 'json' || kind === 'strings' || (literal !== null && typeof literal === 'object')) {
    return equals(value, literal);
  }
  return literal === null ? value === null || value === undefined : value === literal;
}

function compareSame(
  value: unknown,
  op: 'gt' | 'gte' | 'lt' | 'lte',
  literal: number | string,
): boolean {
  return typeof value === typeof literal && compare(value, op, literal);
}

function membership(value: unknown, values: readonly JsonValue[]): boolean {
  const primitives = new Set<unknown>(values.filter((v) => v === null || typeof v !== 'object'));
  if (primitives.has(null)) primitives.add(undefined);
  return isIn(
    value,
    primitives,
    values.filter((v) => v !== null && typeof v === 'object'),
  );
}

/** A read value as JSON for an explanation (sets as sorted arrays, missing as undefined). */
export function toJson(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Set) return [...(value as Set<string>)].sort();
  return value as JsonValue;
}
