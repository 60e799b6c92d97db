/**
 * Value semantics of the condition language, shared by the generated code (which
 * inlines the common cases and calls these for the rest) and the explainer.
 *
 * TYPE COERCION (docs/conditions.md "Types"): none. `$eq` is strict (5 ≠ "5");
 * `$gt`/`$gte`/`$lt`/`$lte` compare a number with a number and a string with a
 * string (UTF-16 code units), anything else is false. Time paths take ISO 8601
 * literals, converted to ms when compiled. Versions ($veq…): version.ts. An array value matches a scalar operator ($eq $in $gt… $regex $v…)
 * when one of its elements does ($ne, $nin: when none does), as in MongoDB.
 */
import type { JsonValue } from '../json/json.js';
import type { CompareOp, TypeName } from './condition-tree.js';

/** Deep equality of JSON values; object keys in any order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    if (!Object.hasOwn(right, key) || !deepEqual(left[key], right[key])) return false;
    count += 1;
  }
  for (const key in right) if (Object.hasOwn(right, key)) count -= 1;
  return count === 0;
}

/** `$eq` with any literal: equal, or (array value) an element equal; null matches missing. */
export function equals(value: unknown, literal: JsonValue): boolean {
  if (literal === null) {
    if (value === null || value === undefined) return true;
    return Array.isArray(value) && value.some((e) => e === null);
  }
  if (typeof literal !== 'object') {
    return value === literal || (Array.isArray(value) && value.includes(literal));
  }
  if (deepEqual(value, literal)) return true;
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (deepEqual(value[i], literal)) return true;
  return false;
}

/**
 * `$in`: the value (or an element of an array value) is among the literals. The
 * primitive literals are in a Set (with undefined added when null is among them:
 * null matches missing); the others are compared deeply.
 */
export function isIn(
  value: unknown,
  primitives: ReadonlySet<unknown>,
  others: readonly JsonValue[],
): boolean {
  if (primitives.has(value)) return true;
  if (typeof value === 'object' && value !== null) {
    for (let i = 0; i < others.length; i++) if (deepEqual(value, others[i])) return true;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (element === undefined) continue;
        if (primitives.has(element)) return true;
        for (let j = 0; j < others.length; j++) if (deepEqual(element, others[j])) return true;
      }
    }
  }
  return false;
}

/** `$all`: an array value holding an element equal to each literal. */
export function containsAll(value: unknown, literals: readonly JsonValue[]): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < literals.length; i++) {
    const literal = literals[i];
    let found = false;
    for (let j = 0; j < value.length && !found; j++) found = deepEqual(value[j], literal);
    if (!found) return false;
  }
  return true;
}

/** One comparison of same-typed scalars; false across types (no coercion). */
export function compareScalar(value: unknown, op: CompareOp, literal: number | string): boolean {
  if (typeof value !== typeof literal) return false;
  const v = value as number | string;
  switch (op) {
    case 'gt':
      return v > literal;
    case 'gte':
      return v >= literal;
    case 'lt':
      return v < literal;
    case 'lte':
      return v <= literal;
  }
}

/** A comparison: the value itself, or one element of an array value. */
export function compare(value: unknown, op: CompareOp, literal: number | string): boolean {
  if (compareScalar(value, op, literal)) return true;
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (compareScalar(value[i], op, literal)) return true;
  return false;
}

/** `$regex`: a string value, or a string element of an array value, matches. */
export function matchesRegex(value: unknown, regex: RegExp): boolean {
  if (typeof value === 'string') return regex.test(value);
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    if (typeof element === 'string' && regex.test(element)) return true;
  }
  return false;
}

/** `$type` names: JSON's types, plus "undefined" for a missing value. */
export function typeName(value: unknown): TypeName | 'unknown' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'object':
    case 'undefined':
      return typeof value as TypeName;
    default:
      return 'unknown';
  }
}

/** Some element satisfies a predicate (`$elemMatch`); false for a non-array. */
export function someElement(value: unknown, predicate: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (predicate(value[i])) return true;
  return false;
}

/** The decision a profile has in a placement, when present and not expired at `now`. */
export function decisionContent(
  decisions: Record<string, { content: string; expiresAt?: number }> | undefined,
  placement: string,
  now: number,
): string | undefined {
  if (decisions === undefined || !Object.hasOwn(decisions, placement)) return undefined;
  const decision = decisions[placement];
  if (decision === undefined) return undefined;
  if (decision.expiresAt !== undefined && decision.expiresAt <= now) return undefined;
  return decision.content;
}

/** The traits of the most recent group (the last key of `groups`), or undefined. */
export function lastGroupTraits(groups: Record<string, unknown> | undefined): unknown {
  if (groups === undefined) return undefined;
  let last: unknown;
  for (const id in groups) if (Object.hasOwn(groups, id)) last = groups[id];
  return last;
}

/** An own property of an object (or array), never an inherited one. */
export function ownValue(record: unknown, key: string): unknown {
  if (typeof record !== 'object' || record === null) return undefined;
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/** The profile's segment ids (`segments` path): has any / all of the literals. */
export function setHasAny(
  set: readonly string[] | undefined,
  values: readonly JsonValue[],
): boolean {
  if (set === undefined) return false;
  for (let i = 0; i < values.length; i++) if (set.includes(values[i] as string)) return true;
  return false;
}

export function setHasAll(
  set: readonly string[] | undefined,
  values: readonly JsonValue[],
): boolean {
  if (set === undefined) return false;
  for (let i = 0; i < values.length; i++) if (!set.includes(values[i] as string)) return false;
  return true;
}

export function setSome(
  set: readonly string[] | undefined,
  predicate: (element: unknown) => boolean,
): boolean {
  if (set === undefined) return false;
  for (let i = 0; i < set.length; i++) if (predicate(set[i])) return true;
  return false;
}

/** The helpers generated code calls, passed in as one object (never looked up by name at run time). */
export const runtimeHelpers = Object.freeze({
  deepEqual,
  equals,
  isIn,
  containsAll,
  compare,
  matchesRegex,
  typeName,
  someElement,
  decisionContent,
  lastGroupTraits,
  ownValue,
  setHasAny,
  setHasAll,
  setSome,
});
