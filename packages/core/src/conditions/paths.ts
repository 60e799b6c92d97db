/**
 * The paths a condition may read, resolved at compile time. Anything else is an
 * "unknown path" issue; so are the segments `__proto__`, `constructor` and
 * `prototype` anywhere. Reads of user data (traits, properties, context…) never
 * return inherited properties: the generator and the explainer read segments
 * that exist on Object.prototype or Array.prototype with Object.hasOwn.
 */
import { touchDetailFields, touchUtmFields } from '../profiles/profile.js';
import { isUnsafeKey } from '../json/json.js';
import type { ConditionScope } from './condition.js';
import type { FieldRef, PathRoot, ValueKind } from './condition-tree.js';

/** What paths are relative to: a profile condition, an event filter, or an `$elemMatch` element. */
export type PathContext =
  | { readonly type: 'profile'; readonly scope: ConditionScope }
  | { readonly type: 'filter' }
  | { readonly type: 'element' };

export const MAX_PATH_SEGMENTS = 16;
export const MAX_PATH_LENGTH = 256;

/** Fields of a TouchContext (profile.ts): the only `firstTouch.` / `lastTouch.` paths. */
const touchFields: ReadonlySet<string> = new Set([...touchUtmFields, ...touchDetailFields]);

/** Whole paths of the profile with a fixed kind. */
const fixedPaths: Readonly<Record<string, readonly [PathRoot, ValueKind]>> = {
  userId: ['userId', 'string'],
  anonymousIds: ['anonymousIds', 'strings'],
  firstSeen: ['firstSeen', 'time'],
  lastSeen: ['lastSeen', 'time'],
  eventCount: ['eventCount', 'number'],
  'sessions.count': ['sessions.count', 'number'],
  'sessions.totalDuration': ['sessions.totalDuration', 'duration'],
  engagement: ['engagement', 'number'],
  segments: ['segments', 'set'],
  now: ['now', 'time'],
};

/** Top-level fields of an event in an event filter, and their kinds. */
const eventFields: Readonly<Record<string, ValueKind>> = {
  type: 'string',
  event: 'string',
  name: 'string',
  category: 'string',
  groupId: 'string',
  userId: 'string',
  anonymousId: 'string',
  previousId: 'string',
  timestamp: 'time',
};
const eventRecords = new Set(['properties', 'traits', 'context']);

/** Splits and checks a path; a message when it is malformed or unsafe. */
export function splitPath(path: string): string[] | string {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) {
    return `path must have 1 to ${MAX_PATH_LENGTH} characters`;
  }
  const segments = path.split('.');
  if (segments.length > MAX_PATH_SEGMENTS)
    return `path has more than ${MAX_PATH_SEGMENTS} segments`;
  if (segments.some((s) => s === '')) return `path "${path}" has an empty segment`;
  const unsafe = segments.find((s) => isUnsafeKey(s));
  if (unsafe !== undefined) return `path segment "${unsafe}" is not allowed`;
  return segments;
}

/** Resolves a path in its context; a message (for an "unknown path" issue) when it names nothing. */
export function resolvePath(path: string, context: PathContext): FieldRef | string {
  const segments = splitPath(path);
  if (typeof segments === 'string') return `unknown path: ${segments}`;
  const resolved =
    context.type === 'profile'
      ? resolveProfilePath(path, segments, context.scope)
      : context.type === 'filter'
        ? resolveFilterPath(path, segments)
        : { path, root: 'element' as const, segments, kind: 'json' as const };
  return resolved ?? `unknown path "${path}"`;
}

function resolveProfilePath(
  path: string,
  segments: readonly string[],
  scope: ConditionScope,
): FieldRef | undefined {
  const fixed = Object.hasOwn(fixedPaths, path) ? fixedPaths[path] : undefined;
  if (fixed !== undefined) return { path, root: fixed[0], segments: [], kind: fixed[1] };
  const [head, ...rest] = segments as [string, ...string[]];
  switch (head) {
    case 'traits':
    case 'group':
      return { path, root: head, segments: rest, kind: 'json' };
    case 'consent':
      return rest.length === 1 ? { path, root: head, segments: rest, kind: 'boolean' } : undefined;
    case 'decisions':
    case 'flows':
      return rest.length === 1 ? { path, root: head, segments: rest, kind: 'string' } : undefined;
    case 'firstTouch':
    case 'lastTouch':
      return touchPath(path, head, rest);
    case 'event':
      return scope.event === true ? eventPath(path, rest) : undefined;
    case 'context':
      return scope.context === true
        ? { path, root: 'context', segments: rest, kind: 'json' }
        : undefined;
    default:
      return undefined;
  }
}

function touchPath(
  path: string,
  root: 'firstTouch' | 'lastTouch',
  rest: readonly string[],
): FieldRef | undefined {
  if (rest.length !== 1) return undefined;
  const field = rest[0] as string;
  if (field === 'at') return { path, root, segments: rest, kind: 'time' };
  return touchFields.has(field) ? { path, root, segments: rest, kind: 'string' } : undefined;
}

function eventPath(path: string, rest: readonly string[]): FieldRef | undefined {
  const [field, ...more] = rest;
  if (field === 'type' || field === 'name') {
    return more.length === 0
      ? { path, root: `event.${field}`, segments: [], kind: 'string' }
      : undefined;
  }
  if (field === 'properties' || field === 'traits' || field === 'context') {
    return { path, root: `event.${field}`, segments: more, kind: 'json' };
  }
  return undefined;
}

function resolveFilterPath(path: string, segments: readonly string[]): FieldRef | undefined {
  const field = segments[0] as string;
  if (eventRecords.has(field)) return { path, root: 'filter.record', segments, kind: 'json' };
  const kind = Object.hasOwn(eventFields, field) ? eventFields[field] : undefined;
  if (kind === undefined || segments.length !== 1) return undefined;
  return { path, root: 'filter.field', segments, kind };
}

/** Segments that exist on Object.prototype or Array.prototype: read with Object.hasOwn. */
export function needsOwnCheck(segment: string): boolean {
  return segment in Object.prototype || segment in Array.prototype;
}
