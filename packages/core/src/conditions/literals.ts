/**
 * Literal checks and conversions of the validator: which literal a path of a
 * given kind accepts, converted once at compile time (ISO dates and durations
 * to ms, versions padded). A message names what was expected when it is refused.
 */
import { isJsonObject, type JsonValue } from '../json/json.js';
import { parseDuration } from '../time/duration.js';
import type { ValueKind } from './condition-tree.js';

/** ISO 8601 date or date-time: "2026-01-31", "2026-01-31T12:00:00Z", "…+02:00". */
const isoDate =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export type Converted = { value: JsonValue } | { error: string };

/** What a JSON value is, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return `a ${typeof value}`;
}

function wrongType(expected: string, value: unknown): { error: string } {
  return { error: `wrong type: expected ${expected}, got ${describe(value)}` };
}

/** An ISO 8601 string as ms since the epoch, or undefined. */
export function parseIsoTime(text: string): number | undefined {
  if (!isoDate.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A duration literal ("5m", "24h", or a number of ms ≥ 0) as ms. */
export function convertDuration(value: unknown): Converted {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return { value };
  if (typeof value === 'string') {
    const ms = parseDuration(value);
    if (ms !== undefined) return { value: ms };
    return { error: `wrong type: "${value}" is not a duration (e.g. "30s", "5m", "24h", "7d")` };
  }
  return wrongType('a duration ("5m") or a number of ms', value);
}

/** A literal to compare for equality with a value of `kind` ($eq $ne $in $nin $all). */
export function convertEqualityLiteral(kind: ValueKind, value: unknown): Converted {
  if (value === null) return { value: null };
  switch (kind) {
    case 'json':
      return { value: value as JsonValue };
    case 'string':
    case 'set':
      return typeof value === 'string' ? { value } : wrongType('a string', value);
    case 'strings':
      if (typeof value === 'string') return { value };
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? { value }
        : wrongType('a string or an array of strings', value);
    case 'boolean':
      return typeof value === 'boolean' ? { value } : wrongType('a boolean', value);
    default:
      return convertOrderedLiteral(kind, value);
  }
}

/** A literal for $gt $gte $lt $lte with a value of `kind`. */
export function convertOrderedLiteral(kind: ValueKind, value: unknown): Converted {
  switch (kind) {
    case 'json':
      return typeof value === 'number' || typeof value === 'string'
        ? { value }
        : wrongType('a number or a string', value);
    case 'string':
    case 'strings':
      return typeof value === 'string' ? { value } : wrongType('a string', value);
    case 'number':
      return typeof value === 'number' ? { value } : wrongType('a number', value);
    case 'time':
      if (typeof value === 'number') return { value };
      if (typeof value === 'string') {
        const ms = parseIsoTime(value);
        if (ms !== undefined) return { value: ms };
        return { error: `wrong type: "${value}" is not an ISO 8601 date or date-time` };
      }
      return wrongType('a time (ms or an ISO 8601 string)', value);
    case 'duration':
      return convertDuration(value);
    default:
      return { error: `wrong type: ${kind === 'set' ? 'a set' : `a ${kind}`} has no order` };
  }
}

/** Checks that a document is plain JSON within the limits; the first problem found. */
export function measureDocument(
  document: unknown,
  maxDepth: number,
  maxNodes: number,
): { path: (string | number)[]; message: string } | undefined {
  let nodes = 0;
  const visit = (value: unknown, path: (string | number)[]): string | undefined => {
    nodes += 1;
    if (nodes > maxNodes) return `condition too large (more than ${maxNodes} values)`;
    if (path.length > maxDepth) return `condition nested deeper than ${maxDepth} levels`;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
    if (typeof value === 'number') {
      return Number.isFinite(value) ? undefined : `wrong type: ${value} is not a JSON number`;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const problem = visit(value[i], path);
        if (problem !== undefined) return problem;
        path.pop();
      }
      return undefined;
    }
    if (!isJsonObject(value) || !isPlainObject(value))
      return `wrong type: ${describe(value)} is not JSON`;
    for (const key of Object.keys(value)) {
      path.push(key);
      const problem = visit(value[key], path);
      if (problem !== undefined) return problem;
      path.pop();
    }
    return undefined;
  };
  const path: (string | number)[] = [];
  const message = visit(document, path);
  return message === undefined ? undefined : { path, message };
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
