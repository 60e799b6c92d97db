import type { JsonObject } from '../json/json.js';
import type { FieldError } from './dead-letter-store.js';
import { eventTypes, type EventType } from './event.js';

/*
 * Validation of one untrusted Segment message, after the HTTP layer parsed its JSON.
 *
 * Written by hand, not as a JSON Schema for Ajv or TypeBox, because it runs for every
 * event (≥ 100 000/s): one pass checks the fixed top-level fields, walks the free-form
 * objects (properties, traits, context, integrations) for `__proto__` keys, depth and
 * string size (a schema needs a recursive walk of its own for these), and builds the
 * clean message as it goes. Field paths are only built when there is an error.
 */

const maxIdLength = 256;
const maxMessageIdLength = 100;
/** Levels of nesting, the message itself being level 1. */
export const maxMessageDepth = 32;
const maxStringBytes = 64 * 1024;
/** Errors reported per message; the rest are left out so that bad input stays cheap. */
const maxErrors = 20;
/** The field named when the message itself is at fault and the caller gave no path. */
export const messageRootField = '(root)';

/** A Segment message that passed validation: known fields only, ids as strings. */
export interface SegmentMessage {
  type: EventType;
  messageId?: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  category?: string;
  groupId?: string;
  previousId?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
  integrations?: JsonObject;
  /** ISO 8601 date-times with a timezone, as the client sent them. */
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
}

export type ValidationResult =
  { ok: true; message: SegmentMessage } | { ok: false; errors: FieldError[] };

export interface ValidateOptions {
  /** Prefix of every field path: `batch[3]` for a batch item, '' for a single message. */
  path: string;
  /** The endpoint's type (`/v1/track` → track): fills a missing `type`, must match a given one. */
  type?: EventType;
}

const objectFields = ['properties', 'traits', 'context', 'integrations'] as const;
const timeFields = ['timestamp', 'originalTimestamp', 'sentAt'] as const;
const identifier = /^[A-Za-z_$][\w$]*$/;

/** `properties` + `plan` → `properties.plan`; odd keys are quoted: `properties["a b"]`. */
export function appendPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!identifier.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function validateMessage(input: unknown, options: ValidateOptions): ValidationResult {
  const { path } = options;
  if (!isPlainObject(input)) {
    return {
      ok: false,
      errors: [{ field: path || messageRootField, message: 'must be a JSON object' }],
    };
  }
  const errors: FieldError[] = [];
  const fail = (key: string, message: string): void => {
    errors.push({ field: appendPath(path, key), message });
  };
  if (Object.hasOwn(input, '__proto__')) fail('__proto__', 'is not allowed');

  const type = readType(input.type, options.type, fail);
  const message: SegmentMessage = { type: type ?? 'track' };

  const idErrors = errors.length;
  const userId = readId(input.userId, 'userId', fail);
  const anonymousId = readId(input.anonymousId, 'anonymousId', fail);
  if (userId !== undefined) message.userId = userId;
  if (anonymousId !== undefined) message.anonymousId = anonymousId;
  if (type === 'alias') {
    if (userId === undefined && errors.length === idErrors) fail('userId', 'is required');
    const previousId = readId(input.previousId, 'previousId', fail);
    if (previousId !== undefined) message.previousId = previousId;
    else if (input.previousId == null) fail('previousId', 'is required');
  } else if (userId === undefined && anonymousId === undefined && errors.length === idErrors) {
    fail('userId', 'is required (or anonymousId)');
  }

  if (type === 'track') {
    const event = readString(input.event, 'event', maxIdLength, fail);
    if (event !== undefined) message.event = event;
    else if (input.event == null) fail('event', 'is required');
  } else if (type === 'page' || type === 'screen') {
    const name = readString(input.name, 'name', maxStringBytes, fail);
    const category = readString(input.category, 'category', maxStringBytes, fail);
    if (name !== undefined) message.name = name;
    if (category !== undefined) message.category = category;
  } else if (type === 'group') {
    const groupId = readId(input.groupId, 'groupId', fail);
    if (groupId !== undefined) message.groupId = groupId;
    else if (input.groupId == null) fail('groupId', 'is required');
  }

  const messageId = readString(input.messageId, 'messageId', maxMessageIdLength, fail);
  if (messageId !== undefined) message.messageId = messageId;

  for (const key of timeFields) {
    const value = input[key];
    if (value == null) continue;
    if (typeof value === 'string' && parseIsoTimestamp(value) !== undefined) message[key] = value;
    else fail(key, timeError(value));
  }

  for (const key of objectFields) {
    const value = input[key];
    if (value == null) continue;
    if (!isPlainObject(value)) {
      fail(key, 'must be an object');
      continue;
    }
    const walk: Walk = { path, errors, stack: [key] };
    walkJson(value, walk);
    message[key] = value as JsonObject;
  }

  if (errors.length > 0) return { ok: false, errors: errors.slice(0, maxErrors) };
  return { ok: true, message };
}

type Fail = (key: string, message: string) => void;

function readType(value: unknown, endpointType: EventType | undefined, fail: Fail) {
  if (value == null) {
    if (endpointType === undefined) fail('type', 'is required');
    return endpointType;
  }
  if (typeof value !== 'string' || !(eventTypes as readonly string[]).includes(value)) {
    fail('type', `must be one of ${eventTypes.join(', ')}`);
    return undefined;
  }
  if (endpointType !== undefined && value !== endpointType) {
    fail('type', `must be "${endpointType}" on this endpoint, not "${value}"`);
    return undefined;
  }
  return value as EventType;
}

/** An id: a non-empty string, or a number converted to a string as Segment's libraries do. */
function readId(value: unknown, key: string, fail: Fail): string | undefined {
  if (value == null) return undefined;
  let id: string;
  if (typeof value === 'string') id = value;
  else if (typeof value === 'number' && Number.isFinite(value)) id = String(value);
  else return void fail(key, 'must be a string or a number');
  if (id.length === 0) return void fail(key, 'must not be empty');
  if (id.length > maxIdLength) return void fail(key, `must be at most ${maxIdLength} characters`);
  return id;
}

function readString(value: unknown, key: string, max: number, fail: Fail): string | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'string') return void fail(key, 'must be a string');
  if (value.length === 0) return void fail(key, 'must not be empty');
  if (value.length > max) return void fail(key, `must be at most ${max} characters`);
  return value;
}

function timeError(value: unknown): string {
  const example = 'an ISO 8601 date-time with a timezone, e.g. "2024-05-01T12:00:00.000Z"';
  if (typeof value === 'number') return `must be ${example}, not a number`;
  return `must be ${example}`;
}

interface Walk {
  path: string;
  errors: FieldError[];
  /** Keys from the top-level field down to the value being checked. */
  stack: (string | number)[];
}

function walkFail(walk: Walk, message: string): void {
  let field = walk.path;
  for (const key of walk.stack) field = appendPath(field, key);
  walk.errors.push({ field, message });
}

/** Checks that `value` is plain JSON without `__proto__` keys, too deep nesting or huge strings. */
function walkJson(value: unknown, walk: Walk): void {
  switch (typeof value) {
    case 'string':
      if (isTooLong(value)) walkFail(walk, `must be at most ${maxStringBytes / 1024} KB`);
      return;
    case 'number':
      if (!Number.isFinite(value)) walkFail(walk, 'must be a finite number');
      return;
    case 'boolean':
      return;
    case 'object': {
      if (value === null) return;
      // The message is level 1, so a container under `stack.length` keys is at level length + 1.
      if (walk.stack.length >= maxMessageDepth) {
        return walkFail(walk, `nests deeper than ${maxMessageDepth} levels`);
      }
      const { stack } = walk;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && walk.errors.length < maxErrors; i++) {
          stack.push(i);
          walkJson(value[i], walk);
          stack.pop();
        }
        return;
      }
      if (!isPlainObject(value)) return walkFail(walk, 'must be a JSON value');
      for (const key of Object.keys(value)) {
        if (walk.errors.length >= maxErrors) return;
        stack.push(key);
        if (key === '__proto__') walkFail(walk, 'is not allowed');
        else if (isTooLong(key)) walkFail(walk, `key must be at most ${maxStringBytes / 1024} KB`);
        else walkJson(value[key], walk);
        stack.pop();
      }
      return;
    }
    default:
      walkFail(walk, 'must be a JSON value');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isTooLong(text: string): boolean {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: count bytes only when the length can't decide.
  if (text.length <= maxStringBytes / 3) return false;
  return text.length > maxStringBytes || utf8Length(text) > maxStringBytes;
}

/** Bytes of `text` in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    // Below 0x800: 2 bytes; each half of a surrogate pair: 2 (4 per pair); else 3.
    bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 400 Gregorian years, in ms: shifts years 0–99 out of Date.UTC's 1900–1999 mapping. */
const fourCenturies = 146_097 * 86_400_000;

/**
 * Epoch ms of an ISO 8601 / RFC 3339 date-time that states its timezone
 * (`Z`, `+02:00`, `+0200` or `+02`), else undefined. Dates without a timezone and
 * other formats Date.parse would guess at are refused. The grammar:
 * `YYYY-MM-DD[Tt ]HH:MM[:SS[(.|,)F{1,9}]](Z|z|(+|-)HH[[:]MM])`.
 *
 * Read character by character: it runs twice per ingested message, and a regular
 * expression's match array and its eight substrings were 3 % of all the bytes the
 * event path allocated.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const length = text.length;
  if (length > 40) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return undefined;
  const separator = text.charCodeAt(10);
  if (text.charCodeAt(4) !== dash || text.charCodeAt(7) !== dash || text.charCodeAt(13) !== colon)
    return undefined;
  if (separator !== 0x54 && separator !== 0x74 && separator !== 0x20) return undefined; // T t space
  let i = 16;
  let second = 0;
  let ms = 0;
  if (text.charCodeAt(i) === colon) {
    second = digitsAt(text, i + 1, 2);
    if (second < 0) return undefined;
    i += 3;
    const mark = text.charCodeAt(i);
    if (mark === 0x2e || mark === 0x2c) {
      // . or , then 1–9 digits: milliseconds from the first three
      i++;
      let count = 0;
      while (count < 9 && isDigit(text.charCodeAt(i))) {
        if (count < 3) ms = ms * 10 + (text.charCodeAt(i) - zero);
        count++;
        i++;
      }
      if (count === 0) return undefined;
      if (count < 3) ms *= count === 1 ? 100 : 10;
    }
  }
  let offset = 0;
  const zone = text.charCodeAt(i);
  if (zone === 0x5a || zone === 0x7a) {
    // Z or z
    if (i + 1 !== length) return undefined;
  } else if (zone === 0x2b || zone === dash) {
    const hours = digitsAt(text, i + 1, 2);
    if (hours < 0) return undefined;
    let end = i + 3;
    let minutes = 0;
    if (end < length) {
      if (text.charCodeAt(end) === colon) end++;
      minutes = digitsAt(text, end, 2);
      if (minutes < 0) return undefined;
      end += 2;
    }
    if (end !== length || hours > 23 || minutes > 59) return undefined;
    offset = (zone === dash ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  } else return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = (daysInMonth[month - 1] ?? 0) + (leap ? 1 : 0);
  if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - fourCenturies;
  return utc - offset;
}

const zero = 0x30;
const dash = 0x2d;
const colon = 0x3a;

function isDigit(code: number): boolean {
  return code >= zero && code <= zero + 9;
}

/** The number written by `count` ASCII digits at `start`; -1 if any is not a digit (or missing). */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - zero);
  }
  return value;
}
